"""retry_storm — clients that time out and retry, overloading a server (metastable).

Generic fluid model per `tick_s`: clients send `base_per_s`; the server completes
`capacity_per_s`; requests wait in a queue; a request waiting longer than `timeout_s` is
abandoned by its client, which retries it (with probability `retry_share`), but the
server still spends work on the abandoned copy. Once the wait exceeds the timeout, most
completed work is wasted, offered load (base + retries) stays above capacity, and the
overload sustains itself even after its trigger is gone — until load is shed or the
queue flushed.

    stable --capacity drop / burst--> overloaded --wait > timeout--> storm (goodput ≈ 0)
      ^                                                                 |
      +------------------- shed_load / flush_queue ---------------------+

Params: base_per_s, capacity_per_s (requests/s), timeout_s (s), retry_share, tick_s.
Fault `capacity_drop` {fraction, duration_s}; actions `shed_load` {fraction},
`flush_queue`, `restore_load`.
Metrics: queue, offered_per_s, goodput_per_s, wait_s, capacity_per_s.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.mechanisms.base import Contribution, Ticking, World, r4, status_from_error
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class RetryStorm(Ticking):
    TYPE = "retry_storm"
    PARAMS: ClassVar[dict[str, Param]] = {
        "base_per_s": Param("float", 80.0, "req/s", "fresh requests", 0),
        "capacity_per_s": Param("float", 100.0, "req/s", "server throughput", 0.0001),
        "timeout_s": Param("float", 10.0, "s", "client timeout", 0.001),
        "retry_share": Param("float", 1.0, "", "share of timed-out requests retried", 0, 1),
        "tick_s": Ticking.TICK,
    }
    FAULTS: ClassVar[dict[str, dict[str, Param]]] = {
        "capacity_drop": {
            "fraction": Param("float", 0.5, "", "share of capacity lost", 0, 1),
            "duration_s": Param("float", 600.0, "s", "how long", 0),
        }
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "shed_load": {"fraction": Param("float", 0.5, "", "share of load refused", 0, 1)},
        "flush_queue": {},
        "restore_load": {},
    }
    METRICS = ("queue", "offered_per_s", "goodput_per_s", "wait_s", "capacity_per_s")
    SHOWS = Shows(
        title="retry storm",
        signals=(
            Signal("offered_per_s", "offered (with retries)", "req/s", "rate"),
            Signal("goodput_per_s", "goodput", "req/s", "rate"),
            Signal("capacity_per_s", "capacity", "req/s", "rate"),
            Signal("queue", "queued requests", "requests", "count"),
            Signal("wait_s", "wait", "s", "level"),
        ),
        charts=(
            Chart("offered load, goodput", ("offered_per_s", "goodput_per_s")),
            Chart("queue and wait", ("queue", "wait_s")),
        ),
        panel=("capacity_per_s", "offered_per_s", "goodput_per_s", "queue", "wait_s"),
        loop=Loop("retries", "each retry adds to the queue faster than it drains"),
    )

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        self.capacity = self.params["capacity_per_s"]
        self.queue = 0.0
        self.shed = 0.0
        self.retries = 0.0
        self.offered = self.params["base_per_s"]
        self.goodput = self.offered
        self.restore_at_ms: int | None = None

    def step(self, dt_s: float) -> None:
        if self.restore_at_ms is not None and self.engine.now_ms >= self.restore_at_ms:
            self.capacity, self.restore_at_ms = self.params["capacity_per_s"], None
        p = self.params
        self.offered = (p["base_per_s"] + self.retries) * (1.0 - self.shed)
        served = min(self.capacity, self.queue / dt_s + self.offered)
        self.queue = max(0.0, self.queue + (self.offered - served) * dt_s)
        fresh = 1.0 if self.wait_s() <= p["timeout_s"] else p["timeout_s"] / self.wait_s()
        self.goodput = served * fresh
        abandoned = max(0.0, self.offered - self.goodput)
        self.retries = abandoned * p["retry_share"] if self.wait_s() > p["timeout_s"] else 0.0

    def cause_cleared(self) -> bool:
        return self.restore_at_ms is None and self.capacity >= self.params["capacity_per_s"]

    def phase(self) -> tuple[str, str] | None:
        if self.wait_s() > self.params["timeout_s"]:
            return "storm", "waits exceed the client timeout: most work goes to abandoned requests"
        if self.queue >= 1:
            return "overloaded", "requests queue up faster than the server completes them"
        return "stable", "the queue is empty again"

    def state_key(self) -> Any:
        return (self.queue, self.offered, self.goodput, self.capacity)

    def wait_s(self) -> float:
        return float(self.queue / self.capacity)

    def apply_fault(self, fault_type: str, params: dict[str, Any]) -> None:
        self.capacity = self.params["capacity_per_s"] * (1.0 - params["fraction"])
        self.restore_at_ms = self.engine.now_ms + int(params["duration_s"] * 1000)

    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "shed_load":
            self.shed = params["fraction"]
        elif action == "restore_load":
            self.shed = 0.0
        else:
            self.queue, self.retries = 0.0, 0.0

    def error_rate(self) -> float:
        base = self.params["base_per_s"]
        return 0.0 if base <= 0 else max(0.0, min(1.0, 1.0 - self.goodput / base))

    def contribution(self, t_ms: int) -> Contribution:
        error = r4(self.error_rate())
        return self.each_service(status_from_error(error, False), error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "queue": round(self.queue),
            "offered_per_s": r4(self.offered),
            "goodput_per_s": r4(self.goodput),
            "wait_s": r4(self.wait_s()),
            "capacity_per_s": r4(self.capacity),
        }
