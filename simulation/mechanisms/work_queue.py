"""work_queue — a propagation backlog: work held behind a gate, then served at a rate.

Models EC2 Network Manager: every instance launch or termination needs network
configuration propagated before the instance can talk to its VPC. Fluid model, one step
per `tick_s`:

- while `gate` (a state condition) is false, changes pile up upstream in `held` at
  `held_per_s` (e.g. terminations while DWFM had no leases) and nothing new launches;
- once the gate opens, normal work arrives at `arrival_per_s` and held work is
  released at `release_per_s`; both join the queue, served at `service_rate_per_s`;
- every item also spends `min_latency_s` in flight, so a healthy system has a few items
  not yet propagated.

Latency = queue / service rate + min_latency_s. An instance whose item is not yet served
runs without network connectivity (`unready`).

    normal --arrivals > service--> backlog grows --latency > latency_degraded_s--> degraded
      ^                                                                              |
      +---- latency < latency_normal_s <------ recovering <-- arrivals < service <---+

While held work waits or is still being released, the service is `recovering` even at
low latency: the delayed work is not done.

Params: gate (condition, optional), held_per_s, arrival_per_s, release_per_s,
service_rate_per_s (items/s), min_latency_s, latency_degraded_s, latency_normal_s (s),
tick_s. Actions: `reduce_load` {factor} scales arrivals; `add_capacity` {factor}.
Metrics: backlog (queued items), held, unready (queued + in flight), latency_s,
gate_open (bool). Events: queue.latency_high, queue.latency_normal.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.conditions import Check
from simulation.mechanisms.base import Contribution, Ticking, World, r4
from simulation.mechanisms.shows import Chart, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class WorkQueue(Ticking):
    TYPE = "work_queue"
    PARAMS: ClassVar[dict[str, Param]] = {
        "gate": Param("condition", {}, "", "work flows only while this holds (empty: always)"),
        "held_per_s": Param(
            "float", 0.0, "items/s", "work held upstream while the gate is closed", 0
        ),
        "arrival_per_s": Param("float", 1.0, "items/s", "normal arrivals (gate open)", 0),
        "release_per_s": Param(
            "float", 1.0, "items/s", "held work released once the gate opens", 0
        ),
        "service_rate_per_s": Param("float", 2.0, "items/s", "propagation capacity", 0.0001),
        "min_latency_s": Param("float", 30.0, "s", "latency of an item that does not wait", 0),
        "latency_degraded_s": Param("float", 600.0, "s", "latency counted as degraded", 0),
        "latency_normal_s": Param("float", 120.0, "s", "latency counted as normal again", 0),
        "tick_s": Ticking.TICK,
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "reduce_load": {"factor": Param("float", 0.5, "", "multiply arrivals by", 0, 1)},
        "add_capacity": {"factor": Param("float", 2.0, "", "multiply service rate by", 1)},
    }
    METRICS = ("backlog", "held", "unready", "latency_s", "gate_open")
    SHOWS = Shows(
        title="work queue",
        signals=(
            Signal("backlog", "backlog", "items", "count"),
            Signal("held", "held upstream", "items", "count"),
            Signal("unready", "not yet propagated", "items", "count"),
            Signal("latency_s", "propagation latency", "s", "level"),
            Signal("gate_open", "work flowing", "", "boolean"),
        ),
        charts=(Chart("backlog and latency", ("backlog", "latency_s")),),
        panel=("backlog", "held", "latency_s", "gate_open"),
    )
    CONDITION_PARAMS = ("gate",)

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        gate = self.params["gate"]
        self.gate: Check | None = world.compile(gate) if gate else None
        self.backlog = 0.0
        self.held = 0.0
        self.arrival = self.params["arrival_per_s"]
        self.rate = self.params["service_rate_per_s"]
        self.gate_open = True
        self.rising = False
        self.high = False

    def step(self, dt_s: float) -> None:
        self.gate_open = self.gate is None or self.world.check(self.gate)
        if not self.gate_open:
            self.held += self.params["held_per_s"] * dt_s
            return
        self.rising = self.arrival + min(self.held / dt_s, self.params["release_per_s"]) > self.rate
        released = min(self.held, self.params["release_per_s"] * dt_s)
        self.held -= released
        self.backlog = max(0.0, self.backlog + self.arrival * dt_s + released - self.rate * dt_s)
        self._check_latency()

    def state_key(self) -> Any:
        return (
            self.backlog,
            self.held,
            self.arrival,
            self.rate,
            self.gate_open,
            self.rising,
            self.high,
        )

    def latency_s(self) -> float:
        return float(self.backlog / self.rate + self.params["min_latency_s"])

    def _check_latency(self) -> None:
        latency = self.latency_s()
        svc = self.services[0] if self.services else None
        if not self.high and latency > self.params["latency_degraded_s"]:
            self.high = True
            self.world.emit(
                self.id,
                "queue.latency_high",
                f"Propagation latency passes {latency:.0f} s: new instances start without network",
                svc,
                {"latency_s": r4(latency), "backlog": round(self.backlog)},
            )
        elif self.high and latency < self.params["latency_normal_s"]:
            self.high = False
            self.world.emit(
                self.id,
                "queue.latency_normal",
                "Propagation latency is back to normal",
                svc,
                {"latency_s": r4(latency)},
            )

    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "reduce_load":
            self.arrival *= params["factor"]
        else:
            self.rate *= params["factor"]

    def contribution(self, t_ms: int) -> Contribution:
        if not self.high:
            if self.held > 0:
                # Delayed work is still held or being released: not yet normal service.
                waiting = self.held / (self.held + self.rate * self.params["latency_degraded_s"])
                return self.each_service("recovering", r4(waiting))
            return self.each_service("healthy", 0.0)
        waiting = self.backlog / (self.backlog + self.rate * self.params["latency_degraded_s"])
        return self.each_service("degraded" if self.rising else "recovering", r4(waiting))

    def metrics(self, t_ms: int) -> dict[str, Any]:
        unready = self.backlog + self.arrival * self.params["min_latency_s"]
        return {
            "backlog": round(self.backlog),
            "held": round(self.held),
            "unready": round(unready),
            "latency_s": r4(self.latency_s()),
            "gate_open": self.gate_open,
        }
