"""Sharing: link-preview images, the embeddable player, oEmbed, presenter sessions.

Thin views: parse, call a selector or service, answer.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from outage_replay.replays import selectors
from outage_replay.replays.ratelimit import RateLimited, client_id, rate_limit_take

from . import presenting
from .links import embed_url, preview_meta
from .moments import parse_share_t
from .preview import CACHE_TTL_S, compare_preview_png, preview_png


@require_GET
def preview_image(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """`/replay/<id>/preview.png?at=<seconds>`: the run at that moment, as a PNG."""
    run = selectors.run_get_visible(run_id=run_id, user=None, key=request.GET.get("key"))
    if run is None:
        raise Http404("No such run")
    intervals = (run.summary or {}).get("intervals") or {}
    png = preview_png(
        run_id=str(run.id), spec=run.spec, intervals=intervals, t_s=_at(request, run.spec)
    )
    return _png_response(png, finished=bool(intervals))


@require_GET
def compare_preview_image(request: HttpRequest, run_a: UUID, run_b: UUID) -> HttpResponse:
    """`/compare/<a>/<b>/preview.png?at=<seconds>`: both runs at that moment, A over B."""
    key = request.GET.get("key")
    a = selectors.run_get_visible(run_id=run_a, user=None, key=key)
    b = selectors.run_get_visible(run_id=run_b, user=None, key=key)
    if a is None or b is None or a.scenario_slug != b.scenario_slug:
        raise Http404("No such comparison")
    runs = [
        (
            selectors.run_variant_title(run=run) or "as written",
            (run.summary or {}).get("intervals") or {},
        )
        for run in (a, b)
    ]
    png = compare_preview_png(
        run_ids=(str(a.id), str(b.id)), spec=a.spec, runs=runs, t_s=_at(request, a.spec)
    )
    return _png_response(png, finished=all(intervals for _, intervals in runs))


def _at(request: HttpRequest, spec: dict[str, Any]) -> int:
    try:
        return max(0, min(int(request.GET.get("at") or 0), int(spec.get("duration_s", 0))))
    except ValueError:
        return 0


def _png_response(png: bytes, *, finished: bool) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["ETag"] = '"' + hashlib.sha256(png).hexdigest()[:32] + '"'
    # A finished run never changes; an unfinished one is drawn again once it has finished.
    response["Cache-Control"] = f"public, max-age={CACHE_TTL_S if finished else 30}"
    return response


# -- the embeddable player ---------------------------------------------------------------

FRAME_ANY_ORIGIN = "frame-ancestors *"


def frame_from_anywhere(response: HttpResponse) -> HttpResponse:
    """The one exception to "this site is never framed": the embed route.

    No X-Frame-Options (it would refuse every frame) and a policy that lets a page of any
    origin frame this one. Everything else keeps `X-Frame-Options: DENY`. A site-wide
    Content-Security-Policy must keep this one directive for such a response: it is
    marked `response.frame_ancestors = "*"` (the rest of the policy may be added to it).
    """
    response.xframe_options_exempt = True  # type: ignore[attr-defined]
    response.frame_ancestors = "*"  # type: ignore[attr-defined]
    response["Content-Security-Policy"] = FRAME_ANY_ORIGIN
    return response


@require_GET
def embed_page(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """`/embed/<id>/?t=&focus=&autoplay=0`: the compact, read-only player.

    Visibility is the anonymous visitor's (a document's reader has no session here), so
    the page reads no session and sets no cookie: it has no form and no CSRF token.
    """
    from outage_replay.replays.player import player_context, player_run

    run = player_run(run_id, user=None, key=request.GET.get("key"))
    if run is None:
        raise Http404("No such run")
    context = player_context(request, run)
    context["run_config"]["autoplay"] = request.GET.get("autoplay") == "1"
    query = {k: request.GET[k] for k in ("t", "focus", "key") if request.GET.get(k)}
    context["full_url"] = request.build_absolute_uri(f"/replay/{run_id}/") + (
        "?" + urlencode(query, safe=":") if query else ""
    )
    return frame_from_anywhere(render(request, "sharing/embed.html", context))


# -- oEmbed (https://oembed.com) ---------------------------------------------------------

OEMBED_SIZE = (960, 540)
OEMBED_MIN = (320, 180)
_PLAYER_PATH = re.compile(r"^/(?:replay|embed)/([0-9a-fA-F-]{36})/$")


def _oembed_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _dimension(request: HttpRequest, name: str, default: int, minimum: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ValueError(f"{name}: must be a whole number of pixels")
    return max(minimum, min(default, int(raw)))


@require_GET
def oembed(request: HttpRequest) -> HttpResponse:
    """`/oembed?url=<replay or embed URL>&format=json[&maxwidth=&maxheight=]`: a `rich`
    answer whose html is the embed's <iframe> at the URL's moment."""
    fmt = request.GET.get("format") or "json"
    if fmt != "json":
        return _oembed_error(501, "format: only json is served")
    parts = urlsplit(request.GET.get("url") or "")
    match = _PLAYER_PATH.match(parts.path)
    if not match or parts.scheme not in {"http", "https"} or parts.netloc != request.get_host():
        return _oembed_error(404, "url: not a replay or embed URL of this site")
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k in {"t", "focus", "key"}}
    run = selectors.run_get_visible(run_id=match.group(1), user=None, key=query.get("key"))
    if run is None:
        return _oembed_error(404, "url: no such run")
    try:
        width = _dimension(request, "maxwidth", OEMBED_SIZE[0], OEMBED_MIN[0])
        height = _dimension(request, "maxheight", OEMBED_SIZE[1], OEMBED_MIN[1])
    except ValueError as exc:
        return _oembed_error(400, str(exc))
    width, height = min(width, height * 16 // 9), min(height, width * 9 // 16)
    title = f"Replay: {run.spec.get('title') or 'Outage replay'}"
    src = embed_url(request, run_id=str(run.id), **query) + ("&" if query else "?") + "autoplay=0"
    preview = preview_meta(
        request,
        run_id=str(run.id),
        spec=run.spec,
        summary=run.summary,
        key=query.get("key", ""),
        t=query.get("t", ""),
    )
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy" '
        'style="border:0;max-width:100%" allowfullscreen></iframe>',
        src, width, height, title,
    )  # fmt: skip
    return JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "provider_name": "Outage Replay",
            "provider_url": request.build_absolute_uri("/"),
            "title": title,
            "html": html,
            "width": width,
            "height": height,
            "thumbnail_url": preview["url"],
            "thumbnail_width": preview["width"],
            "thumbnail_height": preview["height"],
            "cache_age": 3600,
        }
    )


# -- presenter sessions ------------------------------------------------------------------


@require_POST
def present_start(request: HttpRequest) -> HttpResponse:
    """The Present form: a new session for the run at the presenter's moment; the signed
    presenter token goes into this browser's session, then to `/p/<code>/`."""
    key = request.POST.get("key") or ""
    run = selectors.run_get_visible(run_id=request.POST.get("run", ""), user=request.user, key=key)
    run_b = None
    if request.POST.get("run_b"):  # presenting a comparison
        run_b = selectors.run_get_visible(run_id=request.POST["run_b"], user=request.user, key=key)
    if run is None or (request.POST.get("run_b") and run_b is None):
        raise Http404("No such run")
    try:
        rate_limit_take(
            client="present:" + client_id(request),
            burst=settings.RUN_CREATE_BURST,
            per_min=settings.RUN_CREATE_PER_MIN,
        )
    except RateLimited as exc:
        return HttpResponse(
            f"Too many new presentations: try again in {exc.retry_after_s} s",
            status=429,
            content_type="text/plain",
        )
    t_s = parse_share_t(run.spec, request.POST.get("t")) or 0
    focus = request.POST.get("focus") or None
    try:
        speed = float(request.POST.get("speed") or 1)
    except ValueError:
        speed = 1.0
    speed = int(speed) if speed.is_integer() else speed
    state = {"t_ms": t_s * 1000, "playing": False, "speed": speed, "focus": focus, "panel": None}
    state, problem = presenting.parse_control(state, duration_ms=run.duration_ms)
    if problem:  # a hand-made form: start at the beginning rather than refuse
        state = {"t_ms": 0, "playing": False, "speed": 1, "focus": None, "panel": None}
    code, token = presenting.session_create(
        run=run, run_b=run_b, name=request.POST.get("name", ""), key=key, state=state
    )
    tokens = dict(request.session.get(presenting.SESSION_TOKENS) or {})
    tokens[code] = token
    request.session[presenting.SESSION_TOKENS] = dict(list(tokens.items())[-20:])
    return HttpResponseRedirect(f"/p/{code}/")


@require_GET
def present_page(request: HttpRequest, code: str) -> HttpResponse:
    """`/p/<code>/`: the player, driven by the presenter or following them."""
    from outage_replay.replays.player import player_context, player_run

    session = presenting.session_get(code=code)
    if session is None:
        return render(request, "sharing/present_gone.html", status=404)
    if session["run_b"]:
        return _present_comparison(request, code, session)
    run = player_run(session["run"], user=None, key=session["key"])
    if run is None:
        return render(request, "sharing/present_gone.html", status=404)
    context = player_context(request, run)
    context["run_config"]["key"] = session["key"]
    context["run_config"]["autoplay"] = False
    context["presentation"] = _presentation(request, code, session)
    context["run_config"]["present"] = _present_config(code, context, run.meta["spec"])
    response = render(request, "replays/replay.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _present_comparison(request: HttpRequest, code: str, session: dict[str, Any]) -> HttpResponse:
    from outage_replay.replays.compare import compare_context

    a = selectors.run_get_visible(run_id=session["run"], user=None, key=session["key"])
    b = selectors.run_get_visible(run_id=session["run_b"], user=None, key=session["key"])
    if a is None or b is None:
        return render(request, "sharing/present_gone.html", status=404)
    context = compare_context(request, a, b, key=session["key"])
    context["presentation"] = _presentation(request, code, session)
    config = context["compare_data"]["config"]
    config["autoplay"] = False
    config["present"] = _present_config(code, context, a.spec)
    response = render(request, "replays/compare.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _presentation(request: HttpRequest, code: str, session: dict[str, Any]) -> dict[str, Any]:
    """Who presents and whether this browser is the presenter (its session's token)."""
    tokens = request.session.get(presenting.SESSION_TOKENS) or {}
    presenter = isinstance(tokens, dict) and presenting.token_valid(
        tokens.get(code), code=code, nonce=session["nonce"]
    )
    return {
        "code": code,
        "name": session["name"],
        "role": "presenter" if presenter else "follower",
        "url": request.build_absolute_uri(f"/p/{code}/"),
    }


def _present_config(code: str, context: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": code,
        "ws_url": f"/ws/present/{code}/",
        "role": context["presentation"]["role"],
        "frame_ms": int(float(spec.get("frame_interval_s") or 10) * 1000),
    }
