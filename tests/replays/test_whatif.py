"""The What-if panel's data and the scenario's recent runs (replays/whatif.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from outage_replay.replays import services

pytestmark = pytest.mark.django_db


def panel_data(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="whatif-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "no What-if data on the page"
    return json.loads(found.group(1))


def test_the_scenario_page_offers_knobs_presets_and_recent_runs(
    client: Client, scenario: Any
) -> None:
    run, _ = services.run_create(
        scenario=scenario, variant={"mechanisms.queue.params.service_rate_per_s": 4.0}
    )
    services.run_execute(run_id=str(run.id))
    html = client.get(f"/s/{scenario.slug}/").content.decode()
    data = panel_data(html)
    (knob,) = data["knobs"]
    assert knob["path"] == "mechanisms.queue.params.service_rate_per_s"
    assert (knob["label"], knob["unit"], knob["min"], knob["value"]) == (
        "Service rate per s",
        "items/s",
        0.0001,
        2.0,
    )
    assert data["presets"][0]["name"] == "A faster queue" and data["base_run"] is None
    assert data["interventions"][0] == {
        "id": "more",
        "label": "Operators add capacity",
        "at_s": 5000,
        "at_label": data["interventions"][0]["at_label"],
        "conditional": False,
        "respond_s": None,
        "enabled": True,
    }
    assert (
        "Recent runs" in html and f'href="/replay/{run.id}/"' in html and "A faster queue" in html
    )


def test_the_replay_page_offers_the_panel_with_this_run_as_the_base(
    client: Client, scenario: Any
) -> None:
    run, _ = services.run_create(scenario=scenario, seed=5)
    data = panel_data(client.get(f"/replay/{run.id}/").content.decode())
    assert (
        data["base_run"] == str(run.id)
        and data["seed"] == 5
        and data["default_seed"] == scenario.seed
    )


def test_the_panel_follows_an_edited_scenario(client: Client, scenario: Any) -> None:
    """The panel's spec-derived part is kept per scenario version: a replaced document
    (as the admin or an import writes it) shows at once."""
    import copy

    from outage_replay.scenarios.services import scenario_import

    from .conftest import tiny_doc

    before = panel_data(client.get(f"/s/{scenario.slug}/").content.decode())
    assert before["knobs"][0]["value"] == 2.0
    doc = copy.deepcopy(tiny_doc())
    doc["mechanisms"][0]["params"]["service_rate_per_s"] = 3.0
    scenario_import(doc=doc, visibility="public", replace=True)
    after = panel_data(client.get(f"/s/{scenario.slug}/").content.decode())
    assert after["knobs"][0]["value"] == 3.0
