"""Determinism you can see and the race explorer, over HTTP.

- `GET|POST /api/runs/<id>/verify` (verification.py). GET → `{"frame_digest", "seed",
  "identical": {id, url, frame_digest, matches} | null, "verification": {status,
  expected, digest, matches, …} | null}`. POST (JSON, any visitor, rate-limited per
  client) recomputes the run in a worker: 202 with the same body.
- `POST /api/explore/` and `GET /api/explore/<key>/` (race.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors
from .models import Run, RunStatus
from .ratelimit import RateLimited, client_id, rate_limit_take
from .verification import (
    run_identical_earlier,
    verification_dict,
    verification_latest,
    verification_request,
)

MAX_EXPLORE_BODY = 4096


def _error(status: int, field: str | None, message: str, **extra: Any) -> JsonResponse:
    text = f"{field}: {message}" if field else message
    return JsonResponse({"error": text, "field": field, **extra}, status=status)


def _too_many(exc: RateLimited, what: str) -> JsonResponse:
    response = _error(
        429, None, f"Too many {what} from this client: try again in {exc.retry_after_s} s"
    )
    response["Retry-After"] = str(exc.retry_after_s)
    return response


def _charge(request: HttpRequest, bucket: str) -> None:
    rate_limit_take(
        client=f"{bucket}:{client_id(request)}",
        burst=settings.RUN_VERIFY_BURST,
        per_min=settings.RUN_VERIFY_PER_MIN,
    )


def checks_of(run: Run) -> dict[str, Any]:
    return {
        "frame_digest": run.frame_digest,
        "seed": run.seed,
        "identical": run_identical_earlier(run=run),
        "verification": verification_dict(verification_latest(run=run)),
    }


@csrf_exempt  # JSON only, like the rest of the runs API (views.py explains why)
@require_http_methods(["GET", "POST"])
def api_verify(request: HttpRequest, run_id: Any) -> JsonResponse:
    run = selectors.run_get_visible(run_id=run_id, user=request.user, key=request.GET.get("key"))
    if run is None:
        return _error(404, "id", "no such run")
    if request.method == "GET":
        return JsonResponse(checks_of(run))
    if request.content_type != "application/json":
        return _error(400, "body", "send Content-Type: application/json (the body may be {})")
    if run.status != RunStatus.DONE:
        return _error(409, "status", "only a finished run can be verified")
    try:
        verification_request(run=run, before_create=lambda: _charge(request, "verify"))
    except RateLimited as exc:
        return _too_many(exc, "verifications")
    return JsonResponse(checks_of(run), status=202)


def _explore_body(request: HttpRequest) -> dict[str, Any]:
    from .race import ExploreRequestError

    if request.content_type != "application/json" or len(request.body) > MAX_EXPLORE_BODY:
        raise ExploreRequestError([("body", "send a small JSON object")])
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ExploreRequestError([("body", "not valid JSON")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("scenario"), str):
        raise ExploreRequestError([("scenario", "required: the scenario's slug")])
    return data


@csrf_exempt  # JSON only, like the rest of the runs API (views.py explains why)
@require_http_methods(["POST"])
def api_explore(request: HttpRequest) -> JsonResponse:
    from outage_replay.scenarios.selectors import scenario_get_visible

    from .race import ExploreRequestError, explore_config, explore_request

    try:
        data = _explore_body(request)
        key = data.get("key") if isinstance(data.get("key"), str) else None
        scenario = scenario_get_visible(slug=data["scenario"], user=request.user, key=key)
        if scenario is None:
            return _error(404, "scenario", "no such scenario (or it needs its key)")
        config = explore_config(spec=scenario.to_spec(), data=data)
        result_key, result = explore_request(
            config=config, before_queue=lambda: _charge(request, "explore")
        )
    except ExploreRequestError as exc:
        path, message = exc.errors[0]
        return _error(400, path, message, errors=exc.errors)
    except RateLimited as exc:
        return _too_many(exc, "explorations")
    body = {**result, "url": f"/api/explore/{result_key}/"}
    return JsonResponse(body, status=202 if result["status"] == "pending" else 200)


@require_GET
def api_explore_result(request: HttpRequest, key: str) -> JsonResponse:
    from .race import explore_get, explore_pending

    result = explore_get(key=key)
    if result is not None:
        return JsonResponse(result)
    if explore_pending(key=key):
        return JsonResponse({"status": "pending"}, status=202)
    return _error(404, "key", "no such exploration")


@csrf_exempt  # JSON only, like the rest of the runs API
@require_http_methods(["POST"])
def api_explore_replay(request: HttpRequest, key: str) -> JsonResponse:
    """`POST /api/explore/<key>/replay` `{"scenario", "schedule": K}` → the run (201, or
    200 for an identical one) whose dns_automation follows bad schedule K (race.py)."""
    from outage_replay.scenarios.selectors import scenario_get_visible

    from . import views
    from .race import ExploreRequestError, explore_replay
    from .services import RunRequestError

    try:
        data = _explore_body(request)
        scenario_key = data.get("key") if isinstance(data.get("key"), str) else None
        scenario = scenario_get_visible(slug=data["scenario"], user=request.user, key=scenario_key)
        if scenario is None:
            return _error(404, "scenario", "no such scenario (or it needs its key)")
        run, created = explore_replay(
            scenario=scenario,
            key=key,
            index=data.get("schedule", 1),
            owner_key=lambda: views._owner_key(request),
            before_create=lambda: views._before_create(request),
        )
    except ExploreRequestError as exc:
        path, message = exc.errors[0]
        return _error(400, path, message, errors=exc.errors)
    except RunRequestError as exc:
        return _error(400, exc.field, exc.message, errors=exc.errors or [[exc.field, exc.message]])
    except views.StorageFull:
        return _error(503, None, views.STORAGE_FULL)
    except RateLimited as exc:
        return _too_many(exc, "runs")
    return JsonResponse(views._created_body(run), status=201 if created else 200)
