"""The library's config-push scenarios replay end to end in the runs pipeline: imported,
computed and stored in chunks (the same frames as the simulation), served to the player."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outage_replay.replays import services
from outage_replay.scenarios.services import scenario_import
from simulation import Simulation, parse_document

pytestmark = pytest.mark.django_db
LIBRARY = Path(__file__).resolve().parents[2] / "outage_replay" / "scenarios" / "library"
SLUGS = (
    "cloudflare-2019-07-02",
    "crowdstrike-2024-07-19",
    "cloudflare-2025-11-18",
    "azure-front-door-2025-10-29",
)


@pytest.mark.parametrize("slug", SLUGS)
def test_it_replays_the_scenario_through_the_pipeline(client, slug: str) -> None:
    doc = json.loads((LIBRARY / f"{slug}.json").read_text(encoding="utf-8"))
    scenario, _ = scenario_import(doc=doc, visibility="public")
    run, _ = services.run_create(scenario=scenario, fresh=True)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert run.frame_digest == Simulation(parse_document(run.spec), run.seed).run().digest
    milestones = {m["id"]: m for m in run.summary["milestones"]}
    assert all(m["sim_s"] is not None for m in milestones.values() if m["kind"] == "emergent")
    page = client.get(f"/replay/{run.id}/")
    assert page.status_code == 200
