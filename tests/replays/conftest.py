"""Fixtures for the runs tests: a tiny scenario, scenarios from it, a paced worker."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.conftest import wait_for_worker

TINY = json.loads((Path(__file__).parent / "tiny.json").read_text())
# 2,001 frames = 9 chunks; paced so a run stays live for about two seconds.
PACE_MS = 250


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def tiny_doc(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(TINY)
    doc.update(changes)
    return doc


def make_scenario(*, visibility: str = "public", **changes: Any) -> Any:
    from outage_replay.scenarios.services import scenario_import

    scenario, _ = scenario_import(doc=tiny_doc(**changes), visibility=visibility)
    return scenario


@pytest.fixture
def scenario(db: Any) -> Any:
    return make_scenario()


@pytest.fixture(scope="module")
def paced_stack(live_stack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The live stack with its worker replaced by one that pauses after each chunk."""
    stack = live_stack["stack"]
    stack.stop("worker")
    stack.env["RUN_CHUNK_PAUSE_MS"] = str(PACE_MS)
    try:
        stack.start_worker(concurrency=1)
        wait_for_worker()
        yield live_stack
    finally:
        del stack.env["RUN_CHUNK_PAUSE_MS"]
        stack.stop("worker")
        stack.start_worker(concurrency=1)
        wait_for_worker()


def worker_log(live_stack: dict[str, Any]) -> str:
    path = Path(os.environ.get("OUTAGE_REPLAY_TEST_STATE", "/tmp")) / "logs" / "worker.log"
    return path.read_text(errors="replace")[-4000:] if path.exists() else ""
