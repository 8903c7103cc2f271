"""Sustained (metastable) spans: a service failing while every trigger is healthy again.

A service is *failing* when it is down or degraded. On each frame, a failing service
whose own mechanism declares a loop (`Shows.loop`) and contributes that failure is
*sustained* when every trigger that put it there is gone:

- its hard dependencies are healthy (looked up `delay_s` earlier, as statuses are);
  a service the loop's own mechanism drives (the dependency a restart herd overloads)
  is its victim, not a trigger, and is not asked;
- the services its mechanism reacts to are healthy: those named by service params,
  state conditions and `<mechanism>.<metric>` params (the other mechanism's services);
- the mechanism says its own cause is gone (`Mechanism.cause_cleared`: no fault still
  in force, no throttle below demand, …).

Spans open and close on frames. A span counts once it has lasted `MIN_SPAN_S` (a
status that outlives its trigger by a frame or two is ordinary lag, not a loop): it is
narrated then (`sustained.start`, whose data carry `from_s`) and when it ends
(`sustained.end`), and kept as {service, mechanism, loop, explain, from_s, to_s,
triggers, cleared_s} — `cleared_s` is when the last trigger became healthy.
"""

from __future__ import annotations

from typing import Any

from simulation.mechanisms.base import Mechanism

FAILING = ("down", "degraded")
MIN_SPAN_S = 120


def _condition_services(cond: Any, services_of: dict[str, tuple[str, ...]], out: list[str]) -> None:
    if isinstance(cond, dict):
        if isinstance(cond.get("service"), str):
            out.append(cond["service"])
        metric = cond.get("metric")
        if isinstance(metric, str):
            out.extend(services_of.get(metric.partition(".")[0], ()))
        for value in cond.values():
            _condition_services(value, services_of, out)
    elif isinstance(cond, list):
        for value in cond:
            _condition_services(value, services_of, out)


def cause_services(mechanism: Mechanism, services_of: dict[str, tuple[str, ...]]) -> list[str]:
    """The services whose health a mechanism's failure comes from (not its own)."""
    found: list[str] = []
    for name in mechanism.SERVICE_PARAMS:
        if isinstance(mechanism.params.get(name), str):
            found.append(mechanism.params[name])
    for name in mechanism.CONDITION_PARAMS:
        _condition_services(mechanism.params.get(name), services_of, found)
    for value in mechanism.params.values():
        if isinstance(value, str) and "." in value:
            found.extend(services_of.get(value.partition(".")[0], ()))
    own = set(mechanism.services)
    return list(dict.fromkeys(s for s in found if s not in own and s in services_of["*"]))


def duration_text(ms: int) -> str:
    minutes = round(ms / 60000)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class SustainedTracker:
    def __init__(self, world: Any) -> None:
        self.world = world
        self.names = {s.id: s.name or s.id for s in world.spec.services}
        services_of: dict[str, tuple[str, ...]] = {m.id: m.services for m in world.mechanisms}
        services_of["*"] = tuple(world.service_ids)
        self.watch: dict[str, list[tuple[Mechanism, list[str]]]] = {}
        for mechanism in world.mechanisms:
            if mechanism.SHOWS.loop is None:
                continue
            causes = cause_services(mechanism, services_of)
            for sid in mechanism.services:
                self.watch.setdefault(sid, []).append((mechanism, causes))
        self.open: dict[str, dict[str, Any]] = {}
        self.spans: list[dict[str, Any]] = []

    def update(self, t_ms: int) -> None:
        for sid, candidates in self.watch.items():
            found = self._sustainer(sid, candidates, t_ms)
            span = self.open.get(sid)
            if span is not None and (found is None or found[0].id != span["mechanism"]):
                self._close(sid, span, t_ms)
                span = None
            if span is None and found is not None:
                span = self._open(sid, found, t_ms)
            long_enough = span is not None and t_ms - span["from_s"] * 1000 >= MIN_SPAN_S * 1000
            if span is not None and long_enough and not span["confirmed"]:
                self._confirm(sid, span)

    def _sustainer(
        self, sid: str, candidates: list[tuple[Mechanism, list[str]]], t_ms: int
    ) -> tuple[Mechanism, list[str], int] | None:
        world = self.world
        if world.status[sid] not in FAILING:
            return None
        deps = [d for d in world.deps_of.get(sid, ()) if d.kind == "hard"]
        for mechanism, causes in candidates:
            drives = world._contribution_cache.get(mechanism.id, (None, {}))[1]
            own = drives.get(sid)
            if own is None or own[0] not in FAILING:
                continue
            # A service the loop itself drives (a dependency its retries overload) is its
            # victim, not its trigger.
            triggers = [
                t for t in dict.fromkeys([d.target for d in deps] + causes) if t not in drives
            ]
            sick = {d.target for d in deps if world._dep_state(d, t_ms)[0] != "healthy"}
            sick.update(c for c in causes if world.status[c] != "healthy")
            if sick & set(triggers) or not mechanism.cause_cleared():
                continue
            cleared = max((world.since_ms[c] + self._delay(sid, c) for c in triggers), default=t_ms)
            return mechanism, triggers, min(cleared, t_ms)
        return None

    def _delay(self, sid: str, dep: str) -> int:
        for d in self.world.deps_of.get(sid, ()):
            if d.target == dep:
                return int(d.delay_s * 1000)
        return 0

    def _open(self, sid: str, found: tuple[Mechanism, list[str], int], t_ms: int) -> dict[str, Any]:
        mechanism, triggers, cleared_ms = found
        loop = mechanism.SHOWS.loop
        assert loop is not None
        span = {
            "service": sid,
            "mechanism": mechanism.id,
            "loop": loop.name,
            "explain": loop.explain,
            "triggers": triggers,
            "cleared_s": round(cleared_ms / 1000, 3),
            "from_s": round(t_ms / 1000, 3),
            "to_s": None,
            "confirmed": False,
        }
        self.open[sid] = span
        return span

    def _confirm(self, sid: str, span: dict[str, Any]) -> None:
        span["confirmed"] = True
        self.spans.append(span)
        triggers = span["triggers"]
        if triggers:
            who = ", ".join(self.names[t] for t in triggers)
            healthy_for = duration_text(self.world.engine.now_ms - int(span["cleared_s"] * 1000))
            have = "has" if len(triggers) == 1 else "have"
            head = f"{who} {have} been healthy for {healthy_for}"
        else:
            head = "Its trigger is gone"
        keys = ("loop", "mechanism", "triggers", "cleared_s", "from_s")
        self.world.emit(
            span["mechanism"],
            "sustained.start",
            f"{head}; {self.names[sid]} is still failing: {span['explain']}",
            sid,
            {k: span[k] for k in keys},
        )

    def _close(self, sid: str, span: dict[str, Any], t_ms: int) -> None:
        del self.open[sid]
        span["to_s"] = round(t_ms / 1000, 3)
        if not span["confirmed"]:
            return
        lasted = duration_text(int(t_ms - span["from_s"] * 1000))
        status = self.world.status[sid]
        name = self.names[sid]
        if status in FAILING:
            text = f"{name} is no longer failing by itself after {lasted}: a trigger is back"
        else:
            text = f"{name} is {status} after {lasted} sustained by {span['loop']}"
        lasted_s = round(span["to_s"] - span["from_s"], 3)
        data = {"loop": span["loop"], "mechanism": span["mechanism"], "lasted_s": lasted_s}
        self.world.emit(span["mechanism"], "sustained.end", text, sid, data)

    def finish(self, duration_s: int) -> list[dict[str, Any]]:
        """Every span, the open ones ending at the end of the run."""
        out = []
        for span in self.spans:
            to_s = duration_s if span["to_s"] is None else span["to_s"]
            out.append({k: v for k, v in span.items() if k != "confirmed"} | {"to_s": to_s})
        return out
