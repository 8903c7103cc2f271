"""The one Celery task per run: an id in, the service does the work.

Delivery policy (with the settings' acks_late, prefetch 1 and visibility timeout):
- acks_late + reject_on_worker_lost: a worker process killed mid-run (OOM, kill -9,
  a lost machine) puts the task back on the queue; the redelivered task resumes.
- redeliveries are bounded by `Run.attempts` (RUN_MAX_ATTEMPTS), so a run that kills
  its worker every time ends as failed instead of looping forever.
- the soft time limit ends the run as failed with a readable error; the hard limit is
  the backstop (Celery then calls `on_failure` in the worker's main process).
- a database that blips is retried a couple of times; other errors fail the run.
No result is stored: the Run row is the result.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import services
from .race import EXPLORE_TIME_LIMIT_S

HARD_TIME_LIMIT_S = settings.RUN_HARD_TIME_LIMIT_S
SOFT_TIME_LIMIT_S = max(5, HARD_TIME_LIMIT_S - max(5, HARD_TIME_LIMIT_S // 10))
EXPLORE_SOFT_S = EXPLORE_TIME_LIMIT_S  # the explorer is bounded in time, not by input alone


class RunTask(DjangoTask):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        run_id = args[0] if args else kwargs.get("run_id")
        if isinstance(exc, TimeLimitExceeded):
            error = f"The simulation exceeded the hard limit of {HARD_TIME_LIMIT_S} s."
        else:
            error = f"The run stopped with an internal error: {type(exc).__name__}: {exc}"
        services.run_fail(run_id=run_id, error=error)


@shared_task(
    base=RunTask,
    name="replays.simulate_run",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=SOFT_TIME_LIMIT_S,
    time_limit=HARD_TIME_LIMIT_S,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=2,
    default_retry_delay=2,
)
def simulate_run(run_id: str) -> None:
    try:
        services.run_execute(run_id=run_id)
    except SoftTimeLimitExceeded:
        services.run_fail(
            run_id=run_id,
            error=f"The simulation took longer than the {SOFT_TIME_LIMIT_S} s allowed "
            "for a run and was stopped.",
        )


class VerifyTask(DjangoTask):
    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        from .verification import verification_fail

        verification_id = args[0] if args else kwargs.get("verification_id")
        verification_fail(verification_id=verification_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=VerifyTask,
    name="replays.verify_run",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=SOFT_TIME_LIMIT_S,
    time_limit=HARD_TIME_LIMIT_S,
)
def verify_run(verification_id: int) -> None:
    """Recompute a run from its frozen document and seed; record whether it matches."""
    from .verification import verification_execute, verification_fail

    try:
        verification_execute(verification_id=verification_id)
    except SoftTimeLimitExceeded:
        verification_fail(
            verification_id=verification_id,
            error=f"Recomputing took longer than the {SOFT_TIME_LIMIT_S} s allowed.",
        )


@shared_task(
    name="replays.explore_race",
    ignore_result=True,
    soft_time_limit=EXPLORE_SOFT_S,
    time_limit=EXPLORE_SOFT_S + 10,
)
def explore_race(key: str, config: dict[str, Any]) -> None:
    """Enumerate the Enactor interleavings of a small configuration (race.py)."""
    from simulation import ScenarioError

    from .race import explore_execute, explore_store

    try:
        explore_execute(key=key, config=config)
    except ScenarioError as exc:  # past the explorer's state bound
        explore_store(key=key, result={"status": "failed", "config": config, "error": str(exc)})
    except SoftTimeLimitExceeded:
        explore_store(
            key=key,
            result={
                "status": "failed",
                "config": config,
                "error": f"more than {EXPLORE_SOFT_S} s of schedules: try fewer Enactors, "
                "plans or endpoints",
            },
        )
