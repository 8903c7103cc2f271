"""Run meta encoded once per process and version, then served from memory.

The meta (`selectors.run_meta`, the one builder) carries the frozen spec (tens of
kilobytes). Decoding the run row and encoding that for every request would make a
crowd of viewers pay for it a thousand times. So each process keeps, per run, the meta
as JSON text for its current *version* (the fields that change while a run computes:
status, progress, stored frames, error, digest). A request first reads only those fields
(a small row, no spec); when they match the cached version the text is served as is,
and only otherwise is the full row loaded, the meta built and encoded again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

VERSION_FIELDS = ("status", "progress", "error", "stored_seq_to", "frame_digest")
MAX_ITEMS = 256


def version_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in VERSION_FIELDS)


@dataclass(frozen=True)
class EncodedMeta:
    version: tuple[Any, ...]
    text: str  # the meta object as JSON
    page: dict[str, Any]  # the few spec fields the player page itself shows

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(repr(self.version).encode()).hexdigest()[:20]}"'


class RunMetas:
    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, EncodedMeta] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, row: dict[str, Any]) -> EncodedMeta:
        """The encoded meta of the run whose small row (`selectors.JOIN_FIELDS`) is `row`."""
        run_id, version = str(row["id"]), version_of(row)
        with self._lock:
            hit = self._items.get(run_id)
            if hit is not None and hit.version == version:
                self._items.move_to_end(run_id)
                return hit
        encoded = _encode(run_id)
        with self._lock:
            self._items[run_id] = encoded
            self._items.move_to_end(run_id)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return encoded


def _encode(run_id: str) -> EncodedMeta:
    from . import selectors, wire
    from .models import Run

    run = Run.objects.get(pk=run_id)
    meta = selectors.run_meta(run=run)
    spec = meta.get("spec") or {}
    page = {name: spec.get(name) for name in ("slug", "title", "summary")}
    row = {name: getattr(run, name) for name in VERSION_FIELDS}
    return EncodedMeta(version_of(row), wire.dumps(meta), page)


run_metas = RunMetas()
