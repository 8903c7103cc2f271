"""capacity_pool — capacity that erodes under a condition and is rebuilt under another.

A generic fleet of interchangeable capacity (e.g. Lambda's internal workers): while
`erode_when` holds, a share `erode_per_s` of the remaining capacity is lost per second
(instances terminated, hosts failing checks); while `restore_when` holds (or always, if
empty) and erosion has stopped, capacity is rebuilt at `restore_per_s` of the full size.
Error rate = share of `demand` above the capacity left.

    full --erode_when--> eroding --stops--> short --restore_when--> rebuilding --> full

Params: demand (fraction of full capacity that traffic needs), erode_when, erode_per_s,
restore_when, restore_per_s, degraded_error_rate, tick_s.
Fault `lose_capacity` {fraction}; actions `add_capacity` {fraction}, `restore_full`.
Metrics: capacity (fraction of full), demand, restoring_per_s (fraction of full per s
being rebuilt now), eroding (bool), error_rate.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.conditions import Check
from simulation.mechanisms.base import Contribution, Ticking, World, r4, status_from_error
from simulation.mechanisms.shows import Chart, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class CapacityPool(Ticking):
    TYPE = "capacity_pool"
    PARAMS: ClassVar[dict[str, Param]] = {
        "demand": Param("float", 0.7, "", "capacity share the traffic needs", 0, 1),
        "erode_when": Param("condition", {}, "", "capacity erodes while this holds"),
        "erode_per_s": Param("float", 0.0001, "1/s", "share of capacity lost per second", 0, 1),
        "restore_when": Param("condition", {}, "", "capacity is rebuilt while this holds"),
        "restore_per_s": Param(
            "float", 0.0002, "1/s", "share of full capacity rebuilt per second", 0, 1
        ),
        "degraded_error_rate": Param("float", 0.01, "", "error rate counted as degraded", 0, 1),
        "tick_s": Ticking.TICK,
    }
    FAULTS: ClassVar[dict[str, dict[str, Param]]] = {
        "lose_capacity": {"fraction": Param("float", 0.5, "", "share lost", 0, 1)}
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "add_capacity": {"fraction": Param("float", 0.1, "", "share added", 0, 1)},
        "restore_full": {},
    }
    METRICS = ("capacity", "demand", "restoring_per_s", "eroding", "error_rate")
    SHOWS = Shows(
        title="capacity pool",
        signals=(
            Signal("capacity", "capacity left", "%", "level", 100),
            Signal("demand", "demand", "%", "level", 100),
            Signal("restoring_per_s", "restoring", "%/min", "rate", 6000),
            Signal("error_rate", "error rate", "%", "level", 100),
            Signal("eroding", "eroding", "", "boolean"),
        ),
        charts=(Chart("capacity and demand", ("capacity", "demand"), max=100),),
        panel=("capacity", "demand", "restoring_per_s", "eroding", "error_rate"),
    )
    CONDITION_PARAMS = ("erode_when", "restore_when")

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        erode, restore = self.params["erode_when"], self.params["restore_when"]
        self.erode: Check | None = world.compile(erode) if erode else None
        self.restore: Check | None = world.compile(restore) if restore else None
        self.capacity = 1.0
        self.eroding = False
        self.restoring = 0.0

    def step(self, dt_s: float) -> None:
        self.eroding = self.erode is not None and self.world.check(self.erode)
        if self.eroding:
            self.capacity *= max(0.0, 1.0 - self.params["erode_per_s"] * dt_s)
        self.restoring = 0.0
        if self.eroding:
            return
        if self.capacity < 1.0 and (self.restore is None or self.world.check(self.restore)):
            self.capacity = min(1.0, self.capacity + self.params["restore_per_s"] * dt_s)
            self.restoring = self.params["restore_per_s"]

    def phase(self) -> tuple[str, str] | None:
        left = f"{self.capacity:.0%}"
        if self.eroding:
            return "eroding", f"capacity is being lost ({left} left)"
        if self.capacity >= 1.0:
            return "full", "capacity is back to full"
        if self.restoring > 0:
            return "rebuilding", f"capacity is being rebuilt, from {left}"
        return "short", f"capacity stopped falling at {left}; nothing rebuilds it yet"

    def state_key(self) -> Any:
        return (self.capacity, self.eroding, self.restoring)

    def apply_fault(self, fault_type: str, params: dict[str, Any]) -> None:
        self.capacity *= 1.0 - params["fraction"]

    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "restore_full":
            self.capacity = 1.0
        else:
            self.capacity = min(1.0, self.capacity + params["fraction"])

    def error_rate(self) -> float:
        demand = self.params["demand"]
        return 0.0 if demand <= 0 else max(0.0, 1.0 - self.capacity / demand)

    def contribution(self, t_ms: int) -> Contribution:
        error = r4(self.error_rate())
        falling = not self.eroding and self.capacity < 1.0
        status = status_from_error(error, falling, self.params["degraded_error_rate"])
        return self.each_service(status, error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "capacity": r4(self.capacity),
            "demand": self.params["demand"],
            "restoring_per_s": r4(self.restoring),
            "eroding": self.eroding,
            "error_rate": r4(self.error_rate()),
        }
