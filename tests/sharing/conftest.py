"""A finished run of the shipped AWS scenario, computed in this process."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.browser.conftest import aws_doc


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def aws_run(visibility: str = "public") -> Any:
    from outage_replay.replays import services
    from outage_replay.scenarios.services import scenario_import

    scenario, _ = scenario_import(doc=aws_doc(), visibility=visibility)
    run, _ = services.run_create(scenario=scenario, fresh=True)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    assert run.status == "done", run.error
    return run
