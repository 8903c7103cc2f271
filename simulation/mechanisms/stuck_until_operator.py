"""stuck_until_operator — a component that fails and does not come back by itself.

Models subsystems that latch into a failed state when a trigger holds (Lambda's SQS
poller after DynamoDB failed; Redshift clusters waiting on host replacements that need
EC2 launches). Once stuck, it stays stuck after the trigger clears, until an operator
`release`s it, or until `release_when` holds (if given). While stuck a backlog grows at
`backlog_per_s` (e.g. unprocessed messages, clusters waiting); after release it drains
at `drain_per_s`, the service "recovering" until it is empty. After a release it latches
again only on a new onset: the trigger must first be seen false (a fix made while the
trigger still holds — the S3 2017 dashboard moved off S3 while S3 was down — sticks).

    ok --trigger holds--> stuck --release / release_when--> draining --backlog 0--> ok
                            | stop_growth: backlog stops growing (still stuck)

Params: trigger (condition), release_when (condition, optional), stuck_status
(degraded|down), stuck_error_rate, backlog_per_s, drain_per_s (items/s), tick_s.
Actions: `release`, `stop_growth`.
Metrics: stuck (bool), backlog, growing (bool). Events: stuck.latched, stuck.released,
stuck.drained.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.conditions import Check
from simulation.mechanisms.base import Contribution, Ticking, World, r4
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class StuckUntilOperator(Ticking):
    TYPE = "stuck_until_operator"
    PARAMS: ClassVar[dict[str, Param]] = {
        "trigger": Param("condition", {}, "", "condition that latches the failure"),
        "release_when": Param("condition", {}, "", "optional automatic release condition"),
        "stuck_status": Param(
            "choice", "degraded", "", "status while stuck", choices=("degraded", "down")
        ),
        "stuck_error_rate": Param("float", 0.2, "", "error rate while stuck", 0, 1),
        "backlog_per_s": Param("float", 1.0, "items/s", "backlog growth while stuck", 0),
        "drain_per_s": Param("float", 5.0, "items/s", "backlog drain after release", 0.0001),
        "label": Param("str", "", "", "what is stuck, for narration"),
        "tick_s": Ticking.TICK,
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {"release": {}, "stop_growth": {}}
    METRICS = ("stuck", "backlog", "growing")
    SHOWS = Shows(
        title="stuck until operator",
        signals=(
            Signal("stuck", "stuck", "", "boolean"),
            Signal("backlog", "backlog", "items", "count"),
            Signal("growing", "backlog growing", "", "boolean"),
        ),
        charts=(Chart("backlog", ("backlog",)),),
        panel=("stuck", "backlog", "growing"),
        loop=Loop(
            "latched failure",
            "it latched when its trigger held, and stays failed until it is released",
        ),
    )
    CONDITION_PARAMS = ("trigger", "release_when")

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        if not params.get("trigger"):
            errors.append((f"{path}.trigger", "is required"))

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        self.trigger: Check = world.compile(self.params["trigger"])
        release = self.params["release_when"]
        self.release_when: Check | None = world.compile(release) if release else None
        self.stuck = False
        self.growing = True
        self.backlog = 0.0
        self.armed = True
        self.label = self.params["label"] or self.id

    def step(self, dt_s: float) -> None:
        if not self.stuck:
            self._drain(dt_s)
            holds = self.world.check(self.trigger)
            if not self.armed:
                self.armed = not holds
            elif holds:
                self.stuck, self.growing = True, True
                self._emit("stuck.latched", f"{self.label} fails and does not recover by itself")
            return
        if self.growing:
            self.backlog += self.params["backlog_per_s"] * dt_s
        if self.release_when is not None and self.world.check(self.release_when):
            self._release()

    def state_key(self) -> Any:
        return (self.stuck, self.backlog, self.growing)

    def _drain(self, dt_s: float) -> None:
        if self.backlog <= 0:
            return
        self.backlog = max(0.0, self.backlog - self.params["drain_per_s"] * dt_s)
        if self.backlog == 0:
            self._emit("stuck.drained", f"{self.label}: backlog fully processed")

    def _release(self) -> None:
        self.stuck = False
        self.armed = False
        self._emit("stuck.released", f"{self.label} works again; its backlog drains")

    def _emit(self, kind: str, text: str) -> None:
        svc = self.services[0] if self.services else None
        self.world.emit(self.id, kind, text, svc, {"backlog": round(self.backlog)})

    def cause_cleared(self) -> bool:
        return not self.world.check(self.trigger)

    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "stop_growth":
            self.growing = False
        elif self.stuck:
            self._release()

    def contribution(self, t_ms: int) -> Contribution:
        if self.stuck:
            return self.each_service(self.params["stuck_status"], self.params["stuck_error_rate"])
        if self.backlog > 0:
            return self.each_service("recovering", r4(self.params["stuck_error_rate"] / 2))
        return self.each_service("healthy", 0.0)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {"stuck": self.stuck, "backlog": round(self.backlog), "growing": self.growing}
