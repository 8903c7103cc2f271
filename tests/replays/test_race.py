"""The race explorer over HTTP (replays/race.py, determinism.py), in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from outage_replay.replays.race import explore_config, explore_execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def aws(db: Any) -> Any:
    from outage_replay.scenarios.services import scenario_import
    from tests.simulation.conftest import aws_doc

    scenario, _ = scenario_import(doc=aws_doc(), visibility="public")
    return scenario


def post(client: Client, **data: Any) -> Any:
    return client.post("/api/explore/", json.dumps(data), content_type="application/json")


def test_an_explored_configuration_is_answered_from_the_cache(client: Client, aws: Any) -> None:
    config = explore_config(spec=aws.to_spec(), data={"enactors": 2, "plans": 3, "endpoints": 2})
    assert config["version_check"] == "once" and config["mechanism"] == "ddb-dns"
    from outage_replay.replays.race import _key

    explore_execute(key=_key(config), config=config)
    done = post(client, scenario=aws.slug, enactors=2, plans=3, endpoints=2)
    body = done.json()
    assert done.status_code == 200 and (body["schedules"], body["empty"]) == (159494, 1048)
    assert body["steps"][-1]["final"] and "EMPTY" in body["steps"][-1]["text"]
    assert any(step.get("stale") for step in body["steps"])
    assert client.get(body["url"]).json()["schedules"] == 159494
    assert client.get("/api/explore/nope/").status_code == 404


def test_the_fix_leaves_no_schedule_that_empties_the_record(aws: Any) -> None:
    config = explore_config(spec=aws.to_spec(), data={"version_check": "per_write"})
    result = explore_execute(key="test-fix", config=config)
    assert result["schedules"] > 0 and result["empty"] == 0 and result["steps"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"enactors": 9}, "enactors"),
        ({"plans": "3"}, "plans"),
        ({"version_check": "sometimes"}, "version_check"),
    ],
)
def test_it_names_a_bad_configuration(client: Client, aws: Any, data: dict, field: str) -> None:
    response = post(client, scenario=aws.slug, **data)
    assert response.status_code == 400 and response.json()["field"] == field


def test_it_needs_a_scenario_with_the_race(client: Client) -> None:
    from tests.replays.conftest import make_scenario

    make_scenario()
    assert post(client, scenario="tiny-queue").json()["field"] == "mechanism"
    assert post(client, scenario="nope").status_code == 404


def test_replay_this_interleaving_runs_the_stored_schedule_and_reuses_the_run(
    client: Client, aws: Any
) -> None:
    from outage_replay.replays.models import Run
    from outage_replay.replays.race import _key, explore_replay

    config = explore_config(spec=aws.to_spec(), data={"enactors": 2, "plans": 3, "endpoints": 2})
    key = _key(config)
    result = explore_execute(key=key, config=config)
    schedule = result["replays"][0]
    assert len(result["replays"]) == 3 and schedule[-1].startswith("cleanup")
    run, created = explore_replay(scenario=aws, key=key, index=1)
    assert created and run.variant["mechanisms.ddb-dns.params.schedule"] == schedule
    assert all(f["target"] != "ddb-dns" for f in run.spec["faults"])
    assert run.spec["mechanisms"][0]["params"]["schedule"] == schedule
    # The run follows that interleaving: no slowed Enactor, and the regional record empties.
    from simulation import Simulation, parse_document

    events = Simulation(parse_document(run.spec)).run().events
    kinds = {e.kind for e in events}
    assert "enactor.delayed" not in kinds and "dns.record_empty" in kinds
    # The browser's door: only the exploration and K; an identical request reuses the run.
    url = f"/api/explore/{key}/replay"
    again = client.post(url, json.dumps({"scenario": aws.slug, "schedule": 1}), "application/json")
    assert again.status_code == 200 and again.json()["id"] == str(run.id)
    other = client.post(url, json.dumps({"scenario": aws.slug, "schedule": 2}), "application/json")
    assert other.status_code == 201 and Run.objects.count() == 2
    bad = client.post(url, json.dumps({"scenario": aws.slug, "schedule": 9}), "application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "schedule"
    gone = client.post(
        "/api/explore/nope/replay", json.dumps({"scenario": aws.slug}), "application/json"
    )
    assert gone.status_code == 400 and gone.json()["field"] == "key"
