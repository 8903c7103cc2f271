"""The one validator: `parse_document(doc) -> Scenario` or `ScenarioError`.

Import, the admin, the web API and the CLI all call this. Every problem is reported
with the path of the bad field (`mechanisms[2].params.enactors: must be ≥ 1`); all
problems found are reported together, and a document that passes can be run.

The shape of every part (which keys, their kinds, bounds, defaults, references) comes
from the field tables in `spec.py`; `_value` checks one field of any part by its kind.
What the tables cannot say (a mechanism's parameters depend on its type, dependency
cycles, …) is in the per-part rules below (`RULES`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulation import conditions, knobs, operators
from simulation.errors import ScenarioError
from simulation.fields import ID_PATTERN, SLUG_PATTERN, Field
from simulation.formats import known_formats, upgrade
from simulation.limits import LIMITS
from simulation.mechanisms import MECHANISM_TYPES
from simulation.params import check_params
from simulation.spec import FORMAT, ITEMS, TOP, Dependency, Knob, Scenario, table

ID_RE = re.compile(ID_PATTERN)
SLUG_RE = re.compile(SLUG_PATTERN)
TZ_RE = re.compile(r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$")
TOP_KEYS = {"format"} | {f.name for f in table(TOP)}
REF_NOUN = {"services": "service", "mechanisms": "mechanism", "interventions": "intervention"}
Errors = list[tuple[str, str]]
MISSING: Any = object()
# Every start and end converts to any time zone and renders on every page.
EARLIEST_START = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_END = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass
class Known:
    """What the rows may refer to: every id written in the document, by list."""

    ids: dict[str, frozenset[str]]
    duration_s: int
    ctx: conditions.Context
    mechanism_type: dict[str, str]  # mechanism id → type (known types only)


def parse_document(doc: object) -> Scenario:
    """Validate a decoded document (older formats are upgraded first, see `formats`)."""
    check_unicode(doc)
    errors: Errors = []
    doc, _ = upgrade(doc)
    if not isinstance(doc, dict):
        raise ScenarioError([("$", "must be a JSON object")])
    _unknown("", doc, TOP_KEYS, errors)
    if doc.get("format") != FORMAT:
        older = [f for f in known_formats() if f != FORMAT]
        also = f" (or an older format: {', '.join(older)})" if older else ""
        errors.append(("format", f'must be "{FORMAT}"{also}'))
    known = _known(doc)
    head: dict[str, Any] = {}
    for f in table(TOP):
        if f.kind in ("list", "part"):
            continue
        head[f.attr] = _value(f.name, f, doc.get(f.name, MISSING), known, seen=set(), errors=errors)
    head["operators"] = operators.validate_operators(doc.get("operators"), errors)
    duration, interval = head["duration_s"], head["frame_interval_s"]
    if duration // max(1, interval) + 1 > LIMITS["max_frames"]:
        errors.append(("frame_interval_s", f"too many frames (max {LIMITS['max_frames']})"))
    _check_end(head, errors)
    lists: dict[str, Any] = {
        f.attr: tuple(_items(f, doc.get(f.name, MISSING), known, errors))
        for f in table(TOP)
        if f.kind in ("list", "part")
    }
    _check_cycles(lists["dependencies"], errors)
    _check_duplicate_knobs(lists["knobs"], errors)
    events = sum(len(lists[k]) for k in ("faults", "interventions", "milestones"))
    if events > LIMITS["max_events"]:
        errors.append(
            ("faults", f"faults + interventions + milestones must be ≤ {LIMITS['max_events']}")
        )
    if not errors:
        _check_work(head, lists["services"], lists["mechanisms"], errors)
    if errors:
        raise ScenarioError(errors)
    return knobs.check_presets(doc, Scenario(**head, **lists))


def _check_end(head: dict[str, Any], errors: Errors) -> None:
    """The run must end before `LATEST_END` (its start is bounded by `_text`)."""
    try:
        start = datetime.fromisoformat(head["start"])
    except (TypeError, ValueError):
        return
    if start.tzinfo is None or not EARLIEST_START <= start < LATEST_END:
        return
    duration = head["duration_s"] if isinstance(head["duration_s"], int) else 0
    if start + timedelta(seconds=max(0, duration)) >= LATEST_END:
        errors.append(("duration_s", f"the run must end before {LATEST_END.year}"))


def _check_work(
    head: dict[str, Any], services: Sequence[Any], mechs: Sequence[Any], errors: Errors
) -> None:
    """Bound the work a document asks for, estimated from its parameters, before any of
    it is done: frames × (services + mechanisms), plus what each mechanism schedules."""
    budget = LIMITS["max_work"]
    frames = head["duration_s"] // max(1, head["frame_interval_s"]) + 1
    per_frame = len(services) + len(mechs)
    if frames * per_frame > budget:
        errors.append(
            (
                "frame_interval_s",
                f"about {frames * per_frame:,} frame updates ({frames:,} frames × {per_frame} "
                f"services and mechanisms); at most {budget:,}: use a longer frame interval "
                "or a shorter duration",
            )
        )
    for i, mech in enumerate(mechs):
        cls = MECHANISM_TYPES.get(mech.type)
        units = cls.work_units(mech.params, head["duration_s"]) if cls else 0
        if units > budget:
            errors.append(
                (
                    f"mechanisms[{i}].params",
                    f"asks for about {units:,} simulated events; at most {budget:,}",
                )
            )


# -- what can be referred to --------------------------------------------------------------
def _ids(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [x["id"] for x in value if isinstance(x, dict) and isinstance(x.get("id"), str)]


def _known(doc: dict[str, Any]) -> Known:
    raw_mechs = doc.get("mechanisms")
    types = {
        m["id"]: m["type"]
        for m in (raw_mechs if isinstance(raw_mechs, list) else [])
        if isinstance(m, dict)
        and isinstance(m.get("id"), str)
        and isinstance(m.get("type"), str)
        and m["type"] in MECHANISM_TYPES
    }
    ids = {key: frozenset(_ids(doc.get(key))) for key in ITEMS if key != "sources"}
    duration = doc.get("duration_s")
    ctx = conditions.Context(
        ids["services"],
        {mid: MECHANISM_TYPES[t].METRICS for mid, t in types.items()},
        ids["interventions"],
    )
    return Known(
        ids=ids,
        duration_s=duration if isinstance(duration, int) and not isinstance(duration, bool) else 0,
        ctx=ctx,
        mechanism_type=types,
    )


# -- one field, by kind ---------------------------------------------------------------------
def _value(  # noqa: PLR0911, PLR0912
    path: str, f: Field, value: Any, known: Known, *, seen: set[str], errors: Errors
) -> Any:
    if value is MISSING or (value is None and f.nullable):
        if f.required and not f.nullable:
            value = None  # reported by the kind's own check below
        else:
            return copy.deepcopy(f.default)
    kind = f.kind
    if kind == "id":
        if not isinstance(value, str) or not ID_RE.match(value):
            errors.append((path, "must be an id: lowercase letters, digits, - or _ (≤ 64)"))
            return str(value)
        if value in seen:
            errors.append((path, f"duplicate id {value!r}"))
        seen.add(value)
        return value
    if kind in ("slug", "str", "text", "name", "timestamp", "timezone"):
        return _text(path, f, value, errors)
    if kind == "int":
        hi = known.duration_s if f.until_end else f.max
        before = len(errors)
        number = _int(path, value, errors, f.min, hi)
        if f.time and len(errors) > before and errors[-1][1][:9] in ("must be ≥", "must be ≤"):
            errors[-1] = (path, errors[-1][1] + _time_words(errors[-1][1], f.until_end))
        return number
    if kind == "bool":
        if not isinstance(value, bool):
            errors.append((path, "must be true or false"))
            return f.default if isinstance(f.default, bool) else False
        return value
    if kind == "choice":
        if value not in f.choices:
            errors.append((path, "must be one of " + ", ".join(f.choices)))
        return str(value)
    if kind == "ref":
        if value not in known.ids.get(f.ref, ()):
            errors.append((path, f"unknown {REF_NOUN.get(f.ref, f.ref)} id"))
        return str(value) if value is not None else value
    if kind == "refs":
        noun = REF_NOUN.get(f.ref, f.ref)
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            errors.append((path, f"must be a list of {noun} ids"))
            return ()
        for i, ref in enumerate(value):
            if ref not in known.ids.get(f.ref, ()):
                errors.append((f"{path}[{i}]", f"unknown {noun} id"))
        return tuple(value)
    if kind == "condition":
        if f.alarm:
            operators.validate_when(path, value, known.ctx, errors)
        else:
            conditions.validate(path, value, known.ctx, errors, match=f.match)
        return value
    if kind == "params":
        return value  # checked by the part's rule, which knows the type
    if kind == "object":
        if not isinstance(value, dict) or (f.required and not value):
            errors.append(
                (path, "must be a non-empty object" if f.required else "must be an object")
            )
            return {}
        return value
    raise ValueError(f"no check for field kind {kind!r}")


def _span(seconds: int) -> str:
    """A length of time in words: 14 days, 2 h, 30 min, 45 s."""
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''}"
    return f"{seconds} s"


def _time_words(message: str, until_end: bool) -> str:
    """Say what a bound on seconds-from-start means, after the raw number."""
    bound = int(message.rsplit(" ", 1)[-1])
    if message.startswith("must be ≥"):
        return (
            " (not before the start)"
            if bound == 0
            else f" (at most {_span(bound)} before the start)"
        )
    if until_end:
        return f" (the end of the scenario, {_span(bound)} after the start)"
    return f" (at most {_span(bound)} after the start)"


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _text(path: str, f: Field, value: Any, errors: Errors) -> str:
    """The string kinds: slug, str, text, name, timestamp, timezone."""
    if f.kind == "slug":
        if not isinstance(value, str) or not SLUG_RE.match(value):
            errors.append((path, "must be lowercase letters, digits and - (≤ 100)"))
            return value if isinstance(value, str) else ""
        return value
    text = _str(path, value, errors, required=f.required)
    if not text:
        return text
    if f.kind in ("str", "name") and 0 < f.max_length < len(text) <= LIMITS["max_string"]:
        errors.append((path, f"must be at most {f.max_length} characters"))
    elif f.kind == "timestamp":
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                errors.append((path, "must include a UTC offset, e.g. -07:00"))
            elif not EARLIEST_START <= moment < LATEST_END:
                years = f"{EARLIEST_START.year}–{LATEST_END.year - 1}"
                errors.append((path, f"must be in the years {years} (UTC)"))
        except (ValueError, OverflowError):
            errors.append((path, "must be an ISO 8601 timestamp"))
    elif f.kind == "timezone" and not TZ_RE.match(text):
        errors.append((path, "must be an IANA time zone name"))
    elif f.kind == "timezone" and not _known_zone(text):
        errors.append((path, "unknown time zone (use an IANA name like Europe/Dublin)"))
    return text


def _str(path: str, value: Any, errors: Errors, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append((path, "must be a non-empty string" if required else "must be a string"))
        return ""
    if len(value) > LIMITS["max_string"]:
        errors.append((path, f"must be at most {LIMITS['max_string']} characters"))
    if "\x00" in value:
        errors.append((path, "must not contain NUL characters"))
    return value


def _int(path: str, value: Any, errors: Errors, lo: int | None, hi: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append((path, "must be an integer"))
        return lo or 0
    if lo is not None and value < lo:
        errors.append((path, f"must be ≥ {lo}"))
    elif hi is not None and value > hi:
        errors.append((path, f"must be ≤ {hi}"))
    return value


def check_unicode(value: Any) -> None:
    """ScenarioError naming the first string (or key) holding a lone surrogate."""
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodable(item):
                raise ScenarioError(
                    [(path, "not valid Unicode (a lone surrogate such as \\ud800)")]
                )
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = key if path == "$" else f"{path}.{key}"
                if isinstance(key, str) and not key.isascii() and not _encodable(key):
                    raise ScenarioError(
                        [(path, "a key is not valid Unicode (a lone surrogate such as \\ud800)")]
                    )
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unknown(path: str, obj: dict[str, Any], allowed: set[str], errors: Errors) -> None:
    for key in sorted(set(obj) - allowed):
        errors.append((f"{path}.{key}" if path else key, "unknown field"))


# -- one list of rows -----------------------------------------------------------------------
def _items(f: Field, value: Any, known: Known, errors: Errors) -> list[Any]:
    path = f.name
    if value is MISSING or value is None:
        if f.required:
            errors.append((path, "is required"))
        return []
    if not isinstance(value, list):
        errors.append((path, "must be a list"))
        return []
    limit = f.max if f.max is not None else len(value)
    if len(value) > limit:
        errors.append((path, f"must have at most {limit} items"))
        value = value[:limit]
    if f.min and not value:
        errors.append((path, f"must have at least one {f.item.removesuffix('s')}"))
    fields = table(f.item)
    allowed = {x.name for x in fields}
    rule = RULES.get(f.item)
    seen: set[str] = set()
    out = []
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        if not isinstance(item, dict):
            errors.append((item_path, "must be an object"))
            continue
        _unknown(item_path, item, allowed, errors)
        row = {
            x.attr: _value(
                f"{item_path}.{x.name}",
                x,
                item.get(x.name, MISSING),
                known,
                seen=seen,
                errors=errors,
            )
            for x in fields
        }
        if rule is not None and not rule(item_path, item, row, known, errors):
            continue
        out.append(ITEMS[f.item](**row))
    return out


# -- what the tables cannot say, per part ---------------------------------------------------
Rule = Callable[[str, dict[str, Any], dict[str, Any], Known, Errors], bool]


def _dependency_rule(
    path: str, item: dict[str, Any], row: dict[str, Any], known: Known, errors: Errors
) -> bool:
    if row["source"] == row["target"]:
        errors.append((path, "a service cannot depend on itself"))
    return True


def _mechanism_rule(
    path: str, item: dict[str, Any], row: dict[str, Any], known: Known, errors: Errors
) -> bool:
    mtype = row["type"]
    if mtype not in MECHANISM_TYPES:
        errors.append(
            (f"{path}.type", "unknown mechanism type; one of " + ", ".join(sorted(MECHANISM_TYPES)))
        )
        return False
    cls = MECHANISM_TYPES[mtype]
    params = check_params(f"{path}.params", item.get("params"), cls.PARAMS, errors)
    cls.check_spec(f"{path}.params", params, row["services"], errors)
    row["params"] = params
    _check_mechanism_refs(f"{path}.params", cls, params, known, errors)
    return True


def _check_mechanism_refs(
    path: str, cls: Any, params: dict[str, Any], known: Known, errors: Errors
) -> None:
    signals = {
        f"{mid}.{s}" for mid, t in known.mechanism_type.items() for s in MECHANISM_TYPES[t].SIGNALS
    }
    for name in cls.SERVICE_PARAMS:
        if params.get(name) and params[name] not in known.ids["services"]:
            errors.append((f"{path}.{name}", "unknown service id"))
    for name in cls.SIGNAL_PARAMS:
        if params.get(name) and params[name] not in signals:
            errors.append(
                (f"{path}.{name}", "unknown signal; one of " + ", ".join(sorted(signals)))
            )
    for name in cls.CONDITION_PARAMS:
        if params.get(name):
            conditions.validate(f"{path}.{name}", params[name], known.ctx, errors)


def _typed_params(
    path: str,
    item: dict[str, Any],
    row: dict[str, Any],
    known: Known,
    errors: Errors,
    *,
    name_key: str,
    registry: str,
) -> None:
    """A fault's `type` / an intervention's `action` among its target's; then its params."""
    mtype = known.mechanism_type.get(row["target"])
    row["params"] = {}
    if mtype is None:
        return
    declared: dict[str, Any] = getattr(MECHANISM_TYPES[mtype], registry)
    noun = "fault" if registry == "FAULTS" else "action"
    if row[name_key] not in declared:
        errors.append(
            (
                f"{path}.{name_key}",
                f"unknown {noun} for this mechanism; one of " + ", ".join(sorted(declared))
                if declared
                else f"this mechanism takes no {noun}s",
            )
        )
        return
    row["params"] = check_params(
        f"{path}.params", item.get("params"), declared[row[name_key]], errors
    )


def _fault_rule(
    path: str, item: dict[str, Any], row: dict[str, Any], known: Known, errors: Errors
) -> bool:
    _typed_params(path, item, row, known, errors, name_key="type", registry="FAULTS")
    return True


def _intervention_rule(
    path: str, item: dict[str, Any], row: dict[str, Any], known: Known, errors: Errors
) -> bool:
    if item.get("at_s") is None and item.get("when") is None:
        errors.append((path, "needs at_s, when, or both"))
    _typed_params(path, item, row, known, errors, name_key="action", registry="ACTIONS")
    return True


def _milestone_rule(
    path: str, item: dict[str, Any], row: dict[str, Any], known: Known, errors: Errors
) -> bool:
    if row["match"] is None and row["kind"] in ("emergent", "operator"):
        errors.append((f"{path}.match", f"is required for {row['kind']} milestones"))
    return True


def _knob_rule(
    path: str, item: dict[str, Any], row: dict[str, Any], known: Known, errors: Errors
) -> bool:
    mtype = known.mechanism_type.get(row["mechanism"])
    if mtype is None:
        return False  # an unknown mechanism id, reported by its field
    params = MECHANISM_TYPES[mtype].PARAMS
    if row["param"] not in params:
        errors.append((f"{path}.param", "unknown parameter; one of " + ", ".join(params)))
        return False
    if params[row["param"]].kind not in knobs.KNOB_KINDS:
        errors.append((f"{path}.param", "only number, switch and choice parameters are knobs"))
        return False
    return True


def _check_duplicate_knobs(rows: tuple[Knob, ...], errors: Errors) -> None:
    seen: set[str] = set()
    for i, knob in enumerate(rows):
        if knob.path in seen:
            errors.append((f"knobs[{i}]", f"duplicate knob {knob.mechanism}.{knob.param}"))
        seen.add(knob.path)


RULES: dict[str, Rule] = {
    "dependencies": _dependency_rule,
    "mechanisms": _mechanism_rule,
    "faults": _fault_rule,
    "interventions": _intervention_rule,
    "milestones": _milestone_rule,
    "knobs": _knob_rule,
}


def _check_cycles(deps: tuple[Dependency, ...], errors: Errors) -> None:
    graph: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for i, dep in enumerate(deps):
        if (dep.source, dep.target) in seen:
            errors.append((f"dependencies[{i}]", f"duplicate dependency {dep.id}"))
        seen.add((dep.source, dep.target))
        graph.setdefault(dep.source, []).append(dep.target)
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
