"""`/healthz`: a real round trip through each moving part.

200 only when the database answers, a message goes through the channel layer and back,
and a Celery worker actually consumes a ping task within the timeout; 503 otherwise,
naming the part that failed.
"""

import asyncio
import contextlib
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

CELERY_TIMEOUT_S = 3.0
CHANNEL_TIMEOUT_S = 2.0


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


async def _channel_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    try:
        await layer.send(channel, {"type": "healthz", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), CHANNEL_TIMEOUT_S)
    finally:
        # The pub/sub layer unsubscribes a channel only when a receive on it is
        # cancelled (its documented clean-up path; a timeout of 0 cancels before the
        # receive starts, so 10 ms). Without this every check leaks a subscription.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.01)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned a different message")


def check_channel_layer() -> str:
    async_to_sync(asyncio.wait_for)(_channel_round_trip(), CHANNEL_TIMEOUT_S + 0.5)
    return "ok"


def check_celery() -> str:
    from outage_replay.tasks import ping

    result = ping.apply_async(expires=CELERY_TIMEOUT_S)
    try:
        if result.get(timeout=CELERY_TIMEOUT_S) != "pong":
            raise RuntimeError("unexpected reply from worker")
    finally:
        result.forget()
    return "ok"


CHECKS = {"database": check_database, "channel_layer": check_channel_layer, "celery": check_celery}


@never_cache
@require_GET
def healthz(request):
    report: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            report[name] = {"ok": True, "detail": check()}
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
            report[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
        report[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(part["ok"] for part in report.values())
    failing = [name for name, part in report.items() if not part["ok"]]
    body: dict[str, object] = {
        "status": "ok" if healthy else "fail",
        "failing": failing,
        "checks": report,
    }
    if request.GET.get("stats") and (settings.DEBUG or request.user.is_staff):
        from outage_replay.replays.consumers import process_stats

        body["process"] = process_stats()
    return JsonResponse(body, status=200 if healthy else 503)
