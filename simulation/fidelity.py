"""Fidelity: when each milestone happened in the run, next to when it really happened.

A milestone's `match` (see `conditions.py`) is evaluated over the finished run:
service status edges from the status history, events from the trace, metrics from the
frame stream, interventions from the operator log. `sim_s` is None when it never
happened. Rows: {id, label, service, kind, real_s, sim_s, delta_s, tolerance_s, matched,
source, fitted}; `fitted` is true when a parameter was chosen to reproduce that
milestone's time (the rest are predictions); `matched` is false for context milestones
with no rule to find them in a run.

`summary(rows)`: N of M happened, K within tolerance, median |Δ| (the scenario page and
the player show it).

`intervals(world)` gives per service a list of [status, from_s, to_s] covering the run.
"""

from __future__ import annotations

from typing import Any

from simulation.conditions import OPS
from simulation.engine import TraceEvent
from simulation.frames import Frame
from simulation.spec import Milestone, Scenario


def milestone_rows(spec: Scenario, world: Any, deltas: list[Frame]) -> list[dict[str, Any]]:
    rows = []
    for m in spec.milestones:
        sim_ms = find_ms(m, world, deltas) if m.match is not None else None
        sim_s = None if sim_ms is None else round(sim_ms / 1000, 3)
        rows.append(
            {
                "id": m.id,
                "label": m.label,
                "service": m.service,
                "kind": m.kind,
                "real_s": m.at_s,
                "sim_s": sim_s,
                "delta_s": None if sim_s is None else round(sim_s - m.at_s, 3),
                "tolerance_s": m.tolerance_s,
                "matched": m.match is not None,
                "source": m.source,
                "fitted": m.fitted,
            }
        )
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{total, happened, within, with_tolerance, median_abs_delta_s} over the rows that
    can be found in a run (`matched`)."""
    rows = [r for r in rows if r.get("matched", True)]
    happened = [r for r in rows if r.get("delta_s") is not None]
    tolerant = [r for r in happened if r.get("tolerance_s") is not None]
    within = [r for r in tolerant if abs(r["delta_s"]) <= r["tolerance_s"]]
    deltas = sorted(abs(r["delta_s"]) for r in happened)
    median = None
    if deltas:
        mid = len(deltas) // 2
        median = deltas[mid] if len(deltas) % 2 else (deltas[mid - 1] + deltas[mid]) / 2
    return {
        "total": len(rows),
        "happened": len(happened),
        "with_tolerance": len(tolerant),
        "within": len(within),
        "median_abs_delta_s": None if median is None else round(median, 3),
    }


def find_ms(m: Milestone, world: Any, deltas: list[Frame]) -> int | None:
    match = m.match or {}
    after_ms = int(match.get("after_s", 0)) * 1000
    if "intervention" in match:
        return world.fired_ms.get(match["intervention"])  # type: ignore[no-any-return]
    if "event" in match:
        return _find_event(match, world.engine.trace, after_ms)
    if "metric" in match:
        return _find_metric(match, deltas, after_ms)
    return _find_edge(match, world.history[match["service"]], after_ms)


def _find_event(match: dict[str, Any], trace: list[TraceEvent], after_ms: int) -> int | None:
    for event in trace:
        if event.t_ms < after_ms or event.kind != match["event"]:
            continue
        if "actor" in match and event.actor != match["actor"]:
            continue
        if "service" in match and event.service != match["service"]:
            continue
        return event.t_ms
    return None


def _find_metric(match: dict[str, Any], deltas: list[Frame], after_ms: int) -> int | None:
    mech, _, key = match["metric"].partition(".")
    op, value = OPS[match["op"]], match["value"]
    current: Any = None
    for delta in deltas:
        entry = delta["metrics"].get(mech)
        if entry is not None:
            current = entry.get(key)
        if delta["t_ms"] < after_ms or current is None:
            continue
        try:
            if op(current, value):
                return int(delta["t_ms"])
        except TypeError:
            continue
    return None


def _find_edge(
    match: dict[str, Any], history: list[tuple[int, str, float]], after_ms: int
) -> int | None:
    wanted = match["status"] if isinstance(match["status"], list) else [match["status"]]
    exit_edge = match.get("edge", "enter") == "exit"
    previous = history[0][1]
    for t_ms, status, _ in history[1:]:
        was_in, now_in = previous in wanted, status in wanted
        previous = status
        if t_ms < after_ms:
            continue
        if (exit_edge and was_in and not now_in) or (not exit_edge and now_in and not was_in):
            return t_ms
    return None


def intervals(world: Any, duration_s: int) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for sid, history in world.history.items():
        spans: list[list[Any]] = []
        for t_ms, status, _ in history:
            t_s = round(t_ms / 1000, 3)
            if spans and spans[-1][1] == t_s:
                spans.pop()
            if spans and spans[-1][0] == status:
                continue
            if spans:
                spans[-1][2] = t_s
            spans.append([status, t_s, duration_s])
        out[sid] = spans
    return out
