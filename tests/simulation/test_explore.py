from __future__ import annotations

from simulation.explore import ExploreConfig, explore


def test_it_finds_empty_records_without_the_fixes() -> None:
    report = explore(ExploreConfig(enactors=2, plans=3, endpoints=2))
    assert report.schedules > 100
    assert report.empty > 0
    assert report.counterexample[-1].startswith("end:") and "EMPTY" in report.counterexample[-1]


def test_it_finds_none_with_either_fix() -> None:
    assert explore(ExploreConfig(version_check="per_write")).empty == 0
    assert explore(ExploreConfig(cleanup_protects_active=True)).empty == 0
