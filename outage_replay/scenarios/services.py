"""Writes on scenarios: import (all or nothing), duplicate, export, preview."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from simulation import ScenarioError, Simulation, parse_document
from simulation.spec import row_id

from .documents import PART_KEYS, PART_MODELS, parts_from_document, scenario_fields_from_document
from .models import Scenario, Visibility
from .validation import validate_bytes

PREVIEW_TIME_LIMIT_S = 30.0


class ScenarioExists(ScenarioError):
    """Import of a slug that exists, without `replace`."""


def _short(value: Any, limit: int = 120) -> str:
    """A value as compact JSON, cut to `limit` characters for the diff table."""
    if value is MISSING:
        return "—"
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


MISSING: Any = object()


@dataclass
class Change:
    """One field that differs: `part` "" for the scenario's own fields."""

    part: str
    ident: str
    field: str
    old: Any
    new: Any

    @property
    def old_text(self) -> str:
        return _short(self.old)

    @property
    def new_text(self) -> str:
        return _short(self.new)


@dataclass
class Diff:
    """What importing a document would change, part by part and field by field."""

    slug: str
    exists: bool
    fields: list[Change] = field(default_factory=list)  # the scenario's own fields
    new: list[tuple[str, str]] = field(default_factory=list)  # (part list, id)
    changed: list[Change] = field(default_factory=list)  # one per field of a kept row
    removed: list[tuple[str, str]] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)  # part lists with the same rows

    @property
    def is_empty(self) -> bool:
        return self.exists and not (
            self.fields or self.new or self.changed or self.removed or self.reordered
        )

    def to_dict(self) -> dict[str, Any]:
        def change(c: Change) -> dict[str, Any]:
            return {"part": c.part, "id": c.ident, "field": c.field, "old": c.old, "new": c.new}

        return {
            "slug": self.slug,
            "exists": self.exists,
            "fields": [change(c) for c in self.fields],
            "new": self.new,
            "changed": [change(c) for c in self.changed],
            "removed": self.removed,
            "reordered": self.reordered,
        }


def _field_changes(part: str, ident: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return [
        Change(part, ident, key, old.get(key, MISSING), new.get(key, MISSING))
        for key in [*old, *(k for k in new if k not in old)]
        if old.get(key, MISSING) != new.get(key, MISSING)
    ]


def scenario_diff(*, doc: dict[str, Any]) -> Diff:
    """Compare a (validated) document with the stored scenario of the same slug."""
    current = Scenario.objects.filter(slug=doc["slug"]).first()
    old = current.to_spec() if current else {"format": doc["format"]}
    diff = Diff(slug=doc["slug"], exists=current is not None)
    if current:
        top_old = {k: v for k, v in old.items() if k not in PART_KEYS}
        top_new = {k: v for k, v in doc.items() if k not in PART_KEYS}
        diff.fields = _field_changes("", "", top_old, top_new)
    for key in PART_KEYS:
        before = {row_id(key, item): item for item in old.get(key, [])}
        after = {row_id(key, item): item for item in doc.get(key, [])}
        for ident, item in after.items():
            if ident not in before:
                diff.new.append((key, ident))
            elif before[ident] != item:
                diff.changed += _field_changes(key, ident, before[ident], item)
        diff.removed += [(key, ident) for ident in before if ident not in after]
        # Same rows in another order still changes the document.
        if set(before) == set(after) and list(before) != list(after):
            diff.reordered.append(key)
    return diff


def _write_parts(scenario: Scenario, doc: dict[str, Any]) -> None:
    for key, rows in parts_from_document(doc).items():
        for row in rows:
            row.scenario = scenario
        PART_MODELS[key].objects.bulk_create(rows)


@transaction.atomic
def scenario_import(
    *,
    data: bytes | None = None,
    doc: object = None,
    replace: bool = False,
    visibility: str = Visibility.DRAFT,
) -> tuple[Scenario, str]:
    """Create (or with `replace`, overwrite) a scenario from a document: all or nothing.

    Returns (scenario, "created" | "replaced" | "unchanged"). Raises ScenarioError.
    """
    if data is not None:
        canonical = validate_bytes(data)
    else:
        from .validation import validate_document

        canonical = validate_document(doc)
    slug = canonical["slug"]
    current = Scenario.objects.select_for_update().filter(slug=slug).first()
    if current is None:
        scenario = Scenario(visibility=visibility, **scenario_fields_from_document(canonical))
        scenario.save()
        _write_parts(scenario, canonical)
        return scenario, "created"
    if not replace:
        raise ScenarioExists([("slug", f"a scenario '{slug}' already exists (use replace)")])
    if current.to_spec() == canonical:
        return current, "unchanged"
    for name, value in scenario_fields_from_document(canonical).items():
        setattr(current, name, value)
    current.version = F("version") + 1
    current.save()
    for model in PART_MODELS.values():
        model.objects.filter(scenario=current).delete()
    _write_parts(current, canonical)
    current.refresh_from_db()
    return current, "replaced"


def scenario_export(*, scenario: Scenario) -> bytes:
    """The scenario as a JSON file (UTF-8, 2-space indent, document key order)."""
    return (json.dumps(scenario.to_spec(), indent=2, ensure_ascii=False) + "\n").encode()


def free_slug(base: str) -> str:
    base = base[:90]
    for n in range(1, 1000):
        slug = f"{base}-copy" if n == 1 else f"{base}-copy-{n}"
        if not Scenario.objects.filter(slug=slug).exists():
            return slug
    raise ScenarioError([("slug", "no free slug for the copy")])


@transaction.atomic
def scenario_duplicate(*, scenario: Scenario) -> Scenario:
    """A draft copy with a fresh slug and secret key, version 1."""
    doc = scenario.to_spec()
    doc["slug"] = free_slug(scenario.slug)
    doc["title"] = f"{scenario.title} (copy)"[:4000]
    copy = Scenario(visibility=Visibility.DRAFT, **scenario_fields_from_document(doc))
    copy.save()
    _write_parts(copy, doc)
    return copy


def scenario_bump_version(*, scenario: Scenario) -> None:
    Scenario.objects.filter(pk=scenario.pk).update(version=F("version") + 1)
    scenario.refresh_from_db(fields=["version", "updated_at"])


@dataclass
class Preview:
    ok: bool
    errors: list[tuple[str, str]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    aborted: bool = False


def scenario_preview(*, scenario: Scenario, time_limit_s: float = PREVIEW_TIME_LIMIT_S) -> Preview:
    """Validate and run the simulation in-process, stopping after `time_limit_s`."""
    from simulation import SimulationAborted

    started = time.monotonic()
    try:
        spec = parse_document(scenario.to_spec())
    except ScenarioError as exc:
        return Preview(ok=False, errors=exc.errors)
    deadline = started + time_limit_s
    try:
        result = Simulation(spec, spec.seed).run(should_stop=lambda: time.monotonic() > deadline)
    except SimulationAborted:
        return Preview(
            ok=False,
            aborted=True,
            errors=[("", f"the simulation took longer than {time_limit_s:.0f} s and was stopped")],
            elapsed_s=time.monotonic() - started,
        )
    return Preview(ok=True, summary=result.to_summary(), elapsed_s=time.monotonic() - started)
