"""The compare page and the stored diff of two runs (replays/compare.py, comparisons.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from outage_replay.replays import services
from outage_replay.replays.models import Comparison, Run

from .conftest import make_scenario

pytestmark = pytest.mark.django_db
FASTER = {"mechanisms.queue.params.service_rate_per_s": 4.0}
# The queue cannot keep up until operators add capacity (at 5000 s, or at 2000 s).
SLOW = {"mechanisms.queue.params.service_rate_per_s": 1.0}
SLOW_EARLY_FIX = {**SLOW, "interventions.more.at_s": 2000}


def executed(scenario: Any, **kwargs: Any) -> Run:
    run, _ = services.run_create(scenario=scenario, **kwargs)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    return run


def test_it_computes_the_diff_once_and_stores_it(client: Client, scenario: Any) -> None:
    a, b = executed(scenario, variant=SLOW), executed(scenario, variant=SLOW_EARLY_FIX)
    url = f"/api/compare/{a.id}/{b.id}/"
    first = client.get(url)
    assert first.status_code == 200 and Comparison.objects.count() == 1
    diff = first.json()["diff"]
    assert client.get(url).json()["diff"] == diff and Comparison.objects.count() == 1
    api = next(r for r in diff["services"] if r["id"] == "api")
    assert api["degraded_a_s"] > api["degraded_b_s"] > 0 and api["differs"]
    assert diff["outage"]["kind"] == "shortened"
    assert diff["outage"]["sentence"].startswith("Degradation shortened: ")
    assert diff["first_divergence"]["t_ms"] >= 0
    assert {m["id"] for m in diff["milestones"]} == {m["id"] for m in a.spec["milestones"]}


def test_it_waits_for_both_runs_and_shows_the_page(client: Client, scenario: Any) -> None:
    a = executed(scenario)
    b, _ = services.run_create(scenario=scenario, variant=FASTER)
    waiting = client.get(f"/api/compare/{a.id}/{b.id}/")
    assert waiting.status_code == 202 and waiting.json() == {
        "status": "waiting",
        "a": "done",
        "b": "queued",
    }
    page = client.get(f"/compare/{a.id}/{b.id}/?t=00:10:00")
    assert page.status_code == 200
    html = page.content.decode()
    assert "What if: A faster queue" in html and 'id="compare-data"' in html
    assert '<meta property="og:title" content="What if: A faster queue">' in html
    assert 'property="og:image"' in html


def test_it_refuses_runs_of_other_scenarios_and_hidden_ones(client: Client, scenario: Any) -> None:
    a = executed(scenario)
    other = executed(make_scenario(slug="tiny-other"))
    assert client.get(f"/compare/{a.id}/{other.id}/").status_code == 400
    assert client.get(f"/api/compare/{a.id}/{other.id}/").status_code == 400
    draft = executed(make_scenario(slug="tiny-draft", visibility="draft"))
    assert client.get(f"/compare/{a.id}/{draft.id}/").status_code == 404
    assert client.get(f"/api/compare/{a.id}/{draft.id}/").status_code == 404


def test_a_run_says_what_its_variant_is(client: Client, scenario: Any) -> None:
    run, _ = services.run_create(scenario=scenario, variant=FASTER, seed=9)
    meta = client.get(f"/api/runs/{run.id}/").json()
    assert meta["variant_title"] == "A faster queue; seed 9"
    other, _ = services.run_create(scenario=scenario, variant={"interventions.more.enabled": False})
    assert (
        client.get(f"/api/runs/{other.id}/").json()["variant_title"]
        == "Operators add capacity: never"
    )
