"""Determinism you can see: the identical twin and "Verify" (replays/verification.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from outage_replay.replays import services
from outage_replay.replays.models import Run, RunVerification
from outage_replay.replays.verification import run_identical_earlier, verification_execute

pytestmark = pytest.mark.django_db


def executed(scenario: Any, **kwargs: Any) -> Run:
    run, _ = services.run_create(scenario=scenario, fresh=True, **kwargs)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    return run


def verify(client: Client, run: Run) -> Any:
    return client.post(f"/api/runs/{run.id}/verify", "{}", content_type="application/json")


def test_a_rerun_with_the_same_seed_is_verified_identical(client: Client, scenario: Any) -> None:
    first, again = executed(scenario), executed(scenario)
    other_seed = executed(scenario, seed=first.seed + 1)
    assert run_identical_earlier(run=first) is None
    assert run_identical_earlier(run=other_seed) is None
    twin = client.get(f"/api/runs/{again.id}/verify").json()["identical"]
    assert twin == {
        "id": str(first.id),
        "url": f"/replay/{first.id}/",
        "frame_digest": first.frame_digest,
        "matches": True,
    }
    Run.objects.filter(pk=first.pk).update(frame_digest="0" * 64)
    assert client.get(f"/api/runs/{again.id}/verify").json()["identical"]["matches"] is False


def test_verify_recomputes_the_run_and_reports_match_or_mismatch(
    client: Client, scenario: Any
) -> None:
    run = executed(scenario)
    queued = verify(client, run)
    assert queued.status_code == 202 and queued.json()["verification"]["status"] == "queued"
    assert (
        verify(client, run).status_code == 202 and RunVerification.objects.count() == 1
    )  # one at a time
    verification_execute(verification_id=RunVerification.objects.get().pk)
    done = client.get(f"/api/runs/{run.id}/verify").json()["verification"]
    assert (
        done["status"] == "done" and done["matches"] is True and done["digest"] == run.frame_digest
    )
    # A stored digest that the recomputation does not reproduce is reported as such.
    Run.objects.filter(pk=run.pk).update(frame_digest="f" * 64)
    verify(client, run)
    verification_execute(verification_id=RunVerification.objects.order_by("-pk").first().pk)
    mismatch = client.get(f"/api/runs/{run.id}/verify").json()["verification"]
    assert mismatch["matches"] is False and mismatch["expected"] == "f" * 64


def test_verify_is_bounded(client: Client, scenario: Any, settings: Any) -> None:
    settings.RUN_VERIFY_BURST, settings.RUN_VERIFY_PER_MIN = 1, 1
    unfinished, _ = services.run_create(scenario=scenario, seed=99)
    assert verify(client, unfinished).status_code == 409
    first, second = executed(scenario), executed(scenario, seed=7)
    assert verify(client, first).status_code == 202
    limited = verify(client, second)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    form = client.post(f"/api/runs/{first.id}/verify", {"x": 1})
    assert form.status_code == 400 and json.loads(form.content)["field"] == "body"
