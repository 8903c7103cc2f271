"""Determinism you can see: a run's twin and its recomputation.

- `run_identical_earlier`: the first earlier finished run with the same frozen document
  (spec digest) and seed. When its frame digest equals this run's, the two were computed
  independently and agree frame for frame: the player shows "verified identical".
- `verification_request` / `verification_execute`: "Verify" recomputes the run from its
  frozen document and seed in a Celery worker (never reading the stored frames, which
  identical runs may share) and records whether the new frame digest matches the stored
  one. One verification per run at a time; creating one is rate-limited per client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Run, RunStatus, RunVerification, VerificationStatus

logger = logging.getLogger(__name__)
PENDING = (VerificationStatus.QUEUED, VerificationStatus.RUNNING)


def run_identical_earlier(*, run: Run) -> dict[str, Any] | None:
    if run.status != RunStatus.DONE or not run.frame_digest:
        return None
    twin = (
        Run.objects.filter(
            spec_digest=run.spec_digest,
            seed=run.seed,
            status=RunStatus.DONE,
            created_at__lt=run.created_at,
        )
        .exclude(pk=run.pk)
        .order_by("created_at")
        .only("id", "frame_digest", "created_at")
        .first()
    )
    if twin is None:
        return None
    return {
        "id": str(twin.id),
        "url": twin.get_absolute_url(),
        "frame_digest": twin.frame_digest,
        "matches": twin.frame_digest == run.frame_digest,
    }


def verification_latest(*, run: Run) -> RunVerification | None:
    return RunVerification.objects.filter(run=run).order_by("-created_at").first()


def verification_request(
    *, run: Run, before_create: Callable[[], None] | None = None
) -> tuple[RunVerification, bool]:
    """The run's pending verification, or a new one (queued in a worker on commit)."""
    young = timezone.now() - timezone.timedelta(seconds=settings.RUN_HARD_TIME_LIMIT_S)
    pending = RunVerification.objects.filter(run=run, status__in=PENDING, created_at__gte=young)
    existing = pending.order_by("-created_at").first()
    if existing is not None:
        return existing, False
    if before_create is not None:
        before_create()
    verification = RunVerification.objects.create(run=run, expected=run.frame_digest)
    from .tasks import verify_run

    verify_run.delay_on_commit(verification.pk)
    return verification, True


def verification_execute(*, verification_id: int) -> None:
    from simulation import Simulation, parse_document

    with transaction.atomic():
        found = (
            RunVerification.objects.select_for_update()
            .select_related("run")
            .filter(pk=verification_id, status__in=PENDING)
            .first()
        )
        if found is None:
            return
        found.status = VerificationStatus.RUNNING
        found.save(update_fields=["status"])
    run = found.run
    try:
        digest = Simulation(parse_document(run.spec), run.seed).run().digest
    except Exception as exc:  # a model bug must end the verification, readably
        logger.exception("verification %s of run %s crashed", verification_id, run.id)
        verification_fail(verification_id=verification_id, error=f"{type(exc).__name__}: {exc}")
        return
    RunVerification.objects.filter(pk=verification_id).update(
        status=VerificationStatus.DONE,
        digest=digest,
        matches=digest == found.expected,
        finished_at=timezone.now(),
    )


def verification_fail(*, verification_id: int, error: str) -> None:
    RunVerification.objects.filter(pk=verification_id, status__in=PENDING).update(
        status=VerificationStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def verification_dict(v: RunVerification | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "status": v.status,
        "expected": v.expected,
        "digest": v.digest,
        "matches": v.matches,
        "error": v.error,
        "created_at": v.created_at.isoformat(),
        "finished_at": v.finished_at.isoformat() if v.finished_at else None,
    }
