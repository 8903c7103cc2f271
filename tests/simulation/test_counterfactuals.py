"""Counterfactuals: change one thing and the outcome moves the way an engineer expects.

Each test is a row of docs/MODEL.md's counterfactual table. Runs are shared through the
cached `run_aws` (one run per distinct variant).
"""

from __future__ import annotations

import pytest

from simulation import Result
from tests.simulation.conftest import aws_doc, first, run_aws

DURATION_S = 106200
HOUR = 3600
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
# Recoveries: a service leaving "down" or becoming healthy again.
RECOVERIES = (
    "sts-recovered",
    "iam-recovered",
    "redshift-queries",
    "lambda-mostly",
    "ddb-recovered",
    "support-mitigated",
    "all-leases",
    "lambda-sqs-drained",
    "sts-recovered-2",
    "netmgr-normal",
    "launches-succeed",
    "lambda-recovered",
    "connect-restored",
    "ec2-recovered",
    "ecs-recovered",
    "redshift-restored",
)


def timed(result: Result) -> dict[str, float | None]:
    """Emergent and operator milestones → simulated time (None: never happened)."""
    return {m["id"]: m["sim_s"] for m in result.milestones if m["kind"] != "reference"}


def fault_s() -> int:
    return int(next(f["at_s"] for f in aws_doc()["faults"] if f["id"] == "enactor-a-delay"))


def respond_s(intervention_id: str) -> int:
    item = next(i for i in aws_doc()["interventions"] if i["id"] == intervention_id)
    return int(item["when"]["respond_s"])


def bad_until(result: Result, service: str) -> float:
    return max(
        (to_s for status, _, to_s in result.intervals[service] if status != "healthy"),
        default=0.0,
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
    emergent = [m for m in result.milestones if m["kind"] == "emergent"]
    assert all(m["sim_s"] is not None for m in emergent)
    deltas = sorted(abs(m["delta_s"]) for m in emergent)
    assert deltas[len(deltas) // 2] <= 300
    predicted = [m for m in emergent if not m["fitted"]]
    assert len(predicted) * 3 >= len(emergent)


def test_it_moves_the_whole_outage_with_its_cause() -> None:
    base = timed(run_aws())
    later = timed(run_aws((("faults.enactor-a-delay.at_s", fault_s() + HOUR),)))
    after_fault = {mid: t for mid, t in base.items() if t is not None and t >= fault_s()}
    assert all(later[mid] is not None for mid in after_fault), "a milestone was lost"
    shifted = [mid for mid, t in after_fault.items() if abs(later[mid] - t - HOUR) <= 900]  # type: ignore[operator]
    assert len(shifted) >= 0.9 * len(after_fault), set(after_fault) - set(shifted)


@pytest.mark.parametrize(
    "fix",
    [
        ("mechanisms.ddb-dns.params.version_check", "per_write"),
        ("mechanisms.ddb-dns.params.cleanup_protects_active", True),
    ],
)
def test_it_has_no_outage_and_no_operator_action_with_a_race_fix(fix: tuple[str, object]) -> None:
    result = run_aws((fix,))
    assert result.intervals["dynamodb"] == [["healthy", 0.0, DURATION_S]]
    for sid in DOWNSTREAM:
        assert all(status == "healthy" for status, _, _ in result.intervals[sid]), sid
    assert result.world.fired_ms == {}
    assert not [e for e in result.events if e.actor == "operator"]


def test_it_stays_collapsed_without_the_dwfm_throttle_and_restart() -> None:
    result = run_aws(
        (
            ("interventions.dwfm-throttle.enabled", False),
            ("interventions.dwfm-restart.enabled", False),
        )
    )
    assert first(result, "all-leases") is None
    assert result.intervals["ec2-dwfm"][-1][0] == "down"
    dwfm = result.world.by_id["dwfm"].metrics(DURATION_S * 1000)
    # Metastable, and the run says why: work is offered but little completes in time.
    assert dwfm["collapsed"] and dwfm["goodput"] < 0.2 and dwfm["offered"] > dwfm["completed"]
    kinds = [e.kind for e in result.events]
    assert "dwfm.collapse" in kinds and "dwfm.collapse_ended" not in kinds


def impaired_s(result: Result) -> float:
    """How long DWFM is impaired after DynamoDB returns: collapse plus recovery."""
    events = {e.kind: e.t_ms / 1000 for e in reversed(result.events)}
    return events["dwfm.all_leases"] - events["dwfm.checks_ok"]


def test_it_is_impaired_for_less_time_with_twice_the_dwfm_hosts() -> None:
    base, doubled = run_aws(), run_aws((("mechanisms.dwfm.params.hosts", 40),))
    assert impaired_s(doubled) < impaired_s(base) - 1800
    # The collapsed state itself still lasts until the operators throttle (MODEL.md §5).
    assert any(e.kind == "dwfm.collapse" for e in doubled.events)


def test_it_never_collapses_with_six_times_the_dwfm_hosts() -> None:
    result = run_aws((("mechanisms.dwfm.params.hosts", 120),))
    assert not [e for e in result.events if e.kind == "dwfm.collapse"]
    assert first(result, "dwfm-throttle-restart") is None  # no alarm, no action
    assert first(result, "all-leases") < first(run_aws(), "all-leases") - 2 * HOUR  # type: ignore[operator]


def test_it_recovers_everything_later_with_slower_operators() -> None:
    base = timed(run_aws())
    # The AWS scenario's preset "Operators twice as slow": every detection time doubled.
    preset = next(p for p in aws_doc()["presets"] if p["id"] == "operators-twice-as-slow")
    assert preset["variant"] == {"operators.detection_scale": 2}
    slow = timed(run_aws(tuple(preset["variant"].items())))
    diagnosis = base["diagnosis"]
    assert diagnosis is not None
    for mid in RECOVERIES:
        assert base[mid] is not None and base[mid] > diagnosis  # type: ignore[operator]
        assert slow[mid] is not None and slow[mid] > base[mid], mid  # type: ignore[operator]


def test_it_recovers_everything_sooner_with_quicker_operators() -> None:
    base = timed(run_aws())
    quick = timed(run_aws((("operators.response_scale", 0.5),)))
    # Failover is switched off before STS's own load balancers fail: no second wave.
    assert quick["sts-wave2"] is None and quick["sts-recovered-2"] is None
    # "Lambda errors subside" is matched only after 08:50 (its second recovery); here
    # Lambda is healthy long before that, so the milestone's window misses it.
    assert quick["lambda-recovered"] is None and quick["lambda-underscaled"] < 30000  # type: ignore[operator]
    for mid in set(RECOVERIES) - {"sts-recovered-2", "lambda-recovered"}:
        assert quick[mid] is not None and quick[mid] < base[mid], mid  # type: ignore[operator]


def test_it_ends_nlb_errors_earlier_when_failover_is_disabled_earlier() -> None:
    base = run_aws()
    sooner = run_aws(
        (
            (
                "interventions.nlb-disable-failover.when.respond_s",
                respond_s("nlb-disable-failover") - HOUR,
            ),
        )
    )
    assert bad_until(sooner, "nlb") <= bad_until(base, "nlb") - HOUR + 60
    assert first(sooner, "sts-recovered-2") < first(base, "sts-recovered-2")  # type: ignore[operator]


def test_it_keeps_nlb_errors_while_failover_stays_on() -> None:
    result = run_aws((("interventions.nlb-disable-failover.enabled", False),))
    assert bad_until(result, "nlb") > bad_until(run_aws(), "nlb") + 1800


def test_it_delays_every_recovery_when_dns_is_restored_an_hour_later() -> None:
    base = timed(run_aws())
    late = timed(
        run_aws((("interventions.dns-restore.when.respond_s", respond_s("dns-restore") + HOUR),))
    )
    assert late["leases-lapsed"] == base["leases-lapsed"]  # before the restore: unchanged
    for mid in ("ddb-recovered", "all-leases", "netmgr-normal", "ec2-recovered", "ecs-recovered"):
        assert late[mid] is not None and late[mid] >= base[mid] + HOUR - 300, mid  # type: ignore[operator]


def test_it_keeps_sts_down_until_dynamodb_returns_without_the_internal_mitigation() -> None:
    base = run_aws()
    result = run_aws((("interventions.internal-mitigation.enabled", False),))
    assert first(result, "sts-recovered") > first(base, "dns-restored")  # type: ignore[operator]
    assert first(base, "sts-recovered") < first(base, "dns-restored")  # type: ignore[operator]
