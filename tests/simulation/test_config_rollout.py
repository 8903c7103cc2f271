"""config_rollout: pushes, waves, validation, flapping regeneration, rollback, kill, repair."""

from __future__ import annotations

from typing import Any

import pytest

from simulation import Result, ScenarioError, Simulation, parse_document


def doc(
    params: dict[str, Any] | None = None,
    fault: dict[str, Any] | None = None,
    interventions: list[dict[str, Any]] | None = None,
    duration_s: int = 3600,
) -> dict[str, Any]:
    return {
        "format": "outage-replay/1",
        "slug": "rollout",
        "title": "Rollout",
        "start": "2025-01-01T00:00:00+00:00",
        "duration_s": duration_s,
        "frame_interval_s": 10,
        "seed": 11,
        "services": [{"id": "app", "name": "App"}, {"id": "site", "name": "Site"}],
        "dependencies": [{"from": "site", "to": "app"}],
        "mechanisms": [
            {
                "id": "cfg",
                "type": "config_rollout",
                "services": ["app"],
                "params": {"cells": 20, "propagation_s": 20, "restart_s": 30, **(params or {})},
            }
        ],
        "faults": [
            {"id": "push", "at_s": 100, "type": "bad_push", "target": "cfg", "params": fault or {}}
        ],
        "interventions": interventions or [],
    }


def run(document: dict[str, Any]) -> Result:
    return Simulation(parse_document(document)).run()


def metric(result: Result, t_s: int, key: str) -> Any:
    frame = next(f for f in result.frames if f["t_ms"] == t_s * 1000)
    return frame["metrics"]["cfg"][key]


def kinds(result: Result) -> list[str]:
    return [e.kind for e in result.events]


def statuses(result: Result, service: str) -> set[str]:
    return {span[0] for span in result.intervals[service]}


def test_it_takes_the_fleet_down_on_a_global_bad_push() -> None:
    result = run(doc())
    assert metric(result, 90, "serving") == 1.0
    assert metric(result, 130, "failing") == 1.0
    assert "down" in statuses(result, "app") and "down" in statuses(result, "site")
    assert "rollout.all_failing" in kinds(result)


def test_it_rejects_the_bad_push_when_validation_is_on() -> None:
    result = run(doc({"validation": True}))
    assert result.intervals["app"] == [["healthy", 0, 3600]]
    assert metric(result, 3600, "rejected") == 1
    assert "rollout.rejected" in kinds(result)


def test_it_reaches_later_waves_only_as_they_open_and_stop_pushes_holds_them() -> None:
    waves = {"waves": 4, "wave_interval_s": 600}
    result = run(doc(waves))
    assert metric(result, 400, "failing") == 0.25
    assert metric(result, 1000, "failing") == 0.5
    assert metric(result, 2200, "failing") == 1.0
    stop = {"id": "halt", "at_s": 800, "action": "stop_pushes", "target": "cfg", "label": "Halt"}
    halted = run(doc(waves, interventions=[stop]))
    assert metric(halted, 3600, "failing") == 0.5  # waves 0 and 1 opened before the halt


def test_it_recovers_only_as_fast_as_the_rollback_propagates() -> None:
    rollback = {"id": "rb", "at_s": 600, "action": "rollback", "target": "cfg", "label": "Back"}
    fast = run(doc(interventions=[rollback]))
    slow = run(doc({"propagation_s": 600}, interventions=[rollback]))

    def healthy_at(result: Result) -> float:
        return next(s[1] for s in result.intervals["app"] if s[0] == "healthy" and s[1] > 0)

    assert healthy_at(fast) < 600 + 20 + 30 + 10
    assert healthy_at(slow) > healthy_at(fast) + 300
    assert metric(fast, 3600, "serving") == 1.0 and metric(slow, 3600, "serving") == 1.0


def test_it_leaves_crash_looping_cells_stuck_until_they_are_repaired() -> None:
    params = {"crashed_pickup": 0.0}
    rollback = {"id": "rb", "at_s": 600, "action": "rollback", "target": "cfg", "label": "Back"}
    stuck = run(doc(params, interventions=[rollback]))
    assert metric(stuck, 3600, "stuck") == 1.0
    assert "rollout.stuck" in kinds(stuck)
    repair = {
        "id": "fix",
        "at_s": 1200,
        "action": "repair",
        "target": "cfg",
        "params": {"per_h": 2.0},  # 40 of 20 cells an hour: one every 90 s
        "label": "Fix by hand",
    }
    repaired = run(doc(params, interventions=[rollback, repair]))
    assert 0 < metric(repaired, 1800, "stuck") < 1.0
    assert metric(repaired, 3600, "serving") == 1.0
    assert "rollout.repaired" in kinds(repaired)


def test_it_flaps_while_a_regenerated_file_is_sometimes_bad() -> None:
    params = {"regenerate_every_s": 300, "failure": "error"}
    result = run(doc(params, {"bad_share": 0.5}, duration_s=7200))
    assert kinds(result).count("rollout.failing") >= 3
    assert kinds(result).count("rollout.recovered") >= 3
    ramped = run(doc(params, {"bad_share": 0.2, "ramp_s": 1800}, duration_s=7200))
    late = [span for span in ramped.intervals["app"] if span[2] > 2400]
    assert [span[0] for span in late] == ["down"]  # settled in the failing state


def test_it_stops_failing_once_the_kill_switch_reaches_a_cell() -> None:
    params = {"regenerate_every_s": 300, "failure": "error"}
    kill = {"id": "kill", "at_s": 600, "action": "kill_switch", "target": "cfg", "label": "Kill"}
    result = run(doc(params, {"bad_share": 1.0}, [kill], duration_s=7200))
    assert metric(result, 3600, "killed") == 1.0
    assert metric(result, 7200, "failing") == 0.0
    assert [s[0] for s in result.intervals["app"] if s[2] > 700] == ["healthy"]


def test_it_is_deterministic_and_depends_on_the_seed() -> None:
    params = {"regenerate_every_s": 300}
    first = run(doc(params, {"bad_share": 0.5}, duration_s=7200))
    again = run(doc(params, {"bad_share": 0.5}, duration_s=7200))
    assert first.digest == again.digest
    other = Simulation(parse_document(doc(params, {"bad_share": 0.5}, duration_s=7200)), 99).run()
    assert other.digest != first.digest


def test_it_rejects_inconsistent_params_with_their_paths() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_document(doc({"propagation_min_s": 50, "waves": 30}))
    message = str(caught.value)
    assert "mechanisms[0].params.propagation_min_s: must be ≤ propagation_s" in message
    assert "mechanisms[0].params.waves: must be ≤ cells" in message
