"""Rows ⇄ `outage-replay/1` documents.

`document_from_parts` is the one place that turns a scenario and its parts (saved rows or
unsaved instances from admin forms) into a document, so what the admin validates before
saving is exactly what `Scenario.to_spec()` returns after. `parts_from_document` is the
inverse used by import; it expects a document already validated (and canonicalised) by
`simulation.parse_document`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import (
    Dependency,
    Fault,
    Intervention,
    Knob,
    Mechanism,
    Milestone,
    Preset,
    Scenario,
    Service,
)

FORMAT = "outage-replay/1"
# Document list key → (model, field names on the row in document order).
PART_MODELS: dict[str, type] = {
    "services": Service,
    "dependencies": Dependency,
    "mechanisms": Mechanism,
    "faults": Fault,
    "interventions": Intervention,
    "milestones": Milestone,
    "knobs": Knob,
    "presets": Preset,
}
SCENARIO_FIELDS = (
    "slug",
    "title",
    "summary",
    "sources",
    "timezone",
    "start",
    "duration_s",
    "frame_interval_s",
    "seed",
)


def service_doc(s: Service) -> dict[str, Any]:
    return {
        "id": s.key,
        "name": s.name,
        "group": s.group,
        "description": s.description,
        "illustrative": s.illustrative,
    }


def dependency_doc(d: Dependency) -> dict[str, Any]:
    return {
        "from": d.source,
        "to": d.target,
        "kind": d.kind,
        "delay_s": d.delay_s,
        "illustrative": d.illustrative,
        "description": d.description,
    }


def mechanism_doc(m: Mechanism) -> dict[str, Any]:
    return {
        "id": m.key,
        "type": m.type,
        "services": m.services,
        "params": m.params,
        "description": m.description,
    }


def fault_doc(f: Fault) -> dict[str, Any]:
    return {
        "id": f.key,
        "at_s": f.at_s,
        "type": f.type,
        "target": f.target,
        "params": f.params,
        "description": f.description,
    }


def intervention_doc(i: Intervention) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": i.key}
    if i.at_s is not None:
        doc["at_s"] = i.at_s
    if i.when is not None:
        doc["when"] = i.when
    doc.update(
        action=i.action,
        target=i.target,
        params=i.params,
        label=i.label,
        enabled=i.enabled,
        description=i.description,
    )
    return doc


def milestone_doc(m: Milestone) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": m.key, "at_s": m.at_s, "label": m.label, "kind": m.kind}
    if m.service:
        doc["service"] = m.service
    if m.match is not None:
        doc["match"] = m.match
    doc["source"] = m.source
    if m.tolerance_s is not None:
        doc["tolerance_s"] = m.tolerance_s
    return doc


def knob_doc(k: Knob) -> dict[str, Any]:
    return {"mechanism": k.mechanism, "param": k.param}


def preset_doc(p: Preset) -> dict[str, Any]:
    return {"id": p.key, "name": p.name, "description": p.description, "variant": p.variant}


PART_DOCS = {
    "services": service_doc,
    "dependencies": dependency_doc,
    "mechanisms": mechanism_doc,
    "faults": fault_doc,
    "interventions": intervention_doc,
    "milestones": milestone_doc,
    "knobs": knob_doc,
    "presets": preset_doc,
}


def document_from_parts(scenario: Scenario, **parts: Iterable[Any]) -> dict[str, Any]:
    """The document for `scenario` and its parts (keyword per list: services=…, …)."""
    doc: dict[str, Any] = {"format": FORMAT}
    for name in SCENARIO_FIELDS:
        doc[name] = getattr(scenario, name)
    for key, to_doc in PART_DOCS.items():
        doc[key] = [to_doc(row) for row in parts.get(key, ())]
    return doc


def _service(d: dict[str, Any]) -> Service:
    return Service(
        key=d["id"],
        name=d["name"],
        group=d.get("group", ""),
        description=d.get("description", ""),
        illustrative=d.get("illustrative", False),
    )


def _dependency(d: dict[str, Any]) -> Dependency:
    return Dependency(
        source=d["from"],
        target=d["to"],
        kind=d.get("kind", "hard"),
        delay_s=d.get("delay_s", 0),
        illustrative=d.get("illustrative", False),
        description=d.get("description", ""),
    )


def _mechanism(d: dict[str, Any]) -> Mechanism:
    return Mechanism(
        key=d["id"],
        type=d["type"],
        services=list(d.get("services", [])),
        params=d.get("params", {}),
        description=d.get("description", ""),
    )


def _fault(d: dict[str, Any]) -> Fault:
    return Fault(
        key=d["id"],
        at_s=d["at_s"],
        type=d["type"],
        target=d["target"],
        params=d.get("params", {}),
        description=d.get("description", ""),
    )


def _intervention(d: dict[str, Any]) -> Intervention:
    return Intervention(
        key=d["id"],
        at_s=d.get("at_s"),
        when=d.get("when"),
        action=d["action"],
        target=d["target"],
        label=d["label"],
        params=d.get("params", {}),
        enabled=d.get("enabled", True),
        description=d.get("description", ""),
    )


def _milestone(d: dict[str, Any]) -> Milestone:
    return Milestone(
        key=d["id"],
        at_s=d["at_s"],
        label=d["label"],
        kind=d.get("kind", "reference"),
        service=d.get("service") or "",
        match=d.get("match"),
        source=d.get("source", ""),
        tolerance_s=d.get("tolerance_s"),
    )


def _knob(d: dict[str, Any]) -> Knob:
    return Knob(mechanism=d["mechanism"], param=d["param"])


def _preset(d: dict[str, Any]) -> Preset:
    return Preset(
        key=d["id"], name=d["name"], description=d.get("description", ""), variant=d["variant"]
    )


PART_BUILDERS = {
    "services": _service,
    "dependencies": _dependency,
    "mechanisms": _mechanism,
    "faults": _fault,
    "interventions": _intervention,
    "milestones": _milestone,
    "knobs": _knob,
    "presets": _preset,
}


def parts_from_document(doc: dict[str, Any]) -> dict[str, list[Any]]:
    """Unsaved part rows for a validated document, positions set in document order."""
    parts: dict[str, list[Any]] = {}
    for key, build in PART_BUILDERS.items():
        rows = [build(item) for item in doc.get(key, [])]
        for position, row in enumerate(rows):
            row.position = position
        parts[key] = rows
    return parts


def scenario_fields_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    return {name: doc[name] for name in SCENARIO_FIELDS if name in doc}
