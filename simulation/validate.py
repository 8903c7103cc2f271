"""The one validator: `parse_document(doc) -> Scenario` or `ScenarioError`.

Import, the admin, the web API and the CLI all call this. Every problem is reported
with the path of the bad field (`mechanisms[2].params.enactors: must be ≥ 1`); all
problems found are reported together, and a document that passes can be run.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from simulation import conditions, knobs
from simulation.errors import ScenarioError
from simulation.limits import LIMITS
from simulation.mechanisms import MECHANISM_TYPES
from simulation.params import check_params
from simulation.spec import (
    FORMAT,
    MILESTONE_KINDS,
    Dependency,
    Fault,
    Intervention,
    MechanismSpec,
    Milestone,
    Scenario,
    Service,
    Source,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
TZ_RE = re.compile(r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$")
TOP_KEYS = {
    "format",
    "slug",
    "title",
    "summary",
    "sources",
    "timezone",
    "start",
    "duration_s",
    "frame_interval_s",
    "seed",
    "services",
    "dependencies",
    "mechanisms",
    "faults",
    "interventions",
    "milestones",
    "knobs",
    "presets",
}
Errors = list[tuple[str, str]]


def parse_document(doc: object) -> Scenario:
    errors: Errors = []
    if not isinstance(doc, dict):
        raise ScenarioError([("$", "must be a JSON object")])
    _unknown("", doc, TOP_KEYS, errors)
    if doc.get("format") != FORMAT:
        errors.append(("format", f'must be "{FORMAT}"'))
    head = _header(doc, errors)
    services = _services(doc.get("services"), errors)
    sids = frozenset(s.id for s in services)
    deps = _dependencies(doc.get("dependencies", []), sids, errors)
    mechs = _mechanisms(doc.get("mechanisms", []), sids, errors)
    duration_s = head["duration_s"] if isinstance(head["duration_s"], int) else 0
    faults = _faults(doc.get("faults", []), mechs, duration_s, errors)
    raw_interventions = doc.get("interventions", [])
    iids = frozenset(_ids(raw_interventions))
    ctx = conditions.Context(
        sids,
        {m.id: MECHANISM_TYPES[m.type].METRICS for m in mechs if m.type in MECHANISM_TYPES},
        iids,
    )
    _check_mechanism_refs(mechs, ctx, errors)
    interventions = _interventions(raw_interventions, mechs, ctx, duration_s, errors)
    milestones = _milestones(doc.get("milestones", []), ctx, errors)
    if len(faults) + len(interventions) + len(milestones) > LIMITS["max_events"]:
        errors.append(
            ("faults", f"faults + interventions + milestones must be ≤ {LIMITS['max_events']}")
        )
    knob_items = _items("knobs", doc.get("knobs", []), errors, knobs.MAX_KNOBS, knobs.KNOB_FIELDS)
    exposed = knobs.parse_knobs(knob_items, mechs, errors)
    if errors:
        raise ScenarioError(errors)
    scenario = Scenario(
        services=tuple(services),
        dependencies=tuple(deps),
        mechanisms=tuple(mechs),
        faults=tuple(faults),
        interventions=tuple(interventions),
        milestones=tuple(milestones),
        knobs=tuple(exposed),
        **head,
    )
    return _with_presets(doc, scenario)


def _with_presets(doc: dict[str, Any], scenario: Scenario) -> Scenario:
    """Presets are checked against the scenario they vary, then applied and validated
    whole (so a preset can never produce a scenario that would not run)."""
    from simulation.variants import apply_variant

    errors: Errors = []
    items = _items(
        "presets", doc.get("presets", []), errors, knobs.MAX_PRESETS, knobs.PRESET_FIELDS
    )
    presets = knobs.parse_presets(items, scenario, errors)
    if not errors:
        base = {k: v for k, v in doc.items() if k != "presets"}
        for i, preset in enumerate(presets):
            try:
                parse_document(apply_variant(base, preset.variant))
            except ScenarioError as exc:
                errors.extend((f"presets[{i}].variant: {p}", m) for p, m in exc.errors)
    if errors:
        raise ScenarioError(errors)
    return replace(scenario, presets=tuple(presets))


# -- helpers -------------------------------------------------------------------
def _unknown(path: str, obj: dict[str, Any], allowed: set[str], errors: Errors) -> None:
    for key in sorted(set(obj) - allowed):
        errors.append((f"{path}.{key}" if path else key, "unknown field"))


def _str(path: str, value: Any, errors: Errors, required: bool = True, default: str = "") -> str:
    if value is None and not required:
        return default
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append((path, "must be a non-empty string" if required else "must be a string"))
        return default
    if len(value) > LIMITS["max_string"]:
        errors.append((path, f"must be at most {LIMITS['max_string']} characters"))
    return value


def _int(path: str, value: Any, errors: Errors, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append((path, "must be an integer"))
        return lo
    if value < lo:
        errors.append((path, f"must be ≥ {lo}"))
    elif value > hi:
        errors.append((path, f"must be ≤ {hi}"))
    return value


def _bool(path: str, value: Any, errors: Errors, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        errors.append((path, "must be true or false"))
        return default
    return value


def _list(path: str, value: Any, errors: Errors, limit: int) -> list[Any]:
    if not isinstance(value, list):
        errors.append((path, "must be a list"))
        return []
    if len(value) > limit:
        errors.append((path, f"must have at most {limit} items"))
        return value[:limit]
    return value


def _items(
    path: str, value: Any, errors: Errors, limit: int, allowed: set[str]
) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i, item in enumerate(_list(path, value, errors, limit)):
        item_path = f"{path}[{i}]"
        if not isinstance(item, dict):
            errors.append((item_path, "must be an object"))
            continue
        _unknown(item_path, item, allowed, errors)
        out.append((item_path, item))
    return out


def _ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [x["id"] for x in value if isinstance(x, dict) and isinstance(x.get("id"), str)]


def _id(path: str, value: Any, seen: set[str], errors: Errors) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        errors.append((path, "must be an id: lowercase letters, digits, - or _ (≤ 64)"))
        return str(value)
    if value in seen:
        errors.append((path, f"duplicate id {value!r}"))
    seen.add(value)
    return value


# -- sections ------------------------------------------------------------------
def _header(doc: dict[str, Any], errors: Errors) -> dict[str, Any]:
    slug = doc.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        errors.append(("slug", "must be lowercase letters, digits and - (≤ 100)"))
    start = _str("start", doc.get("start"), errors)
    if start:
        try:
            parsed = datetime.fromisoformat(start)
            if parsed.tzinfo is None:
                errors.append(("start", "must include a UTC offset, e.g. -07:00"))
        except ValueError:
            errors.append(("start", "must be an ISO 8601 timestamp"))
    timezone = _str("timezone", doc.get("timezone", "UTC"), errors)
    if timezone and not TZ_RE.match(timezone):
        errors.append(("timezone", "must be an IANA time zone name"))
    duration_s = _int("duration_s", doc.get("duration_s"), errors, 1, LIMITS["max_duration_s"])
    interval_s = _int("frame_interval_s", doc.get("frame_interval_s"), errors, 1, 3600)
    if duration_s // max(1, interval_s) + 1 > LIMITS["max_frames"]:
        errors.append(("frame_interval_s", f"too many frames (max {LIMITS['max_frames']})"))
    return {
        "slug": slug if isinstance(slug, str) else "",
        "title": _str("title", doc.get("title"), errors),
        "summary": _str("summary", doc.get("summary"), errors, required=False),
        "sources": tuple(_sources(doc.get("sources", []), errors)),
        "timezone": timezone,
        "start": start,
        "duration_s": duration_s,
        "frame_interval_s": interval_s,
        "seed": _int("seed", doc.get("seed", 0), errors, 0, 2**63 - 1),
    }


def _sources(value: Any, errors: Errors) -> list[Source]:
    out = []
    for path, item in _items("sources", value, errors, 100, {"title", "url"}):
        out.append(
            Source(
                _str(f"{path}.title", item.get("title"), errors),
                _str(f"{path}.url", item.get("url"), errors, required=False),
            )
        )
    return out


def _services(value: Any, errors: Errors) -> list[Service]:
    if value is None:
        errors.append(("services", "is required"))
        return []
    seen: set[str] = set()
    out = []
    allowed = {"id", "name", "group", "description", "illustrative"}
    for path, item in _items("services", value, errors, LIMITS["max_services"], allowed):
        out.append(
            Service(
                id=_id(f"{path}.id", item.get("id"), seen, errors),
                name=_str(f"{path}.name", item.get("name"), errors),
                group=_str(f"{path}.group", item.get("group"), errors, required=False),
                description=_str(
                    f"{path}.description", item.get("description"), errors, required=False
                ),
                illustrative=_bool(f"{path}.illustrative", item.get("illustrative"), errors, False),
            )
        )
    if not out and isinstance(value, list):
        errors.append(("services", "must have at least one service"))
    return out


def _dependencies(value: Any, sids: frozenset[str], errors: Errors) -> list[Dependency]:
    out: list[Dependency] = []
    seen: set[tuple[str, str]] = set()
    allowed = {"from", "to", "kind", "delay_s", "illustrative", "description"}
    for path, item in _items("dependencies", value, errors, LIMITS["max_dependencies"], allowed):
        src, dst = item.get("from"), item.get("to")
        for key, ref in (("from", src), ("to", dst)):
            if ref not in sids:
                errors.append((f"{path}.{key}", "unknown service id"))
        if src == dst:
            errors.append((path, "a service cannot depend on itself"))
        if (src, dst) in seen:
            errors.append((path, f"duplicate dependency {src}->{dst}"))
        seen.add((str(src), str(dst)))
        kind = item.get("kind", "hard")
        if kind not in ("hard", "soft"):
            errors.append((f"{path}.kind", "must be hard or soft"))
        out.append(
            Dependency(
                from_=str(src),
                to=str(dst),
                kind=str(kind),
                delay_s=_int(f"{path}.delay_s", item.get("delay_s", 0), errors, 0, 86400),
                illustrative=_bool(f"{path}.illustrative", item.get("illustrative"), errors, False),
                description=_str(
                    f"{path}.description", item.get("description"), errors, required=False
                ),
            )
        )
    _check_cycles(out, errors)
    return out


def _check_cycles(deps: list[Dependency], errors: Errors) -> None:
    graph: dict[str, list[str]] = {}
    for dep in deps:
        graph.setdefault(dep.from_, []).append(dep.to)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*trail, node, nxt]
            if nxt not in state:
                found = visit(nxt, [*trail, node])
                if found:
                    return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                errors.append(("dependencies", "cycle: " + " -> ".join(cycle)))
                return


def _mechanisms(value: Any, sids: frozenset[str], errors: Errors) -> list[MechanismSpec]:
    out = []
    seen: set[str] = set()
    allowed = {"id", "type", "services", "params", "description"}
    for path, item in _items("mechanisms", value, errors, LIMITS["max_mechanisms"], allowed):
        mid = _id(f"{path}.id", item.get("id"), seen, errors)
        mtype = item.get("type")
        services = item.get("services", [])
        if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
            errors.append((f"{path}.services", "must be a list of service ids"))
            services = []
        for i, sid in enumerate(services):
            if sid not in sids:
                errors.append((f"{path}.services[{i}]", "unknown service id"))
        if mtype not in MECHANISM_TYPES:
            errors.append(
                (
                    f"{path}.type",
                    "unknown mechanism type; one of " + ", ".join(sorted(MECHANISM_TYPES)),
                )
            )
            continue
        cls = MECHANISM_TYPES[mtype]
        params = check_params(f"{path}.params", item.get("params"), cls.PARAMS, errors)
        cls.check_spec(f"{path}.params", params, tuple(services), errors)
        out.append(
            MechanismSpec(
                id=mid,
                type=mtype,
                services=tuple(services),
                params=params,
                description=_str(
                    f"{path}.description", item.get("description"), errors, required=False
                ),
            )
        )
    return out


def _check_mechanism_refs(
    mechs: list[MechanismSpec], ctx: conditions.Context, errors: Errors
) -> None:
    signals = {f"{m.id}.{s}" for m in mechs for s in MECHANISM_TYPES[m.type].SIGNALS}
    for i, m in enumerate(mechs):
        cls = MECHANISM_TYPES[m.type]
        path = f"mechanisms[{i}].params"
        for name in cls.SERVICE_PARAMS:
            if m.params.get(name) and m.params[name] not in ctx.services:
                errors.append((f"{path}.{name}", "unknown service id"))
        for name in cls.SIGNAL_PARAMS:
            if m.params.get(name) and m.params[name] not in signals:
                errors.append(
                    (f"{path}.{name}", "unknown signal; one of " + ", ".join(sorted(signals)))
                )
        for name in cls.CONDITION_PARAMS:
            if m.params.get(name):
                conditions.validate(f"{path}.{name}", m.params[name], ctx, errors)


def _target(path: str, value: Any, mechs: list[MechanismSpec], errors: Errors) -> Any:
    by_id = {m.id: m for m in mechs}
    if value not in by_id:
        errors.append((path, "unknown mechanism id"))
        return None
    return MECHANISM_TYPES[by_id[value].type]


def _faults(value: Any, mechs: list[MechanismSpec], duration_s: int, errors: Errors) -> list[Fault]:
    out = []
    seen: set[str] = set()
    allowed = {"id", "at_s", "type", "target", "params", "description"}
    for path, item in _items("faults", value, errors, LIMITS["max_events"], allowed):
        fid = _id(f"{path}.id", item.get("id"), seen, errors)
        at_s = _int(f"{path}.at_s", item.get("at_s"), errors, 0, duration_s)
        cls = _target(f"{path}.target", item.get("target"), mechs, errors)
        ftype = item.get("type")
        params: dict[str, Any] = {}
        if cls is not None:
            if ftype not in cls.FAULTS:
                errors.append(
                    (
                        f"{path}.type",
                        "unknown fault for this mechanism; one of " + ", ".join(sorted(cls.FAULTS))
                        if cls.FAULTS
                        else "this mechanism takes no faults",
                    )
                )
            else:
                params = check_params(
                    f"{path}.params", item.get("params"), cls.FAULTS[ftype], errors
                )
        out.append(
            Fault(
                id=fid,
                at_s=at_s,
                type=str(ftype),
                target=str(item.get("target")),
                params=params,
                description=_str(
                    f"{path}.description", item.get("description"), errors, required=False
                ),
            )
        )
    return out


def _interventions(
    value: Any, mechs: list[MechanismSpec], ctx: conditions.Context, duration_s: int, errors: Errors
) -> list[Intervention]:
    out = []
    seen: set[str] = set()
    allowed = {
        "id",
        "at_s",
        "when",
        "action",
        "target",
        "params",
        "label",
        "enabled",
        "description",
    }
    for path, item in _items("interventions", value, errors, LIMITS["max_events"], allowed):
        iid = _id(f"{path}.id", item.get("id"), seen, errors)
        at_s = item.get("at_s")
        if at_s is not None:
            at_s = _int(f"{path}.at_s", at_s, errors, 0, duration_s)
        when = item.get("when")
        if at_s is None and when is None:
            errors.append((path, "needs at_s, when, or both"))
        if when is not None:
            conditions.validate(f"{path}.when", when, ctx, errors)
        cls = _target(f"{path}.target", item.get("target"), mechs, errors)
        action = item.get("action")
        params: dict[str, Any] = {}
        if cls is not None:
            if action not in cls.ACTIONS:
                errors.append(
                    (
                        f"{path}.action",
                        "unknown action for this mechanism; one of "
                        + ", ".join(sorted(cls.ACTIONS)),
                    )
                )
            else:
                params = check_params(
                    f"{path}.params", item.get("params"), cls.ACTIONS[action], errors
                )
        out.append(
            Intervention(
                id=iid,
                action=str(action),
                target=str(item.get("target")),
                label=_str(f"{path}.label", item.get("label"), errors),
                at_s=at_s,
                when=when,
                params=params,
                enabled=_bool(f"{path}.enabled", item.get("enabled"), errors, True),
                description=_str(
                    f"{path}.description", item.get("description"), errors, required=False
                ),
            )
        )
    return out


def _milestones(value: Any, ctx: conditions.Context, errors: Errors) -> list[Milestone]:
    out = []
    seen: set[str] = set()
    allowed = {"id", "at_s", "label", "kind", "service", "match", "source", "tolerance_s"}
    for path, item in _items("milestones", value, errors, LIMITS["max_events"], allowed):
        kind = item.get("kind", "reference")
        if kind not in MILESTONE_KINDS:
            errors.append((f"{path}.kind", "must be one of " + ", ".join(MILESTONE_KINDS)))
        match = item.get("match")
        if match is not None:
            conditions.validate(f"{path}.match", match, ctx, errors, match=True)
        elif kind in ("emergent", "operator"):
            errors.append((f"{path}.match", f"is required for {kind} milestones"))
        service = item.get("service")
        if service is not None and service not in ctx.services:
            errors.append((f"{path}.service", "unknown service id"))
        tolerance = item.get("tolerance_s")
        out.append(
            Milestone(
                id=_id(f"{path}.id", item.get("id"), seen, errors),
                at_s=_int(
                    f"{path}.at_s",
                    item.get("at_s"),
                    errors,
                    -LIMITS["max_duration_s"],
                    LIMITS["max_duration_s"],
                ),
                label=_str(f"{path}.label", item.get("label"), errors),
                kind=str(kind),
                service=service,
                match=match,
                source=_str(f"{path}.source", item.get("source"), errors, required=False),
                tolerance_s=None
                if tolerance is None
                else _int(f"{path}.tolerance_s", tolerance, errors, 0, 86400),
            )
        )
    return out
