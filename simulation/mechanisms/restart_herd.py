"""restart_herd — tasks restarting against a shared dependency, with or without backoff.

Models a fleet of `tasks` (processes, nodes, hosts) that each need one start-up request
to a shared dependency (a database, a configuration store, a lock or lease service)
before they serve. While `crash_when` holds the tasks crash (they are down and send
nothing). When it stops holding, every down task tries to start: this is the herd.

The dependency completes `capacity_per_s` requests per second, of which `base_load`
(a share) is its normal traffic. Offered load = normal traffic + start attempts per
second. Up to capacity every request succeeds. Beyond it the dependency's goodput
collapses (timeouts, queueing, wasted work): goodput = capacity × max(`floor`,
1 − `collapse` × (load / capacity − 1)), and each request succeeds with the chance
goodput / load. A task whose attempt fails retries after `retry_s`; with `backoff` the
delay doubles at each failure up to `max_backoff_s`; with `jitter` a retry waits a
uniform share of its delay (full jitter), otherwise tasks that failed together retry
together. Without jitter and backoff the herd keeps the dependency overloaded, so
recovery takes far longer than the dependency's capacity would allow — the loop that
sustains the failure is "failed starts → synchronised retries → overload → failed
starts". Operators break it by throttling starts (`throttle`) or adding capacity.

    up --crash_when--> crashed --clears--> herd: attempting --success--> up
                                              |     ^
                                              +-----+ failed: retry (backoff? jitter?)
    throttle {max_per_s}: at most that many start attempts per second are admitted.

Fluid model per `tick_s` (counts of tasks are real numbers). Error rate of `services`
(the tasks' service) = share of tasks not up: down at ≥ `down_error_rate`, recovering
while the herd drains. The `dependency` service (optional) is degraded or down with the
share of its requests that fail while it is overloaded.

Params: tasks (count), crash_when (condition), capacity_per_s (requests/s), base_load,
collapse, floor (fractions), retry_s, max_backoff_s (s), backoff, jitter (bools),
dependency (service id), down_error_rate (fraction), tick_s.
Actions: `throttle` {max_per_s}, `unthrottle`, `add_capacity` {factor}.
Metrics: up (share of tasks serving), waiting (tasks not up), attempts_per_s, load (offered
load / capacity), success (chance a request succeeds), overloaded (bool), crashed (bool),
throttle_per_s (0 = none). Events: herd.crashed, herd.started, herd.overloaded,
herd.recovered.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.conditions import Check
from simulation.mechanisms.base import Contribution, Ticking, World, r4, status_from_error
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec

_EPSILON = 0.5  # fewer waiting tasks than this count as none
_JITTER_SLOTS = 12  # a jittered retry is spread over at most this many ticks (cost bound)


class RestartHerd(Ticking):
    TYPE = "restart_herd"
    PARAMS: ClassVar[dict[str, Param]] = {
        "tasks": Param("int", 1000, "", "tasks that need a start-up request to serve", 1, 10**9),
        "crash_when": Param("condition", {}, "", "tasks crash and stay down while this holds"),
        "capacity_per_s": Param(
            "float", 100.0, "req/s", "requests the shared dependency completes", 0.0001
        ),
        "base_load": Param(
            "float", 0.5, "fraction", "its normal traffic, as a share of capacity", 0, 10
        ),
        "collapse": Param(
            "float", 1.0, "", "how fast goodput falls per unit of overload (0: it holds)", 0, 100
        ),
        "floor": Param("float", 0.05, "fraction", "goodput left under any overload", 0, 1),
        "retry_s": Param("float", 10.0, "s", "delay before retrying a failed start", 0.001, 86400),
        "backoff": Param("bool", False, "", "each failure doubles the delay (exponential backoff)"),
        "max_backoff_s": Param("float", 300.0, "s", "longest backoff delay", 0.001, 86400),
        "jitter": Param(
            "bool", False, "", "a retry waits a random share of its delay (full jitter)"
        ),
        "dependency": Param("str", "", "", "service id of the shared dependency (optional)"),
        "down_error_rate": Param(
            "float", 0.5, "fraction", "share of tasks down counted as down", 0, 1
        ),
        "tick_s": Param("float", 5.0, "s", "model step", 0.01, 3600),
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "throttle": {
            "max_per_s": Param("float", 10.0, "req/s", "start attempts admitted per second", 0.0001)
        },
        "unthrottle": {},
        "add_capacity": {
            "factor": Param(
                "float", 2.0, "×", "the dependency's capacity is multiplied by", 0.01, 1000
            )
        },
    }
    METRICS = (
        "up",
        "waiting",
        "attempts_per_s",
        "load",
        "success",
        "overloaded",
        "crashed",
        "throttle_per_s",
    )
    SHOWS = Shows(
        title="restart herd",
        signals=(
            Signal("up", "tasks up", "%", "level", 100),
            Signal("load", "load on the dependency", "%", "level", 100),
            Signal("success", "start requests that succeed", "%", "level", 100),
            Signal("waiting", "tasks not up", "tasks", "count"),
            Signal("attempts_per_s", "start attempts", "starts/s", "rate"),
            Signal("throttle_per_s", "start throttle", "starts/s", "rate"),
            Signal("overloaded", "dependency overloaded", "", "boolean"),
            Signal("crashed", "tasks crashed", "", "boolean"),
        ),
        charts=(
            Chart("tasks up and load on the dependency", ("up", "load")),
            Chart("start attempts", ("attempts_per_s",)),
        ),
        panel=(
            "up",
            "waiting",
            "attempts_per_s",
            "load",
            "success",
            "overloaded",
            "throttle_per_s",
        ),
        loop=Loop(
            "synchronised retries",
            "failed starts retry together and keep the shared dependency overloaded, so the "
            "starts keep failing",
        ),
    )
    SERVICE_PARAMS = ("dependency",)
    CONDITION_PARAMS = ("crash_when",)

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        if not params.get("crash_when"):
            errors.append((f"{path}.crash_when", "is required"))

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        self.crash: Check = world.compile(self.params["crash_when"] or {"all": []})
        self.capacity = self.params["capacity_per_s"]
        self.up = float(self.params["tasks"])
        # tick index -> {failures so far: tasks attempting at that tick}
        self.wheel: dict[int, dict[int, float]] = {}
        self.tick = 0
        self.crashed = False
        self.throttle: float | None = None
        self.attempts_per_s = 0.0
        self.load = self.params["base_load"]
        self.success = 1.0
        self.overloaded = False

    @property
    def waiting(self) -> float:
        return float(self.params["tasks"]) - self.up

    def step(self, dt_s: float) -> None:
        self.tick += 1
        crashed = self.world.check(self.crash)
        if crashed and not self.crashed:
            self._crash()
        elif self.crashed and not crashed:
            self._herd(dt_s)
        if self.crashed or not self.wheel:
            self.attempts_per_s, self.success = 0.0, 1.0
            self.load, self.overloaded = self.params["base_load"], False
            return
        if self.tick in self.wheel:
            self._attempt(dt_s)
        else:
            self.attempts_per_s = 0.0  # between synchronised bursts: the last outcome stands

    def _crash(self) -> None:
        self.crashed, self.up, self.wheel = True, 0.0, {}
        self._emit("herd.crashed", "Tasks crash and stay down")

    def _herd(self, dt_s: float) -> None:
        self.crashed = False
        self._schedule(
            self.waiting, 0, self.params["retry_s"] if self.params["jitter"] else 0, dt_s
        )
        self._emit("herd.started", "The trigger clears: every down task tries to start at once")

    def _attempt(self, dt_s: float) -> None:
        due = self.wheel.pop(self.tick, {})
        admitted = sum(due.values())
        if self.throttle is not None and admitted > self.throttle * dt_s:
            share = self.throttle * dt_s / admitted
            for k, count in due.items():  # the rest waits, in order, without failing
                self._add(self.tick + 1, k, count * (1 - share))
            due = {k: count * share for k, count in due.items()}
            admitted = self.throttle * dt_s
        p = self.params
        self.attempts_per_s = admitted / dt_s
        self.load = p["base_load"] + self.attempts_per_s / self.capacity
        self.success = self._success(self.load)
        if self.success < 1.0 and not self.overloaded:
            self._emit("herd.overloaded", "The restart herd overloads the shared dependency")
        self.overloaded = self.success < 1.0
        for k, count in due.items():
            self.up += count * self.success
            self._retry(count * (1 - self.success), k + 1, dt_s)
        if self.waiting < _EPSILON:
            self.up, self.wheel = float(p["tasks"]), {}
            self._emit("herd.recovered", "Every task is up again")

    def _success(self, load: float) -> float:
        if load <= 1.0:
            return 1.0
        p = self.params
        goodput = max(float(p["floor"]), 1.0 - float(p["collapse"]) * (load - 1.0))
        return min(1.0, goodput / load)

    def _retry(self, count: float, failures: int, dt_s: float) -> None:
        p = self.params
        if not p["backoff"]:
            self._schedule(count, 1, p["retry_s"], dt_s)
            return
        delay_s = p["retry_s"] * 2 ** min(failures - 1, 30)
        if delay_s >= p["max_backoff_s"]:  # capped: more failures change nothing
            delay_s, failures = p["max_backoff_s"], failures - 1
        self._schedule(count, failures, delay_s, dt_s)

    def _schedule(self, count: float, failures: int, delay_s: float, dt_s: float) -> None:
        """Put `count` tasks on the wheel: all `delay_s` from now, or spread over it (jitter)."""
        if count <= 0:
            return
        ticks = max(1, round(delay_s / dt_s))
        if not self.params["jitter"]:
            self._add(self.tick + ticks, failures, count)
            return
        slots = min(ticks, _JITTER_SLOTS)  # spread evenly over at most this many ticks
        each = count / slots
        for j in range(1, slots + 1):
            self._add(self.tick + max(1, round(j * ticks / slots)), failures, each)

    def _add(self, tick: int, failures: int, count: float) -> None:
        slot = self.wheel.setdefault(tick, {})
        slot[failures] = slot.get(failures, 0.0) + count

    def _emit(self, kind: str, text: str) -> None:
        svc = self.services[0] if self.services else None
        self.world.emit(self.id, kind, text, svc, {"up": round(self.up)})

    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "throttle":
            self.throttle = params["max_per_s"]
        elif action == "unthrottle":
            self.throttle = None
        else:
            self.capacity *= params["factor"]

    def state_key(self) -> Any:
        return (
            self.up,
            self.crashed,
            self.success,
            self.attempts_per_s,
            self.throttle,
            self.overloaded,
        )

    def contribution(self, t_ms: int) -> Contribution:
        p = self.params
        error = r4(self.waiting / p["tasks"])
        falling = not self.crashed and self.waiting > 0
        out = self.each_service(
            status_from_error(error, falling, down_at=p["down_error_rate"]), error
        )
        if p["dependency"]:
            failed = r4(1.0 - self.success) if self.overloaded else 0.0
            out[p["dependency"]] = (status_from_error(failed, False), failed)
        return out

    def cause_cleared(self) -> bool:
        return not self.crashed

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "up": r4(self.up / self.params["tasks"]),
            "waiting": round(self.waiting),
            "attempts_per_s": round(self.attempts_per_s, 2),
            "load": r4(self.load),
            "success": r4(self.success),
            "overloaded": self.overloaded,
            "crashed": self.crashed,
            "throttle_per_s": self.throttle or 0,
        }
