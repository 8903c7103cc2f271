"""Writes: create, execute, cancel and fail runs.

`run_execute` is the whole life of a run inside a Celery worker. It is idempotent on the
run id: the simulation is deterministic, so a redelivered task recomputes from frame 0,
skips every chunk already stored (same digest) and carries on; the frame digest it
records at the end is therefore the clean run's. Each chunk is committed *before* it is
announced, so anything a viewer hears about is already in the database.

Frames are stored once per (spec digest, seed, simulation code) in a `FrameStream`: a
run whose stream is already complete adopts it (no simulation, no new rows); one whose
stream is partly stored (another run computing it, or one that stopped) computes and
skips what is there. Streams go only when no run uses them: delete runs with
`runs_delete`, never streams directly.

Each attempt holds the run's lease (a token and an expiry its heartbeat renews). Only
the holder may store chunks or finish the run, so a worker that lost its lease (it
stalled, the reaper handed the run on) stops at its next chunk instead of racing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, ProtectedError, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from simulation.frames import Chunk, sha256_of

from .models import TERMINAL_STATUSES, Comparison, FrameStream, Run, RunStatus, StreamChunk
from .notify import announce
from .selectors import run_find_identical, run_status_event
from .wire import EncodedChunk, chunk_event

logger = logging.getLogger(__name__)

MAX_VARIANT_ENTRIES = 50
RETENTION_BATCH = 500  # runs deleted per transaction by runs_expire


@dataclass
class RunRequestError(Exception):
    """A bad request to create a run; `field` names the offending input (the first of
    `errors` when there are several: [(path, message), …])."""

    field: str
    message: str
    errors: list[tuple[str, str]] = dc_field(default_factory=list)

    @classmethod
    def from_scenario_error(cls, exc: Any, prefix: str = "") -> RunRequestError:
        errors = [(f"{prefix}{p}", m) for p, m in exc.errors]
        return cls(errors[0][0], errors[0][1], errors)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class SimulationFailed(Exception):
    pass


# -- create ---------------------------------------------------------------------------


def _frozen_spec(
    *, scenario: Any, variant: dict[str, Any], public: bool
) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """The canonical document the run will simulate, validated by `simulation`, its
    spec, and the variant as stored. A `public` variant may touch only what the
    scenario exposes (simulation/knobs.py) and is normalised (no-op entries dropped, so
    a variant equal to the scenario reuses its runs); staff may set any path."""
    from simulation import ScenarioError, apply_variant, parse_document, public_variant

    document = scenario.to_spec()
    if variant:
        try:
            if public:
                variant = public_variant(parse_document(document), variant)
            document = apply_variant(document, variant)
        except ScenarioError as exc:
            prefix = "" if public else "variant."
            raise RunRequestError.from_scenario_error(exc, prefix) from None
    try:
        spec = parse_document(document)
    except ScenarioError as exc:
        prefix = "variant: " if variant else ""
        raise RunRequestError.from_scenario_error(exc, prefix) from None
    return document, spec, variant


def expected_frames(spec: Any) -> int:
    return int(spec.duration_s // spec.frame_interval_s) + 1


def run_create(
    *,
    scenario: Any,
    seed: int | None = None,
    variant: dict[str, Any] | None = None,
    fresh: bool = False,
    public: bool = True,
    owner_key: str | Callable[[], str] = "",
    before_create: Callable[[], None] | None = None,
) -> tuple[Run, bool]:
    """The run for this request, and whether it was created.

    Unless `fresh`, a request identical to a finished run (same scenario version, seed
    and variant) gets that run, and so does one identical to a run still computing
    (a second viewer joins it live instead of computing it twice). Unless the caller is
    staff (`public=False`), the variant may change only the scenario's knobs and its
    interventions' enabled/at_s. `before_create` runs
    only when a run is really created (the rate limit charges there), and so does
    `owner_key` when it is a callable (a visitor's session is made only then).
    """
    variant = dict(variant or {})
    if len(variant) > MAX_VARIANT_ENTRIES:
        raise RunRequestError("variant", f"at most {MAX_VARIANT_ENTRIES} overrides")
    document, spec, variant = _frozen_spec(scenario=scenario, variant=variant, public=public)
    seed = spec.seed if seed is None else seed
    variant_digest = sha256_of(variant)
    if not fresh:
        existing = run_find_identical(
            scenario=scenario,
            seed=seed,
            variant_digest=variant_digest,
            statuses=(RunStatus.DONE, RunStatus.RUNNING, RunStatus.QUEUED),
        )
        if existing is not None and _worth_reusing(existing):
            return existing, False
    if before_create is not None:
        before_create()
    spec_digest = sha256_of(document)
    fields = {
        "scenario": scenario,
        "scenario_slug": scenario.slug,
        "scenario_version": scenario.version,
        "spec": document,
        "spec_digest": spec_digest,
        "seed": seed,
        "variant": variant,
        "variant_digest": variant_digest,
        "frames_total": expected_frames(spec),
        "owner_key": owner_key() if callable(owner_key) else owner_key,
        "lease_expires_at": timezone.now() + timedelta(seconds=settings.RUN_QUEUED_GRACE_S),
    }
    try:
        with transaction.atomic():
            run = Run.objects.create(stream=stream_for(spec_digest, seed), **fields)
    except IntegrityError:  # the stream was pruned between finding and using it
        run = Run.objects.create(stream=stream_for(spec_digest, seed), **fields)
    from .tasks import simulate_run

    simulate_run.delay_on_commit(str(run.id))
    return run, True


def stream_for(spec_digest: str, seed: int) -> FrameStream:
    """The frame stream of this spec and seed under the current simulation code."""
    from simulation import code_digest

    stream, _ = FrameStream.objects.get_or_create(
        spec_digest=spec_digest, seed=seed, code=code_digest()
    )
    return stream


def _worth_reusing(run: Run) -> bool:
    """Done runs always; an unfinished one only while its lease is live (not stalled)."""
    if run.status == RunStatus.DONE:
        return True
    return run.lease_expires_at is not None and run.lease_expires_at > timezone.now()


# -- execute (inside the Celery worker) -----------------------------------------------


def run_execute(*, run_id: str) -> None:
    run = _run_start(run_id=run_id)
    if run is None:
        return
    stream = run.stream
    if stream.is_complete and _run_adopt(run=run, stream=stream):
        return
    stored = dict(StreamChunk.objects.filter(stream=stream).values_list("index", "digest"))
    pause_s = settings.RUN_CHUNK_PAUSE_MS / 1000
    simulation = _Simulated(run)
    with _Heartbeat(run):
        try:
            for chunk in simulation.chunks():
                encoded = EncodedChunk.of(chunk)
                chunk_digest = encoded.digest
                if stored.get(chunk.index) == chunk_digest:
                    if chunk.seq_to <= run.stored_seq_to:
                        continue  # stored and shown by an earlier attempt: nothing to do
                    encoded = None  # stored by another run of this stream: show it
                if not _chunk_store(run=run, chunk=chunk, encoded=encoded):
                    return  # cancelled, finished elsewhere or lease lost meanwhile
                announce(run, chunk_event(chunk))
                if pause_s:
                    time.sleep(pause_s)
        except SimulationFailed as exc:
            run_fail(run_id=run.id, error=str(exc))
            return
        frame_digest, summary = simulation.outcome()
        _run_finish(run=run, frame_digest=frame_digest, summary=summary)


def _run_adopt(*, run: Run, stream: FrameStream) -> bool:
    """Finish `run` with its complete stream's frames; False if they are not all there."""
    heads = list(StreamChunk.objects.filter(stream=stream).values_list("seq_from", "seq_to"))
    heads.sort()
    seq_to = heads[-1][1] if heads else -1
    gapless = [h[0] for h in heads] == [0, *(h[1] + 1 for h in heads[:-1])]
    if not gapless or seq_to + 1 != run.frames_total:
        return False
    with transaction.atomic():
        Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(stored_seq_to=seq_to)
    run.stored_seq_to = seq_to
    _run_finish(run=run, frame_digest=stream.frame_digest, summary=stream.summary)
    return True


def _this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_gone(worker: str) -> bool:
    """True when the attempt named `worker` (host:pid) is known not to be computing.

    Only answerable on the same host: its process is dead, or it is this very process
    (which runs one task at a time, so its earlier attempt is over). Elsewhere the
    lease has to lapse first.
    """
    host, _, pid_text = worker.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _run_start(*, run_id: str) -> Run | None:
    """Take the run's lease and count the attempt; None when there is nothing to do.

    A delivery of a run that another live attempt holds (a broker redelivery racing the
    reaper's) does nothing: the holder carries on, and if it dies, its lease lapses.
    """
    max_attempts = settings.RUN_MAX_ATTEMPTS
    from simulation import code_digest

    with transaction.atomic():
        locked = Run.objects.select_for_update(of=("self",)).select_related("stream")
        run = locked.filter(pk=run_id).first()
        if run is None or run.status in TERMINAL_STATUSES:
            return None
        now = timezone.now()
        held = (
            run.status == RunStatus.RUNNING
            and run.lease_token
            and run.lease_expires_at is not None
            and run.lease_expires_at > now
            and not _holder_is_gone(run.worker)
        )
        if held:
            logger.info("run %s: already computed by %s; this delivery skips", run.id, run.worker)
            return None
        if run.attempts >= max_attempts:
            gave_up = True
        else:
            gave_up = False
            run.attempts += 1
            run.status = RunStatus.RUNNING
            run.started_at = run.started_at or now
            run.worker = _this_worker()
            run.lease_token = uuid.uuid4().hex
            run.lease_expires_at = now + timedelta(seconds=settings.RUN_LEASE_S)
            fields = [
                "attempts", "status", "started_at", "worker", "lease_token", "lease_expires_at"
            ]  # fmt: skip
            if run.stream is None or run.stream.code != code_digest():  # (other code's frames)
                run.stream = stream_for(run.spec_digest, run.seed)
                run.stored_seq_to = -1
                fields += ["stream", "stored_seq_to"]
            run.save(update_fields=fields)
    if gave_up:
        run_fail(
            run_id=run.id,
            error=f"Gave up after {max_attempts} attempts: the worker computing this run "
            "stopped each time before it finished.",
        )
        return None
    announce(run, run_status_event(run=run))
    return run


def _chunk_store(*, run: Run, chunk: Chunk, encoded: EncodedChunk | None) -> bool:
    """Commit one chunk (None: it is in the stream already) and the run's progress
    together; False if the run stopped."""
    progress = min(1.0, chunk.t_to_ms / run.duration_ms) if run.duration_ms else 1.0
    with transaction.atomic():
        updated = Run.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, lease_token=run.lease_token
        ).update(progress=progress, stored_seq_to=chunk.seq_to)
        if not updated:
            return False
        if encoded is not None:
            _stream_chunk_put(stream_id=run.stream_id, chunk=chunk, encoded=encoded)
    run.progress, run.stored_seq_to = progress, chunk.seq_to
    return True


def _stream_chunk_put(*, stream_id: int, chunk: Chunk, encoded: EncodedChunk) -> None:
    head = chunk.head()
    index = head.pop("index")
    fields = {**head, "body": encoded.deflated, "digest": encoded.digest}
    try:
        with transaction.atomic():
            StreamChunk.objects.update_or_create(stream_id=stream_id, index=index, defaults=fields)
    except IntegrityError:  # another run of this stream inserted it at the same moment
        StreamChunk.objects.filter(stream_id=stream_id, index=index).update(**fields)


def _run_finish(*, run: Run, frame_digest: str, summary: dict[str, Any]) -> None:
    with transaction.atomic():
        updated = Run.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, lease_token=run.lease_token
        ).update(
            status=RunStatus.DONE,
            progress=1.0,
            frame_digest=frame_digest,
            frames_total=run.stored_seq_to + 1,
            summary=summary,
            finished_at=timezone.now(),
        )
    if updated:
        FrameStream.objects.filter(pk=run.stream_id, frame_digest="").update(
            frame_digest=frame_digest, summary=summary
        )
        run.refresh_from_db()
        announce(run, run_status_event(run=run))


def run_fail(*, run_id: Any, error: str) -> None:
    """End an unfinished run as failed with a readable `error` (done runs stay done)."""
    with transaction.atomic():
        updated = (
            Run.objects.filter(pk=run_id)
            .exclude(status__in=TERMINAL_STATUSES)
            .update(status=RunStatus.FAILED, error=error[:4000], finished_at=timezone.now())
        )
    run = Run.objects.filter(pk=run_id).first()
    if updated and run is not None:
        logger.warning("run %s failed: %s", run_id, error)
        announce(run, run_status_event(run=run))


def run_cancel(*, run: Run) -> Run:
    """Cancel a queued or running run (the worker stops at its next chunk)."""
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).exclude(status__in=TERMINAL_STATUSES).update(
            status=RunStatus.CANCELLED, finished_at=timezone.now()
        )
    run.refresh_from_db()
    announce(run, run_status_event(run=run))
    return run


# -- delete -----------------------------------------------------------------------------


def runs_delete(runs: QuerySet[Run]) -> int:
    """Delete `runs`, then each of their frame streams that no other run uses.

    The only way runs should be deleted (retention, admin): a stream shared with a run
    that stays is kept. Returns the number of runs deleted.
    """
    stream_ids = set(runs.values_list("stream_id", flat=True))
    _, per_model = runs.delete()
    streams_prune(stream_ids=stream_ids)
    return per_model.get(Run._meta.label, 0)


def streams_prune(*, stream_ids: set[int] | None = None) -> int:
    """Delete frame streams (and their chunks) that no run uses; the number deleted.

    Reference-safe: `Run.stream` is PROTECT (and a database foreign key), so a stream a
    run started using meanwhile raises instead of losing frames, and is skipped.
    """
    unused = FrameStream.objects.filter(runs__isnull=True)
    if stream_ids is not None:
        unused = unused.filter(pk__in=stream_ids)
    pruned = 0
    for stream_id in list(unused.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                deleted, _ = FrameStream.objects.filter(pk=stream_id, runs__isnull=True).delete()
        except (ProtectedError, IntegrityError):
            continue
        pruned += 1 if deleted else 0
    return pruned


def runs_expire(*, now: datetime, max_age_s: int, keep_per_owner: int | None = None) -> int:
    """Delete finished runs older than `max_age_s` that nothing keeps; the number deleted.

    Kept whatever their age: every run not finished (queued, running); the latest done
    run of each scenario version (slug and version, whatever the seed or variant: what
    a link to "this version's replay" shows); every run that is shared, which means
    one side of a stored Comparison (a /compare/ page) or a run a live presenter
    session shows (the site has no explicit pin); and each owner's (signed-in user's or
    browser session's) `keep_per_owner` most recent runs. A run is old once both its
    creation and its end are `max_age_s` ago. Runs go through `runs_delete`, so a
    stream a kept run still uses stays. Raises if Redis (presenter sessions) is
    unreachable: nothing is deleted then.
    """
    from outage_replay.sharing.presenting import session_run_ids

    if keep_per_owner is None:
        keep_per_owner = settings.RUN_RETENTION_KEEP_PER_OWNER
    cutoff = now - timedelta(seconds=max_age_s)
    old = Run.objects.filter(status__in=TERMINAL_STATUSES, created_at__lt=cutoff).filter(
        Q(finished_at__isnull=True) | Q(finished_at__lt=cutoff)
    )
    newest_first = F("created_at").desc()
    latest_done = (
        Run.objects.filter(status=RunStatus.DONE)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("scenario_slug"), F("scenario_version")],
                        order_by=newest_first)
        )
        .filter(rank=1)
        .values_list("pk", flat=True)
    )  # fmt: skip
    kept = set(latest_done)
    if keep_per_owner > 0:
        kept |= set(
            Run.objects.exclude(owner_key="")
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("owner_key")], order_by=newest_first)
            )
            .filter(rank__lte=keep_per_owner)
            .values_list("pk", flat=True)
        )
    presented = session_run_ids()
    kept |= {run_id for run_id in map(_as_uuid, presented) if run_id is not None}
    # Filtered here, not in SQL: the kept set may exceed a database's parameter limit.
    candidates = [pk for pk in old.values_list("pk", flat=True) if pk not in kept]
    deleted = 0
    for start in range(0, len(candidates), RETENTION_BATCH):
        # Comparisons are checked in the DELETE itself: one stored meanwhile keeps its runs.
        doomed = (
            old.filter(pk__in=candidates[start : start + RETENTION_BATCH])
            .exclude(pk__in=Comparison.objects.values("run_a_id"))
            .exclude(pk__in=Comparison.objects.values("run_b_id"))
        )
        deleted += runs_delete(doomed)
    return deleted


def _as_uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


class _Heartbeat:
    """Renews the attempt's lease every third of `RUN_LEASE_S` from a thread of its own.

    The thread lives and dies with the process computing the run, so a killed worker
    stops renewing and its lease lapses within `RUN_LEASE_S`; a slow chunk (a big
    simulation between two yields) does not look like a dead worker.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{run.id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    def _beat(self) -> None:
        lease_s = settings.RUN_LEASE_S
        try:
            while not self._stop.wait(lease_s / 3):
                try:
                    renewed = Run.objects.filter(
                        pk=self.run.pk, status=RunStatus.RUNNING, lease_token=self.run.lease_token
                    ).update(lease_expires_at=timezone.now() + timedelta(seconds=lease_s))
                except DatabaseError as exc:  # the next beat tries again
                    logger.warning("run %s: could not renew its lease (%s)", self.run.id, exc)
                    continue
                if not renewed:
                    return  # finished, cancelled or handed on: nothing left to hold
        finally:
            connection.close()


class _Simulated:
    """The simulation of one run; failures become `SimulationFailed` with a clear text."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self._simulation: Any = None

    def chunks(self) -> Iterator[Chunk]:
        from celery.exceptions import SoftTimeLimitExceeded

        from simulation import ScenarioError, Simulation, parse_document

        try:
            spec = parse_document(self.run.spec)
            self._simulation = Simulation(spec, self.run.seed)
            yield from self._simulation.iter_chunks()
        except ScenarioError as exc:
            raise SimulationFailed(f"The run's scenario is invalid: {exc}") from exc
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # any bug in a model must end the run, readably
            logger.exception("simulation of run %s crashed", self.run.id)
            raise SimulationFailed(
                f"The simulation stopped with an error: {type(exc).__name__}: {exc}"
            ) from exc

    def outcome(self) -> tuple[str, dict[str, Any]]:
        """The frame digest and summary, once every chunk went by."""
        result = self._simulation.result
        summary = {
            "intervals": result.intervals,
            "milestones": result.milestones,
            "sustained": result.sustained,
        }
        return result.digest, summary
