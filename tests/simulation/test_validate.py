from __future__ import annotations

import json

import pytest

from simulation import ScenarioError, apply_variant, parse_bytes, parse_document
from tests.simulation.conftest import MINI, aws_doc


def errors_of(doc: object) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        parse_document(doc)
    return info.value.errors


def test_it_accepts_the_shipped_scenario_and_round_trips() -> None:
    spec = parse_document(aws_doc())
    assert parse_document(spec.to_document()) == spec


def test_it_names_the_path_of_a_bad_mechanism_param() -> None:
    doc = aws_doc()
    doc["mechanisms"][0]["params"]["enactors"] = 0
    assert ("mechanisms[0].params.enactors", "must be ≥ 1") in errors_of(doc)
    assert str(ScenarioError([("a.b", "x"), ("c", "y")])) == "a.b: x; c: y"


def test_it_reports_unknown_references_and_fields() -> None:
    doc = json.loads(MINI.read_text())
    doc["dependencies"][0]["to"] = "nope"
    doc["services"][0]["colour"] = "red"
    doc["faults"][0]["type"] = "meteor"
    doc["milestones"][0]["match"] = {"metric": "ddb-dns.nope", "op": ">", "value": 1}
    paths = {path for path, _ in errors_of(doc)}
    assert {
        "dependencies[0].to",
        "services[0].colour",
        "faults[0].type",
        "milestones[0].match.metric",
    } <= paths


def test_it_rejects_dependency_cycles() -> None:
    doc = json.loads(MINI.read_text())
    doc["dependencies"].append({"from": "db", "to": "app"})
    assert any("cycle" in message for _, message in errors_of(doc))


def test_it_enforces_byte_level_limits() -> None:
    with pytest.raises(ScenarioError, match="invalid JSON"):
        parse_bytes(b"{nope")
    with pytest.raises(ScenarioError, match="nesting deeper"):
        parse_bytes(b"[" * 40 + b"]" * 40)
    with pytest.raises(ScenarioError, match="larger than"):
        parse_bytes(b" " * (1024 * 1024 + 1))


def test_it_applies_variants_by_id_and_reports_bad_paths() -> None:
    doc = apply_variant(
        aws_doc(),
        {
            "mechanisms.ddb-dns.params.version_check": "per_write",
            "interventions.dwfm-restart.enabled": False,
        },
    )
    spec = parse_document(doc)
    assert spec.mechanisms[0].params["version_check"] == "per_write"
    assert not next(i for i in spec.interventions if i.id == "dwfm-restart").enabled
    with pytest.raises(ScenarioError, match=r"mechanisms\.nope"):
        apply_variant(aws_doc(), {"mechanisms.nope.params.x": 1})
    bad = apply_variant(aws_doc(), {"mechanisms.ddb-dns.params.version_check": "never"})
    assert ("mechanisms[0].params.version_check", "must be one of once, per_write") in (
        errors_of(bad)
    )
