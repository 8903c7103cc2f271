"""request_throttle — an API admission limit, and the retries it provokes.

Models operators throttling an API (EC2: "request limit exceeded" from 04:14, relaxed
gradually from 11:23). Fluid model per `tick_s`: callers send `demand_per_s`; rejected
calls come back: a share `retry_share` of them join a retry pool that re-sends
`1 / retry_interval_s` of itself per second. Offered = demand + retries; admitted =
min(offered, limit); error rate = rejected / offered. Pent-up retries keep the error
rate up for a while after the limit is raised.

    unthrottled --throttle--> throttled --relax {ramp_s}--> relaxing --limit ≥ offered,
                                                                       pool drained--> normal

Params: demand_per_s (calls/s), retry_share (0–1), retry_interval_s (s),
degraded_error_rate, tick_s.
Actions: `throttle` {limit_per_s}; `relax` {ramp_s, to_limit_per_s (0 = unlimited)}: the
limit rises linearly over ramp_s.
Metrics: limit_per_s (null when unlimited), offered_per_s, admitted_per_s, error_rate,
retry_pool.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.mechanisms.base import Contribution, Ticking, World, r4, status_from_error
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class RequestThrottle(Ticking):
    TYPE = "request_throttle"
    PARAMS: ClassVar[dict[str, Param]] = {
        "demand_per_s": Param("float", 100.0, "calls/s", "callers' demand", 0),
        "retry_share": Param("float", 0.9, "", "share of rejected calls retried", 0, 0.999),
        "retry_interval_s": Param("float", 60.0, "s", "mean time before a retry", 0.1),
        "degraded_error_rate": Param("float", 0.01, "", "error rate counted as degraded", 0, 1),
        "tick_s": Ticking.TICK,
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "throttle": {"limit_per_s": Param("float", 20.0, "calls/s", "admitted calls", 0)},
        "relax": {
            "ramp_s": Param("float", 3600.0, "s", "time to reach the new limit", 0),
            "to_limit_per_s": Param("float", 0.0, "calls/s", "final limit, 0 = unlimited", 0),
        },
    }
    METRICS = ("limit_per_s", "offered_per_s", "admitted_per_s", "error_rate", "retry_pool")
    SHOWS = Shows(
        title="request throttle",
        signals=(
            Signal("offered_per_s", "offered", "calls/s", "rate"),
            Signal("admitted_per_s", "admitted", "calls/s", "rate"),
            Signal("limit_per_s", "limit", "calls/s", "rate", empty="none"),
            Signal("error_rate", "rejected", "%", "level", 100),
            Signal("retry_pool", "calls waiting to retry", "calls", "count"),
        ),
        charts=(Chart("offered and admitted calls", ("offered_per_s", "admitted_per_s")),),
        panel=("limit_per_s", "offered_per_s", "admitted_per_s", "error_rate", "retry_pool"),
        loop=Loop(
            "retries",
            "rejected calls come back as retries, so offered load stays above the limit",
        ),
    )

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        self.limit: float | None = None
        self.ramp: tuple[float, float, float] | None = None  # (end, final, per_s)
        self.pool = 0.0
        self.offered = self.params["demand_per_s"]
        self.admitted = self.offered
        self.last_error = 0.0
        self.falling = False

    def step(self, dt_s: float) -> None:
        self._advance_ramp(dt_s)
        p = self.params
        retries = self.pool / p["retry_interval_s"]
        self.offered = p["demand_per_s"] + retries
        self.admitted = self.offered if self.limit is None else min(self.offered, self.limit)
        rejected = self.offered - self.admitted
        self.pool = max(0.0, self.pool + (rejected * p["retry_share"] - retries) * dt_s)

    def cause_cleared(self) -> bool:
        return self.limit is None or self.limit >= self.params["demand_per_s"]

    def phase(self) -> tuple[str, str] | None:
        if self.limit is None:
            if self.pool >= 1:
                return "unlimited", "the request limit is lifted; pent-up retries drain"
            return "normal", "requests are admitted without a limit"
        if self.ramp is not None:
            return "relaxing", f"the request limit is being raised (now {self.limit:.0f} calls/s)"
        return "throttled", f"requests are throttled to {self.limit:.0f} calls/s"

    def state_key(self) -> Any:
        return (self.limit, self.offered, self.admitted, self.pool)

    def _advance_ramp(self, dt_s: float) -> None:
        if self.ramp is None or self.limit is None:
            return
        end, final, per_s = self.ramp
        self.limit += per_s * dt_s
        if self.limit >= end:
            self.limit = None if final == float("inf") else final
            self.ramp = None

    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "throttle":
            self.limit, self.ramp = params["limit_per_s"], None
            return
        if self.limit is None:
            return
        target = params["to_limit_per_s"] or float("inf")
        end = target if target != float("inf") else self.offered * 1.5
        ramp_s = max(params["ramp_s"], 1.0)
        self.ramp = (end, target, max(0.0, end - self.limit) / ramp_s)

    def error_rate(self) -> float:
        return 0.0 if self.offered <= 0 else 1.0 - self.admitted / self.offered

    def contribution(self, t_ms: int) -> Contribution:
        error = r4(self.error_rate())
        if error != self.last_error:
            self.falling = error < self.last_error
        self.last_error = error
        status = status_from_error(error, self.falling, self.params["degraded_error_rate"], 1.1)
        return self.each_service(status, error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "limit_per_s": None if self.limit is None else r4(self.limit),
            "offered_per_s": r4(self.offered),
            "admitted_per_s": r4(self.admitted),
            "error_rate": r4(self.error_rate()),
            "retry_pool": round(self.pool),
        }
