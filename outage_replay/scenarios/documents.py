"""Rows ⇄ `outage-replay/1` documents, by the field tables.

`document_from_parts` is the one place that turns a scenario and its parts (saved rows or
unsaved instances from admin forms) into a document, so what the admin validates before
saving is exactly what `Scenario.to_spec()` returns after. `parts_from_document` is the
inverse used by import; it expects a document already validated (and canonicalised) by
`simulation.parse_document`. Both walk `simulation.spec.table(...)`: there is no
per-part converter to keep in step with the format.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from simulation.fields import Field
from simulation.spec import FORMAT, TOP, table

from .model_fields import PART_KEYS, column
from .models import PART_MODELS, Scenario

SCENARIO_FIELDS = tuple(f.name for f in table(TOP) if f.kind != "part")

__all__ = [
    "FORMAT",
    "PART_KEYS",
    "PART_MODELS",
    "SCENARIO_FIELDS",
    "document_from_parts",
    "parts_from_document",
    "row_document",
    "scenario_fields_from_document",
]


def _absent(f: Field, value: Any) -> bool:
    """A nullable field left empty: null in Python, "" in a text column."""
    return f.nullable and (value is None or (value == "" and f.kind == "ref"))


def row_document(part: str, row: Any) -> dict[str, Any]:
    """The document item of one row (saved or not) of `part`."""
    doc: dict[str, Any] = {}
    for f in table(part):
        value = getattr(row, column(f))
        if not _absent(f, value):
            doc[f.name] = value
    return doc


def document_from_parts(scenario: Scenario, **parts: Iterable[Any]) -> dict[str, Any]:
    """The document for `scenario` and its parts (keyword per list: services=…, …)."""
    doc: dict[str, Any] = {"format": FORMAT}
    for name in SCENARIO_FIELDS:
        doc[name] = getattr(scenario, name)
    for key in PART_KEYS:
        doc[key] = [row_document(key, row) for row in parts.get(key, ())]
    return doc


def row_from_document(part: str, item: dict[str, Any]) -> Any:
    """An unsaved row of `part` for one (validated) document item."""
    values = {}
    for f in table(part):
        value = copy.deepcopy(item.get(f.name, None if f.required else f.default))
        if value is None and f.nullable and f.kind == "ref":
            value = ""
        elif f.kind == "refs":
            value = list(value)
        values[column(f)] = value
    return PART_MODELS[part](**values)


def parts_from_document(doc: dict[str, Any]) -> dict[str, list[Any]]:
    """Unsaved part rows for a validated document, positions set in document order."""
    parts: dict[str, list[Any]] = {}
    for key in PART_KEYS:
        rows = [row_from_document(key, item) for item in doc.get(key, [])]
        for position, row in enumerate(rows):
            row.position = position
        parts[key] = rows
    return parts


def scenario_fields_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    return {name: doc[name] for name in SCENARIO_FIELDS if name in doc}
