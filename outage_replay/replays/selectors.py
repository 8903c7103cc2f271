"""Reads: runs as their API shape, stored chunks by range or time, visibility."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet, Subquery

from simulation.fidelity import summary as fidelity_summary
from simulation.frames import HEAD_FIELDS, Chunk
from simulation.mechanisms import declare_mechanisms

from .models import Run, StreamChunk
from .wire import EncodedChunk

# Chunks per `frames` response: ~16,000 frames, more than the longest shipped scenario.
MAX_CHUNKS_PER_RESPONSE = 64


def run_get(*, run_id: uuid.UUID | str) -> Run | None:
    try:
        run_id = uuid.UUID(str(run_id))
    except ValueError:  # not a uuid: no such run
        return None
    return Run.objects.select_related("scenario").filter(pk=run_id).first()


def run_get_visible(*, run_id: uuid.UUID | str, user: Any, key: str | None = None) -> Run | None:
    """The run if `user` (with `key`) may see its scenario, else None (callers: 404).

    A run whose scenario was deleted stays reachable by its id (a random uuid), so old
    links keep working; otherwise the scenario's visibility rules apply unchanged.
    """
    from outage_replay.scenarios.selectors import scenario_get_visible

    run = run_get(run_id=run_id)
    if run is None or run.scenario is None:
        return run
    scenario = scenario_get_visible(slug=run.scenario.slug, user=user, key=key or None)
    return run if scenario is not None and scenario.pk == run.scenario_id else None


# What a join reads: the live fields, the stream, and who may see the run (no spec).
JOIN_FIELDS = (
    "id", "status", "progress", "error", "stored_seq_to", "frames_total", "frame_digest",
    "spec_digest", "seed", "stream_id", "scenario_id", "scenario__visibility",
    "scenario__secret_key",
)  # fmt: skip


def run_row(*, run_id: uuid.UUID | str) -> dict[str, Any] | None:
    """`JOIN_FIELDS` of the run, or None: one small read (no spec), whoever asks."""
    try:
        run_id = uuid.UUID(str(run_id))
    except ValueError:
        return None
    return Run.objects.filter(pk=run_id).values(*JOIN_FIELDS).first()


def row_visible(row: dict[str, Any], *, user: Any, key: str | None = None) -> bool:
    """May `user` (with `key`) see the run of this `run_row`? The user is looked at only
    when the scenario is not public."""
    from outage_replay.scenarios.selectors import visibility_allows

    if row["scenario_id"] is None:
        return True
    return visibility_allows(
        visibility=row["scenario__visibility"],
        secret_key=row["scenario__secret_key"],
        user=user,
        key=key or None,
    )


def run_row_visible(
    *, run_id: uuid.UUID | str, user: Any, key: str | None = None
) -> dict[str, Any] | None:
    """`run_row` if `user` (with `key`) may see the run, else None."""
    row = run_row(run_id=run_id)
    return row if row is not None and row_visible(row, user=user, key=key) else None


def run_brief(row: dict[str, Any]) -> dict[str, Any]:
    """The WebSocket's first message: the run's live fields and where its meta is.

    Small on purpose (a thousand viewers may join at once); the heavy parts (spec,
    summary with milestones) are in the meta, fetched once over cacheable HTTP.
    """
    run_id = str(row["id"])
    return {
        "id": run_id,
        "status": row["status"],
        "progress": row["progress"],
        "error": row["error"],
        "seed": row["seed"],
        "spec_digest": row["spec_digest"],
        "frames_total": row["frames_total"],
        "stored_seq_to": row["stored_seq_to"],
        "frame_digest": row["frame_digest"],
        "meta_url": f"/api/runs/{run_id}/",
    }


def run_find_identical(
    *, scenario: Any, seed: int, variant_digest: str, statuses: tuple[str, ...]
) -> Run | None:
    """The newest run of this scenario version, seed and variant in one of `statuses`."""
    return (
        Run.objects.filter(
            scenario=scenario,
            scenario_version=scenario.version,
            seed=seed,
            variant_digest=variant_digest,
            status__in=statuses,
        )
        .order_by("-created_at")
        .first()
    )


def run_meta(*, run: Run) -> dict[str, Any]:
    """The run's meta: `GET /api/runs/<id>/` and the player page. The one builder (add
    fields here); served encoded from `metacache.run_metas`, rebuilt only when the run's
    version (status, progress, stored frames) changes."""
    return {
        "id": str(run.id),
        "scenario": run.scenario_slug,
        "scenario_version": run.scenario_version,
        "status": run.status,
        "progress": run.progress,
        "error": run.error,
        "seed": run.seed,
        "variant": run.variant,
        "variant_title": run_variant_title(run=run),
        "spec": run.spec,
        "spec_digest": run.spec_digest,
        "frames_total": run.frames_total,
        "stored_seq_to": run.stored_seq_to,
        "frame_digest": run.frame_digest,
        "replay_url": run.get_absolute_url(),
        "ws_url": run.ws_path,
        "api_url": f"/api/runs/{run.id}/",
        "summary": run.summary,
        # What each mechanism shows (signals, charts, panel, sequence, loop): the player
        # is built from these, never from scenario or service names.
        "mechanisms": declare_mechanisms(run.spec or {}),
        # N of M milestones happened, K within tolerance, median |Δ| (null until done).
        "fidelity": _fidelity(run.summary),
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def run_variant_title(*, run: Run) -> str:
    """What the run changes ("AWS's fix: …", "Hosts = 40; seed 7"), "" for none."""
    from simulation import describe_variant

    return describe_variant(run.spec, run.variant or {}, run.seed)


def _fidelity(summary: Any) -> dict[str, Any] | None:
    rows = summary.get("milestones") if isinstance(summary, dict) else None
    return fidelity_summary(rows) if isinstance(rows, list) else None


def run_status_event(*, run: Run) -> dict[str, Any]:
    from .wire import status_event

    return status_event(
        status=run.status,
        progress=run.progress,
        error=run.error,
        stored_seq_to=run.stored_seq_to,
    )


def run_refresh(*, run_id: uuid.UUID | str) -> Run | None:
    return Run.objects.filter(pk=run_id).first()


def run_stream_id(*, run_id: uuid.UUID | str) -> int | None:
    return Run.objects.filter(pk=run_id).values_list("stream_id", flat=True).first()


def run_status_get(*, run_id: uuid.UUID | str) -> dict[str, Any] | None:
    """The run's status event fields only (a viewer's periodic look; no spec, no summary)."""
    return (
        Run.objects.filter(pk=run_id).values("status", "progress", "error", "stored_seq_to").first()
    )


def _run_chunks(run_id: uuid.UUID | str) -> QuerySet[StreamChunk]:
    """The chunks `run` shows: its stream's, up to the run's own `stored_seq_to`."""
    shown_to = Run.objects.filter(pk=run_id).values("stored_seq_to")[:1]
    return StreamChunk.objects.filter(stream__runs=run_id, seq_to__lte=Subquery(shown_to))


def chunks_overlapping(
    *, run: Run, from_seq: int, to_seq: int | None, limit: int = MAX_CHUNKS_PER_RESPONSE
) -> QuerySet[StreamChunk]:
    """The run's stored chunks overlapping frames `from_seq`…`to_seq`, in order."""
    to_seq = run.stored_seq_to if to_seq is None else min(to_seq, run.stored_seq_to)
    chunks = StreamChunk.objects.filter(
        stream_id=run.stream_id, seq_to__gte=from_seq, seq_from__lte=to_seq
    ).exclude(seq_to__gt=run.stored_seq_to)
    return chunks.order_by("index")[:limit]


def chunk_heads_after(*, run_id: uuid.UUID | str, after_seq: int) -> list[tuple[int, int, int]]:
    """(index, seq_from, seq_to) of every chunk the run shows ending after `after_seq`."""
    return list(
        _run_chunks(run_id)
        .filter(seq_to__gt=after_seq)
        .order_by("index")
        .values_list("index", "seq_from", "seq_to")
    )


def chunk_encoded_get(*, stream_id: int, index: int) -> EncodedChunk | None:
    row = (
        StreamChunk.objects.filter(stream_id=stream_id, index=index)
        .values_list(*HEAD_FIELDS, "body")
        .first()
    )
    if row is None:
        return None
    return EncodedChunk(dict(zip(HEAD_FIELDS, row[:-1], strict=True)), bytes(row[-1]))


def run_seek(*, run_id: uuid.UUID | str, t_ms: int) -> Chunk | None:
    """The nearest keyframe at or before `t_ms` and the deltas up to `t_ms`.

    Before the first frame, the first keyframe; past the last stored frame, the last
    stored chunk whole. None when nothing is stored yet.
    """
    chunks = _run_chunks(run_id)
    chunk = chunks.filter(t_from_ms__lte=t_ms).order_by("-index").first()
    if chunk is None:
        chunk = chunks.order_by("index").first()
    if chunk is None:
        return None
    return chunk.as_chunk().until(t_ms)


def run_meta_for_player(
    *, run_id: uuid.UUID | str, user: Any, key: str | None = None
) -> dict[str, Any] | None:
    """The run meta for the player page, or None when the run is unknown or hidden."""
    run = run_get_visible(run_id=run_id, user=user, key=key)
    return run_meta(run=run) if run is not None else None


def stored_bytes() -> int:
    """Bytes of stored frames (compressed chunk bodies), cached for 30 s in the shared
    cache so a burst of new runs costs one sum, not one each."""
    from django.core.cache import cache
    from django.db.models import Sum
    from django.db.models.functions import Length

    from .models import StreamChunk

    cached = cache.get("replays:stored-bytes")
    if cached is not None:
        return int(cached)
    total = StreamChunk.objects.aggregate(total=Sum(Length("body")))["total"] or 0
    cache.set("replays:stored-bytes", total, timeout=30)
    return int(total)
