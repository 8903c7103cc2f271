"""Decoding scenario files: size limit, UTF-8, JSON, nesting depth, then validation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from simulation.errors import ScenarioError
from simulation.limits import LIMITS
from simulation.spec import Scenario
from simulation.validate import check_unicode, parse_document


def decode_bytes(data: bytes) -> Any:
    """Bytes → JSON value, enforcing the size and depth limits."""
    return decode_json(data)


_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET_RE = re.compile(r"[\[\]{}]")


def decode_json(
    data: bytes | str, *, max_bytes: int = LIMITS["max_bytes"], max_depth: int = LIMITS["max_depth"]
) -> Any:
    """Bytes (or text) → JSON value: size, UTF-8, nesting depth, JSON, valid Unicode.

    The depth is counted on the text before parsing, so 30,000 `[` cost one scan, not a
    RecursionError; a lone surrogate (`"\\ud800"`) is refused with its path, since no
    database or page could store or show it.
    """
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ScenarioError([("$", f"larger than {max_bytes} bytes")])
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError([("$", f"not UTF-8 ({exc.reason} at byte {exc.start})")]) from None
    else:
        text = data
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise ScenarioError([("$", f"nesting deeper than {max_depth}")])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [("$", f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ScenarioError([("$", f"invalid JSON: {exc}")]) from None
    except RecursionError:  # pragma: no cover - the scan above stops this first
        raise ScenarioError([("$", f"nesting deeper than {max_depth}")]) from None
    check_unicode(doc)
    return doc


def nesting_depth(text: str, *, stop_above: int) -> int:
    """How deep `[` and `{` nest in JSON text (strings skipped), up to `stop_above` + 1."""
    depth = deepest = 0
    for match in _BRACKET_RE.finditer(_STRING_RE.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    break
        else:
            depth -= 1
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
