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

from .model_fields import PART_KEYS, column, omittable
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
    """The document item of one row (saved or not) of `part`: every field, except those
    the author left out (`row.absent`) while they still hold their default."""
    doc: dict[str, Any] = {}
    left_out = set(getattr(row, "absent", None) or ())
    for f in table(part):
        value = getattr(row, column(f))
        if _absent(f, value) or (f.name in left_out and omittable(f, value)):
            continue
        doc[f.name] = value
    return doc


def document_from_parts(scenario: Scenario, **parts: Iterable[Any]) -> dict[str, Any]:
    """The document for `scenario` and its parts (keyword per list: services=…, …)."""
    doc: dict[str, Any] = {"format": FORMAT}
    left_out = set(scenario.absent or ())
    for f in table(TOP):
        if f.kind == "part":
            value: Any = [row_document(f.name, row) for row in parts.get(f.name, ())]
        else:
            value = getattr(scenario, f.name)
        if not (f.name in left_out and omittable(f, value)):
            doc[f.name] = value
    return doc


def absent_keys(part: str, item: dict[str, Any]) -> list[str]:
    """The optional keys of a table that a document item leaves out."""
    return [f.name for f in table(part) if not f.required and f.name not in item]


def as_written(stored: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """`stored` (a canonical document) without the optional keys `original` left out
    that still hold their default: so export gives back what was imported."""
    out = {}
    for f in table(TOP):
        if f.name not in stored:
            continue
        value = stored[f.name]
        if f.kind == "part":
            items = original.get(f.name)
            items = items if isinstance(items, list) else []
            value = [
                _item_as_written(f.name, item, items[i] if i < len(items) else {})
                for i, item in enumerate(value)
            ]
        if f.name in original or not omittable(f, value):
            out[f.name] = value
    return {"format": stored["format"], **out}


def _item_as_written(part: str, item: dict[str, Any], original: Any) -> dict[str, Any]:
    given = original if isinstance(original, dict) else {}
    fields = {f.name: f for f in table(part)}
    return {
        k: v
        for k, v in item.items()
        if k in given or k not in fields or not omittable(fields[k], v)
    }


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
    return PART_MODELS[part](**values, absent=absent_keys(part, item))


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
    """The scenario row's fields for a (validated, stored) document."""
    fields = {
        f.name: copy.deepcopy(doc.get(f.name, None if f.required else f.default))
        for f in table(TOP)
        if f.kind != "part" and (f.name in doc or not f.required)
    }
    if isinstance(fields.get("sources"), tuple):
        fields["sources"] = list(fields["sources"])
    return {**fields, "absent": absent_keys(TOP, doc)}
