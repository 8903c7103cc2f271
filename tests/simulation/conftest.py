from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from simulation import Result, Simulation, apply_variant, parse_document

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / "outage_replay/scenarios/library/aws-us-east-1-2025-10-20.json"
MINI = Path(__file__).parent / "data" / "mini.json"


def aws_doc() -> dict[str, Any]:
    return json.loads(AWS.read_text(encoding="utf-8"))


@functools.cache
def run_aws(overrides: tuple[tuple[str, object], ...] = ()) -> Result:
    """One cached run of the AWS scenario per distinct variant."""
    doc = apply_variant(aws_doc(), dict(overrides)) if overrides else aws_doc()
    return Simulation(parse_document(doc)).run()


def first(result: Result, milestone_id: str) -> float | None:
    return next(m["sim_s"] for m in result.milestones if m["id"] == milestone_id)
