"""The runs API and the Replay button, in-process (no worker: nothing is enqueued)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from outage_replay.replays import services
from outage_replay.replays.models import Run

from .conftest import make_scenario

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, data: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def create(client: Client, **data: Any) -> Any:
    return post(client, "/api/runs/", data)


def test_it_creates_a_run_and_answers_with_its_urls(client, scenario):
    response = create(client, scenario=scenario.slug, seed=3)
    assert response.status_code == 201
    body = response.json()
    run = Run.objects.get(pk=body["id"])
    assert body == {
        "id": str(run.id),
        "status": "queued",
        "replay_url": f"/replay/{run.id}/",
        "ws_url": f"/ws/runs/{run.id}/",
        "api_url": f"/api/runs/{run.id}/",
    }
    assert run.seed == 3 and run.scenario_version == scenario.version


def test_it_returns_the_finished_identical_run_unless_fresh(client, scenario):
    first = create(client, scenario=scenario.slug).json()
    Run.objects.filter(pk=first["id"]).update(status="done")
    again = create(client, scenario=scenario.slug, variant={})
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    fresh = create(client, scenario=scenario.slug, fresh=True)
    assert fresh.status_code == 201 and fresh.json()["id"] != first["id"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "scenario"),
        ({"scenario": 5}, "scenario"),
        ({"scenario": "tiny-queue", "seed": "7"}, "seed"),
        ({"scenario": "tiny-queue", "seed": True}, "seed"),
        ({"scenario": "tiny-queue", "seed": -1}, "seed"),
        ({"scenario": "tiny-queue", "fresh": "yes"}, "fresh"),
        ({"scenario": "tiny-queue", "variant": []}, "variant"),
        ({"scenario": "tiny-queue", "colour": "red"}, "colour"),
        (
            {"scenario": "tiny-queue", "variant": {"mechanisms.queue.params.tick_s": -3}},
            "variant.mechanisms.queue.params.tick_s",
        ),
        ([1, 2], "body"),
    ],
)
def test_it_refuses_a_bad_request_naming_the_field(client, scenario, data, field):
    response = post(client, "/api/runs/", data)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and body["error"].startswith(f"{field}: ")


def test_it_names_the_bad_variant_path(client, scenario):
    variant = {"mechanisms.queue.params.service_rate_per_s": 0}
    body = create(client, scenario=scenario.slug, variant=variant).json()
    path = "variant.mechanisms.queue.params.service_rate_per_s"
    assert body["error"] == f"{path}: must be ≥ 0.0001"
    assert body["errors"] == [[path, "must be ≥ 0.0001"]]


def test_it_refuses_bodies_that_are_not_json(client, scenario):
    form = client.post("/api/runs/", {"scenario": scenario.slug})
    assert form.status_code == 400 and form.json()["field"] == "body"
    broken = client.post("/api/runs/", "{nope", content_type="application/json")
    assert broken.json()["error"] == "body: not valid JSON"


def test_it_hides_scenarios_the_client_may_not_see(client):
    unlisted = make_scenario(visibility="unlisted", slug="tiny-unlisted")
    make_scenario(visibility="draft", slug="tiny-draft")
    assert create(client, scenario="tiny-draft").status_code == 404
    assert create(client, scenario="tiny-unlisted").status_code == 404
    assert create(client, scenario="tiny-unlisted", key="wrong").status_code == 404
    keyed = create(client, scenario="tiny-unlisted", key=unlisted.secret_key)
    assert keyed.status_code == 201
    run_url = keyed.json()["api_url"]
    assert client.get(run_url).status_code == 404
    assert client.get(f"{run_url}?key={unlisted.secret_key}").status_code == 200


def test_it_rate_limits_creating_runs_per_client(client, scenario, settings):
    settings.RUN_CREATE_BURST, settings.RUN_CREATE_PER_MIN = 2, 1
    assert create(client, scenario=scenario.slug, fresh=True).status_code == 201
    assert create(client, scenario=scenario.slug, fresh=True).status_code == 201
    limited = create(client, scenario=scenario.slug, fresh=True)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert limited.json()["error"].startswith("Too many new runs from this client")
    # Getting an existing run back costs nothing.
    assert create(client, scenario=scenario.slug).status_code == 200
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert create(other, scenario=scenario.slug, fresh=True).status_code == 201


def test_it_shows_a_run_as_its_meta(client, scenario):
    run, _ = services.run_create(scenario=scenario)
    meta = client.get(f"/api/runs/{run.id}/").json()
    for key in (
        "id",
        "status",
        "progress",
        "error",
        "seed",
        "variant",
        "spec",
        "frames_total",
        "stored_seq_to",
        "frame_digest",
        "replay_url",
        "ws_url",
        "summary",
    ):
        assert key in meta
    assert meta["stored_seq_to"] == -1 and meta["frames_total"] == 2001
    assert client.get("/api/runs/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_it_serves_a_finished_runs_meta_from_memory_with_cache_headers(
    client, scenario, django_assert_num_queries
):
    run, _ = services.run_create(scenario=scenario)
    services.run_execute(run_id=str(run.id))
    url = f"/api/runs/{run.id}/"
    first = client.get(url)
    assert first["Cache-Control"] == "public, max-age=3600" and first["ETag"]
    with django_assert_num_queries(1):  # the small row; the meta itself is not rebuilt
        again = client.get(url)
    assert again.content == first.content and again.json()["status"] == "done"
    assert again.json()["spec"]["slug"] == scenario.slug
    unchanged = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip" and zipped["ETag"] == f"W/{first['ETag']}"
    weak = client.get(url, headers={"If-None-Match": zipped["ETag"]})
    assert weak.status_code == 304


def test_it_serves_the_stored_chunks_overlapping_a_range(client, scenario):
    run, _ = services.run_create(scenario=scenario)
    services.run_execute(run_id=str(run.id))
    body = client.get(f"/api/runs/{run.id}/frames?from_seq=260&to_seq=520").json()
    assert [c["index"] for c in body["chunks"]] == [1, 2]
    assert body["chunks"][0]["seq_from"] == 25 and body["next_from_seq"] is None
    everything = client.get(f"/api/runs/{run.id}/frames").json()["chunks"]
    assert len(everything) == 9 and everything[-1]["seq_to"] == 2000
    bad = client.get(f"/api/runs/{run.id}/frames?from_seq=x")
    assert bad.status_code == 400 and bad.json()["field"] == "from_seq"
    backwards = client.get(f"/api/runs/{run.id}/frames?from_seq=9&to_seq=3")
    assert backwards.json()["field"] == "to_seq"


def test_it_lets_only_the_starter_or_staff_cancel(client, scenario, admin_client):
    run_id = create(client, scenario=scenario.slug).json()["id"]
    stranger = post(Client(), f"/api/runs/{run_id}/cancel", {})
    assert stranger.status_code == 403
    mine = post(client, f"/api/runs/{run_id}/cancel", {})
    assert mine.status_code == 200 and mine.json()["status"] == "cancelled"
    other_id = create(client, scenario=scenario.slug, fresh=True).json()["id"]
    assert post(admin_client, f"/api/runs/{other_id}/cancel", {}).json()["status"] == "cancelled"
    Run.objects.filter(pk=other_id).update(status="done")
    assert post(admin_client, f"/api/runs/{other_id}/cancel", {}).status_code == 409


def test_it_redirects_the_replay_button_to_the_finished_default_run(client, scenario):
    started = client.post(f"/s/{scenario.slug}/replay")
    assert started.status_code == 302
    run = Run.objects.get()
    assert started["Location"] == f"/replay/{run.id}/"
    assert client.get(started["Location"]).status_code == 200  # the player page
    assert run.seed == scenario.seed and run.variant == {}
    # While it computes, the button joins it; once done, it is the one shown.
    assert client.post(f"/s/{scenario.slug}/replay")["Location"] == f"/replay/{run.id}/"
    Run.objects.filter(pk=run.pk).update(status="done")
    assert client.post(f"/s/{scenario.slug}/replay")["Location"] == f"/replay/{run.id}/"
    assert Run.objects.count() == 1
    assert client.get(f"/s/{scenario.slug}/replay").status_code == 405


def test_it_gives_404_from_the_replay_button_for_invisible_scenarios(client):
    unlisted = make_scenario(visibility="unlisted", slug="tiny-unlisted")
    make_scenario(visibility="draft", slug="tiny-draft")
    assert client.post("/s/tiny-draft/replay").status_code == 404
    assert client.post("/s/tiny-unlisted/replay").status_code == 404
    assert client.post("/s/no-such-scenario/replay").status_code == 404
    keyed = client.post("/s/tiny-unlisted/replay", {"key": unlisted.secret_key})
    assert keyed.status_code == 302 and keyed["Location"].endswith(f"?key={unlisted.secret_key}")
