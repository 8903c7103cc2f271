"""The one validator: `simulation`'s, plus the checks only the database adds.

Everything that accepts a scenario (import command, admin import page, admin change
form, API) goes through `validate_document` or `validate_bytes`; both raise
`ScenarioError` whose `.errors` are (path, message) pairs.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError

from simulation import ScenarioError, parse_bytes, parse_document
from simulation.formats import upgrade
from simulation.spec import TOP, table

from .documents import as_written, parts_from_document, scenario_fields_from_document
from .model_fields import PART_KEYS, columns
from .models import Scenario

__all__ = ["ScenarioError", "canonical_document", "validate_bytes", "validate_document"]


def canonical_document(spec: Any) -> dict[str, Any]:
    return spec.to_document()


# Part → its parameters field, for the parts that have one.
PARAMS_FIELDS = {key: f.name for key in PART_KEYS for f in table(key) if f.kind == "params"}


def stored_document(doc: dict[str, Any], canonical: dict[str, Any]) -> dict[str, Any]:
    """What we store for a valid document: every field spelled out (the canonical shape),
    but parameters exactly as the author wrote them, so a parameter left out keeps
    following the mechanism's default and export gives back what was imported."""
    stored = dict(canonical)
    for key, name in PARAMS_FIELDS.items():
        stored[key] = [
            {**item, name: original.get(name) or {}}
            for item, original in zip(canonical[key], doc.get(key) or [], strict=True)
        ]
    return as_written(stored, doc)


def validate_document(doc: object) -> dict[str, Any]:
    """Validate a decoded JSON value; return the document as it will be stored."""
    doc, _ = upgrade(doc)
    stored = stored_document(doc, canonical_document(parse_document(doc)))  # type: ignore[arg-type]
    check_storable(stored)
    return stored


def validate_bytes(data: bytes) -> dict[str, Any]:
    """Size, UTF-8, JSON, depth, then the document checks; the document to store."""
    canonical = canonical_document(parse_bytes(data))
    # It decoded and validated, so decoding it again here is safe.
    original, _ = upgrade(json.loads(data.decode("utf-8-sig")))
    stored = stored_document(original, canonical)  # type: ignore[arg-type]
    check_storable(stored)
    return stored


def _field_errors(
    exc: ValidationError, prefix: str, names: dict[str, str]
) -> list[tuple[str, str]]:
    errors = []
    for field, messages in exc.message_dict.items():
        name = names.get(field, field)
        for message in messages:
            errors.append(
                (f"{prefix}{name}" if field != "__all__" else prefix.rstrip("."), message)
            )
    return errors


def _doc_names(part: str) -> dict[str, str]:
    """Model attribute → document key."""
    return {col: name for name, col in columns(part).items()}


def check_storable(doc: dict[str, Any]) -> None:
    """Column lengths and types the database enforces beyond the format's own limits."""
    errors: list[tuple[str, str]] = []
    scenario = Scenario(**scenario_fields_from_document(doc))
    try:
        scenario.clean_fields(exclude=["secret_key"])
    except ValidationError as exc:
        errors += _field_errors(exc, "", _doc_names(TOP))
    for key, rows in parts_from_document(doc).items():
        names = _doc_names(key)
        for index, row in enumerate(rows):
            try:
                row.clean_fields(exclude=["scenario"])
            except ValidationError as exc:
                errors += _field_errors(exc, f"{key}[{index}].", names)
    if errors:
        raise ScenarioError(errors)
