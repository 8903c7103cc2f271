"""Frames and chunks: keyframe + delta encoding, the stored cut and the digest.

A full frame is {"seq", "t_ms", "services", "metrics", "events"}. A delta has the same
keys but `services` and `metrics` carry only entries that changed since the previous
frame (each entry whole). Frame 0 is always full. The recorder keeps only deltas; full
frames and keyframes are rebuilt by replaying them, so memory stays small.

A `Chunk` is one keyframe (a full frame) and the deltas after it. This module owns its
shape (`Chunk.to_dict` is the one spelling of it, used by storage and the wire) and its
cut (`chunk_bounds`): a small first chunk of `FIRST_FRAMES` frames, so a viewer sees the
first frames within half a second, then `EVERY_FRAMES` frames each. The cut is a fixed
rule, so a redelivered task cuts exactly the same chunks (idempotent resume).

Digest: SHA-256 over the canonical JSON (sorted keys, compact separators, UTF-8) of the
delta stream, one line per frame. The delta stream and the full-frame stream carry the
same information, so equal digests mean identical frames. `StreamDigest` recomputes it
from chunks (a keyframe becomes the delta it stands for), so stored frames can be proved
equal to the simulation's.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Frame = dict[str, Any]
Entries = dict[str, dict[str, Any]]

FIRST_FRAMES = 25
EVERY_FRAMES = 250
# A chunk's leading fields, in their order on the wire (`Chunk.head`).
HEAD_FIELDS = ("index", "seq_from", "seq_to", "t_from_ms", "t_to_ms")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def _changed(state: Entries, new: Entries) -> Entries:
    """The entries of `new` that differ from `state` (which is brought up to date)."""
    out: Entries = {}
    for key, entry in new.items():
        old = state.get(key)
        if old is not entry and old != entry:
            out[key] = entry
            state[key] = entry
    return out


class _DeltaHash:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.frames = 0

    def add(self, delta: Frame) -> None:
        self._hash.update(canonical(delta).encode("utf-8"))
        self._hash.update(b"\n")
        self.frames += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class FrameRecorder:
    def __init__(self) -> None:
        self.deltas: list[Frame] = []
        self._hash = _DeltaHash()
        self._services: Entries = {}
        self._metrics: Entries = {}

    def add(self, t_ms: int, services: Entries, metrics: Entries, events: list[Any]) -> Frame:
        return self._record(t_ms, _changed(self._services, services), metrics, events)

    def add_changes(
        self, t_ms: int, services: Entries, metrics: Entries, events: list[Any]
    ) -> Frame:
        """Like `add`, given only the entries that may have changed (the rest are kept)."""
        self._services.update(services)
        return self._record(t_ms, services, metrics, events)

    def _record(self, t_ms: int, services: Entries, metrics: Entries, events: list[Any]) -> Frame:
        delta: Frame = {
            "seq": len(self.deltas),
            "t_ms": t_ms,
            "services": services,
            "metrics": _changed(self._metrics, metrics),
            "events": events,
        }
        self.deltas.append(delta)
        self._hash.add(delta)
        return delta

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


class FrameState:
    """Applies deltas in order and hands out full frames (keyframes)."""

    def __init__(self) -> None:
        self.services: Entries = {}
        self.metrics: Entries = {}
        self.seq = -1
        self.t_ms = 0

    def apply(self, delta: Frame) -> None:
        self.services.update(delta["services"])
        self.metrics.update(delta["metrics"])
        self.seq = delta["seq"]
        self.t_ms = delta["t_ms"]

    def full(self, events: list[dict[str, Any]]) -> Frame:
        return {
            "seq": self.seq,
            "t_ms": self.t_ms,
            "services": dict(self.services),
            "metrics": dict(self.metrics),
            "events": events,
        }


def full_frames(deltas: list[Frame]) -> Iterator[Frame]:
    state = FrameState()
    for delta in deltas:
        state.apply(delta)
        yield state.full(delta["events"])


@dataclass(frozen=True)
class Chunk:
    """Frames `seq_from`…`seq_to`: a keyframe (full frame `seq_from`) and the deltas after."""

    index: int
    keyframe: Frame
    deltas: list[Frame]

    @property
    def seq_from(self) -> int:
        return int(self.keyframe["seq"])

    @property
    def seq_to(self) -> int:
        return int(self.deltas[-1]["seq"] if self.deltas else self.keyframe["seq"])

    @property
    def t_from_ms(self) -> int:
        return int(self.keyframe["t_ms"])

    @property
    def t_to_ms(self) -> int:
        return int(self.deltas[-1]["t_ms"] if self.deltas else self.keyframe["t_ms"])

    def head(self) -> dict[str, int]:
        """The chunk's leading fields (`HEAD_FIELDS`): where it sits in the run."""
        return {name: getattr(self, name) for name in HEAD_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """The chunk's one shape (docs/CONTRACTS.md), as stored and as sent."""
        return {**self.head(), "keyframe": self.keyframe, "deltas": self.deltas}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(index=int(data["index"]), keyframe=data["keyframe"], deltas=data["deltas"])

    def until(self, t_ms: int) -> Chunk:
        """This chunk's keyframe and only the deltas at or before `t_ms` (a seek)."""
        return Chunk(self.index, self.keyframe, [d for d in self.deltas if d["t_ms"] <= t_ms])


@functools.lru_cache(maxsize=256)
def chunk_bounds(frame_count: int) -> tuple[tuple[int, int], ...]:
    """(seq_from, seq_to) of every chunk of a run of `frame_count` frames, in order: one
    tuple per run length, shared (a server holds it once for all of a run's viewers)."""
    bounds = []
    seq_from = 0
    size = FIRST_FRAMES
    while seq_from < frame_count:
        seq_to = min(seq_from + size, frame_count) - 1
        bounds.append((seq_from, seq_to))
        seq_from, size = seq_to + 1, EVERY_FRAMES
    return tuple(bounds)


def make_chunk(index: int, state: FrameState, deltas: list[Frame]) -> Chunk:
    """A chunk from `deltas` (consecutive, continuing `state`; the first becomes the
    keyframe). `state` is left at the chunk's last frame."""
    state.apply(deltas[0])
    keyframe = state.full(deltas[0]["events"])
    for delta in deltas[1:]:
        state.apply(delta)
    return Chunk(index, keyframe, deltas[1:])


class StreamDigest:
    """The frame digest of a run, recomputed from its chunks in order."""

    def __init__(self) -> None:
        self._hash = _DeltaHash()
        self._services: Entries = {}
        self._metrics: Entries = {}

    def add_chunk(self, chunk: Chunk) -> None:
        keyframe = chunk.keyframe
        self._hash.add(
            {
                "seq": keyframe["seq"],
                "t_ms": keyframe["t_ms"],
                "services": _changed(self._services, keyframe["services"]),
                "metrics": _changed(self._metrics, keyframe["metrics"]),
                "events": keyframe["events"],
            }
        )
        for delta in chunk.deltas:
            self._services.update(delta["services"])
            self._metrics.update(delta["metrics"])
            self._hash.add(delta)

    @property
    def frames(self) -> int:
        return self._hash.frames

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
