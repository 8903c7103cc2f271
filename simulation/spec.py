"""The `outage-replay/1` scenario as plain, frozen data.

`Scenario` is what the validator (`validate.parse_document`) returns and what
`Simulation` runs. `Scenario.to_document()` gives back the canonical JSON document
(defaults filled in), so `parse_document(s.to_document()) == s`.

Times are seconds from `start` (`at_s`, `delay_s`, `duration_s`); `start` is an ISO 8601
timestamp with offset, kept as written; `timezone` is an IANA name used only for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT = "outage-replay/1"
STATUSES = ("healthy", "degraded", "down", "recovering")
MILESTONE_KINDS = ("emergent", "operator", "reference")


@dataclass(frozen=True)
class Source:
    title: str
    url: str = ""


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    group: str = ""
    description: str = ""
    illustrative: bool = False


@dataclass(frozen=True)
class Dependency:
    from_: str
    to: str
    kind: str = "hard"
    delay_s: int = 0
    illustrative: bool = False
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.from_}->{self.to}"


@dataclass(frozen=True)
class MechanismSpec:
    id: str
    type: str
    services: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Fault:
    id: str
    at_s: int
    type: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Intervention:
    id: str
    action: str
    target: str
    label: str
    at_s: int | None = None
    when: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class Milestone:
    id: str
    at_s: int
    label: str
    kind: str = "reference"
    service: str | None = None
    match: dict[str, Any] | None = None
    source: str = ""
    tolerance_s: int | None = None


@dataclass(frozen=True)
class Knob:
    """A mechanism parameter the author exposes to every viewer (the What-if panel)."""

    mechanism: str
    param: str

    @property
    def path(self) -> str:
        return f"mechanisms.{self.mechanism}.params.{self.param}"


@dataclass(frozen=True)
class Preset:
    """A named variant the author wrote: `{variant path: value}` over what is exposed."""

    id: str
    name: str
    variant: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: str
    start: str
    duration_s: int
    frame_interval_s: int
    seed: int
    services: tuple[Service, ...]
    dependencies: tuple[Dependency, ...] = ()
    mechanisms: tuple[MechanismSpec, ...] = ()
    faults: tuple[Fault, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    summary: str = ""
    sources: tuple[Source, ...] = ()
    timezone: str = "UTC"
    knobs: tuple[Knob, ...] = ()
    presets: tuple[Preset, ...] = ()

    def to_document(self) -> dict[str, Any]:
        """The canonical `outage-replay/1` document for this scenario."""
        return {
            "format": FORMAT,
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "sources": [{"title": s.title, "url": s.url} for s in self.sources],
            "timezone": self.timezone,
            "start": self.start,
            "duration_s": self.duration_s,
            "frame_interval_s": self.frame_interval_s,
            "seed": self.seed,
            "services": [_service_doc(s) for s in self.services],
            "dependencies": [_dependency_doc(d) for d in self.dependencies],
            "mechanisms": [_mechanism_doc(m) for m in self.mechanisms],
            "faults": [_fault_doc(f) for f in self.faults],
            "interventions": [_intervention_doc(i) for i in self.interventions],
            "milestones": [_milestone_doc(m) for m in self.milestones],
            "knobs": [{"mechanism": k.mechanism, "param": k.param} for k in self.knobs],
            "presets": [_preset_doc(p) for p in self.presets],
        }

    def service_ids(self) -> list[str]:
        return [s.id for s in self.services]


def _service_doc(s: Service) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "group": s.group,
        "description": s.description,
        "illustrative": s.illustrative,
    }


def _dependency_doc(d: Dependency) -> dict[str, Any]:
    return {
        "from": d.from_,
        "to": d.to,
        "kind": d.kind,
        "delay_s": d.delay_s,
        "illustrative": d.illustrative,
        "description": d.description,
    }


def _mechanism_doc(m: MechanismSpec) -> dict[str, Any]:
    return {
        "id": m.id,
        "type": m.type,
        "services": list(m.services),
        "params": _copy(m.params),
        "description": m.description,
    }


def _fault_doc(f: Fault) -> dict[str, Any]:
    return {
        "id": f.id,
        "at_s": f.at_s,
        "type": f.type,
        "target": f.target,
        "params": _copy(f.params),
        "description": f.description,
    }


def _intervention_doc(i: Intervention) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": i.id}
    if i.at_s is not None:
        doc["at_s"] = i.at_s
    if i.when is not None:
        doc["when"] = _copy(i.when)
    doc.update(
        action=i.action,
        target=i.target,
        params=_copy(i.params),
        label=i.label,
        enabled=i.enabled,
        description=i.description,
    )
    return doc


def _milestone_doc(m: Milestone) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": m.id, "at_s": m.at_s, "label": m.label, "kind": m.kind}
    if m.service is not None:
        doc["service"] = m.service
    if m.match is not None:
        doc["match"] = _copy(m.match)
    doc["source"] = m.source
    if m.tolerance_s is not None:
        doc["tolerance_s"] = m.tolerance_s
    return doc


def _preset_doc(p: Preset) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "variant": _copy(p.variant),
    }


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
