"""health_check_failover — health checks that flap, overload, and fail whole AZs over.

Models the NLB health-check subsystem. Targets whose network configuration has not
propagated (read from `unready_metric`, a share `target_fraction` of them behind load
balancers) fail their checks, come back, fail again: each flapping target adds
`flap_load` to the checker's utilisation on top of `base_load`. Above utilisation 1 the
checks run late, and late checks look like failures, so automatic AZ failover removes
healthy AZs from DNS: each tick, each in-service AZ of each of `load_balancers` is
removed with probability `failover_rate_per_s × (utilisation − 1) × dt`. A removed AZ
returns at `return_rate_per_s` while checks are timely (utilisation < 1). Removed AZs
are healthy capacity lost: if the remaining fraction is below `load_fraction` the excess
load becomes connection errors.

The loop (health-check load): a checker at utilisation u > 1 completes only 1/u of its
checks on time. Of `late_targets` network-ready targets, the share 1 − 1/u (from the
previous tick's utilisation) fail on late checks alone and flap like the unready ones,
each adding `flap_load`. With L = flap_load × late_targets and a = the load the unready
targets alone cause, the checker settles where u = a + L(1 − 1/u): for L ≤ 1 that has no
root above 1 once a < 1, so the overload ends with its trigger (the loop only amplifies
it); for L > 1 an overloaded checker stays overloaded by itself while a ≥ 2√L − L. The
trigger is gone (`cause_cleared`) when a ≤ 1.

    in service --checker overloaded, failover on--> removed --checks timely--> in service
    disable_failover: every AZ returns at once and none is removed until enable_failover.

Params: unready_metric (`<mechanism>.<metric>`), target_fraction, base_load,
flap_load (utilisation per flapping target), late_targets (ready targets whose checks
can come back late), load_balancers, azs, failover_rate_per_s, return_rate_per_s,
load_fraction, tick_s.
Actions: `disable_failover`, `enable_failover`.
Metrics: healthy_fraction (capacity in service), utilisation, flapping (targets, both
kinds), late_flapping (ready targets failing on late checks), failover_enabled (bool),
removed_azs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.mechanisms.base import Contribution, Ticking, World, r4, status_from_error
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class HealthCheckFailover(Ticking):
    TYPE = "health_check_failover"
    PARAMS: ClassVar[dict[str, Param]] = {
        "unready_metric": Param("str", "", "", "metric counting targets without network"),
        "target_fraction": Param("float", 0.3, "", "share of those that are NLB targets", 0, 1),
        "base_load": Param("float", 0.6, "", "checker utilisation in normal operation", 0),
        "flap_load": Param("float", 0.001, "per target", "utilisation per flapping target", 0),
        "late_targets": Param(
            "float", 0.0, "targets", "ready targets that fail when every check is late", 0
        ),
        "load_balancers": Param("int", 50, "", "load balancers modelled", 1, 100000),
        "azs": Param("int", 3, "", "AZs per load balancer", 1, 26),
        "failover_rate_per_s": Param("float", 0.002, "1/s", "AZ removals per unit overload", 0),
        "return_rate_per_s": Param(
            "float", 0.01, "1/s", "removed AZ return rate when checks are timely", 0
        ),
        "load_fraction": Param("float", 0.75, "", "share of capacity the traffic needs", 0, 1),
        "tick_s": Ticking.TICK,
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {"disable_failover": {}, "enable_failover": {}}
    METRICS = (
        "healthy_fraction",
        "utilisation",
        "flapping",
        "late_flapping",
        "failover_enabled",
        "removed_azs",
    )
    SHOWS = Shows(
        title="health-check failover",
        signals=(
            Signal("healthy_fraction", "healthy capacity in service", "%", "level", 100),
            Signal("utilisation", "health-checker load", "%", "level", 100),
            Signal("flapping", "flapping targets", "targets", "count"),
            Signal("late_flapping", "ready targets failing on late checks", "targets", "count"),
            Signal("removed_azs", "load-balancer AZs removed", "AZs", "count"),
            Signal("failover_enabled", "automatic AZ failover on", "", "boolean"),
        ),
        charts=(Chart("healthy capacity and checker load", ("healthy_fraction", "utilisation")),),
        panel=(
            "healthy_fraction",
            "removed_azs",
            "utilisation",
            "flapping",
            "late_flapping",
            "failover_enabled",
        ),
        loop=Loop(
            "health-check load",
            "late checks fail healthy targets too, and every failing target is more work for "
            "the overloaded checker, so its checks stay late",
        ),
    )

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        name = params.get("unready_metric", "")
        if not isinstance(name, str) or "." not in name:
            errors.append((f"{path}.unready_metric", "must name a metric <mechanism>.<key>"))

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        self.total = self.params["load_balancers"] * self.params["azs"]
        self.removed = 0
        self.enabled = True
        self.utilisation = self.params["base_load"]
        self.trigger_load = self.params["base_load"]
        self.flapping = 0.0
        self.late_flapping = 0.0

    def step(self, dt_s: float) -> None:
        p = self.params
        unready = self.world.metric(p["unready_metric"]) or 0
        unready_flapping = float(unready) * p["target_fraction"]
        # Checks late at the last tick's load fail ready targets too (the loop).
        late_share = 1.0 - 1.0 / self.utilisation if self.utilisation > 1.0 else 0.0
        self.late_flapping = p["late_targets"] * late_share
        self.flapping = unready_flapping + self.late_flapping
        self.trigger_load = p["base_load"] + p["flap_load"] * unready_flapping
        self.utilisation = self.trigger_load + p["flap_load"] * self.late_flapping
        if not self.enabled:
            return
        overload = self.utilisation - 1.0
        if overload > 0:
            chance = min(1.0, p["failover_rate_per_s"] * overload * dt_s)
            self.removed += self._draws(self.total - self.removed, chance)
        else:
            self.removed -= self._draws(self.removed, min(1.0, p["return_rate_per_s"] * dt_s))

    def phase(self) -> tuple[str, str] | None:
        load = f"{self.utilisation:.0%}"
        if not self.enabled:
            return "off", "automatic AZ failover is off: every AZ stays in service"
        if self.utilisation > 1.0 and self.trigger_load <= 1.0:
            return (
                "self-overloaded",
                f"health checks still overloaded (checker at {load}) though unready targets "
                "alone would not overload it: late checks fail ready targets, adding work",
            )
        if self.utilisation > 1.0:
            return (
                "overloaded",
                f"health checks overloaded (checker at {load}): late checks fail AZs over",
            )
        if self.removed:
            return (
                "returning",
                f"health checks are timely again; {self.removed} removed AZ(s) return",
            )
        return "ok", "every AZ is in service again"

    def state_key(self) -> Any:
        return (self.removed, self.enabled, self.utilisation, self.flapping)

    def cause_cleared(self) -> bool:
        """The unready targets alone no longer overload the checker."""
        return bool(self.trigger_load <= 1.0)

    def _draws(self, n: int, chance: float) -> int:
        if n <= 0 or chance <= 0:
            return 0
        draw = self.rng.random
        return sum(1 for _ in range(n) if draw() < chance)

    def act(self, action: str, params: dict[str, Any]) -> None:
        self.enabled = action == "enable_failover"
        if not self.enabled:
            self.removed = 0

    def healthy_fraction(self) -> float:
        return float(1.0 - self.removed / self.total)

    def error_rate(self) -> float:
        need = self.params["load_fraction"]
        return max(0.0, 1.0 - self.healthy_fraction() / need) if need > 0 else 0.0

    def contribution(self, t_ms: int) -> Contribution:
        error = r4(self.error_rate())
        # Removed AZs coming back on timely checks: errors, but falling.
        falling = self.enabled and self.utilisation <= 1.0
        return self.each_service(status_from_error(error, falling, 0.01, 0.5), error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "healthy_fraction": r4(self.healthy_fraction()),
            "utilisation": r4(self.utilisation),
            "flapping": round(self.flapping),
            "late_flapping": round(self.late_flapping),
            "failover_enabled": self.enabled,
            "removed_azs": self.removed,
        }
