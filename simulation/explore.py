"""Exhaustive search of DNS Enactor interleavings (a tiny model checker).

The same rules as `mechanisms/dns_automation.py`, stripped to atomic steps so every
schedule of a small configuration can be enumerated (DAT453 says AWS later reproduced
the race with TLA+; this is the same idea in a few dozen lines):

- `planner`: create the next plan generation (up to `plans`);
- `pick(E)`: Enactor E takes the newest plan up if it is newer than the last plan any
  Enactor took up — the check, done ONCE (if not, E finishes without a pass);
- `apply(E, i)`: one transaction on endpoint i: fails (E blocked) if the endpoint's
  current plan or E's plan was deleted; with `version_check=per_write`, E first
  re-checks and stops if its plan is older than the endpoint's;
- `cleanup(E)`: delete plans more than `cleanup_age_generations` older than E's plan
  (never an active one with `cleanup_protects_active`).

Each Enactor makes at most one pass. Plan 1 exists and is active everywhere at the start.
A schedule is a complete sequence of steps; it is *bad* if it ends with an endpoint whose
plan was deleted (an EMPTY record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulation.errors import ScenarioError

Step = tuple[str, int, int]  # (kind, enactor, endpoint)


@dataclass(frozen=True)
class ExploreConfig:
    enactors: int = 2
    plans: int = 3
    endpoints: int = 2
    cleanup_age_generations: int = 0
    version_check: str = "once"
    cleanup_protects_active: bool = False

    @classmethod
    def from_settings(
        cls, enactors: int, plans: int, endpoints: int, settings: dict[str, object]
    ) -> ExploreConfig:
        values: dict[str, Any] = {}
        errors = []
        for path, value in settings.items():
            name = path.rsplit(".", 1)[-1]
            if (
                (name == "version_check" and value in ("once", "per_write"))
                or (name == "cleanup_protects_active" and isinstance(value, bool))
                or (name == "cleanup_age_generations" and isinstance(value, int) and value >= 0)
            ):
                values[name] = value
            else:
                errors.append(
                    (
                        path,
                        "explore accepts version_check=once|per_write, "
                        "cleanup_protects_active=true|false, "
                        "cleanup_age_generations=N",
                    )
                )
        for name, value, hi in (
            ("enactors", enactors, 4),
            ("plans", plans, 6),
            ("endpoints", endpoints, 4),
        ):
            if not 1 <= value <= hi:
                errors.append((name, f"must be between 1 and {hi}"))
        if errors:
            raise ScenarioError(errors)
        return cls(enactors, plans, endpoints, **values)


@dataclass
class State:
    newest: int
    claimed: int
    plans: set[int]
    records: list[int]
    pc: list[str]  # idle | apply | cleanup | done
    plan: list[int]
    index: list[int]

    def copy(self) -> State:
        return State(
            self.newest,
            self.claimed,
            set(self.plans),
            list(self.records),
            list(self.pc),
            list(self.plan),
            list(self.index),
        )


@dataclass
class Report:
    config: ExploreConfig
    schedules: int = 0
    empty: int = 0
    counterexample: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.__dict__,
            "schedules": self.schedules,
            "empty": self.empty,
            "counterexample": self.counterexample,
        }

    def format(self) -> str:
        c = self.config
        lines = [
            f"{c.enactors} Enactors, {c.plans} plans, {c.endpoints} endpoints, "
            f"version_check={c.version_check}, cleanup_protects_active="
            f"{str(c.cleanup_protects_active).lower()}",
            f"{self.schedules} schedules, {self.empty} end with an EMPTY record",
        ]
        if self.counterexample:
            lines.append("counterexample:")
            lines += [f"  {i + 1:2d}. {s}" for i, s in enumerate(self.counterexample)]
        return "\n".join(lines)


def explore(config: ExploreConfig) -> Report:
    report = Report(config)
    start = State(
        1,
        1,
        {1},
        [1] * config.endpoints,
        ["idle"] * config.enactors,
        [0] * config.enactors,
        [0] * config.enactors,
    )
    _walk(config, start, [], report)
    return report


def _walk(config: ExploreConfig, state: State, trail: list[str], report: Report) -> None:
    steps = _enabled(config, state)
    if not steps:
        report.schedules += 1
        if any(r not in state.plans for r in state.records):
            report.empty += 1
            if not report.counterexample:
                report.counterexample = [*trail, _final(state)]
        return
    for step in steps:
        nxt = state.copy()
        text = _step(config, nxt, step)
        _walk(config, nxt, [*trail, text], report)


def _enabled(config: ExploreConfig, state: State) -> list[Step]:
    if all(pc == "done" for pc in state.pc):
        return []
    steps: list[Step] = [("planner", -1, -1)] if state.newest < config.plans else []
    for e, pc in enumerate(state.pc):
        if pc != "done":
            steps.append((pc, e, state.index[e]))
    return steps


def _name(e: int) -> str:
    return chr(ord("A") + e)


def _step(config: ExploreConfig, s: State, step: Step) -> str:
    kind, e, i = step
    if kind == "planner":
        s.newest += 1
        s.plans.add(s.newest)
        return f"Planner creates plan {s.newest}"
    if kind == "idle":
        return _pick(s, e)
    if kind == "apply":
        return _apply(config, s, e, i)
    return _cleanup(config, s, e)


def _pick(s: State, e: int) -> str:
    if s.newest <= s.claimed:
        s.pc[e] = "done"
        return f"Enactor {_name(e)}: plan {s.newest} was already taken up, nothing to do"
    previous, s.claimed = s.claimed, s.newest
    s.plan[e], s.index[e], s.pc[e] = s.newest, 0, "apply"
    return f"Enactor {_name(e)} picks plan {s.newest} (checked once: newer than {previous})"


def _apply(config: ExploreConfig, s: State, e: int, i: int) -> str:
    plan, current = s.plan[e], s.records[i]
    if config.version_check == "per_write" and plan < current:
        s.pc[e] = "done"
        return f"Enactor {_name(e)} re-checks endpoint {i}: plan {plan} < {current}, stops"
    if current not in s.plans or plan not in s.plans:
        s.pc[e] = "done"
        return f"Enactor {_name(e)} blocked on endpoint {i}: a plan it needs was deleted"
    s.records[i] = plan
    s.index[e] = i + 1
    if s.index[e] == len(s.records):
        s.pc[e] = "cleanup"
    stale = f" (OVERWRITES newer plan {current})" if plan < current else ""
    return f"Enactor {_name(e)} writes plan {plan} to endpoint {i}{stale}"


def _cleanup(config: ExploreConfig, s: State, e: int) -> str:
    below = s.plan[e] - config.cleanup_age_generations
    active = set(s.records) if config.cleanup_protects_active else set()
    doomed = sorted(p for p in s.plans if p < below and p not in active)
    s.plans -= set(doomed)
    s.pc[e] = "done"
    return f"Enactor {_name(e)} clean-up deletes plans {doomed or 'none'} (older than {below})"


def _final(s: State) -> str:
    shown = ", ".join(
        f"endpoint {i}: " + ("EMPTY" if r not in s.plans else f"plan {r}")
        for i, r in enumerate(s.records)
    )
    return f"end: {shown}"
