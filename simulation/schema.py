"""The JSON Schema of `outage-replay/1`, generated from the field tables and `PARAMS`.

`build_schema()` returns it; the checked-in file (`simulation.SCHEMA_PATH`) is its
output, written by `python -m simulation schema --write` (a test keeps it up to date).
The schema says everything about a document that JSON Schema can say: keys, kinds,
bounds, id patterns, every mechanism type's parameters. What it cannot say is left to
the validator (`parse_document`), which is the authority: references between rows,
unique ids, dependency cycles, times beyond `duration_s`, a fault's type and params
(they depend on the type of its target mechanism), the frame count and the event count.
"""

from __future__ import annotations

import json
from typing import Any

from simulation.fields import ID_PATTERN, SLUG_PATTERN, Field
from simulation.limits import LIMITS
from simulation.mechanisms import MECHANISM_TYPES
from simulation.params import Param
from simulation.spec import FORMAT, ITEMS, TOP, table

DIALECT = "https://json-schema.org/draft/2020-12/schema"
URL_PATH = "/schema/outage-replay-1.schema.json"  # where the site serves it
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"
TZ_PATTERN = r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$"
NON_BLANK = r"\S"


def _names(f: Field) -> dict[str, Any]:
    if f.names == "mechanism_types":
        return {"enum": sorted(MECHANISM_TYPES)}
    registry = "FAULTS" if f.names == "faults" else "ACTIONS"
    return {"enum": sorted({n for cls in MECHANISM_TYPES.values() for n in getattr(cls, registry)})}


def _field(f: Field) -> dict[str, Any]:
    out = _kind(f)
    if f.help:
        out["description"] = f.help
    if not f.required and f.default is not None and f.kind not in ("list", "part"):
        out["default"] = list(f.default) if isinstance(f.default, tuple) else f.default
    if f.nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _kind(f: Field) -> dict[str, Any]:  # noqa: PLR0912
    kind = f.kind
    out: dict[str, Any]
    if kind in ("id", "ref"):
        out = {"type": "string", "pattern": ID_PATTERN}
    elif kind == "slug":
        out = {"type": "string", "pattern": SLUG_PATTERN}
    elif kind in ("str", "text"):
        out = {"type": "string", "maxLength": LIMITS["max_string"]}
        if f.required:
            out["pattern"] = NON_BLANK
        if kind == "str" and 0 < f.max_length < LIMITS["max_string"]:
            out["maxLength"] = f.max_length
    elif kind == "name":
        out = _names(f)
    elif kind == "timestamp":
        out = {"type": "string", "pattern": TIMESTAMP_PATTERN}
    elif kind == "timezone":
        out = {"type": "string", "pattern": TZ_PATTERN}
    elif kind == "int":
        out = {"type": "integer"}
        if f.min is not None:
            out["minimum"] = f.min
        hi = LIMITS["max_duration_s"] if f.until_end else f.max
        if hi is not None:
            out["maximum"] = hi
    elif kind == "bool":
        out = {"type": "boolean"}
    elif kind == "choice":
        out = {"enum": list(f.choices)}
    elif kind == "refs":
        out = {"type": "array", "items": {"type": "string", "pattern": ID_PATTERN}}
    elif kind == "condition":
        out = {"type": "object", "minProperties": 1}
    elif kind == "params":
        out = {"type": "object"}
    elif kind == "object":
        out = {"type": "object"}
        if f.required:
            out["minProperties"] = 1
    elif kind in ("list", "part"):
        out = {"type": "array", "items": {"$ref": f"#/$defs/{f.item}"}}
        if f.min:
            out["minItems"] = f.min
        if f.max is not None:
            out["maxItems"] = f.max
    else:
        raise ValueError(f"no schema for field kind {kind!r}")
    return out


def _object(part: str) -> dict[str, Any]:
    fields = table(part)
    return {
        "type": "object",
        "properties": {f.name: _field(f) for f in fields},
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
    }


def _param(p: Param) -> dict[str, Any]:
    out: dict[str, Any]
    if p.kind in ("int", "float"):
        out = {"type": "integer" if p.kind == "int" else "number"}
        if p.min is not None:
            out["minimum"] = p.min
        if p.max is not None:
            out["maximum"] = p.max
    elif p.kind == "bool":
        out = {"type": "boolean"}
    elif p.kind == "choice":
        out = {"enum": list(p.choices or ())}
    elif p.kind == "str":
        out = {"type": "string"}
    elif p.kind == "str_list":
        out = {"type": "array", "items": {"type": "string"}}
        if p.min is not None:
            out["minItems"] = int(p.min)
    else:  # condition
        out = {"type": "object"}
    if p.doc:
        out["description"] = p.doc + (f" ({p.unit})" if p.unit else "")
    return out


def _params(params: dict[str, Param]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: _param(p) for name, p in params.items()},
        "additionalProperties": False,
    }


def build_schema() -> dict[str, Any]:
    top = _object(TOP)
    top["properties"] = {"format": {"const": FORMAT}, **top["properties"]}
    top["required"] = ["format", *top["required"]]
    defs = {key: _object(key) for key in ITEMS}
    # A mechanism's params are those of its type.
    defs["mechanisms"]["allOf"] = [
        {
            "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
            "then": {"properties": {"params": _params(cls.PARAMS)}},
        }
        for name, cls in sorted(MECHANISM_TYPES.items())
    ]
    # An intervention happens at a time, on a condition, or both.
    defs["interventions"]["anyOf"] = [
        {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
        for name in ("at_s", "when")
    ]
    # Emergent and operator milestones say how to find them in a run.
    defs["milestones"]["if"] = {
        "properties": {"kind": {"enum": ["emergent", "operator"]}},
        "required": ["kind"],
    }
    defs["milestones"]["then"] = {
        "required": ["match"],
        "properties": {"match": {"not": {"type": "null"}}},
    }
    return {
        "$schema": DIALECT,
        "title": f"Outage Replay scenario ({FORMAT})",
        "description": (
            "A scenario document. Generated from the field tables in simulation/spec.py; "
            "the validator also checks references between rows, unique ids, cycles, times "
            "within duration_s, and fault/action types and params against their target."
        ),
        **top,
        "$defs": defs,
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
