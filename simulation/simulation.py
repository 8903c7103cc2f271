"""`Simulation(spec, seed)`: run a scenario and stream or collect its frames.

    sim = Simulation(spec, seed)          # seed None ⇒ spec.seed
    result = sim.run(should_stop=None)    # Result: frames, events, digest, milestones…
    for chunk in sim.iter_chunks():       # the stored cut (frames.Chunk), as it is computed
        ...

One frame every `frame_interval_s` from t=0 to t=duration_s inclusive. The frame sampler
runs last at its millisecond (lowest priority), so it sees the settled state; it
updates statuses, evaluates conditional interventions, and records the frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from simulation.engine import PRIO_FRAME, TraceEvent
from simulation.errors import InvariantError
from simulation.fidelity import intervals, milestone_rows
from simulation.frames import (
    Chunk,
    Frame,
    FrameRecorder,
    FrameState,
    chunk_bounds,
    full_frames,
    make_chunk,
)
from simulation.spec import STATUSES, Scenario
from simulation.sustained import SustainedTracker
from simulation.world import World


@dataclass
class Result:
    spec: Scenario
    seed: int
    deltas: list[Frame]
    events: list[TraceEvent]
    digest: str
    milestones: list[dict[str, Any]]
    intervals: dict[str, list[list[Any]]]
    sustained: list[dict[str, Any]]
    world: World = field(repr=False)

    @property
    def frames(self) -> list[Frame]:
        """Every frame, full (entries shared between frames; do not mutate)."""
        return list(full_frames(self.deltas))

    def to_summary(self) -> dict[str, Any]:
        return {
            "scenario": self.spec.slug,
            "seed": self.seed,
            "digest": self.digest,
            "events": len(self.events),
            "frames": len(self.deltas),
            "milestones": self.milestones,
            "intervals": self.intervals,
            "sustained": self.sustained,
        }


class Simulation:
    def __init__(self, spec: Scenario, seed: int | None = None) -> None:
        self.spec = spec
        self.seed = spec.seed if seed is None else int(seed)
        self.world = World(spec, self.seed)
        self.sustained = SustainedTracker(self.world)
        self.recorder = FrameRecorder()
        self.interval_ms = spec.frame_interval_s * 1000
        self.duration_ms = spec.duration_s * 1000
        self.frame_count = spec.duration_s // spec.frame_interval_s + 1
        self._trace_pos = 0
        self._started = False
        self._result: Result | None = None

    def _start(self) -> None:
        if self._started:
            return
        self._started = True
        self.world.start()
        self.world.engine.schedule(0, self._frame, PRIO_FRAME)

    def _frame(self) -> None:
        world = self.world
        t_ms = world.engine.now_ms
        world.collect_metrics(t_ms)
        world.update_statuses(t_ms)
        self.sustained.update(t_ms)
        world.fire_due_interventions(t_ms)
        services = self._service_entries()
        trace = world.engine.trace
        events = [e.to_dict() for e in trace[self._trace_pos :]]
        self._trace_pos = len(trace)
        self.recorder.add_changes(t_ms, services, world.metrics_fresh, events)
        next_ms = t_ms + self.interval_ms
        if next_ms <= self.duration_ms:
            world.engine.schedule(next_ms, self._frame, PRIO_FRAME)

    def _service_entries(self) -> dict[str, dict[str, Any]]:
        """Entries of the services whose status or error rate changed since last frame."""
        world = self.world
        out = {
            sid: {"status": world.status[sid], "error_rate": world.errors[sid]}
            for sid in world.changed
        }
        world.changed.clear()
        return out

    def _advance(self, until_seq: int, should_stop: Callable[[], bool] | None) -> None:
        """Run until frame `until_seq` has been recorded."""
        self._start()
        t_ms = min(until_seq * self.interval_ms, self.duration_ms)
        self.world.engine.run_until(t_ms, should_stop)

    def run(self, should_stop: Callable[[], bool] | None = None) -> Result:
        if self._result is None:
            self._advance(self.frame_count - 1, should_stop)
            self._result = self._finish()
        return self._result

    def iter_chunks(self, should_stop: Callable[[], bool] | None = None) -> Iterator[Chunk]:
        """Yield the run's chunks (`frames.chunk_bounds`), each as soon as it is computed."""
        state = FrameState()
        for index, (seq_from, seq_to) in enumerate(chunk_bounds(self.frame_count)):
            if self._result is None:
                self._advance(seq_to, should_stop)
            yield make_chunk(index, state, self.recorder.deltas[seq_from : seq_to + 1])
        self.run(should_stop)

    @property
    def result(self) -> Result | None:
        return self._result

    def _finish(self) -> Result:
        deltas = self.recorder.deltas
        if len(deltas) != self.frame_count:
            raise InvariantError(f"recorded {len(deltas)} frames, expected {self.frame_count}")
        world = self.world
        rows = milestone_rows(self.spec, world, deltas)
        return Result(
            spec=self.spec,
            seed=self.seed,
            deltas=deltas,
            events=list(world.engine.trace),
            digest=self.recorder.digest,
            milestones=rows,
            intervals=intervals(world, self.spec.duration_s),
            sustained=self.sustained.finish(self.spec.duration_s),
            world=world,
        )


assert set(STATUSES) == {"healthy", "degraded", "down", "recovering"}
