"""Frames: keyframe + delta encoding, chunking and the digest.

A full frame is {"seq", "t_ms", "services", "metrics", "events"}. A delta has the same
keys but `services` and `metrics` carry only entries that changed since the previous
frame (each entry whole). Frame 0 is always full. The recorder keeps only deltas; full
frames and keyframes are rebuilt by replaying them, so memory stays small.

Digest: SHA-256 over the canonical JSON (sorted keys, compact separators, UTF-8) of the
delta stream, one line per frame. The delta stream and the full-frame stream carry the
same information, so equal digests mean identical frames.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

Frame = dict[str, Any]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class FrameRecorder:
    def __init__(self) -> None:
        self.deltas: list[Frame] = []
        self._hash = hashlib.sha256()
        self._services: dict[str, dict[str, Any]] = {}
        self._metrics: dict[str, dict[str, Any]] = {}

    def add(
        self,
        t_ms: int,
        services: dict[str, dict[str, Any]],
        metrics: dict[str, dict[str, Any]],
        events: list[dict[str, Any]],
    ) -> Frame:
        seq = len(self.deltas)
        changed_services = _changed(self._services, services)
        changed_metrics = _changed(self._metrics, metrics)
        delta: Frame = {
            "seq": seq,
            "t_ms": t_ms,
            "services": changed_services,
            "metrics": changed_metrics,
            "events": events,
        }
        self.deltas.append(delta)
        self._hash.update(canonical(delta).encode("utf-8"))
        self._hash.update(b"\n")
        return delta

    def add_changes(
        self,
        t_ms: int,
        services: dict[str, dict[str, Any]],
        metrics: dict[str, dict[str, Any]],
        events: list[dict[str, Any]],
    ) -> Frame:
        """Like `add`, given only the entries that may have changed (the rest are kept)."""
        self._services.update(services)
        delta: Frame = {
            "seq": len(self.deltas),
            "t_ms": t_ms,
            "services": services,
            "metrics": _changed(self._metrics, metrics),
            "events": events,
        }
        self.deltas.append(delta)
        self._hash.update(canonical(delta).encode("utf-8"))
        self._hash.update(b"\n")
        return delta

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


def _changed(
    state: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, entry in new.items():
        old = state.get(key)
        if old is not entry and old != entry:
            out[key] = entry
            state[key] = entry
    return out


class FrameState:
    """Applies deltas in order and hands out full frames (keyframes)."""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, dict[str, Any]] = {}
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


def make_chunk(index: int, state: FrameState, deltas: list[Frame]) -> dict[str, Any]:
    """A chunk from `deltas` (consecutive, first one becomes the keyframe)."""
    state.apply(deltas[0])
    keyframe = state.full(deltas[0]["events"])
    for delta in deltas[1:]:
        state.apply(delta)
    return {
        "index": index,
        "seq_from": deltas[0]["seq"],
        "seq_to": deltas[-1]["seq"],
        "t_from_ms": deltas[0]["t_ms"],
        "t_to_ms": deltas[-1]["t_ms"],
        "keyframe": keyframe,
        "deltas": deltas[1:],
    }
