"""The diff of two runs (simulation/compare.py), on the AWS scenario and its fix."""

from __future__ import annotations

import copy

from simulation import Simulation, apply_variant, parse_document
from simulation.compare import RunData, diff_runs
from tests.simulation.conftest import aws_doc


def run_data(doc: dict) -> RunData:
    sim = Simulation(parse_document(doc))
    chunks = list(sim.iter_chunks())
    result = sim.result
    return RunData(doc, {"intervals": result.intervals, "milestones": result.milestones}, chunks)


def test_the_version_check_avoids_the_outage_and_says_why():
    doc = aws_doc()
    fix = next(p for p in doc["presets"] if p["id"] == "aws-fix")["variant"]
    diff = diff_runs(run_data(doc), run_data(apply_variant(doc, fix)))
    ddb = next(r for r in diff["services"] if r["id"] == "dynamodb")
    assert ddb["down_a_s"] > 2 * 3600 and ddb["down_b_s"] == 0 and ddb["differs"]
    assert diff["outage"]["kind"] == "avoided"
    assert diff["outage"]["sentence"].startswith("Outage avoided: no service is down in B.")
    first = diff["first_divergence"]
    # The runs part where the delayed Enactor would have written its stale plan.
    assert first["event"]["side"] == "b" and first["event"]["kind"] == "enactor.stale_skip"
    assert 900_000 < first["t_ms"] < 1_200_000
    restored = next(m for m in diff["milestones"] if m["id"] == "ddb-errors")
    assert restored["a_s"] is not None and restored["b_s"] is None and restored["shift_s"] is None


def test_identical_runs_have_no_divergence():
    doc = copy.deepcopy(aws_doc())
    doc["duration_s"] = 1800
    doc["interventions"], doc["milestones"], doc["presets"] = [], [], []
    same = diff_runs(run_data(doc), run_data(doc))
    assert same["first_divergence"] is None and same["outage"]["kind"] == "unchanged"
    assert all(not r["differs"] and r["down_delta_s"] == 0 for r in same["services"])
