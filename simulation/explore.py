"""Every interleaving of the DNS automation's steps, for a scenario's own parameters.

The steps are those `mechanisms/dns_automation.py` runs, with its rules applied by the
same code (`mechanisms/dns_rules.py`); only the timing is taken away, so every order
the clocks could produce is tried:

- `planner`: the Planner creates the next plan generation (up to `plans` new ones);
- `pick E`: idle Enactor E takes the newest plan up — if it is newer than the last plan
  any Enactor took up (the check, done ONCE);
- `lock E EP`: E takes the lock of endpoint EP (enabled only while nobody holds it);
- `write E EP`: E's transaction on EP (applied, stale with `version_check=per_write`, or
  blocked when a plan it needs was deleted), releasing the lock;
- `cleanup E`: after a pass, E deletes plans more than `cleanup_age_generations` older
  than the one it applied (never an active one with `cleanup_protects_active`).

An Enactor back from a pass (or blocked) may pick again; the run ends when no step is
enabled. A schedule is *bad* if it ends with an EMPTY record (an endpoint whose plan was
deleted: nobody can repair it); those that empty the first endpoint (the record clients
resolve, dns_automation's `answer`) are counted apart, and are the ones replayed.
States are hashed, so each distinct state is expanded once and schedules are counted,
not listed: 3 Enactors × 5 plans take seconds.

    report = explore(config_from_spec(spec, enactors=3, plans=5))
    report.to_dict()   # {"config", "states", "schedules", "empty", "first_empty",
                       #  "counterexamples": [[{"step", "text"}, …], …]}
    report.schedule(k) # the k-th schedule (1-based) that empties the first endpoint

`replay_variant(config, steps, at_s)` turns a schedule into a variant in which the
scenario's dns_automation runs exactly those steps (param `schedule`), so the outage
follows from that interleaving (`python -m simulation explore FILE --replay K`).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from typing import Any

from simulation.errors import ScenarioError
from simulation.mechanisms import dns_rules
from simulation.spec import Scenario

MAX_ENACTORS = 4
MAX_PLANS = 6
MAX_STATES = 300_000  # about 350 MB of hashed states
COUNTEREXAMPLES = 3
REPLAY_STEP_S = 1

# An Enactor: (pc, plan, endpoint index); pc ∈ idle | lock | write | cleanup.
Actor = tuple[str, int, int]
# (generation, claimed, plans, records, locks, enactors)
State = tuple[int, int, frozenset[int], tuple[int, ...], tuple[int, ...], tuple[Actor, ...]]
Counts = tuple[int, int, int]


@dataclass(frozen=True)
class ExploreConfig:
    enactors: int = 2
    plans: int = 3
    endpoints: tuple[str, ...] = ("regional", "fips")
    cleanup_age_generations: int = 0
    version_check: str = "once"
    cleanup_protects_active: bool = False
    mechanism: str = ""  # the dns_automation mechanism it was read from, if any


def config_from_spec(
    spec: Scenario,
    enactors: int | None = None,
    plans: int = 3,
    endpoints: int | None = None,
    settings: dict[str, object] | None = None,
) -> ExploreConfig:
    """The explorer's configuration from the scenario's dns_automation mechanism."""
    mech = next((m for m in spec.mechanisms if m.type == "dns_automation"), None)
    if mech is None:
        raise ScenarioError([("mechanisms", "has no dns_automation mechanism to explore")])
    return config_from_params(mech.id, mech.params, enactors, plans, endpoints, settings)


def config_from_params(  # noqa: PLR0917
    mechanism: str,
    params: dict[str, Any],
    enactors: int | None = None,
    plans: int = 3,
    endpoints: int | None = None,
    settings: dict[str, object] | None = None,
) -> ExploreConfig:
    """The same from a dns_automation mechanism's id and params (a document's; params it
    leaves out take their defaults)."""
    from simulation.mechanisms.dns_automation import DnsAutomation

    p = {name: param.default for name, param in DnsAutomation.PARAMS.items()} | params
    names = list(p["endpoints"])
    values: dict[str, Any] = {
        "enactors": p["enactors"] if enactors is None else enactors,
        "plans": plans,
        "endpoints": tuple(names if endpoints is None else names[: max(0, endpoints)]),
        "cleanup_age_generations": p["cleanup_age_generations"],
        "version_check": p["version_check"],
        "cleanup_protects_active": p["cleanup_protects_active"],
        "mechanism": mechanism,
    }
    errors: list[tuple[str, str]] = []
    for path, value in (settings or {}).items():
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
                    "cleanup_protects_active=true|false, cleanup_age_generations=N",
                )
            )
    for name, value, hi in (
        ("enactors", values["enactors"], MAX_ENACTORS),
        ("plans", plans, MAX_PLANS),
        ("endpoints", len(values["endpoints"]), len(names)),
    ):
        if not 1 <= value <= hi:
            errors.append((name, f"must be between 1 and {hi}"))
    if errors:
        raise ScenarioError(errors)
    return ExploreConfig(**values)


@dataclass
class Report:
    config: ExploreConfig
    states: int
    schedules: int
    empty: int
    first_empty: int
    _memo: dict[State, Counts]
    _start: State

    def schedule(self, k: int) -> list[str]:
        """The k-th (1-based) schedule that ends with the first endpoint's record EMPTY
        (the record clients resolve), as steps."""
        if not 1 <= k <= self.first_empty:
            raise ScenarioError([("replay", f"must be between 1 and {self.first_empty}")])
        state, left, out = self._start, k - 1, list[str]()
        while True:
            steps = _enabled(self.config, state)
            if not steps:
                return out
            for step in steps:
                nxt = _apply(self.config, state, step)
                bad = self._memo[nxt][2]
                if left < bad:
                    out.append(step)
                    state = nxt
                    break
                left -= bad

    @property
    def counterexample(self) -> list[str]:
        """The first schedule that empties the first endpoint, as sentences, ending with
        an "end: …" line (empty when there is none)."""
        if not self.first_empty:
            return []
        rows = describe(self.config, self.schedule(1))
        shown = ", ".join(
            f"endpoint {i} ({ep}): " + ("EMPTY" if ep in rows[-1]["empty"] else "has a plan")
            for i, ep in enumerate(self.config.endpoints)
        )
        return [row["text"] for row in rows] + [f"end: {shown}"]

    def to_dict(self) -> dict[str, Any]:
        config = asdict(self.config)
        config["endpoints"] = list(self.config.endpoints)
        return {
            "config": config,
            "states": self.states,
            "schedules": self.schedules,
            "empty": self.empty,
            "first_empty": self.first_empty,
            "counterexamples": [
                describe(self.config, self.schedule(k))
                for k in range(1, min(self.first_empty, COUNTEREXAMPLES) + 1)
            ],
        }

    def format(self) -> str:
        c = self.config
        lines = [
            f"{c.enactors} Enactors, {c.plans} new plans, endpoints {', '.join(c.endpoints)}; "
            f"clean-up age {c.cleanup_age_generations} generations, version_check="
            f"{c.version_check}, cleanup_protects_active={str(c.cleanup_protects_active).lower()}",
            f"{self.states} distinct states; {self.schedules} schedules, "
            f"{self.empty} end with an EMPTY record, {self.first_empty} of them with "
            f"{c.endpoints[0]} (the record clients resolve) EMPTY",
        ]
        if self.first_empty:
            lines.append("counterexample 1 (replay it with --replay 1):")
            lines += [
                f"  {i + 1:2d}. {row['text']}"
                for i, row in enumerate(describe(c, self.schedule(1)))
            ]
        return "\n".join(lines)


def explore(config: ExploreConfig) -> Report:
    start: State = (
        1,
        1,
        frozenset({1}),
        (1,) * len(config.endpoints),
        (-1,) * len(config.endpoints),
        (("idle", 0, 0),) * config.enactors,
    )
    memo: dict[State, Counts] = {}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        total, bad, first = _count(config, start, memo)
    finally:
        sys.setrecursionlimit(limit)
    return Report(config, len(memo), total, bad, first, memo, start)


def _count(config: ExploreConfig, state: State, memo: dict[State, Counts]) -> Counts:
    """(schedules, ending with any record EMPTY, ending with the first one EMPTY) from
    `state`; each distinct state is expanded once."""
    known = memo.get(state)
    if known is not None:
        return known
    steps = _enabled(config, state)
    if not steps:
        plans, records = state[2], state[3]
        result = (1, int(any(r not in plans for r in records)), int(records[0] not in plans))
    else:
        total = bad = first = 0
        for step in steps:
            t, b, f = _count(config, _apply(config, state, step), memo)
            total, bad, first = total + t, bad + b, first + f
        result = (total, bad, first)
    memo[state] = result
    if len(memo) > MAX_STATES:
        raise ScenarioError([("explore", f"more than {MAX_STATES} states: choose a smaller size")])
    return result


def _enabled(config: ExploreConfig, state: State) -> list[str]:
    generation, claimed, _, _, locks, actors = state
    steps = ["planner"] if generation < 1 + config.plans else []
    for e, (pc, _, index) in enumerate(actors):
        name = chr(ord("a") + e)
        if pc == "idle":
            if generation > claimed:
                steps.append(f"pick {name}")
        elif pc == "lock":
            if locks[index] < 0:
                steps.append(f"lock {name} {config.endpoints[index]}")
        elif pc == "write":
            steps.append(f"write {name} {config.endpoints[index]}")
        else:
            steps.append(f"cleanup {name}")
    return steps


def _apply(config: ExploreConfig, state: State, step: str) -> State:
    """The state after `step`, by the rules dns_automation uses (dns_rules)."""
    generation, claimed, plans, records, locks, actors = state
    s = dns_rules.Plans(
        generation, claimed, set(plans), dict(zip(config.endpoints, records, strict=True))
    )
    lock_list, actor_list = list(locks), list(actors)
    kind, *rest = step.split()
    if kind == "planner":
        dns_rules.new_plan(s)
    else:
        e = ord(rest[0]) - ord("a")
        _, plan, index = actor_list[e]
        if kind == "pick":
            dns_rules.take_up(s, s.generation)
            actor_list[e] = ("lock", s.generation, 0)
        elif kind == "lock":
            lock_list[index] = e
            actor_list[e] = ("write", plan, index)
        elif kind == "write":
            lock_list[index] = -1
            outcome, _ = dns_rules.transact(s, config.endpoints[index], plan, config.version_check)
            if outcome != "applied":
                actor_list[e] = ("idle", 0, 0)
            elif index + 1 < len(config.endpoints):
                actor_list[e] = ("lock", plan, index + 1)
            else:
                actor_list[e] = ("cleanup", plan, 0)
        else:
            dns_rules.cleanup(
                s, plan, config.cleanup_age_generations, config.cleanup_protects_active
            )
            actor_list[e] = ("idle", 0, 0)
    return (
        s.generation,
        s.claimed,
        frozenset(s.plans),
        tuple(s.records[ep] for ep in config.endpoints),
        tuple(lock_list),
        tuple(actor_list),
    )


def describe(config: ExploreConfig, steps: list[str]) -> list[dict[str, Any]]:
    """Plain data for a schedule: each step with the state it leaves."""
    state = (
        1,
        1,
        frozenset({1}),
        (1,) * len(config.endpoints),
        (-1,) * len(config.endpoints),
        (("idle", 0, 0),) * config.enactors,
    )
    out: list[dict[str, Any]] = []
    for step in steps:
        before = state
        state = _apply(config, state, step)
        out.append({"step": step, "text": _text(config, step, before, state)})
    empty = [ep for ep, r in zip(config.endpoints, state[3], strict=True) if r not in state[2]]
    if out:
        out[-1]["empty"] = empty
    return out


def _text(config: ExploreConfig, step: str, before: State, after: State) -> str:
    kind, *rest = step.split()
    if kind == "planner":
        return f"Planner creates plan {after[0]}"
    name = rest[0].upper()
    e = ord(rest[0]) - ord("a")
    if kind == "pick":
        return f"Enactor {name} picks plan {after[0]} (checked once: newer than {before[1]})"
    where = f"endpoint {config.endpoints.index(rest[1])} ({rest[1]})" if len(rest) > 1 else ""
    if kind == "lock":
        return f"Enactor {name} takes the lock of {where}"
    if kind == "write":
        plan, index = before[5][e][1], before[5][e][2]
        old, new = before[3][index], after[3][index]
        if new != plan:
            return f"Enactor {name} cannot write plan {plan} to {where} (stale or blocked)"
        stale = f" (OVERWRITES newer plan {old})" if plan < old else ""
        return f"Enactor {name} writes plan {plan} to {where}{stale}"
    deleted = sorted(before[2] - after[2])
    empty = [ep for ep, r in zip(config.endpoints, after[3], strict=True) if r not in after[2]]
    tail = f" — {', '.join(empty)} now EMPTY" if empty else ""
    return f"Enactor {name} clean-up deletes plans {deleted or 'none'}{tail}"


def replay_variant(config: ExploreConfig, steps: list[str], at_s: int) -> dict[str, object]:
    """Variant paths that make the scenario's dns_automation run `steps` from `at_s`
    (one step a second) instead of its timed Planner and Enactors; the scenario's own
    faults on it are switched off by the caller (the interleaving is the cause)."""
    prefix = f"mechanisms.{config.mechanism}.params"
    return {
        f"{prefix}.schedule": list(steps),
        f"{prefix}.schedule_at_s": at_s,
        f"{prefix}.schedule_step_s": REPLAY_STEP_S,
        f"{prefix}.enactors": config.enactors,
        f"{prefix}.endpoints": list(config.endpoints),
        # The explored settings, so each step does in the run what it did in the schedule
        # (a clean-up with another age would delete other plans).
        f"{prefix}.cleanup_age_generations": config.cleanup_age_generations,
        f"{prefix}.version_check": config.version_check,
        f"{prefix}.cleanup_protects_active": config.cleanup_protects_active,
    }
