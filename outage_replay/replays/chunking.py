"""How a run's frames are cut into stored chunks: a small first chunk, then ~250 frames.

A viewer should see the first frames within half a second, but computing, hashing,
storing and sending 250 frames of a large scenario takes longer than that. So the first
chunk holds `FIRST_FRAMES` frames and every later one `EVERY_FRAMES`. The cut is a fixed
rule, so a redelivered task cuts exactly the same chunks (idempotent resume).

The simulation is asked for chunks of `FIRST_FRAMES`; later groups of them are merged:
the first keyframe stays, and each following keyframe becomes the delta it replaces
(the entries that changed since the frame before), so the merged chunk carries exactly
the simulation's delta stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

FIRST_FRAMES = 25
EVERY_FRAMES = 250
assert EVERY_FRAMES % FIRST_FRAMES == 0

Chunk = dict[str, Any]


def _changed(state: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = {key: entry for key, entry in new.items() if state.get(key) != entry}
    state.update(out)
    return out


class _State:
    def __init__(self) -> None:
        self.services: dict[str, Any] = {}
        self.metrics: dict[str, Any] = {}

    def delta_of(self, keyframe: dict[str, Any]) -> dict[str, Any]:
        return {
            "seq": keyframe["seq"],
            "t_ms": keyframe["t_ms"],
            "services": _changed(self.services, keyframe["services"]),
            "metrics": _changed(self.metrics, keyframe["metrics"]),
            "events": keyframe["events"],
        }

    def apply(self, deltas: list[dict[str, Any]]) -> None:
        for delta in deltas:
            self.services.update(delta["services"])
            self.metrics.update(delta["metrics"])


def regroup(small: Iterable[Chunk]) -> Iterator[Chunk]:
    """Chunks of FIRST_FRAMES frames in, the stored cut out (index renumbered)."""
    state = _State()
    group: list[Chunk] = []
    index = 0
    per_group = EVERY_FRAMES // FIRST_FRAMES
    for chunk in small:
        if index == 0:
            state.delta_of(chunk["keyframe"])
            state.apply(chunk["deltas"])
            yield {**chunk, "index": 0}
            index = 1
            continue
        group.append(chunk)
        if len(group) == per_group:
            yield _merge(index, group, state)
            index, group = index + 1, []
    if group:
        yield _merge(index, group, state)


def _merge(index: int, group: list[Chunk], state: _State) -> Chunk:
    first, last = group[0], group[-1]
    state.delta_of(first["keyframe"])
    deltas = list(first["deltas"])
    state.apply(first["deltas"])
    for chunk in group[1:]:
        deltas.append(state.delta_of(chunk["keyframe"]))
        deltas.extend(chunk["deltas"])
        state.apply(chunk["deltas"])
    return {
        "index": index,
        "seq_from": first["seq_from"],
        "seq_to": last["seq_to"],
        "t_from_ms": first["t_from_ms"],
        "t_to_ms": last["t_to_ms"],
        "keyframe": first["keyframe"],
        "deltas": deltas,
    }
