"""The `outage-replay/1` scenario as plain, frozen data, and its field tables.

`Scenario` is what the validator (`validate.parse_document`) returns and what
`Simulation` runs. `Scenario.to_document()` gives back the canonical JSON document
(defaults filled in), so `parse_document(s.to_document()) == s`.

Each dataclass below is the **field table** of one part of the document: every attribute
is declared with `shape(kind, …)` (see `fields.py`), in document order. `table(part)`
returns the table; the validator, the canonical document, the JSON Schema and the Django
side (models, converters, admin forms) are all derived from it. To add a field, add one
`shape(...)` line here (and a Django migration); see docs/CONTRACTS.md.

One vocabulary: every row is named by its `id` (a dependency by `from->to`, see
`row_id`), and a dependency's ends are `from` / `to` in the document and `source` /
`target` in Python (where `from` is a keyword).

`operators` scales every alarm's detection and response time (`simulation.operators`);
a milestone is `fitted` when a parameter was chosen to reproduce its time (the rest are
predictions).

Times are seconds from `start` (`at_s`, `delay_s`, `duration_s`); `start` is an ISO 8601
timestamp with offset, kept as written; `timezone` is an IANA name used only for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulation.fields import ID_MAX_LENGTH, Field, fields_of, shape
from simulation.limits import LIMITS

FORMAT = "outage-replay/1"
STATUSES = ("healthy", "degraded", "down", "recovering")
MILESTONE_KINDS = ("emergent", "operator", "reference")
MAX_DURATION = LIMITS["max_duration_s"]
DAY_S = 86400
MAX_KNOBS = 50
MAX_PRESETS = 50


@dataclass(frozen=True, kw_only=True)
class Source:
    title: str = shape("str", max_length=LIMITS["max_string"], help="what the source is")
    url: str = shape("str", default="", max_length=LIMITS["max_string"], help="https://…")


@dataclass(frozen=True, kw_only=True)
class Service:
    id: str = shape("id", label="id")
    name: str = shape("str", max_length=LIMITS["max_string"])
    group: str = shape("str", default="", max_length=LIMITS["max_string"])
    description: str = shape("text", default="")
    illustrative: bool = shape("bool", default=False)


@dataclass(frozen=True, kw_only=True)
class Dependency:
    source: str = shape(
        "ref", name="from", ref="services", label="from", help="the service that depends"
    )
    target: str = shape(
        "ref", name="to", ref="services", label="to", help="the service depended on"
    )
    kind: str = shape(
        "choice",
        default="hard",
        choices=("hard", "soft"),
        max_length=8,
        labels=("hard (down ⇒ down)", "soft (down ⇒ degraded)"),
    )
    delay_s: int = shape("int", default=0, min=0, max=DAY_S, label="delay (s)")
    illustrative: bool = shape("bool", default=False)
    description: str = shape("text", default="")

    @property
    def id(self) -> str:
        return f"{self.source}->{self.target}"


@dataclass(frozen=True, kw_only=True)
class MechanismSpec:
    id: str = shape("id", label="id")
    type: str = shape("name", names="mechanism_types", max_length=ID_MAX_LENGTH)
    services: tuple[str, ...] = shape("refs", default=(), ref="services")
    params: dict[str, Any] = shape("params", factory=dict)
    description: str = shape("text", default="")


@dataclass(frozen=True, kw_only=True)
class Fault:
    id: str = shape("id", label="id")
    at_s: int = shape("int", min=0, until_end=True, time=True, label="at")
    type: str = shape("name", names="faults", max_length=ID_MAX_LENGTH)
    target: str = shape("ref", ref="mechanisms")
    params: dict[str, Any] = shape("params", factory=dict)
    description: str = shape("text", default="")


@dataclass(frozen=True, kw_only=True)
class Intervention:
    id: str = shape("id", label="id")
    at_s: int | None = shape(
        "int",
        default=None,
        nullable=True,
        min=0,
        until_end=True,
        time=True,
        label="at",
        help="timed: when it happens",
    )
    when: dict[str, Any] | None = shape(
        "condition",
        default=None,
        nullable=True,
        alarm=True,
        help='an alarm: {"alarm": name, "on": condition, "detect_s": s, "respond_s": s}',
    )
    action: str = shape("name", names="actions", max_length=ID_MAX_LENGTH)
    target: str = shape("ref", ref="mechanisms")
    params: dict[str, Any] = shape("params", factory=dict)
    label: str = shape("str", max_length=LIMITS["max_string"])
    enabled: bool = shape("bool", default=True)
    description: str = shape("text", default="")


@dataclass(frozen=True, kw_only=True)
class Milestone:
    id: str = shape("id", label="id")
    at_s: int = shape("int", min=-MAX_DURATION, max=MAX_DURATION, time=True, label="at")
    label: str = shape("str", max_length=LIMITS["max_string"])
    kind: str = shape(
        "choice",
        default="reference",
        choices=MILESTONE_KINDS,
        max_length=10,
        labels=("emergent (the model must produce it)", "operator action", "reference only"),
    )
    service: str | None = shape("ref", default=None, nullable=True, ref="services")
    match: dict[str, Any] | None = shape("condition", default=None, nullable=True, match=True)
    source: str = shape("str", default="", max_length=LIMITS["max_string"])
    tolerance_s: int | None = shape(
        "int", default=None, nullable=True, min=0, max=DAY_S, label="tolerance (s)"
    )
    fitted: bool = shape(
        "bool",
        default=False,
        help="a parameter was chosen to reproduce this time (else the model predicts it)",
    )


@dataclass(frozen=True, kw_only=True)
class Knob:
    """A mechanism parameter the author exposes to every viewer (the What-if panel)."""

    mechanism: str = shape("ref", ref="mechanisms", help="the mechanism's id")
    param: str = shape("str", max_length=ID_MAX_LENGTH, label="parameter")

    @property
    def path(self) -> str:
        return f"mechanisms.{self.mechanism}.params.{self.param}"


@dataclass(frozen=True, kw_only=True)
class Preset:
    """A named variant the author wrote: `{variant path: value}` over what is exposed."""

    id: str = shape("id", label="id")
    name: str = shape("str", max_length=200)
    description: str = shape("text", default="")
    variant: dict[str, Any] = shape(
        "object",
        help='{"mechanisms.<id>.params.<name>": value, "interventions.<id>.enabled": false}',
    )


@dataclass(frozen=True, kw_only=True)
class Scenario:
    slug: str = shape("slug")
    title: str = shape("str", max_length=LIMITS["max_string"])
    summary: str = shape("text", default="")
    sources: tuple[Source, ...] = shape(
        "list", default=(), item="sources", max=100, help='[{"title": …, "url": …}]'
    )
    timezone: str = shape("timezone", default="UTC", max_length=64, help="IANA name")
    start: str = shape(
        "timestamp", max_length=40, help="ISO 8601 with offset, e.g. 2025-10-19T23:30:00-07:00"
    )
    duration_s: int = shape("int", min=1, max=MAX_DURATION, label="duration (s)")
    frame_interval_s: int = shape("int", min=1, max=3600, label="frame interval (s)", initial=10)
    seed: int = shape("int", default=0, min=0, max=2**63 - 1, label="default seed", initial=1)
    operators: dict[str, float] = shape(
        "object",
        factory=dict,
        help='scales every alarm: {"detection_scale": 1, "response_scale": 1}',
    )
    services: tuple[Service, ...] = shape(
        "part", item="services", min=1, max=LIMITS["max_services"]
    )
    dependencies: tuple[Dependency, ...] = shape(
        "part", default=(), item="dependencies", max=LIMITS["max_dependencies"]
    )
    mechanisms: tuple[MechanismSpec, ...] = shape(
        "part", default=(), item="mechanisms", max=LIMITS["max_mechanisms"]
    )
    faults: tuple[Fault, ...] = shape("part", default=(), item="faults", max=LIMITS["max_events"])
    interventions: tuple[Intervention, ...] = shape(
        "part", default=(), item="interventions", max=LIMITS["max_events"]
    )
    milestones: tuple[Milestone, ...] = shape(
        "part", default=(), item="milestones", max=LIMITS["max_events"]
    )
    knobs: tuple[Knob, ...] = shape("part", default=(), item="knobs", max=MAX_KNOBS)
    presets: tuple[Preset, ...] = shape("part", default=(), item="presets", max=MAX_PRESETS)

    def to_document(self) -> dict[str, Any]:
        """The canonical `outage-replay/1` document for this scenario."""
        return {"format": FORMAT, **item_document(self)}

    def service_ids(self) -> list[str]:
        return [s.id for s in self.services]


# -- the tables ------------------------------------------------------------------------
# Every list in the document → the dataclass of its items, in document order.
ITEMS: dict[str, type] = {
    "sources": Source,
    "services": Service,
    "dependencies": Dependency,
    "mechanisms": MechanismSpec,
    "faults": Fault,
    "interventions": Intervention,
    "milestones": Milestone,
    "knobs": Knob,
    "presets": Preset,
}
TOP = "scenario"


def table(part: str) -> tuple[Field, ...]:
    """The field table of `part` (a key of `ITEMS`, or `"scenario"` for the top level)."""
    return _TABLES[part]


def part_keys() -> tuple[str, ...]:
    """The document's lists of rows (`kind == "part"`), in document order."""
    return tuple(f.name for f in table(TOP) if f.kind == "part")


def row_id(part: str, item: dict[str, Any]) -> str:
    """How a row of `part` is named in paths and diffs: its id, or `from->to`."""
    if part == "dependencies":
        return f"{item.get('from')}->{item.get('to')}"
    return str(item.get("id"))


def item_document(obj: Any) -> dict[str, Any]:
    """The canonical document of one item (or the scenario's fields), by its table."""
    doc: dict[str, Any] = {}
    for f in _BY_CLASS[type(obj)]:
        value = getattr(obj, f.attr)
        if f.nullable and value is None:
            continue
        if f.kind in ("list", "part"):
            doc[f.name] = [item_document(x) for x in value]
        elif f.kind == "refs":
            doc[f.name] = list(value)
        else:
            doc[f.name] = _copy(value)
    return doc


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


_TABLES: dict[str, tuple[Field, ...]] = {
    TOP: fields_of(Scenario),
    **{key: fields_of(cls) for key, cls in ITEMS.items()},
}
_BY_CLASS: dict[type, tuple[Field, ...]] = {
    Scenario: _TABLES[TOP],
    **{cls: _TABLES[key] for key, cls in ITEMS.items()},
}
