"""Retention (services.runs_expire): what it keeps, what it deletes, with their streams."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from outage_replay.replays import services
from outage_replay.replays.models import Comparison, FrameStream, Run, StreamChunk
from outage_replay.sharing import presenting

from .conftest import make_scenario

pytestmark = pytest.mark.django_db

DAY_S = 86400


def executed(scenario: Any, *, age_days: float, **kwargs: Any) -> Run:
    run, _ = services.run_create(scenario=scenario, fresh=True, **kwargs)
    services.run_execute(run_id=str(run.id))
    then = timezone.now() - timedelta(days=age_days)
    Run.objects.filter(pk=run.pk).update(created_at=then, finished_at=then)
    run.refresh_from_db()
    return run


def expire(**kwargs: Any) -> int:
    return services.runs_expire(now=timezone.now(), max_age_s=30 * DAY_S, **kwargs)


def test_old_runs_go_with_their_streams_unless_a_keep_rule_holds(scenario):
    older = executed(scenario, age_days=50, seed=8)  # own stream; nothing keeps it
    shared_stream = executed(scenario, age_days=60)  # its stream is `recent`'s too
    compared_a = executed(scenario, age_days=70, seed=9)
    compared_b = executed(scenario, age_days=70, seed=10)
    Comparison.objects.create(run_a=compared_a, run_b=compared_b, diff={})
    presented = executed(scenario, age_days=80, seed=11)
    code, _ = presenting.session_create(run=presented, name="p", key="", state={})
    recent = executed(scenario, age_days=1)  # recent, and this version's latest done run
    queued, _ = services.run_create(scenario=scenario, fresh=True, seed=13)
    Run.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(days=90))
    mine = [executed(scenario, age_days=45 + i, seed=20 + i, owner_key="user:1") for i in range(3)]
    try:
        assert expire(keep_per_owner=2) == 3  # older, shared_stream, mine[2]
    finally:
        presenting._sync_redis().delete(presenting.key_of(code))
    left = set(Run.objects.values_list("pk", flat=True))
    assert left == {r.pk for r in (compared_a, compared_b, presented, recent, queued,
                                   *mine[:2])}  # fmt: skip
    assert not FrameStream.objects.filter(pk=older.stream_id).exists()
    assert not StreamChunk.objects.filter(stream_id=older.stream_id).exists()
    assert shared_stream.stream_id == recent.stream_id
    assert StreamChunk.objects.filter(stream_id=recent.stream_id).count() == 9
    assert expire(keep_per_owner=2) == 1  # the session ended: its run is no longer kept
    assert not Run.objects.filter(pk=presented.pk).exists()


def test_the_latest_done_run_of_each_scenario_version_is_kept():
    first = make_scenario()
    v1 = executed(first, age_days=100)
    v1_older = executed(first, age_days=120, seed=8)
    first.version += 1
    first.save(update_fields=["version"])
    v2 = executed(first, age_days=90)
    other = executed(make_scenario(slug="other"), age_days=100)
    assert expire() == 1
    assert set(Run.objects.values_list("pk", flat=True)) == {v1.pk, v2.pk, other.pk}
    assert not Run.objects.filter(pk=v1_older.pk).exists()


def test_the_command_uses_the_given_age(scenario, capsys):
    executed(scenario, age_days=10)
    gone = executed(scenario, age_days=12, seed=8)
    call_command("expire_runs", "--days", "30")
    assert Run.objects.filter(pk=gone.pk).exists()
    call_command("expire_runs", "--days", "5")
    assert not Run.objects.filter(pk=gone.pk).exists()
    assert "deleted 1 runs older than 5 days" in capsys.readouterr().out


def test_the_workers_housekeeping_expires_after_the_configured_days(scenario, settings):
    from outage_replay.replays import housekeeping

    executed(scenario, age_days=3)
    gone = executed(scenario, age_days=4, seed=8)
    settings.RUN_RETENTION_DAYS = 5
    assert housekeeping.expire_old_runs() == 0
    settings.RUN_RETENTION_DAYS = 2
    assert housekeeping.expire_old_runs() == 1
    assert not Run.objects.filter(pk=gone.pk).exists()
