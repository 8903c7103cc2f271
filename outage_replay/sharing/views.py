"""Sharing: link-preview images, the embeddable player, oEmbed, presenter sessions.

Thin views: parse, call a selector or service, answer.
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from outage_replay.replays import selectors

from .preview import CACHE_TTL_S, preview_png


@require_GET
def preview_image(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """`/replay/<id>/preview.png?at=<seconds>`: the run at that moment, as a PNG."""
    run = selectors.run_get_visible(run_id=run_id, user=None, key=request.GET.get("key"))
    if run is None:
        raise Http404("No such run")
    try:
        at_s = max(0, min(int(request.GET.get("at") or 0), run.spec.get("duration_s", 0)))
    except ValueError:
        at_s = 0
    intervals = (run.summary or {}).get("intervals") or {}
    png = preview_png(run_id=str(run.id), spec=run.spec, intervals=intervals, t_s=at_s)
    response = HttpResponse(png, content_type="image/png")
    response["ETag"] = '"' + hashlib.sha256(png).hexdigest()[:32] + '"'
    # A finished run never changes; an unfinished one is drawn again once it has finished.
    max_age = CACHE_TTL_S if intervals else 30
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response
