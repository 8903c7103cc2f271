"""Outage Replay's simulation: a deterministic discrete-event model of cloud outages.

Standard library only; no I/O except in the CLI (`python -m simulation`). See
docs/CONTRACTS.md for the public API and DESIGN.md §3–4 for the model.
"""

from __future__ import annotations

from pathlib import Path

from simulation.errors import ScenarioError, SimulationAborted
from simulation.knobs import describe_variant, knob_table, public_variant
from simulation.limits import LIMITS
from simulation.loader import decode_json, load_file, parse_bytes
from simulation.mechanisms import MECHANISM_TYPES
from simulation.params import Param
from simulation.simulation import Result, Simulation
from simulation.spec import Scenario
from simulation.validate import parse_document
from simulation.variants import apply_variant
from simulation.version import code_digest

SCHEMA_PATH = Path(__file__).parent / "schema" / "outage-replay-1.schema.json"

__all__ = [
    "LIMITS",
    "MECHANISM_TYPES",
    "SCHEMA_PATH",
    "Param",
    "Result",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SimulationAborted",
    "apply_variant",
    "code_digest",
    "decode_json",
    "describe_variant",
    "knob_table",
    "load_file",
    "parse_bytes",
    "parse_document",
    "public_variant",
]
