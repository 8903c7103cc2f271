"""Run meta encoded once per process and version, then served from memory.

The meta (`selectors.run_meta`, the one builder) carries the frozen spec (tens of
kilobytes). Decoding the run row and encoding that for every request would make a
crowd of viewers pay for it a thousand times. So each process keeps, per run, the meta
for its current *version* (the fields that change while a run computes: status,
progress, stored frames, error, digest): as JSON text (`GET /api/runs/<id>/`), as the
`<script>` element the player pages embed (made the first time a page asks), and
decoded, read-only, for what a page computes per request (its link preview). A request
first reads only those fields (a small row, no spec); when they match the cached version
the entry is used as is, and only otherwise is the full row loaded, the meta built and
encoded again.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import mark_safe

from .lru import LRU

VERSION_FIELDS = ("status", "progress", "error", "stored_seq_to", "frame_digest")
MAX_ITEMS = 64  # an AWS entry (text, script, decoded) is ~0.5 MB


def version_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[name] for name in VERSION_FIELDS)


@dataclass(frozen=True)
class EncodedMeta:
    version: tuple[Any, ...]
    text: str  # the meta object as JSON
    meta: dict[str, Any]  # the same, decoded: shared, never to be changed

    @functools.cached_property
    def script(self) -> str:
        """`<script id="replay-meta" type="application/json">`, as `json_script` writes it."""
        return json_script_of(self.text, "replay-meta")

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(repr(self.version).encode()).hexdigest()[:20]}"'


class RunMetas:
    def __init__(self, max_items: int = MAX_ITEMS) -> None:
        self._items: LRU[str, EncodedMeta] = LRU(max_items)

    def get(self, row: dict[str, Any]) -> EncodedMeta:
        """The encoded meta of the run whose small row (`selectors.JOIN_FIELDS`) is `row`."""
        run_id = str(row["id"])
        hit = self._items.get(run_id)
        if hit is not None and hit.version == version_of(row):
            return hit
        encoded = _encode(run_id)
        self._items.put(run_id, encoded)
        return encoded


def _encode(run_id: str) -> EncodedMeta:
    from . import selectors, wire
    from .models import Run

    run = Run.objects.get(pk=run_id)
    meta = selectors.run_meta(run=run)
    row = {name: getattr(run, name) for name in VERSION_FIELDS}
    return EncodedMeta(version_of(row), wire.dumps(meta), meta)


# What `django.utils.html.json_script` escapes, so JSON text can go in a <script> as is.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_script_of(text: str, element_id: str) -> str:
    """`json_script` for JSON that is already text: no decoding and encoding again."""
    escaped = text.translate(_SCRIPT_ESCAPES)
    return mark_safe(  # noqa: S308 - JSON with <, > and & escaped; a fixed id
        f'<script id="{element_id}" type="application/json">{escaped}</script>'
    )


run_metas = RunMetas()
