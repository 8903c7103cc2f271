"""The replay player page: `/replay/<run_id>/`.

The page is one ES module (`static/js/replay/main.js`); this view only hands it the run's
meta (the same object `GET /api/runs/<id>/` returns) and the first stored chunk through
`json_script`, so the first frame can be drawn without waiting for a round trip. Frames
come over the WebSocket (`ws/runs/<id>/`) and, for gaps, over `GET /api/runs/<id>/frames`.

Only the modules the first frame needs (`FIRST_FRAME_MODULES`) are preloaded; the graph
(Cytoscape + dagre) and the charts (uPlot) are imported once that frame is on screen.

Share links: `/replay/<id>/?t=[Nd]HH:MM:SS&focus=<service id>`, where the time is the
wall-clock time in the scenario's time zone on day N after the scenario's start date
(N omitted when 0; without a day, a time earlier than the start means the next day), so
`t=1d02:25:00` in the AWS scenario (start Oct 19 23:30 PDT) is Oct 20 02:25 PDT.
`t=4500s` (seconds from the start) is accepted as well.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static

from .lru import LRU
from .metacache import EncodedMeta, json_script_of

IMPORTS = {
    "cytoscape": "vendor/cytoscape/cytoscape.esm.min.mjs",
    "cytoscape-dagre": "vendor/cytoscape-dagre/dist/cytoscape-dagre.min.mjs",
}
# The static import graph of main.js: everything the first frame is drawn with.
FIRST_FRAME_MODULES = [
    "js/replay/main.js", "js/replay/timeline.js", "js/replay/clock.js", "js/replay/socket.js",
    "js/replay/swimlanes.js", "js/replay/sequence.js", "js/replay/charts.js",
    "js/replay/declarations.js", "js/replay/panels.js", "js/replay/fidelity.js",
    "js/replay/narration.js", "js/replay/details.js", "js/replay/announce.js",
    "js/replay/controls.js", "js/replay/dom.js", "js/replay/milestones.js",
]  # fmt: skip
# Loaded after the first frame (main.js: loadGraph imports graph.js and the import map's
# libraries; loadCharts adds these two).
UPLOT_JS = "vendor/uplot/uPlot.iife.min.js"
UPLOT_CSS = "vendor/uplot/uPlot.min.css"
DESCRIPTION_CHARS = 280


def import_map() -> str:
    """The page's import map: bare specifiers → staticfiles URLs (hashed in production)."""
    return json.dumps({"imports": {name: static(path) for name, path in IMPORTS.items()}})


@dataclass(frozen=True)
class PlayerRun:
    """What a page showing a run embeds: its small row, its meta (decoded, and as the
    page's `<script>`), and its first stored chunk as a `<script>` (or `null`)."""

    row: dict[str, Any]
    encoded: EncodedMeta
    first_chunk_script: str

    @property
    def meta(self) -> dict[str, Any]:
        return self.encoded.meta


def player_run(run_id: Any, *, user: Any, key: str | None) -> PlayerRun | None:
    """The run for a player page, None when it is missing or not visible to `user` with
    `key`. One small read when this process has the run's current version: the meta
    comes from `metacache`, the first chunk from `first_chunks` (a chunk never changes
    once stored). The first chunk is small (the runs app keeps it so), and embedding it
    lets the page draw its first frame without waiting for the socket."""
    from . import selectors
    from .metacache import run_metas

    row = selectors.run_row_visible(run_id=run_id, user=user, key=key)
    if row is None:
        return None
    return PlayerRun(row, run_metas.get(row), first_chunks.script(row["stream_id"]))


class FirstChunks:
    """Each frame stream's first chunk as the pages' `<script>`, per process."""

    NONE = json_script_of("null", "replay-first-chunk")

    def __init__(self) -> None:
        self._items: LRU[int, str] = LRU(64)

    def script(self, stream_id: int | None) -> str:
        from . import selectors

        if stream_id is None:
            return self.NONE
        script = self._items.get(stream_id)
        if script is None:
            chunk = selectors.chunk_encoded_get(stream_id=stream_id, index=0)
            if chunk is None:  # not stored yet: ask again next time
                return self.NONE
            script = json_script_of(chunk.text, "replay-first-chunk")
            self._items.put(stream_id, script)
        return script


first_chunks = FirstChunks()


def _description(spec: dict[str, Any]) -> str:
    text = " ".join(str(spec.get("summary") or "").split())
    if len(text) > DESCRIPTION_CHARS:
        text = text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text or "A cloud outage replayed as a running model."


def player_context(request: HttpRequest, run: PlayerRun) -> dict[str, Any]:
    meta = run.meta
    spec = meta.get("spec") or {}
    run_id = str(meta["id"])
    key = request.GET.get("key") or ""
    slug = spec.get("slug") or ""
    title = str(spec.get("title") or "Outage replay")
    from outage_replay.sharing.links import oembed_discovery_url, preview_meta

    return {
        "run_id": run_id,
        "seed": meta.get("seed"),
        "og_title": f"Replay: {title}",
        "og_description": _description(spec),
        "og_url": request.build_absolute_uri(request.path),
        "oembed_url": oembed_discovery_url(request, page_url=request.build_absolute_uri()),
        "og_image": preview_meta(
            request, run_id=run_id, spec=spec, summary=meta.get("summary"), key=key
        ),
        "scenario_url": f"/s/{slug}/" if slug else "",
        "import_map": import_map(),
        "module_urls": [static(p) for p in FIRST_FRAME_MODULES],
        "run_meta_script": run.encoded.script,
        "first_chunk_script": run.first_chunk_script,
        "run_config": {
            "run_id": run_id,
            "api_url": f"/api/runs/{run_id}/",
            "frames_url": f"/api/runs/{run_id}/frames",
            "ws_url": f"/ws/runs/{run_id}/",
            "replay_url": f"/replay/{run_id}/",
            "embed_url": f"/embed/{run_id}/",
            "embed_title": f"Replay: {title}",
            "key": key,
            "uplot_js": static(UPLOT_JS),
            "uplot_css": static(UPLOT_CSS),
        },
    }


def replay_page(request: HttpRequest, run_id: UUID) -> HttpResponse:
    from .whatif import whatif_context

    run = player_run(run_id, user=request.user, key=request.GET.get("key"))
    if run is None:
        raise Http404("No such run")
    context = {**player_context(request, run), **whatif_context(request, run)}
    return render(request, "replays/replay.html", context)
