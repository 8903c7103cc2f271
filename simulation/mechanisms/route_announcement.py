"""route_announcement — anycast sites that announce their route only while healthy.

Models edge sites (e.g. authoritative DNS servers at points of presence) that each
announce an anycast prefix to the Internet and withdraw it when a health check fails —
a safety rule that is right for one site and catastrophic when every site fails the
check at once (Facebook, 2021-10-04: DNS servers that could not reach the data centers
withdrew their BGP advertisements, so the still-running servers became unreachable).

Each of `sites` checks `healthy_when` (a state condition) every `check_interval_s`, at
its own phase. After `fail_checks` consecutive failures it withdraws its route (only if
`withdraw_on_failure`); after `ok_checks` consecutive passes it announces again. A
withdrawal or announcement takes a propagation time uniform in
[`propagation_min_s`, `propagation_s`] to be seen by the rest of the Internet.

    announced --fail_checks failures--> withdrawing --propagated--> withdrawn
        ^                                                             |
        +--propagated-- announcing <------- ok_checks passes ---------+
    force_announce: every site announces regardless of health (until `auto`).

Signal `<id>.answer` is 1.0 while at least `min_sites` routes are visible, else 0.0
(feed it to `dns_cache.answer_signal`). Error rate of the services = share of sites
whose route is not visible (down at ≥ `down_error_rate`).

Params: sites (count), healthy_when (condition), check_interval_s (s), fail_checks,
ok_checks (counts), propagation_s, propagation_min_s (s), withdraw_on_failure (bool),
min_sites (count), down_error_rate (fraction).
Actions: `force_announce`, `auto`.
Metrics: visible (sites whose route the Internet sees), announcing (sites that want
their route up), passing (sites passing their last check), answer (bool), forced (bool).
Events: route.withdrawn (first route gone), route.all_withdrawn, route.announced (first
route back after a withdrawal), route.all_announced.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.conditions import Check
from simulation.mechanisms.base import Contribution, Mechanism, World, status_from_error
from simulation.mechanisms.shows import Chart, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class RouteAnnouncement(Mechanism):
    TYPE = "route_announcement"
    PARAMS: ClassVar[dict[str, Param]] = {
        "sites": Param("int", 20, "", "sites announcing the prefix", 1, 10000),
        "healthy_when": Param("condition", {}, "", "a site's health check passes while this holds"),
        "check_interval_s": Param("float", 10.0, "s", "health-check period per site", 0.1, 3600),
        "fail_checks": Param("int", 3, "", "consecutive failures before withdrawing", 1, 1000),
        "ok_checks": Param("int", 3, "", "consecutive passes before announcing again", 1, 1000),
        "propagation_s": Param(
            "float", 60.0, "s", "longest time for a route change to reach the Internet", 0, 86400
        ),
        "propagation_min_s": Param("float", 5.0, "s", "shortest propagation time", 0, 86400),
        "withdraw_on_failure": Param(
            "bool",
            True,
            "",
            "sites withdraw their route when the check fails (false: they keep announcing)",
        ),
        "min_sites": Param("int", 1, "", "visible routes needed for answers", 1, 10000),
        "down_error_rate": Param("float", 0.5, "fraction", "error rate counted as down", 0, 1),
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {"force_announce": {}, "auto": {}}
    METRICS = ("visible", "announcing", "passing", "routes", "answer", "forced")
    SHOWS = Shows(
        title="route announcement",
        signals=(
            Signal("visible", "routes visible", "sites", "count"),
            Signal("announcing", "sites announcing", "sites", "count"),
            Signal("passing", "sites passing their check", "sites", "count"),
            Signal("routes", "route", "", "boolean", per="PoP"),
            Signal("answer", "enough routes for answers", "", "boolean"),
            Signal("forced", "announced by operators", "", "boolean"),
        ),
        charts=(Chart("routes visible, sites passing", ("visible", "passing")),),
        panel=("routes", "visible", "passing", "answer", "forced"),
    )
    SIGNALS = ("answer",)
    CONDITION_PARAMS = ("healthy_when",)

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        if not params.get("healthy_when"):
            errors.append((f"{path}.healthy_when", "is required"))
        lo, hi = params.get("propagation_min_s"), params.get("propagation_s")
        if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
            errors.append((f"{path}.propagation_min_s", "must be ≤ propagation_s"))

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        self.healthy: Check = world.compile(self.params["healthy_when"] or {"all": []})
        n = self.params["sites"]
        self.want = [True] * n  # the site announces (or wants to)
        self.visible = [True] * n  # the Internet sees its route
        self.streak = [0] * n  # consecutive results against the current state
        self.passed = [True] * n  # result of the site's last check
        self.passing = n
        self.forced = False
        self.visible_count = n
        self.lost_any = False

    def start(self) -> None:
        self._publish()
        interval_ms = max(1, int(self.params["check_interval_s"] * 1000))
        for i in range(self.params["sites"]):
            self.engine.after(1 + self.rng.randrange(interval_ms), self._check_fn(i))

    def _check_fn(self, i: int) -> Any:
        return lambda: self._check(i)

    def _check(self, i: int) -> None:
        self._record(i, self.world.check(self.healthy))
        self.engine.after(max(1, int(self.params["check_interval_s"] * 1000)), self._check_fn(i))

    def _record(self, i: int, ok: bool) -> None:
        if self.passed[i] != ok:
            self.passing += 1 if ok else -1
            self.passed[i] = ok
        wants_up = ok or self.forced or not self.params["withdraw_on_failure"]
        if wants_up == self.want[i]:
            self.streak[i] = 0
            return
        self.streak[i] += 1
        needed = self.params["ok_checks"] if wants_up else self.params["fail_checks"]
        if self.forced or self.streak[i] >= needed:
            self._change(i, wants_up)

    def _change(self, i: int, up: bool) -> None:
        self.want[i], self.streak[i] = up, 0
        p = self.params
        delay_s = self.rng.uniform(p["propagation_min_s"], p["propagation_s"])
        self.engine.after(max(1, int(delay_s * 1000)), lambda: self._propagated(i, up))

    def _propagated(self, i: int, up: bool) -> None:
        if self.want[i] != up or self.visible[i] == up:
            return
        self.visible[i] = up
        before = self.visible_count
        self.visible_count += 1 if up else -1
        self._narrate(before, up)
        self._publish()

    def _narrate(self, before: int, up: bool) -> None:
        n, svc = len(self.visible), self.services[0] if self.services else None
        data = {"visible": self.visible_count, "sites": n}
        if not up and before == n:
            self.lost_any = True
            self._emit(
                "route.withdrawn",
                "A site fails its health check and withdraws its route",
                svc,
                data,
            )
        if not up and self.visible_count == 0:
            self._emit(
                "route.all_withdrawn",
                "Every site has withdrawn its route: the prefix is gone from the Internet",
                svc,
                data,
            )
        if up and before == 0 and self.lost_any:
            self._emit(
                "route.announced",
                "A site passes its health check again and re-announces its route",
                svc,
                data,
            )
        if up and self.visible_count == n and self.lost_any:
            self._emit("route.all_announced", "Every site announces its route again", svc, data)

    def _emit(self, kind: str, text: str, svc: str | None, data: dict[str, Any]) -> None:
        self.world.emit(self.id, kind, text, svc, data)

    def _publish(self) -> None:
        ok = self.visible_count >= self.params["min_sites"]
        self.world.publish(self.signal_name("answer"), 1.0 if ok else 0.0)

    def act(self, action: str, params: dict[str, Any]) -> None:
        self.forced = action == "force_announce"
        if self.forced:
            for i, up in enumerate(self.want):
                if not up:
                    self._change(i, True)

    def error_rate(self) -> float:
        return 1.0 - float(self.visible_count) / len(self.visible)

    def contribution(self, t_ms: int) -> Contribution:
        error = round(self.error_rate(), 4)
        falling = any(w and not v for w, v in zip(self.want, self.visible, strict=True))
        status = status_from_error(error, falling, down_at=self.params["down_error_rate"])
        return self.each_service(status, error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "visible": self.visible_count,
            "announcing": sum(self.want),
            "passing": self.passing,
            "routes": list(self.visible),
            "answer": self.visible_count >= self.params["min_sites"],
            "forced": self.forced,
        }
