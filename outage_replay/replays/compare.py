"""/compare/<run-a>/<run-b>/: two runs of one scenario on one playhead, and their diff.

The page (`static/js/compare/main.js`) gets both runs' meta and, once both are done,
the stored diff (`comparisons.py`) through `json_script`; while a run still computes it
streams it like the player does and asks `GET /api/compare/<a>/<b>/` for the diff when
both are done. Share links: `?t=` and `focus=` as in the player (player.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from . import selectors
from .comparisons import comparison_get_or_compute, comparison_stored
from .models import Run
from .player import UPLOT_CSS, UPLOT_JS, import_map
from .ratelimit import RateLimited, client_id, rate_limit_take


def _pair(request: HttpRequest, a: UUID, b: UUID) -> tuple[Run, Run]:
    key = request.GET.get("key")
    run_a = selectors.run_get_visible(run_id=a, user=request.user, key=key)
    run_b = selectors.run_get_visible(run_id=b, user=request.user, key=key)
    if run_a is None or run_b is None:
        raise Http404("No such run")
    return run_a, run_b


def _different(run_a: Run, run_b: Run) -> str:
    if run_a.scenario_slug != run_b.scenario_slug:
        return "these runs are of different scenarios"
    if [s["id"] for s in run_a.spec["services"]] != [s["id"] for s in run_b.spec["services"]]:
        return "these runs have different services"
    return ""


def _charge(request: HttpRequest) -> None:
    rate_limit_take(
        client="compare:" + client_id(request),
        burst=settings.RUN_CREATE_BURST,
        per_min=settings.RUN_CREATE_PER_MIN,
    )


def _run_config(run: Run, key: str) -> dict[str, Any]:
    rid = str(run.id)
    return {
        "run_id": rid,
        "api_url": f"/api/runs/{rid}/",
        "frames_url": f"/api/runs/{rid}/frames",
        "ws_url": f"/ws/runs/{rid}/",
        "replay_url": f"/replay/{rid}/",
        "key": key,
    }


def compare_title(run_a: Run, run_b: Run) -> str:
    title_b = selectors.run_variant_title(run=run_b) or "the scenario as written"
    title_a = selectors.run_variant_title(run=run_a)
    return f"What if: {title_b}" + (f" (against {title_a})" if title_a else "")


def compare_page(request: HttpRequest, run_a: UUID, run_b: UUID) -> HttpResponse:
    a, b = _pair(request, run_a, run_b)
    problem = _different(a, b)
    if problem:
        return HttpResponse(f"Cannot compare: {problem}.", status=400, content_type="text/plain")
    key = request.GET.get("key") or ""
    return render(request, "replays/compare.html", compare_context(request, a, b, key=key))


def compare_context(request: HttpRequest, a: Run, b: Run, *, key: str) -> dict[str, Any]:
    """The compare page's context (also a presented comparison's, `/p/<code>/`)."""
    from outage_replay.sharing.links import compare_preview_meta

    spec = a.spec
    title = compare_title(a, b)
    context = {
        "title": title,
        "scenario_title": spec.get("title", ""),
        "og_description": f"{spec.get('title', '')}: two runs on one playhead, and what changed.",
        "og_url": request.build_absolute_uri(request.path),
        "og_image": compare_preview_meta(request, run_a=a, run_b=b, key=key),
        "scenario_url": f"/s/{a.scenario_slug}/",
        "run_a": a,
        "run_b": b,
        "title_a": selectors.run_variant_title(run=a) or "as written",
        "title_b": selectors.run_variant_title(run=b) or "as written",
        "import_map": import_map(),
        "compare_data": {
            "a": selectors.run_meta(run=a),
            "b": selectors.run_meta(run=b),
            "diff": comparison_stored(run_a=a, run_b=b),
            "config": {
                "a": _run_config(a, key),
                "b": _run_config(b, key),
                "diff_url": f"/api/compare/{a.id}/{b.id}/" + (f"?key={key}" if key else ""),
                "replay_url": f"/compare/{a.id}/{b.id}/",
                "key": key,
                "uplot_js": static(UPLOT_JS),
                "uplot_css": static(UPLOT_CSS),
            },
        },
    }
    return context


@require_GET
def api_compare(request: HttpRequest, run_a: UUID, run_b: UUID) -> JsonResponse:
    try:
        a, b = _pair(request, run_a, run_b)
    except Http404:
        return JsonResponse({"error": "id: no such run", "field": "id"}, status=404)
    problem = _different(a, b)
    if problem:
        return JsonResponse({"error": problem, "field": None}, status=400)
    try:
        diff = comparison_get_or_compute(run_a=a, run_b=b, before_compute=lambda: _charge(request))
    except RateLimited as exc:
        response = JsonResponse(
            {"error": f"Too many comparisons: try again in {exc.retry_after_s} s"}, status=429
        )
        response["Retry-After"] = str(exc.retry_after_s)
        return response
    if diff is None:
        return JsonResponse({"status": "waiting", "a": a.status, "b": b.status}, status=202)
    return JsonResponse({"status": "done", "diff": diff})
