"""Digests of specs, variants, chunks and of a whole run's frame stream.

`FrameStreamDigest` rebuilds the delta stream from chunks (a chunk's keyframe is a full
frame; its delta is what changed since the previous chunk's last frame) and hashes it
exactly as `simulation` does: SHA-256 of the canonical JSON of every delta, one line
each. So a run's `frame_digest` equals `Simulation(spec, seed).run().digest` and the
CLI's, and a run resumed after a crash proves it produced the clean run's frames.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def _changed(state: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = {key: entry for key, entry in new.items() if state.get(key) != entry}
    state.update(out)
    return out


class FrameStreamDigest:
    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._services: dict[str, Any] = {}
        self._metrics: dict[str, Any] = {}
        self.frames = 0

    def add_chunk(self, chunk: dict[str, Any]) -> None:
        keyframe = chunk["keyframe"]
        self._line(
            {
                "seq": keyframe["seq"],
                "t_ms": keyframe["t_ms"],
                "services": _changed(self._services, keyframe["services"]),
                "metrics": _changed(self._metrics, keyframe["metrics"]),
                "events": keyframe["events"],
            }
        )
        for delta in chunk["deltas"]:
            self._services.update(delta["services"])
            self._metrics.update(delta["metrics"])
            self._line(delta)

    def _line(self, delta: dict[str, Any]) -> None:
        self._hash.update(canonical(delta).encode("utf-8"))
        self._hash.update(b"\n")
        self.frames += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
