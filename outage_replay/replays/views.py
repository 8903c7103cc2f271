"""The runs API and the Replay button. Thin: parse, call a service or selector, answer.

The JSON API is exempt from Django's CSRF check but only accepts `application/json`
bodies: a cross-site form cannot send that type without a CORS preflight, which this
site never grants, so a foreign page cannot start or cancel runs with a visitor's
cookies. Errors are `{"error": "<field>: <message>", "field": "<field>"}`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services, wire
from .metacache import run_metas
from .models import TERMINAL_STATUSES, Run
from .ratelimit import RateLimited, client_id, rate_limit_take
from .services import RunRequestError
from .wire import EncodedChunk

MAX_BODY_BYTES = 64 * 1024
MAX_BODY_DEPTH = 32
CREATE_FIELDS = {"scenario", "key", "seed", "variant", "fresh"}
MAX_SEED = 2**63 - 1
META_MAX_AGE_S = 3600


def _error(status: int, field: str | None, message: str, **extra: Any) -> JsonResponse:
    text = f"{field}: {message}" if field else message
    return JsonResponse({"error": text, "field": field, **extra}, status=status)


class BodyTooLarge(RunRequestError):
    pass


def _json_body(request: HttpRequest) -> dict[str, Any]:
    """The JSON object sent, bounded before it is read: its declared length, the bytes
    read, nesting depth (counted before parsing) and valid Unicode."""
    from simulation import ScenarioError, decode_json

    if request.content_type != "application/json":
        raise RunRequestError("body", "send JSON with Content-Type: application/json")
    too_large = BodyTooLarge("body", f"larger than {MAX_BODY_BYTES} bytes")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise RunRequestError("body", "Content-Length must be a number") from None
    if declared > MAX_BODY_BYTES:
        raise too_large
    try:
        body = request.body
    except RequestDataTooBig:  # no (or a false) Content-Length: Django stopped reading
        raise too_large from None
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    if not body.strip():
        return {}
    try:
        data = decode_json(body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_BODY_DEPTH)
    except ScenarioError as exc:
        path, message = exc.errors[0]
        message = "not valid JSON" if message.startswith("invalid JSON") else message
        raise RunRequestError("body" if path == "$" else f"body.{path}", message) from None
    if not isinstance(data, dict):
        raise RunRequestError("body", "must be a JSON object")
    return data


def _create_args(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - CREATE_FIELDS)
    if unknown:
        known = ", ".join(sorted(CREATE_FIELDS))
        raise RunRequestError(unknown[0], f"unknown field (known: {known})")
    slug, key, seed = data.get("scenario"), data.get("key"), data.get("seed")
    variant, fresh = data.get("variant", {}), data.get("fresh", False)
    if not isinstance(slug, str) or not slug:
        raise RunRequestError("scenario", "required: the scenario's slug")
    if key is not None and not isinstance(key, str):
        raise RunRequestError("key", "must be a string")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
    ):
        raise RunRequestError("seed", f"must be an integer from 0 to {MAX_SEED}")
    if not isinstance(variant, dict) or not all(isinstance(k, str) for k in variant):
        raise RunRequestError("variant", 'must be an object like {"mechanisms[0].params.x": 1}')
    if not isinstance(fresh, bool):
        raise RunRequestError("fresh", "must be true or false")
    return {"slug": slug, "key": key, "seed": seed, "variant": variant, "fresh": fresh}


def _owner_key(request: HttpRequest, *, create: bool = True) -> str:
    """Who may cancel: the signed-in user, or this browser session. A session is made
    only when a run is really created for a visitor without one (`create`); asking who
    owns something never makes one ("" then)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        if not create:
            return ""
        request.session["replays.owner"] = True
        request.session.save()
    return "session:" + hashlib.sha256(request.session.session_key.encode()).hexdigest()[:40]


def _charge(request: HttpRequest) -> None:
    rate_limit_take(
        client=client_id(request),
        burst=settings.RUN_CREATE_BURST,
        per_min=settings.RUN_CREATE_PER_MIN,
    )


def _start(request: HttpRequest, args: dict[str, Any]) -> tuple[Run, bool] | None:
    from outage_replay.scenarios.selectors import scenario_get_visible

    scenario = scenario_get_visible(slug=args["slug"], user=request.user, key=args["key"])
    if scenario is None:
        return None
    return services.run_create(
        scenario=scenario,
        seed=args["seed"],
        variant=args["variant"],
        fresh=args["fresh"],
        public=not request.user.is_staff,
        owner_key=lambda: _owner_key(request),
        before_create=lambda: _before_create(request),
    )


class StorageFull(Exception):
    pass


def _before_create(request: HttpRequest) -> None:
    """A run is about to be created: charge the client; refuse anonymous runs once the
    stored frames pass RUN_STORAGE_CAP_MB (staff may still run)."""
    _charge(request)
    if not request.user.is_staff and selectors.stored_bytes() > settings.RUN_STORAGE_CAP_MB * 2**20:
        raise StorageFull


STORAGE_FULL = (
    "Storage for replays is full, so new runs are refused for now; existing replays "
    "still play. Please try again later."
)


def _created_body(run: Run) -> dict[str, Any]:
    meta = selectors.run_meta(run=run)
    return {k: meta[k] for k in ("id", "status", "replay_url", "ws_url", "api_url")}


@csrf_exempt
@require_POST
def api_runs(request: HttpRequest) -> JsonResponse:
    try:
        try:
            args = _create_args(_json_body(request))
            started = _start(request, args)
        except RunRequestError as exc:
            _charge(request)  # a refused request costs a token too
            status = 413 if isinstance(exc, BodyTooLarge) else 400
            errors = exc.errors or [[exc.field, exc.message]]
            return _error(status, exc.field, exc.message, errors=errors)
    except StorageFull:
        response = _error(503, None, STORAGE_FULL)
        response["Retry-After"] = "3600"
        return response
    except RateLimited as exc:
        response = _error(
            429,
            None,
            f"Too many new runs from this client: try again in {exc.retry_after_s} s",
            retry_after_s=exc.retry_after_s,
        )
        response["Retry-After"] = str(exc.retry_after_s)
        return response
    if started is None:
        return _error(404, "scenario", f"no scenario {args['slug']!r} (or it needs its key)")
    run, created = started
    return JsonResponse(_created_body(run), status=201 if created else 200)


def _visible_run(request: HttpRequest, run_id: Any) -> Run:
    run = selectors.run_get_visible(run_id=run_id, user=request.user, key=request.GET.get("key"))
    if run is None:
        raise Http404
    return run


def _not_found() -> JsonResponse:
    return _error(404, "id", "no such run (or its scenario needs its key)")


@require_GET
def api_run(request: HttpRequest, run_id: Any) -> HttpResponse:
    """The run meta, from this process's cache (one small read to check its version).

    A finished run's meta never changes: caches may keep it (privately when its
    scenario needs a key); a computing run's is revalidated with its ETag.
    """
    row = selectors.run_row_visible(run_id=run_id, user=request.user, key=request.GET.get("key"))
    if row is None:
        return _not_found()
    meta = run_metas.get(row)
    if row["status"] in TERMINAL_STATUSES:
        public = row["scenario_id"] is None or row["scenario__visibility"] == "public"
        cache_control = f"{'public' if public else 'private'}, max-age={META_MAX_AGE_S}"
    else:
        cache_control = "no-cache"
    # (GZipMiddleware marks the ETag weak when it compresses the answer.)
    if request.headers.get("If-None-Match", "").removeprefix("W/") == meta.etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(meta.text, content_type="application/json")
    response["ETag"] = meta.etag
    response["Cache-Control"] = cache_control
    return response


def _int_param(request: HttpRequest, name: str, default: int | None) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RunRequestError(name, "must be an integer ≥ 0") from None
    if value < 0:
        raise RunRequestError(name, "must be an integer ≥ 0")
    return value


@require_GET
def api_frames(request: HttpRequest, run_id: Any) -> HttpResponse:
    try:
        run = _visible_run(request, run_id)
        from_seq = _int_param(request, "from_seq", 0) or 0
        to_seq = _int_param(request, "to_seq", None)
    except Http404:
        return _not_found()
    except RunRequestError as exc:
        return _error(400, exc.field, exc.message)
    if to_seq is not None and to_seq < from_seq:
        return _error(400, "to_seq", "must be ≥ from_seq")
    chunks = list(selectors.chunks_overlapping(run=run, from_seq=from_seq, to_seq=to_seq))
    last = chunks[-1].seq_to if chunks else None
    more = (
        last is not None
        and len(chunks) == selectors.MAX_CHUNKS_PER_RESPONSE
        and last < (run.stored_seq_to if to_seq is None else min(to_seq, run.stored_seq_to))
    )
    body = wire.frames_body(
        run_id=str(run.id),
        chunks=[EncodedChunk({}, bytes(chunk.body)) for chunk in chunks],
        stored_seq_to=run.stored_seq_to,
        next_from_seq=last + 1 if more else None,
    )
    return HttpResponse(body, content_type="application/json")


@csrf_exempt
@require_POST
def api_cancel(request: HttpRequest, run_id: Any) -> JsonResponse:
    try:
        run = _visible_run(request, run_id)
    except Http404:
        return _not_found()
    owner = _owner_key(request, create=False)
    if not (request.user.is_staff or (run.owner_key and run.owner_key == owner)):
        return _error(403, None, "only whoever started this run (or staff) may cancel it")
    if request.content_type != "application/json":
        return _error(400, "body", "send Content-Type: application/json (the body may be {})")
    if run.status == "done":
        return _error(409, "status", "the run is already done")
    run = services.run_cancel(run=run)
    return JsonResponse(selectors.run_meta(run=run))


@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """The scenario page's Replay button: the latest finished default run, or a new one."""
    key = request.POST.get("key") or request.GET.get("key") or None
    args = {"slug": slug, "key": key, "seed": None, "variant": {}, "fresh": False}
    try:
        started = _start(request, args)
    except RunRequestError as exc:
        return HttpResponse(f"This scenario cannot be replayed: {exc}", status=400)
    except StorageFull:
        return HttpResponse(STORAGE_FULL, status=503, headers={"Retry-After": "3600"})
    except RateLimited as exc:
        response = HttpResponse(
            f"Too many new runs from here; try again in {exc.retry_after_s} s.", status=429
        )
        response["Retry-After"] = str(exc.retry_after_s)
        return response
    if started is None:
        raise Http404
    run, _ = started
    url = run.get_absolute_url()
    return HttpResponseRedirect(f"{url}?key={key}" if key else url)
