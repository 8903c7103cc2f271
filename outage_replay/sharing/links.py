"""The URLs a shared moment is reached by: its preview image, its embed, its oEmbed.

One place builds them so the replay page, the scenario page, the embed and the oEmbed
answer agree on the shape (and carry an unlisted scenario's `key` along).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from .moments import headline, parse_share_t, peak_moment
from .preview import HEIGHT, MOMENT_STEP_S, WIDTH, round_moment


def _query(**params: Any) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return ("?" + urlencode(kept, safe=":")) if kept else ""


def preview_url(request: HttpRequest, *, run_id: str, t_s: int, key: str = "") -> str:
    path = f"/replay/{run_id}/preview.png" + _query(at=round_moment(t_s), key=key)
    return request.build_absolute_uri(path)


def embed_url(
    request: HttpRequest, *, run_id: str, t: str = "", focus: str = "", key: str = ""
) -> str:
    path = f"/embed/{run_id}/" + _query(t=t, focus=focus, key=key)
    return request.build_absolute_uri(path)


def compare_preview_meta(
    request: HttpRequest, *, run_a: Any, run_b: Any, key: str = ""
) -> dict[str, Any]:
    """og:image fields of `/compare/<a>/<b>/` at its `t` (else A's worst moment)."""
    from outage_replay.replays.selectors import run_variant_title

    t_s = round_moment(moment_of(run_a.spec, run_a.summary, request.GET.get("t")))
    path = f"/compare/{run_a.id}/{run_b.id}/preview.png" + _query(at=t_s, key=key)
    parts = []
    for run in (run_a, run_b):
        state = headline(run.spec, (run.summary or {}).get("intervals") or {}, t_s)
        title = run_variant_title(run=run) or "as written"
        parts.append(f"{title}: {state.short}")
    return {
        "url": request.build_absolute_uri(path),
        "width": WIDTH,
        "height": HEIGHT,
        "alt": f"Both runs at {headline(run_a.spec, {}, t_s).time}: " + "; ".join(parts),
    }


def oembed_discovery_url(request: HttpRequest, *, page_url: str) -> str:
    return request.build_absolute_uri("/oembed" + _query(url=page_url, format="json"))


def moment_of(spec: dict[str, Any], summary: dict[str, Any] | None, t: str | None) -> int:
    """The moment a link shows: its `t`, else the run's worst moment."""
    t_s = parse_share_t(spec, t)
    if t_s is not None:
        return t_s
    intervals = (summary or {}).get("intervals") or {}
    if not intervals:
        return 0
    duration_s = int(spec.get("duration_s") or 0)
    # Up to the next whole minute: the preview is drawn at minutes, rounding down.
    step = MOMENT_STEP_S
    return min(duration_s, -(-peak_moment(intervals, duration_s) // step) * step)


def preview_meta(
    request: HttpRequest,
    *,
    run_id: str,
    spec: dict[str, Any],
    summary: dict[str, Any] | None,
    key: str = "",
    t: str | None = None,
) -> dict[str, Any]:
    """og:image / twitter:image fields of a page showing this run at `t` (a share link's
    `t`; by default the page's own)."""
    t_s = moment_of(spec, summary, request.GET.get("t") if t is None else t)
    state = headline(spec, (summary or {}).get("intervals") or {}, round_moment(t_s))
    return {
        "url": preview_url(request, run_id=run_id, t_s=t_s, key=key),
        "width": WIDTH,
        "height": HEIGHT,
        "alt": f"Status of every service at {state.text}",
        "headline": state.text,
    }
