"""Properties over seeds (Hypothesis), on a short slice of the AWS scenario."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulation import Simulation, parse_document
from simulation.spec import STATUSES
from tests.simulation.conftest import aws_doc


def short_aws(duration_s: int = 3600) -> dict[str, object]:
    doc = aws_doc()
    doc["duration_s"] = duration_s
    doc["presets"] = []  # they name interventions cut above
    doc["milestones"] = [
        m for m in doc["milestones"] if m["kind"] == "emergent" and 0 <= m["at_s"] <= duration_s
    ]
    return doc


SPEC = parse_document(short_aws())


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_it_keeps_its_invariants_for_any_seed(seed: int) -> None:
    sim = Simulation(SPEC, seed)
    result = sim.run()
    times = [e.t_ms for e in result.events]
    assert times == sorted(times)
    assert [e.seq for e in result.events] == list(range(len(result.events)))
    dns = sim.world.by_id["ddb-dns"]
    previous_t = -1
    for frame in result.frames:
        assert frame["t_ms"] > previous_t
        previous_t = frame["t_ms"]
        for entry in frame["services"].values():
            assert entry["status"] in STATUSES and 0.0 <= entry["error_rate"] <= 1.0
        metrics = frame["metrics"]
        assert metrics["dwfm"]["active_leases"] >= 0
        records = metrics["ddb-dns"]["records"]
        assert metrics["ddb-dns"]["active_plan_deleted"] == ("EMPTY" in records.values())
    assert set(dns.empty_endpoints()) == {
        ep for ep, gen in dns.records.items() if gen not in dns.plans
    }
