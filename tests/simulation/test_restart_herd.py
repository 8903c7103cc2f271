"""restart_herd: the herd after a crash, with and without jitter and backoff; throttling."""

from __future__ import annotations

from typing import Any

import pytest

from simulation import Result, ScenarioError, Simulation, parse_document

CLEARS_S = 600  # the trigger (a timed operator action) clears here


def doc(herd: dict[str, Any] | None = None, throttle_at_s: int | None = None) -> dict[str, Any]:
    params = {
        "tasks": 1000,
        "crash_when": {"not": {"intervention": "fix"}},
        "capacity_per_s": 10,
        "base_load": 0.3,
        "retry_s": 10,
        "max_backoff_s": 600,
        "dependency": "db",
        "tick_s": 1,
        **(herd or {}),
    }
    interventions = [
        {"id": "fix", "at_s": CLEARS_S, "action": "unthrottle", "target": "herd", "label": "Fix"}
    ]
    if throttle_at_s is not None:
        interventions.append(
            {
                "id": "slow",
                "at_s": throttle_at_s,
                "action": "throttle",
                "target": "herd",
                "params": {"max_per_s": 5},
                "label": "Admit 5 starts a second",
            }
        )
    return {
        "format": "outage-replay/1",
        "slug": "herd",
        "title": "Herd",
        "start": "2025-01-01T00:00:00+00:00",
        "duration_s": 7200,
        "frame_interval_s": 10,
        "seed": 3,
        "services": [{"id": "tasks", "name": "Tasks"}, {"id": "db", "name": "Database"}],
        "mechanisms": [
            {"id": "herd", "type": "restart_herd", "services": ["tasks"], "params": params}
        ],
        "interventions": interventions,
    }


def run(document: dict[str, Any]) -> Result:
    return Simulation(parse_document(document)).run()


def recovered_s(result: Result) -> float | None:
    spans = result.intervals["tasks"]
    last = spans[-1]
    return last[1] if last[0] == "healthy" and last[1] > 0 else None


def test_it_keeps_tasks_down_while_the_trigger_holds() -> None:
    result = run(doc())
    down = next(span for span in result.intervals["tasks"] if span[0] == "down")
    assert down[1] <= 10 and down[2] >= CLEARS_S


def test_it_keeps_the_dependency_overloaded_without_jitter_or_backoff() -> None:
    result = run(doc())
    assert recovered_s(result) is None  # the synchronised herd sustains itself
    assert any(span[0] in ("degraded", "down") for span in result.intervals["db"])
    assert "herd.overloaded" in [e.kind for e in result.events]


def test_it_recovers_sooner_with_jitter_and_exponential_backoff() -> None:
    paced = run(doc({"jitter": True, "backoff": True}))
    assert recovered_s(paced) is not None
    # 1000 starts against 7 free requests/s take at least ~140 s
    assert CLEARS_S + 140 <= recovered_s(paced) < CLEARS_S + 3600
    jitter_only = run(doc({"jitter": True}))
    backoff_only = run(doc({"backoff": True}))
    for alone in (jitter_only, backoff_only):
        assert recovered_s(alone) is None or recovered_s(alone) > recovered_s(paced)


def test_it_recovers_at_the_throttled_rate_once_operators_throttle() -> None:
    result = run(doc(throttle_at_s=CLEARS_S + 600))
    recovered = recovered_s(result)
    assert recovered is not None
    # 1000 tasks at 5 starts/s ≈ 200 s once throttled (minus the few that got in before)
    assert CLEARS_S + 600 + 150 <= recovered <= CLEARS_S + 600 + 260
    assert result.intervals["db"][-1][0] == "healthy"


def test_it_requires_a_crash_condition() -> None:
    document = doc()
    del document["mechanisms"][0]["params"]["crash_when"]
    with pytest.raises(ScenarioError, match=r"mechanisms\[0\]\.params\.crash_when: is required"):
        parse_document(document)


def test_it_prolongs_recovery_only_in_the_region_whose_dependency_is_too_small() -> None:
    document = doc()
    herd = document["mechanisms"][0]
    document["services"] += [{"id": "tasks-b", "name": "Tasks B"}, {"id": "db-b", "name": "DB B"}]
    roomy = {**herd["params"], "capacity_per_s": 1000, "dependency": "db-b"}
    document["mechanisms"].append(
        {**herd, "id": "herd-b", "services": ["tasks-b"], "params": roomy}
    )
    result = run(document)
    assert recovered_s(result) is None  # region A: its herd overloads its database
    assert result.intervals["tasks-b"][-1][0] == "healthy"  # region B is back at once
    assert result.intervals["tasks-b"][-1][1] < CLEARS_S + 30
