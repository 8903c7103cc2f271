"""The race explorer enumerates the same steps dns_automation runs, with the scenario's
parameters, and a schedule it finds replays as a run."""

from __future__ import annotations

import pytest

from simulation import ScenarioError, Simulation, apply_variant, parse_document
from simulation.explore import config_from_spec, describe, explore, replay_variant
from tests.simulation.conftest import aws_doc

SPEC = parse_document(aws_doc())


def test_it_reads_the_scenarios_own_parameters() -> None:
    config = config_from_spec(SPEC, plans=4, endpoints=2)
    assert config.enactors == 3 and config.endpoints == ("regional", "fips")
    assert config.cleanup_age_generations == 2 and config.mechanism == "ddb-dns"
    with pytest.raises(ScenarioError):
        config_from_spec(SPEC, plans=9)


def test_it_finds_the_race_and_none_with_either_fix() -> None:
    report = explore(config_from_spec(SPEC, enactors=2, plans=4, endpoints=2))
    assert 0 < report.first_empty <= report.empty < report.schedules
    data = report.to_dict()
    assert data["counterexamples"][0][-1]["empty"] == ["regional"]
    assert any("OVERWRITES" in row["text"] for row in data["counterexamples"][0])
    for fix in ({"version_check": "per_write"}, {"cleanup_protects_active": True}):
        fixed = explore(config_from_spec(SPEC, enactors=2, plans=4, endpoints=2, settings=fix))
        assert fixed.empty == 0 and fixed.schedules > 0


def test_it_replays_a_schedule_as_a_run_and_the_cascade_follows() -> None:
    config = config_from_spec(SPEC, enactors=2, plans=4, endpoints=2)
    steps = explore(config).schedule(1)
    assert describe(config, steps)[-1]["empty"] == ["regional"]
    doc = apply_variant(aws_doc(), replay_variant(config, steps, 960))
    doc["faults"] = []
    doc["duration_s"] = 2400
    result = Simulation(parse_document(doc)).run()
    kinds = [e.kind for e in result.events]
    assert "enactor.delayed" not in kinds and "enactor.overwrite" in kinds
    empty_at = next(e.t_ms for e in result.events if e.kind == "dns.record_empty")
    assert empty_at == (960 + len(steps) - 1) * 1000  # one step a second, from 23:46
    assert any(status == "down" for status, _, _ in result.intervals["dynamodb"])
