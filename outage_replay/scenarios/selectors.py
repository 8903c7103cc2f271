"""Reads on scenarios: visibility rules, the gallery, the latest finished run."""

from __future__ import annotations

import secrets
from typing import Any

from django.db.models import Count, QuerySet

from simulation.world import SEVERITY

from .models import Scenario, Visibility


def scenario_get_visible(*, slug: str, user: Any, key: str | None = None) -> Scenario | None:
    """The scenario if this user (with this key) may see it; None otherwise (→ 404).

    Public: everyone. Unlisted: the secret key, or staff. Draft: staff only.
    """
    if not isinstance(slug, str) or "\x00" in slug:
        return None  # no slug holds a NUL (PostgreSQL refuses to even compare one)
    scenario = Scenario.objects.filter(slug=slug).first()
    if scenario is None:
        return None
    allowed = visibility_allows(
        visibility=scenario.visibility, secret_key=scenario.secret_key, user=user, key=key
    )
    return scenario if allowed else None


def visibility_allows(*, visibility: str, secret_key: str, user: Any, key: str | None) -> bool:
    """The visibility rule itself, for callers that read only these two fields."""
    if visibility == Visibility.PUBLIC:
        return True
    if user is not None and getattr(user, "is_active", False) and user.is_staff:
        return True
    if visibility == Visibility.UNLISTED and key:
        return secrets.compare_digest(str(key).encode(), secret_key.encode())
    return False


def scenario_list_public() -> QuerySet[Scenario]:
    return (
        Scenario.objects.filter(visibility=Visibility.PUBLIC)
        .annotate(service_count=Count("services", distinct=True))
        .order_by("-start", "slug")
    )


def run_latest_done(*, scenario: Scenario) -> Any:
    """The latest finished run of this scenario, or None.

    Only what a gallery card or a link needs: a run's frozen spec is ~100 KB.
    """
    from outage_replay.replays.models import Run

    return (
        Run.objects.filter(scenario=scenario, status="done")
        .only("id", "scenario_id", "summary", "finished_at")
        .order_by("-finished_at")
        .first()
    )


# The engine's severity order (simulation/world.py): a slice shows its worst status.
STATUS_ORDER = tuple(sorted(SEVERITY, key=SEVERITY.__getitem__))


def status_strip(*, run: Any, duration_s: int, width: int = 120) -> list[dict[str, Any]]:
    """A compact strip of the run: for each slice of time the worst status of any service.

    Returns [{"status", "left", "width"}] in percent, merging equal neighbours.
    """
    summary = getattr(run, "summary", None) or {}
    intervals = summary.get("intervals") if isinstance(summary, dict) else None
    if not isinstance(intervals, dict) or duration_s <= 0:
        return []
    worst = [0] * width
    for rows in intervals.values():
        for row in rows if isinstance(rows, list) else []:
            try:
                status, from_s, to_s = row[0], float(row[1]), float(row[2])
            except (TypeError, ValueError, IndexError):
                continue
            rank = STATUS_ORDER.index(status) if status in STATUS_ORDER else 0
            first = max(0, int(from_s / duration_s * width))
            last = min(width, max(first + 1, int(-(-to_s // 1) / duration_s * width)))
            for i in range(first, last):
                worst[i] = max(worst[i], rank)
    segments: list[dict[str, Any]] = []
    for i, rank in enumerate(worst):
        if segments and segments[-1]["rank"] == rank:
            segments[-1]["n"] += 1
        else:
            segments.append({"rank": rank, "start": i, "n": 1})
    return [
        {
            "status": STATUS_ORDER[s["rank"]],
            "left": round(s["start"] * 100 / width, 3),
            "width": round(s["n"] * 100 / width, 3),
        }
        for s in segments
    ]


def strip_text(segments: list[dict[str, Any]], duration_s: int) -> str:
    """The strip in words (it is also patterned, never colour alone): "down 3h 5m,
    degraded 40m, …" — the time each worst status covers, worst first."""
    from .clock import format_duration

    share: dict[str, float] = {}
    for seg in segments:
        share[seg["status"]] = share.get(seg["status"], 0.0) + seg["width"]
    order = sorted(share, key=lambda st: -SEVERITY[st])

    def minutes(pct: float) -> str:  # the strip's slices are ~1 % wide: no seconds
        seconds = pct / 100 * duration_s
        return format_duration(round(seconds / 60) * 60 if seconds >= 60 else seconds)

    return ", ".join(f"{st} {minutes(share[st])}" for st in order)
