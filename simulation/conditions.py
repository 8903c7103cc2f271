"""Conditions: when an intervention fires, when a gate opens, when a milestone happened.

State conditions (intervention `when`, mechanism gates) are checked on each frame:

    {"service": "dynamodb", "status": "down" | ["down", ...], "for_s": 600}
    {"metric": "dwfm.goodput", "op": "<", "value": 0.2, "for_s": 600}
    {"intervention": "dns-restore"}                  # that intervention has fired
    {"all": [cond, ...]}  {"any": [cond, ...]}  {"not": cond}

Milestone matches find the first moment something happened in a finished run:

    {"service": "dynamodb", "status": "down", "edge": "enter" | "exit", "after_s": 0}
    {"event": "dwfm.all_leases", "actor": "...", "service": "...", "after_s": 0}
    {"metric": "netmgr.latency_s", "op": ">", "value": 300, "after_s": 0}
    {"intervention": "dwfm-restart"}

`metric` names are `<mechanism id>.<metric key>`; keys are listed in each mechanism's
`METRICS` (documented in its module docstring).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from simulation.spec import STATUSES

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Context:
    """What a condition may refer to (ids known to the scenario)."""

    services: frozenset[str]
    metrics: dict[str, tuple[str, ...]]
    interventions: frozenset[str]


def validate(
    path: str, cond: Any, ctx: Context, errors: list[tuple[str, str]], match: bool = False
) -> None:
    """Append (path, message) for every problem in `cond`."""
    if not isinstance(cond, dict) or not cond:
        errors.append((path, "must be a non-empty object"))
        return
    if not match and any(k in cond for k in ("all", "any", "not")):
        _validate_compound(path, cond, ctx, errors)
        return
    allowed = {"after_s"} if match else {"for_s"}
    if "service" in cond and "status" in cond:
        _validate_service(path, cond, ctx, errors, allowed | ({"edge"} if match else set()))
    elif "metric" in cond:
        _validate_metric(path, cond, ctx, errors, allowed)
    elif "intervention" in cond:
        _check_keys(path, cond, {"intervention"}, errors)
        if cond["intervention"] not in ctx.interventions:
            errors.append((f"{path}.intervention", "unknown intervention id"))
    elif "event" in cond and match:
        _check_keys(path, cond, {"event", "actor", "service", "after_s"}, errors)
        if not isinstance(cond["event"], str):
            errors.append((f"{path}.event", "must be a string"))
    else:
        errors.append(
            (
                path,
                "must have service+status, metric, intervention"
                + (" or event" if match else ", all, any or not"),
            )
        )
    for key in ("for_s", "after_s"):
        value = cond.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            errors.append((f"{path}.{key}", "must be an integer ≥ 0"))


def _check_keys(
    path: str, cond: dict[str, Any], allowed: set[str], errors: list[tuple[str, str]]
) -> None:
    for key in sorted(set(cond) - allowed):
        errors.append((f"{path}.{key}", "unknown field"))


def _validate_compound(
    path: str, cond: dict[str, Any], ctx: Context, errors: list[tuple[str, str]]
) -> None:
    if len(cond) != 1:
        errors.append((path, "all/any/not must be the only field"))
        return
    key, value = next(iter(cond.items()))
    if key == "not":
        validate(f"{path}.not", value, ctx, errors)
        return
    if not isinstance(value, list) or not value:
        errors.append((f"{path}.{key}", "must be a non-empty list"))
        return
    for i, item in enumerate(value):
        validate(f"{path}.{key}[{i}]", item, ctx, errors)


def _validate_service(
    path: str, cond: dict[str, Any], ctx: Context, errors: list[tuple[str, str]], extra: set[str]
) -> None:
    _check_keys(path, cond, {"service", "status"} | extra, errors)
    if cond["service"] not in ctx.services:
        errors.append((f"{path}.service", "unknown service id"))
    statuses = cond["status"] if isinstance(cond["status"], list) else [cond["status"]]
    if not statuses or any(s not in STATUSES for s in statuses):
        errors.append((f"{path}.status", "must be one of " + ", ".join(STATUSES)))
    if "edge" in cond and cond["edge"] not in ("enter", "exit"):
        errors.append((f"{path}.edge", "must be enter or exit"))


def _validate_metric(
    path: str, cond: dict[str, Any], ctx: Context, errors: list[tuple[str, str]], extra: set[str]
) -> None:
    _check_keys(path, cond, {"metric", "op", "value"} | extra, errors)
    name = cond["metric"]
    mech, _, key = name.partition(".") if isinstance(name, str) else ("", "", "")
    if mech not in ctx.metrics:
        errors.append((f"{path}.metric", "unknown mechanism id"))
    elif key not in ctx.metrics[mech]:
        errors.append((f"{path}.metric", "unknown metric; one of " + ", ".join(ctx.metrics[mech])))
    if cond.get("op") not in OPS:
        errors.append((f"{path}.op", "must be one of " + " ".join(OPS)))
    if "value" not in cond or isinstance(cond["value"], dict | list):
        errors.append((f"{path}.value", "must be a number, string or boolean"))


class WorldView(Protocol):
    """The part of the running world a state condition can see."""

    def status_of(self, service_id: str) -> str: ...

    def status_since_ms(self, service_id: str) -> int: ...

    def metric(self, name: str) -> Any: ...

    def fired(self, intervention_id: str) -> bool: ...


Check = Callable[[WorldView, int], bool]


def compile_state(cond: dict[str, Any]) -> Check:
    """Compile a validated state condition into `check(world, t_ms) -> bool`."""
    if "all" in cond:
        parts = [compile_state(c) for c in cond["all"]]
        return lambda w, t: all(p(w, t) for p in parts)
    if "any" in cond:
        parts = [compile_state(c) for c in cond["any"]]
        return lambda w, t: any(p(w, t) for p in parts)
    if "not" in cond:
        inner = compile_state(cond["not"])
        return lambda w, t: not inner(w, t)
    if "intervention" in cond:
        iid = cond["intervention"]
        return lambda w, t: w.fired(iid)
    base = _compile_leaf(cond)
    for_ms = int(cond.get("for_s", 0)) * 1000
    if for_ms <= 0:
        return base
    return _hold_for(base, for_ms)


def _compile_leaf(cond: dict[str, Any]) -> Check:
    if "service" in cond:
        sid = cond["service"]
        wanted = set(cond["status"] if isinstance(cond["status"], list) else [cond["status"]])
        return lambda w, t: w.status_of(sid) in wanted
    name, value, op = cond["metric"], cond["value"], OPS[cond["op"]]

    def check(w: WorldView, t: int) -> bool:
        current = w.metric(name)
        try:
            return current is not None and bool(op(current, value))
        except TypeError:
            return False

    return check


def _hold_for(base: Check, for_ms: int) -> Check:
    since: list[int | None] = [None]

    def check(w: WorldView, t: int) -> bool:
        if not base(w, t):
            since[0] = None
            return False
        start = since[0] if since[0] is not None else t
        since[0] = start
        return t - start >= for_ms

    return check
