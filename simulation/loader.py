"""Decoding scenario files: size limit, UTF-8, JSON, nesting depth, then validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulation.errors import ScenarioError
from simulation.limits import LIMITS
from simulation.spec import Scenario
from simulation.validate import parse_document


def decode_bytes(data: bytes) -> Any:
    """Bytes → JSON value, enforcing the size and depth limits."""
    if len(data) > LIMITS["max_bytes"]:
        raise ScenarioError([("$", f"file is larger than {LIMITS['max_bytes']} bytes")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([("$", f"not UTF-8 ({exc.reason} at byte {exc.start})")]) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [("$", f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except RecursionError:
        raise ScenarioError([("$", f"nesting deeper than {LIMITS['max_depth']}")]) from None
    if _depth(doc) > LIMITS["max_depth"]:
        raise ScenarioError([("$", f"nesting deeper than {LIMITS['max_depth']}")])
    return doc


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def parse_bytes(data: bytes) -> Scenario:
    return parse_document(decode_bytes(data))


def load_file(path: str | Path) -> Scenario:
    return parse_bytes(read_bytes(path))


def read_bytes(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(LIMITS["max_bytes"] + 1)
    except OSError as exc:
        raise ScenarioError([("$", f"cannot read {path}: {exc.strerror}")]) from None
