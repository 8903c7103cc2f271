"""Discrete-event engine: integer milliseconds, a heap, an explicit RNG, a trace.

The heap is keyed on (t_ms, priority, counter): events at the same millisecond run in
priority order (lower first), then in the order they were scheduled, so a run never
depends on how Python orders callables. Randomness comes only from the one
`random.Random` handed in by the caller. There is no wall clock here: `run_until` polls
an optional `should_stop()` every few thousand events and the caller decides.

`every(period_ms, fn)` runs `fn` periodically; callbacks registered at the same time
with the same period and priority share one heap entry (fleets of fluid models tick
together), in registration order — the order separate entries would have had.

Every notable step is recorded with `emit` as a frozen `TraceEvent` (t_ms, seq, actor,
kind, data, plus the service it concerns and a human sentence for narration).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulation.errors import InvariantError, SimulationAborted

# Priorities for events at the same millisecond: faults and operator actions land
# first, then mechanism work, and the frame sampler sees the settled state last.
PRIO_FAULT = 0
PRIO_OPERATOR = 1
PRIO_NORMAL = 5
PRIO_TICK = 8
PRIO_FRAME = 9

STOP_POLL_EVENTS = 4096


@dataclass(frozen=True, slots=True)
class TraceEvent:
    t_ms: int
    seq: int
    actor: str
    kind: str
    text: str
    service: str | None
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "t_ms": self.t_ms,
            "seq": self.seq,
            "actor": self.actor,
            "kind": self.kind,
            "service": self.service,
            "text": self.text,
            "data": self.data,
        }


class Engine:
    """The clock, the event heap and the trace of one run."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now_ms = 0
        self.trace: list[TraceEvent] = []
        self.processed = 0
        self._heap: list[tuple[int, int, int, Callable[[], None]]] = []
        self._counter = 0
        self._groups: dict[tuple[int, int, int], list[Callable[[], None]]] = {}

    def schedule(self, t_ms: int, fn: Callable[[], None], priority: int = PRIO_NORMAL) -> None:
        """Run `fn()` at absolute time `t_ms` (never in the past)."""
        if t_ms < self.now_ms:
            raise InvariantError(f"schedule in the past: {t_ms} < {self.now_ms}")
        self._counter += 1
        heapq.heappush(self._heap, (t_ms, priority, self._counter, fn))

    def after(self, delay_ms: int, fn: Callable[[], None], priority: int = PRIO_NORMAL) -> None:
        """Run `fn()` `delay_ms` from now."""
        self._counter += 1
        when = self.now_ms + max(0, int(delay_ms))
        heapq.heappush(self._heap, (when, priority, self._counter, fn))

    def every(self, period_ms: int, fn: Callable[[], None], priority: int = PRIO_NORMAL) -> None:
        """Run `fn()` every `period_ms`, first `period_ms` from now.

        Callbacks registered at the same time with the same period and priority share
        one heap entry and run in registration order, exactly where their separate
        entries would have run (fleets of fluid models tick together for one event).
        """
        period_ms = max(1, int(period_ms))
        key = (period_ms, priority, self.now_ms)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = []

            def run() -> None:
                for callback in group:
                    callback()
                self.after(period_ms, run, priority)

            self.after(period_ms, run, priority)
        group.append(fn)

    def emit(
        self,
        actor: str,
        kind: str,
        text: str,
        service: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> TraceEvent:
        event = TraceEvent(self.now_ms, len(self.trace), actor, kind, text, service, data or {})
        self.trace.append(event)
        return event

    def run_until(self, t_ms: int, should_stop: Callable[[], bool] | None = None) -> None:
        """Process every event with time ≤ `t_ms`; the clock ends at `t_ms`."""
        heap = self._heap
        pop = heapq.heappop
        budget = STOP_POLL_EVENTS
        while heap and heap[0][0] <= t_ms:
            when, _, _, fn = pop(heap)
            self.now_ms = when
            fn()
            budget -= 1
            if budget == 0:
                self.processed += STOP_POLL_EVENTS
                budget = STOP_POLL_EVENTS
                if should_stop is not None and should_stop():
                    raise SimulationAborted("stopped by caller")
        self.processed += STOP_POLL_EVENTS - budget
        self.now_ms = max(self.now_ms, t_ms)

    @property
    def pending(self) -> int:
        return len(self._heap)
