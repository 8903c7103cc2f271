"""Counterfactuals: change one thing and the outcome moves the way an engineer expects."""

from __future__ import annotations

import pytest

from tests.simulation.conftest import first, run_aws

DOWNSTREAM = (
    "ec2-dwfm",
    "ec2",
    "ec2-netmgr",
    "nlb",
    "lambda",
    "ecs",
    "sts",
    "connect",
    "redshift",
    "support",
)


def test_it_reproduces_the_headline_timeline() -> None:
    result = run_aws()
    targets = {
        "ddb-errors": 120,
        "ddb-recovered": 300,
        "all-leases": 600,
        "nlb-errors": 900,
        "netmgr-latency": 900,
        "netmgr-normal": 1200,
        "ec2-recovered": 1200,
    }
    rows = {m["id"]: m for m in result.milestones}
    for mid, tolerance_s in targets.items():
        assert rows[mid]["delta_s"] is not None and abs(rows[mid]["delta_s"]) <= tolerance_s, mid
    emergent = sorted(
        abs(m["delta_s"])
        for m in result.milestones
        if m["kind"] == "emergent" and m["delta_s"] is not None
    )
    assert emergent[len(emergent) // 2] <= 600


@pytest.mark.parametrize(
    "fix",
    [
        ("mechanisms.ddb-dns.params.version_check", "per_write"),
        ("mechanisms.ddb-dns.params.cleanup_protects_active", True),
    ],
)
def test_it_never_takes_dynamodb_down_with_a_race_fix(fix: tuple[str, object]) -> None:
    result = run_aws((fix,))
    assert result.intervals["dynamodb"] == [["healthy", 0.0, 106200]]
    for sid in DOWNSTREAM:
        assert all(status == "healthy" for status, _, _ in result.intervals[sid]), sid
    assert first(result, "dns-restored") is None  # no trigger, no operator action


def test_it_stays_collapsed_without_the_0414_intervention() -> None:
    result = run_aws(
        (
            ("interventions.dwfm-throttle.enabled", False),
            ("interventions.dwfm-restart.enabled", False),
        )
    )
    assert first(result, "all-leases") is None
    assert result.intervals["ec2-dwfm"][-1][0] == "down"
    assert result.deltas[-1]["t_ms"] == 106200 * 1000


def test_it_leases_everything_earlier_with_double_dwfm_capacity() -> None:
    base = first(run_aws(), "all-leases")
    doubled = first(run_aws((("mechanisms.dwfm.params.hosts", 40),)), "all-leases")
    assert base is not None and doubled is not None
    assert doubled < base - 1800


def test_it_keeps_nlb_errors_past_0936_if_failover_stays_on() -> None:
    result = run_aws((("interventions.nlb-disable-failover.enabled", False),))
    bad_until = max(to_s for status, _, to_s in result.intervals["nlb"] if status != "healthy")
    assert bad_until > 36360 + 1800  # well past 09:36
    real = run_aws()
    real_bad_until = max(to_s for status, _, to_s in real.intervals["nlb"] if status != "healthy")
    assert real_bad_until <= 36360 + 60
