"""Golden digests of the shipped scenarios.

Regenerate only on purpose, after reviewing the change in the fidelity table:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/simulation/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from simulation import Simulation, load_file
from tests.simulation.conftest import AWS, MINI, run_aws

GOLDEN = Path(__file__).parent / "golden"


def check(name: str, digest: str, milestones: list[dict[str, object]]) -> None:
    path = GOLDEN / f"{name}.json"
    current = {"digest": digest, "milestones": {m["id"]: m["sim_s"] for m in milestones}}
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert json.loads(path.read_text()) == current


def test_it_matches_the_aws_golden_digest() -> None:
    result = run_aws()
    check(AWS.stem, result.digest, result.milestones)


def test_it_matches_the_mini_golden_digest_and_is_repeatable() -> None:
    spec = load_file(MINI)
    first, second = Simulation(spec).run(), Simulation(spec).run()
    assert first.digest == second.digest
    assert Simulation(spec, seed=spec.seed + 1).run().digest != first.digest
    check(MINI.stem, first.digest, first.milestones)
