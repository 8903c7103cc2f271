"""Periodic work every Celery worker does: reap stalled runs (and, later, old ones).

The reaper is what heals a run whose worker died, whatever the broker does: a run whose
lease lapsed goes back to `queued` (a fresh grace period) and to the queue again. The
broker may redeliver the old task too; whichever delivery comes first takes the lease
and the other does nothing (`services._run_start`). Reaping is a conditional update on
the lease it saw, so any number of workers may reap at once: one of them wins per run.

`start_in_worker` runs it on a daemon thread of the worker's main process, started
when the worker is ready (`make run`'s worker and every production worker alike).
"""

from __future__ import annotations

import logging
import threading
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


def _tick() -> None:
    close_old_connections()
    try:
        reap_stalled_runs()
    except DatabaseError as exc:
        logger.warning("reaper: database unavailable (%s); trying again", exc)
    except Exception:  # a broker blip must not end the loop
        logger.exception("reaper: tick failed")
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
        while not stop.wait(settings.RUN_REAP_EVERY_S):
            _tick()

    threading.Thread(target=loop, name="housekeeping", daemon=True).start()
