from __future__ import annotations

from typing import Any

import pytest

from simulation import ScenarioError, Simulation, parse_document


def doc(**route: Any) -> dict[str, Any]:
    params = {
        "sites": 4,
        "healthy_when": {"not": {"service": "net", "status": "down"}},
        "check_interval_s": 5,
        "fail_checks": 2,
        "ok_checks": 2,
        "propagation_s": 20,
        "propagation_min_s": 5,
        **route,
    }
    return {
        "format": "outage-replay/1",
        "slug": "routes",
        "title": "Routes",
        "start": "2021-10-04T15:30:00+00:00",
        "duration_s": 1800,
        "frame_interval_s": 10,
        "seed": 7,
        "services": [{"id": "net", "name": "Net"}, {"id": "dns", "name": "DNS"}],
        "mechanisms": [
            {
                "id": "pool",
                "type": "capacity_pool",
                "services": ["net"],
                "params": {
                    "demand": 1.0,
                    "restore_when": {"intervention": "fix"},
                    "restore_per_s": 0.01,
                },
            },
            {"id": "routes", "type": "route_announcement", "services": ["dns"], "params": params},
        ],
        "faults": [
            {
                "id": "cut",
                "at_s": 100,
                "type": "lose_capacity",
                "target": "pool",
                "params": {"fraction": 1.0},
            }
        ],
        "interventions": [
            {
                "id": "fix",
                "at_s": 1000,
                "action": "add_capacity",
                "target": "pool",
                "params": {"fraction": 0},
                "label": "Fix",
            }
        ],
    }


def kinds(document: dict[str, Any]) -> dict[str, int]:
    result = Simulation(parse_document(document)).run()
    out: dict[str, int] = {}
    for event in result.events:
        kind = event["kind"] if isinstance(event, dict) else event.kind
        if kind.startswith("route."):
            out.setdefault(kind, event["t_ms"] if isinstance(event, dict) else event.t_ms)
    return out


def test_it_withdraws_every_route_when_the_check_fails_and_returns_after() -> None:
    seen = kinds(doc())
    assert 100_000 < seen["route.withdrawn"] <= seen["route.all_withdrawn"] < 200_000
    assert 1_000_000 < seen["route.announced"] <= seen["route.all_announced"] < 1_200_000


def test_it_keeps_announcing_without_withdraw_on_failure() -> None:
    assert kinds(doc(withdraw_on_failure=False)) == {}


def test_it_requires_a_health_condition() -> None:
    bad = doc()
    del bad["mechanisms"][1]["params"]["healthy_when"]
    with pytest.raises(ScenarioError, match="healthy_when: is required"):
        parse_document(bad)
