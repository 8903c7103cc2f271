"""Variants: override any field of a scenario document by a dotted path.

    mechanisms.ddb-dns.params.version_check = "per_write"
    interventions.dwfm-restart.enabled = false
    duration_s = 7200

List items are addressed by their `id` (dependencies by `from->to`), or by index. The
web API's `variant` object and the CLI's `--set PATH=VALUE` use this same syntax.
`apply_variant` returns a new document; the caller validates it with `parse_document`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from simulation.errors import ScenarioError


def apply_variant(doc: dict[str, Any], overrides: dict[str, object]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ScenarioError([("$", "must be a JSON object")])
    if not isinstance(overrides, dict):
        raise ScenarioError([("variant", "must be an object of path: value")])
    out = copy.deepcopy(doc)
    errors: list[tuple[str, str]] = []
    for path in sorted(overrides):
        message = _set_path(out, path, copy.deepcopy(overrides[path]))
        if message:
            errors.append((path, message))
    if errors:
        raise ScenarioError(errors)
    return out


def _set_path(doc: dict[str, Any], path: str, value: object) -> str | None:
    if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
        return "must be a dotted path like mechanisms.<id>.params.<name>"
    parts = path.split(".")
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        parent, node = node, _child(node, part)
        if node is None and isinstance(parent, dict):
            node = parent[part] = {}
        if node is None:
            return f"no such field {'.'.join(parts[: i + 1])!r}"
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = value
        return None
    if isinstance(node, list):
        index = _index(node, last)
        if index is None:
            return f"no item {last!r} in {'.'.join(parts[:-1])!r}"
        node[index] = value
        return None
    return f"cannot set a field inside {'.'.join(parts[:-1])!r}"


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list):
        index = _index(node, part)
        return None if index is None else node[index]
    return None


def _index(items: list[Any], part: str) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and part in (item.get("id"), _edge_id(item)):
            return i
    if part.isdigit() and int(part) < len(items):
        return int(part)
    return None


def _edge_id(item: dict[str, Any]) -> str:
    return f"{item.get('from')}->{item.get('to')}"


def parse_assignment(text: str) -> tuple[str, object]:
    """`PATH=VALUE` → (path, value); VALUE is JSON when it parses, else a string."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError([(text, "must look like PATH=VALUE")])
    try:
        value: object = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return path.strip(), value
