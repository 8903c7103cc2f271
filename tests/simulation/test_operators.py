"""Operators: alarms (a condition held for a detection time), response times, narration."""

from __future__ import annotations

import json

import pytest

from simulation import ScenarioError, Simulation, apply_variant, parse_document
from tests.simulation.conftest import MINI, aws_doc, run_aws
from tests.simulation.test_library_scenarios import SLUGS, doc_of


def test_it_narrates_each_alarm_with_its_hold_and_the_action_time() -> None:
    result = run_aws()
    alarms = {e.data["intervention"]: e for e in result.events if e.kind == "operator.alarm"}
    throttle = alarms["dwfm-throttle"]
    assert throttle.text == (
        "DWFM goodput alarm (held 10 min) → Engineers throttle incoming work to DWFM at 04:14"
    )
    action = next(e for e in result.events if e.kind == "operator.throttle_incoming")
    assert action.t_ms == throttle.t_ms + 5100 * 1000 == round(throttle.data["act_s"] * 1000)
    assert action.service == "ec2-dwfm"


def test_it_names_no_absolute_time_in_a_shipped_scenario() -> None:
    for doc in [aws_doc()] + [doc_of(slug) for slug in SLUGS]:
        for item in doc["interventions"]:
            assert "at_s" not in item and item["when"], (doc["slug"], item["id"])
    for doc in [aws_doc()] + [doc_of(slug) for slug in SLUGS]:
        assert all("alarm" in item["when"] for item in doc["interventions"]), doc["slug"]


def test_it_reports_bad_alarms_by_path() -> None:
    doc = aws_doc()
    doc["interventions"][0]["when"] = {"alarm": "", "detect_s": -1, "held": 3}
    doc["operators"] = {"detection_scale": -2, "speed": 1}
    with pytest.raises(ScenarioError) as info:
        parse_document(doc)
    paths = {path for path, _ in info.value.errors}
    assert {
        "interventions[0].when.alarm",
        "interventions[0].when.on",
        "interventions[0].when.detect_s",
        "interventions[0].when.held",
        "operators.detection_scale",
        "operators.speed",
    } <= paths


def test_it_treats_at_s_as_not_before() -> None:
    doc = json.loads(MINI.read_text(encoding="utf-8"))
    base_ms = Simulation(parse_document(doc)).run().world.fired_ms["restore"]
    floor_s = base_ms // 1000 + 600
    later = apply_variant(doc, {"interventions.restore.at_s": floor_s})
    assert Simulation(parse_document(later)).run().world.fired_ms["restore"] == floor_s * 1000
