"""Periodic work every Celery worker does: reap stalled runs and expire old ones.

The reaper is what heals a run whose worker died, whatever the broker does: a run whose
lease lapsed goes back to `queued` (a fresh grace period) and to the queue again. The
broker may redeliver the old task too; whichever delivery comes first takes the lease
and the other does nothing (`services._run_start`). Reaping is a conditional update on
the lease it saw, so any number of workers may reap at once: one of them wins per run.

Every `RUN_EXPIRE_EVERY_S` (and once at start-up) the same thread deletes the finished
runs retention no longer keeps (`services.runs_expire`); several workers doing so at
once is harmless, each deletion is reference-safe.

`start_in_worker` runs both on a daemon thread of the worker's main process, started
when the worker is ready (`make run`'s worker and every production worker alike).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from .models import Run, RunStatus

logger = logging.getLogger(__name__)


def reap_stalled_runs(*, now: datetime | None = None) -> list[str]:
    """Send every run whose lease lapsed to a worker again; the ids sent."""
    from . import services
    from .tasks import simulate_run

    now = now or timezone.now()
    stalled = Run.objects.filter(
        status__in=(RunStatus.QUEUED, RunStatus.RUNNING), lease_expires_at__lt=now
    ).values_list("pk", "status", "lease_expires_at", "created_at", "worker")
    sent = []
    for pk, status, expires, created_at, worker in stalled:
        give_up_s = settings.RUN_QUEUED_GIVE_UP_S
        if status == RunStatus.QUEUED and (now - created_at).total_seconds() > give_up_s:
            services.run_fail(
                run_id=pk, error=f"No worker picked this run up within {give_up_s} s."
            )
            continue
        won = Run.objects.filter(pk=pk, status=status, lease_expires_at=expires).update(
            status=RunStatus.QUEUED,
            lease_token="",
            lease_expires_at=now + timedelta(seconds=settings.RUN_QUEUED_GRACE_S),
        )
        if not won:
            continue  # another reaper (or the run's worker) got there first
        lapsed_s = (now - expires).total_seconds()
        who = f" by {worker}" if status == RunStatus.RUNNING and worker else ""
        logger.warning(
            "run %s: %s%s, lease lapsed %.1f s ago; sent to a worker again",
            pk, status, who, lapsed_s,
        )  # fmt: skip
        simulate_run.apply_async((str(pk),))
        sent.append(str(pk))
    return sent


def expire_old_runs(*, now: datetime | None = None) -> int:
    """Delete the finished runs retention no longer keeps; how many."""
    from . import services

    deleted = services.runs_expire(
        now=now or timezone.now(), max_age_s=settings.RUN_RETENTION_DAYS * 86400
    )
    if deleted:
        logger.info("retention: deleted %d runs older than %d days", deleted,
                    settings.RUN_RETENTION_DAYS)  # fmt: skip
    return deleted


def _guarded(name: str, work: Callable[[], object]) -> None:
    """Run one piece of housekeeping; a failure is logged and tried again later."""
    close_old_connections()
    try:
        work()
    except DatabaseError as exc:
        logger.warning("%s: database unavailable (%s); trying again", name, exc)
    except Exception:  # a broker or Redis blip must not end the loop
        logger.exception("%s: tick failed", name)
    finally:
        close_old_connections()


_started = threading.Event()


def start_in_worker() -> None:
    """Start the housekeeping loop once per process (a daemon thread)."""
    if _started.is_set():
        return
    _started.set()

    def loop() -> None:
        stop = threading.Event()
        expired_at: float | None = None
        while not stop.wait(settings.RUN_REAP_EVERY_S):
            _guarded("reaper", reap_stalled_runs)
            due = expired_at is None or time.monotonic() - expired_at >= settings.RUN_EXPIRE_EVERY_S
            if due:  # a failed expiry waits for the next period too: it is never urgent
                expired_at = time.monotonic()
                _guarded("retention", expire_old_runs)

    threading.Thread(target=loop, name="housekeeping", daemon=True).start()
