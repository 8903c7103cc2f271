"""Comparisons: the stored diff of two finished runs (`simulation.compare.diff_runs`).

Computed at most once per ordered pair (a unique row; a concurrent second request reads
the first one's row) and only when both runs are done; viewers read the row.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from .models import Comparison, Run, RunStatus
from .selectors import chunks_overlapping


def comparison_stored(*, run_a: Run, run_b: Run) -> dict[str, Any] | None:
    row = Comparison.objects.filter(run_a=run_a, run_b=run_b).values_list("diff", flat=True)
    return row.first()


def comparison_get_or_compute(
    *, run_a: Run, run_b: Run, before_compute: Any = None
) -> dict[str, Any] | None:
    """The pair's diff; computed and stored when both runs are done; None before."""
    stored = comparison_stored(run_a=run_a, run_b=run_b)
    if stored is not None:
        return stored
    if run_a.status != RunStatus.DONE or run_b.status != RunStatus.DONE:
        return None
    if before_compute is not None:
        before_compute()
    diff = _compute(run_a, run_b)
    try:
        with transaction.atomic():
            Comparison.objects.create(run_a=run_a, run_b=run_b, diff=diff)
    except IntegrityError:  # computed meanwhile by another request: the same diff
        return comparison_stored(run_a=run_a, run_b=run_b)
    return diff


def _compute(run_a: Run, run_b: Run) -> dict[str, Any]:
    from simulation.compare import RunData, diff_runs

    def data(run: Run) -> RunData:
        rows = chunks_overlapping(run=run, from_seq=0, to_seq=None, limit=run.frames_total)
        return RunData(run.spec, run.summary, (row.as_chunk() for row in rows.iterator()))

    return diff_runs(data(run_a), data(run_b))
