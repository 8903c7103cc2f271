"""The diff of two runs of one scenario: what a counterfactual changed.

`diff_runs(a, b)` takes two finished runs (`RunData`: the frozen document, the run's
summary — `intervals` and fidelity `milestones` — and its chunk stream) and returns a
plain dict:

- `first_divergence`: the first frame where the runs differ (`seq`, `t_ms`) and the
  event that makes them differ (the first event of that frame not in the other run's
  frame, with the side it happened in), or the changed state entries when no event
  differs; None when the runs are identical.
- `services`: per service, seconds down and degraded (degraded + recovering) in A and in
  B, the differences, and `differs`: the [from_s, to_s] spans where the status differs.
- `outage`: `kind` (avoided | shortened | lengthened | unchanged) and a sentence saying
  it, from the total service-seconds down (or degraded, when nothing goes down).
- `milestones`: every milestone's simulated time in A and B and the shift (B − A).

Chunks are compared whole first (identical prefixes cost one comparison each), so the
work is one pass over the frames of the chunk where the runs part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from simulation.frames import Chunk

IMPAIRED = ("degraded", "recovering")


@dataclass(frozen=True)
class RunData:
    document: dict[str, Any]
    summary: dict[str, Any]
    chunks: Iterable[Chunk]


def diff_runs(a: RunData, b: RunData) -> dict[str, Any]:
    services = _services(a, b)
    return {
        "version": 1,
        "first_divergence": _first_divergence(a.chunks, b.chunks),
        "services": services,
        "outage": _outage(services, a.document),
        "milestones": _milestones(a.summary, b.summary),
    }


# -- first divergence ------------------------------------------------------------------


def _first_divergence(
    chunks_a: Iterable[Chunk], chunks_b: Iterable[Chunk]
) -> dict[str, Any] | None:
    for ca, cb in zip(chunks_a, chunks_b, strict=False):
        if ca == cb:
            continue
        frames_a = [ca.keyframe, *ca.deltas]
        frames_b = [cb.keyframe, *cb.deltas]
        for fa, fb in zip(frames_a, frames_b, strict=False):
            if fa != fb:
                return _divergence(fa, fb)
        return None  # pragma: no cover - same frames, different chunk bounds
    return None


def _event_key(e: dict[str, Any]) -> tuple[Any, ...]:
    return (e.get("t_ms"), e.get("kind"), e.get("actor"), e.get("text"))


def _divergence(fa: dict[str, Any], fb: dict[str, Any]) -> dict[str, Any]:
    keys_a = {_event_key(e) for e in fa.get("events", [])}
    keys_b = {_event_key(e) for e in fb.get("events", [])}
    only = [("b", e) for e in fb.get("events", []) if _event_key(e) not in keys_a]
    only += [("a", e) for e in fa.get("events", []) if _event_key(e) not in keys_b]
    only.sort(key=lambda pair: (pair[1].get("t_ms", 0), pair[1].get("seq", 0)))
    out: dict[str, Any] = {"seq": fa["seq"], "t_ms": fa["t_ms"], "event": None, "changed": []}
    if only:
        side, event = only[0]
        out["event"] = {"side": side, **{k: event.get(k) for k in _EVENT_FIELDS}}
    for part in ("services", "metrics"):
        sa, sb = fa.get(part, {}), fb.get(part, {})
        out["changed"] += [
            f"{part}.{k}" for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)
        ]
    out["changed"] = out["changed"][:20]
    return out


_EVENT_FIELDS = ("t_ms", "kind", "actor", "service", "text")


# -- per service -----------------------------------------------------------------------


def _seconds(spans: list[list[Any]], statuses: tuple[str, ...]) -> float:
    return round(float(sum(to - frm for st, frm, to in spans if st in statuses)), 3)


def _status_at(spans: list[list[Any]]) -> list[tuple[float, str]]:
    return [(float(frm), str(st)) for st, frm, _ in spans]


def _differs(sa: list[list[Any]], sb: list[list[Any]], end_s: float) -> list[list[float]]:
    """Spans where the two status histories differ."""
    cuts = sorted({0.0, end_s, *(float(x[1]) for x in sa), *(float(x[1]) for x in sb)})
    out: list[list[float]] = []
    ia = ib = 0
    ha, hb = _status_at(sa), _status_at(sb)
    for lo, hi in pairwise(cuts):
        while ia + 1 < len(ha) and ha[ia + 1][0] <= lo:
            ia += 1
        while ib + 1 < len(hb) and hb[ib + 1][0] <= lo:
            ib += 1
        a_st = ha[ia][1] if ha else "healthy"
        b_st = hb[ib][1] if hb else "healthy"
        if a_st == b_st:
            continue
        if out and out[-1][1] == lo:
            out[-1][1] = hi
        else:
            out.append([lo, hi])
    return out


def _services(a: RunData, b: RunData) -> list[dict[str, Any]]:
    ia, ib = a.summary.get("intervals", {}), b.summary.get("intervals", {})
    end_s = float(a.document.get("duration_s", 0))
    rows = []
    for svc in a.document.get("services", []):
        sa, sb = ia.get(svc["id"], []), ib.get(svc["id"], [])
        row = {"id": svc["id"], "name": svc.get("name", svc["id"])}
        for label, statuses in (("down", ("down",)), ("degraded", IMPAIRED)):
            row[f"{label}_a_s"] = _seconds(sa, statuses)
            row[f"{label}_b_s"] = _seconds(sb, statuses)
            row[f"{label}_delta_s"] = round(row[f"{label}_b_s"] - row[f"{label}_a_s"], 3)
        row["differs"] = _differs(sa, sb, end_s)
        rows.append(row)
    return rows


# -- the outage as a sentence ---------------------------------------------------------------


def hours(seconds: float) -> str:
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _outage(rows: list[dict[str, Any]], document: dict[str, Any]) -> dict[str, Any]:
    down_a = sum(r["down_a_s"] for r in rows)
    down_b = sum(r["down_b_s"] for r in rows)
    out = {"down_a_s": down_a, "down_b_s": down_b}
    if all(not r["differs"] for r in rows):
        text = "No service goes down in either run." if down_a == 0 else ""
        text = text or "No service's status changes: both runs have the same outage."
        return {"kind": "unchanged", "sentence": text, **out}
    if down_a or down_b:
        kind, text = _change("Outage", "down", rows, down_a, down_b)
    else:
        deg_a = sum(r["degraded_a_s"] for r in rows)
        deg_b = sum(r["degraded_b_s"] for r in rows)
        kind, text = _change("Degradation", "degraded", rows, deg_a, deg_b)
    return {"kind": kind, "sentence": text, **out}


def _change(
    what: str, status: str, rows: list[dict[str, Any]], total_a: float, total_b: float
) -> tuple[str, str]:
    hit_a = sum(1 for r in rows if r[f"{status}_a_s"] > 0)
    hit_b = sum(1 for r in rows if r[f"{status}_b_s"] > 0)
    time_word = "down time" if status == "down" else "time degraded or recovering"
    if total_b == 0:
        return "avoided", (
            f"{what} avoided: no service is {status} in B. In A, {hit_a} "
            f"{_plural(hit_a, 'service')} {_plural(hit_a, 'is', 'are')} {status}, "
            f"{hours(total_a)} of {time_word} in all."
        )
    if total_b < total_a:
        return "shortened", (
            f"{what} shortened: {hours(total_a - total_b)} less {time_word} in B "
            f"({hours(total_b)} across {hit_b} {_plural(hit_b, 'service')}, "
            f"against {hours(total_a)} across {hit_a} in A)."
        )
    if total_b > total_a:
        return "lengthened", (
            f"{what} longer: {hours(total_b - total_a)} more {time_word} in B "
            f"({hours(total_b)} across {hit_b} {_plural(hit_b, 'service')}, "
            f"against {hours(total_a)} across {hit_a} in A)."
        )
    return "unchanged", f"The same total {time_word}; some services change status at other times."


def _plural(n: int, one: str, many: str | None = None) -> str:
    return one if n == 1 else (many or one + "s")


# -- milestones ---------------------------------------------------------------------------


def _milestones(sa: dict[str, Any], sb: dict[str, Any]) -> list[dict[str, Any]]:
    by_b = {m["id"]: m for m in sb.get("milestones", [])}
    rows = []
    for m in sa.get("milestones", []):
        other = by_b.get(m["id"], {})
        a_s, b_s = m.get("sim_s"), other.get("sim_s")
        shift = None if a_s is None or b_s is None else round(b_s - a_s, 3)
        rows.append(
            {
                "id": m["id"],
                "label": m.get("label", ""),
                "service": m.get("service"),
                "kind": m.get("kind"),
                "real_s": m.get("real_s"),
                "a_s": a_s,
                "b_s": b_s,
                "shift_s": shift,
            }
        )
    return rows
