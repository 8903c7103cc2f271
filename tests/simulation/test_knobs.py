"""Knobs, presets and the public-variant rule (simulation/knobs.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from simulation import ScenarioError, knob_table, parse_document, public_variant

TINY = json.loads((Path(__file__).parents[1] / "replays" / "tiny.json").read_text())


def doc(**changes: object) -> dict:
    out = copy.deepcopy(TINY)
    out.update(changes)
    return out


def errors_of(document: dict) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as refused:
        parse_document(document)
    return refused.value.errors


def test_it_round_trips_knobs_and_presets():
    spec = parse_document(doc())
    assert [k.path for k in spec.knobs] == ["mechanisms.queue.params.service_rate_per_s"]
    assert spec.presets[0].name == "A faster queue"
    assert parse_document(spec.to_document()) == spec


def test_it_takes_label_unit_bounds_and_help_from_the_parameter_table():
    (row,) = knob_table(parse_document(doc()))
    assert row["label"] == "Service rate per s" and row["unit"] == "items/s"
    assert row["min"] == 0.0001 and row["kind"] == "float" and row["value"] == 2.0
    assert row["doc"]


@pytest.mark.parametrize(
    ("knobs", "path", "message"),
    [
        ([{"mechanism": "nope", "param": "x"}], "knobs[0].mechanism", "unknown mechanism id"),
        ([{"mechanism": "queue", "param": "x"}], "knobs[0].param", "unknown parameter"),
        ([{"mechanism": "queue", "param": "gate"}], "knobs[0].param", "only number"),
        ([{"mechanism": "queue", "param": "tick_s", "min": 1}], "knobs[0].min", "unknown field"),
        ("queue", "knobs", "must be a list"),
    ],
)
def test_it_names_a_bad_knob(knobs, path, message):
    found = dict(errors_of(doc(knobs=knobs, presets=[])))
    assert message in found[path]


@pytest.mark.parametrize(
    ("variant", "path", "message"),
    [
        ({"title": "x"}, "presets[0].variant.title", "not changeable"),
        ({"duration_s": 60}, "presets[0].variant.duration_s", "not changeable"),
        (
            {"mechanisms.queue.params.service_rate_per_s": -1},
            "presets[0].variant.mechanisms.queue.params.service_rate_per_s",
            "must be ≥",
        ),
        (
            {"interventions.more.enabled": "no"},
            "presets[0].variant.interventions.more.enabled",
            "true or false",
        ),
        ({}, "presets[0].variant", "non-empty"),
    ],
)
def test_it_names_a_bad_preset(variant, path, message):
    found = dict(errors_of(doc(presets=[{"id": "p", "name": "P", "variant": variant}])))
    assert message in found[path]


def test_a_preset_is_validated_applied_to_the_whole_scenario():
    fleet = {
        "id": "fleet",
        "type": "lease_fleet",
        "services": ["api"],
        "params": {"requires_service": "db", "lease_min_s": 100, "lease_max_s": 200},
    }
    knobs = [{"mechanism": "fleet", "param": "lease_min_s"}]
    variant = {"mechanisms.fleet.params.lease_min_s": 300}
    bad = doc(
        mechanisms=[*TINY["mechanisms"], fleet],
        knobs=knobs,
        presets=[{"id": "p", "name": "P", "variant": variant}],
    )
    assert errors_of(bad) == [
        ("presets[0].variant: mechanisms[1].params.lease_max_s", "must be ≥ lease_min_s")
    ]


def test_a_public_variant_is_normalised():
    spec = parse_document(doc())
    out = public_variant(
        spec, {"mechanisms.queue.params.service_rate_per_s": 3, "interventions.more.enabled": True}
    )
    assert out == {"mechanisms.queue.params.service_rate_per_s": 3.0}


def test_a_public_variant_may_scale_the_operators_within_bounds():
    spec = parse_document(doc())
    assert public_variant(spec, {"operators.detection_scale": 2}) == {
        "operators.detection_scale": 2.0
    }
    with pytest.raises(ScenarioError) as refused:
        public_variant(spec, {"operators.detection_scale": 50, "operators.response_scale": 0})
    assert [p for p, _ in refused.value.errors] == [
        "variant.operators.detection_scale",
        "variant.operators.response_scale",
    ]


def test_the_aws_presets_include_operators_twice_as_slow_and_all_validate():
    from tests.simulation.conftest import aws_doc

    spec = parse_document(aws_doc())  # every preset applied and validated whole
    slow = next(p for p in spec.presets if p.id == "operators-twice-as-slow")
    assert slow.name == "Operators twice as slow"
    assert public_variant(spec, slow.variant) == {"operators.detection_scale": 2.0}


def test_shifting_an_alarmed_action_moves_its_response_and_the_outage_with_it():
    from simulation import Simulation, apply_variant, describe_variant
    from tests.simulation.conftest import aws_doc

    document = aws_doc()
    spec = parse_document(document)
    restore = next(i for i in spec.interventions if i.id == "dns-restore")
    path = "interventions.dns-restore.when.respond_s"
    later = {path: restore.when["respond_s"] + 3600}
    assert public_variant(spec, later) == later
    with pytest.raises(ScenarioError) as refused:
        public_variant(spec, {path: -60})
    assert [p for p, _ in refused.value.errors] == [f"variant.{path}"]
    assert describe_variant(document, later, None).endswith("responds 60 min later")

    def recovered_s(doc_: dict) -> int:
        rows = Simulation(parse_document(doc_)).run().milestones
        return next(m["sim_s"] for m in rows if m["id"] == "ddb-recovered")

    assert recovered_s(apply_variant(document, later)) - recovered_s(document) >= 3000
