"""The running world: services' status, dependency propagation, signals, operators.

Status of a service on each frame = the worst of
- what its own mechanisms report (`Mechanism.contribution`), and
- what its dependencies pass on, looked up `delay_s` earlier:
  hard: down ⇒ down, degraded ⇒ degraded, recovering ⇒ recovering (error rate carried);
  soft: down ⇒ degraded (a quarter of the dependency's error rate); otherwise nothing.

Severity order: healthy < recovering < degraded < down. Dependencies form a DAG (the
validator rejects cycles) and are evaluated in topological order, so one frame settles
the whole graph.

Operators (`simulation.operators`) fire interventions on alarms: a condition on simulated
signals held for a detection time, then a response time. An alarm that never goes off
means no operator action, so a counterfactual without the cause has none.

Every change of a service's status is narrated (event `service.status`, with the
dependency that caused it, if one did), and so is every change of a mechanism's
`phase()`.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from simulation.conditions import Check, compile_state
from simulation.engine import PRIO_FAULT, PRIO_OPERATOR, Engine
from simulation.mechanisms import MECHANISM_TYPES
from simulation.mechanisms.base import COMMON_ACTIONS, Contribution, Mechanism
from simulation.operators import Operators
from simulation.spec import Dependency, Fault, Intervention, Scenario

SEVERITY = {"healthy": 0, "recovering": 1, "degraded": 2, "down": 3}
SOFT_ERROR_SHARE = 0.25
_HEALTHY = ("healthy", 0.0)


class World:
    def __init__(self, spec: Scenario, seed: int) -> None:
        self.spec = spec
        self.rng = random.Random(seed)
        self.engine = Engine(self.rng)
        self.service_ids = [s.id for s in spec.services]
        self.status: dict[str, str] = {sid: "healthy" for sid in self.service_ids}
        self.errors: dict[str, float] = {sid: 0.0 for sid in self.service_ids}
        self.since_ms: dict[str, int] = {sid: 0 for sid in self.service_ids}
        self.history: dict[str, list[tuple[int, str, float]]] = {
            sid: [(0, "healthy", 0.0)] for sid in self.service_ids
        }
        self._history_t: dict[str, list[int]] = {sid: [0] for sid in self.service_ids}
        self.signals: dict[str, float] = {}
        self._subscribers: dict[str, list[Callable[[float], None]]] = {}
        self.fired_ms: dict[str, int] = {}
        self.operators = Operators(
            spec,
            lambda at_ms, fn: self.engine.schedule(at_ms, fn, PRIO_OPERATOR),
            self.fire,
            lambda kind, text, service, data: self.emit("operator", kind, text, service, data),
            self._service_of,
        )
        self.deps_of = _deps_by_service(spec.dependencies)
        self.order = _topological(self.service_ids, self.deps_of)
        self.mechanisms: list[Mechanism] = [
            MECHANISM_TYPES[m.type](m, self) for m in spec.mechanisms
        ]
        self.by_id = {m.id: m for m in self.mechanisms}
        self._samplers = [(m.id, m, m.state_key) for m in self.mechanisms]
        self._plan = [(sid, tuple(self.deps_of.get(sid, ()))) for sid in self.order]
        self._dependents: dict[str, list[tuple[str, int]]] = {}
        for dep in spec.dependencies:
            self._dependents.setdefault(dep.target, []).append((dep.source, dep.delay_s * 1000))
        self._last_own: dict[str, tuple[str, float]] = {}
        self._due: list[tuple[int, str]] = []
        self.changed: list[str] = list(self.service_ids)  # statuses changed since read
        self._contribution_cache: dict[str, tuple[Any, Contribution]] = {}
        self._metrics_cache: dict[str, dict[str, Any]] = {}
        self._sampled_ms = -1
        self._touched: set[str] = set()
        self.metrics_by_mechanism: dict[str, dict[str, Any]] = {}
        self.metrics_fresh: dict[str, dict[str, Any]] = {}
        self._metric_names: dict[str, tuple[str, str]] = {}
        self.names = {s.id: s.name or s.id for s in spec.services}
        self._phases: dict[str, str] = {}

    # -- World protocol used by mechanisms ----------------------------------
    def emit(
        self,
        actor: str,
        kind: str,
        text: str,
        service: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.engine.emit(actor, kind, text, service, data)

    def status_of(self, service_id: str) -> str:
        return self.status[service_id]

    def status_since_ms(self, service_id: str) -> int:
        return self.since_ms[service_id]

    def error_rate_of(self, service_id: str) -> float:
        return self.errors[service_id]

    def metric(self, name: str) -> Any:
        split = self._metric_names.get(name)
        if split is None:
            mechanism, _, key = name.partition(".")
            split = self._metric_names[name] = (mechanism, key)
        return self.metrics_by_mechanism.get(split[0], {}).get(split[1])

    def fired(self, intervention_id: str) -> bool:
        return intervention_id in self.fired_ms

    def signal(self, name: str) -> float:
        return self.signals.get(name, 0.0)

    def publish(self, name: str, value: float) -> None:
        if self.signals.get(name) == value:
            return
        self.signals[name] = value
        for fn in self._subscribers.get(name, ()):
            fn(value)

    def subscribe(self, name: str, fn: Callable[[float], None]) -> None:
        self._subscribers.setdefault(name, []).append(fn)

    def compile(self, cond: dict[str, Any]) -> Check:
        return compile_state(cond)

    def check(self, fn: Check) -> bool:
        return fn(self, self.engine.now_ms)

    # -- setup ---------------------------------------------------------------
    def start(self) -> None:
        for mechanism in self.mechanisms:
            mechanism.start()
        for fault in self.spec.faults:
            self.engine.schedule(fault.at_s * 1000, self._fault_fn(fault), PRIO_FAULT)
        self.operators.start()

    def _service_of(self, mechanism_id: str) -> str | None:
        services = self.by_id[mechanism_id].services
        return services[0] if services else None

    def _fault_fn(self, fault: Fault) -> Callable[[], None]:
        def fire() -> None:
            self.by_id[fault.target].apply_fault(fault.type, fault.params)

        return fire

    def fire(self, item: Intervention) -> None:
        self.fired_ms[item.id] = self.engine.now_ms
        self.emit(
            "operator",
            f"operator.{item.action}",
            item.label,
            self._service_of(item.target),
            {"intervention": item.id, "target": item.target},
        )
        if item.action not in COMMON_ACTIONS:
            self.by_id[item.target].act(item.action, item.params)

    # -- per frame -----------------------------------------------------------
    def update_statuses(self, t_ms: int) -> None:
        """Recompute the statuses that can have changed since the last frame.

        A service is re-evaluated when its own contribution changed, when a dependency
        without delay changed earlier in this pass (topological order), or when a change
        of a delayed dependency comes due (`delay_s` after it happened). Any other
        service would compute the same status as before, so it is skipped.
        """
        dirty = self._own_changes(t_ms)
        due = self._due
        while due and due[0][0] <= t_ms:
            dirty.add(heapq.heappop(due)[1])
        if not dirty:
            return
        for sid, deps in self._plan:
            if sid not in dirty:
                continue
            status, error = self._last_own.get(sid, _HEALTHY)
            cause: tuple[Dependency, str] | None = None
            for dep in deps:
                dep_state = self._dep_state(dep, t_ms)
                merged, error = _merge_dependency(status, error, dep, dep_state)
                if merged != status:
                    status, cause = merged, (dep, dep_state[0])
            error = round(min(1.0, error), 4)
            if status != self.status[sid] or error != self.errors[sid]:
                if status != self.status[sid]:
                    self._narrate_status(sid, status, error, cause)
                self._set_status(sid, status, error, t_ms)
                for dependent, delay_ms in self._dependents.get(sid, ()):
                    if delay_ms == 0:
                        dirty.add(dependent)
                    else:
                        heapq.heappush(due, (t_ms + delay_ms, dependent))

    def _narrate_status(
        self, sid: str, status: str, error: float, cause: tuple[Dependency, str] | None
    ) -> None:
        name, before = self.names[sid], self.status[sid]
        if cause is not None:
            dep, dep_status = cause
            soft = "soft " if dep.kind == "soft" else ""
            text = (
                f"{name} is {status}: its {soft}dependency {self.names[dep.target]} is {dep_status}"
            )
        elif status == "healthy":
            text = f"{name} is healthy again"
        elif status == "recovering":
            text = f"{name} is recovering ({error:.0%} errors)"
        else:
            text = f"{name} is {status} ({error:.0%} errors)"
        data = {"from": before, "to": status, "cause": cause[0].target if cause else None}
        self.emit("status", "service.status", text, sid, data)

    def _narrate_phase(self, mechanism: Mechanism) -> None:
        phase = mechanism.phase()
        if phase is None:
            return
        key, text = phase
        before = self._phases.get(mechanism.id)
        self._phases[mechanism.id] = key
        if before is not None and before != key:
            svc = mechanism.services[0] if mechanism.services else None
            kind = f"{mechanism.TYPE}.{key}"
            self.emit(mechanism.id, kind, text, svc, {"phase": key, "from": before})

    def _sample(self, t_ms: int) -> None:
        """Refresh contribution and metrics of every mechanism whose state key moved
        (once per frame); remember the services whose contribution changed."""
        if self._sampled_ms == t_ms:
            return
        self._sampled_ms = t_ms
        contributions, metrics = self._contribution_cache, self._metrics_cache
        fresh: dict[str, dict[str, Any]] = {}
        touched: set[str] = set()
        for mid, mechanism, state_key in self._samplers:
            key = state_key()
            cached = contributions.get(mid)
            if key is not None and cached is not None and cached[0] == key:
                continue
            contribution = mechanism.contribution(t_ms)
            old = cached[1] if cached is not None else {}
            contributions[mid] = (key, contribution)
            if contribution != old:
                touched.update(old)
                touched.update(contribution)
            values = mechanism.metrics(t_ms)
            metrics[mid] = values
            fresh[mid] = values
            self._narrate_phase(mechanism)
        self.metrics_by_mechanism.update(fresh)
        self.metrics_fresh = fresh
        self._touched = touched

    def _own_changes(self, t_ms: int) -> set[str]:
        """The services whose own contribution (the worst over their mechanisms) changed."""
        self._sample(t_ms)
        changed: set[str] = set()
        own = self._last_own
        for sid in self._touched:
            merged = self._merge_own(sid)
            if merged != own.get(sid):
                changed.add(sid)
                if merged is None:
                    del own[sid]
                else:
                    own[sid] = merged
        return changed

    def _merge_own(self, sid: str) -> tuple[str, float] | None:
        merged: tuple[str, float] | None = None
        for mechanism in self.mechanisms:
            value = self._contribution_cache[mechanism.id][1].get(sid)
            if value is None:
                continue
            if merged is None:
                merged = value
                continue
            old_status, old_error = merged
            new_status, new_error = value
            worse = SEVERITY[old_status] > SEVERITY[new_status]
            merged = (old_status if worse else new_status, max(new_error, old_error))
        return merged

    def _dep_state(self, dep: Dependency, t_ms: int) -> tuple[str, float]:
        if dep.delay_s == 0:
            return self.status[dep.target], self.errors[dep.target]
        at_ms = t_ms - dep.delay_s * 1000
        times = self._history_t[dep.target]
        index = bisect_right(times, at_ms) - 1
        if index < 0:
            return "healthy", 0.0
        _, status, error = self.history[dep.target][index]
        return status, error

    def _set_status(self, sid: str, status: str, error: float, t_ms: int) -> None:
        if self.status[sid] != status:
            self.since_ms[sid] = t_ms
        if self.status[sid] != status or self.errors[sid] != error:
            self.status[sid] = status
            self.errors[sid] = error
            self.history[sid].append((t_ms, status, error))
            self._history_t[sid].append(t_ms)
            self.changed.append(sid)

    def collect_metrics(self, t_ms: int) -> dict[str, dict[str, Any]]:
        """Every mechanism's metrics; `metrics_fresh` holds the ones recomputed now."""
        self._sample(t_ms)
        return self.metrics_by_mechanism

    def fire_due_interventions(self, t_ms: int) -> None:
        self.operators.on_frame(self, t_ms)


def _merge_dependency(
    status: str, error: float, dep: Dependency, dep_state: tuple[str, float]
) -> tuple[str, float]:
    dep_status, dep_error = dep_state
    if dep_status == "healthy":
        return status, error
    if dep.kind == "soft":
        if dep_status != "down":
            return status, error
        dep_status, dep_error = "degraded", dep_error * SOFT_ERROR_SHARE
    if SEVERITY[dep_status] > SEVERITY[status]:
        status = dep_status
    return status, max(error, dep_error)


def _deps_by_service(deps: tuple[Dependency, ...]) -> dict[str, list[Dependency]]:
    out: dict[str, list[Dependency]] = {}
    for dep in deps:
        out.setdefault(dep.source, []).append(dep)
    return out


def _topological(ids: list[str], deps_of: dict[str, list[Dependency]]) -> list[str]:
    """Services ordered so every dependency comes before its dependents."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(sid: str) -> None:
        if sid in seen:
            return
        seen.add(sid)
        for dep in deps_of.get(sid, ()):
            visit(dep.target)
        order.append(sid)

    for sid in ids:
        visit(sid)
    return order
