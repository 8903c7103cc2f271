"""The DNS automation's rules, once: what a take-up, a transaction and a clean-up do.

`dns_automation` (the timed mechanism) and `explore` (the enumeration of every
interleaving) both apply these functions to a `Plans` state, so the race the explorer
finds is the race the simulation runs:

- `take_up(s, newest)`: an idle Enactor takes the newest plan up only if it is newer than
  the last plan any Enactor took up — the staleness check, done ONCE per pass;
- `transact(s, endpoint, plan, version_check)`: one Route 53-style transaction replacing
  the endpoint's current plan by `plan`. It needs both plans to exist ("blocked"
  otherwise: the inconsistent state); with `version_check="per_write"` the Enactor first
  re-checks and stops ("stale") if its plan is older than the endpoint's;
- `cleanup(s, applied, age, protects_active)`: after a pass, delete the plans more than
  `age` generations older than the one applied (never one active on an endpoint with
  `protects_active`);
- `empty(s)`: endpoints whose plan was deleted (an EMPTY record).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Plans:
    """Plan generations that exist, each endpoint's current plan, the newest and the last
    plan any Enactor took up."""

    generation: int
    claimed: int
    plans: set[int]
    records: dict[str, int]


def initial(generation: int, endpoints: list[str]) -> Plans:
    return Plans(generation, generation, {generation}, dict.fromkeys(endpoints, generation))


def new_plan(s: Plans) -> int:
    s.generation += 1
    s.plans.add(s.generation)
    return s.generation


def take_up(s: Plans, newest: int) -> int | None:
    """The last plan taken up before, if `newest` passes the check; else None."""
    if newest <= s.claimed:
        return None
    previous, s.claimed = s.claimed, newest
    return previous


def transact(s: Plans, endpoint: str, plan: int, version_check: str) -> tuple[str, int]:
    """("applied" | "stale" | "blocked", the endpoint's plan before)."""
    current = s.records[endpoint]
    if version_check == "per_write" and plan < current:
        return "stale", current
    if current not in s.plans or plan not in s.plans:
        return "blocked", current
    s.records[endpoint] = plan
    return "applied", current


def cleanup(s: Plans, applied: int, age: int, protects_active: bool) -> tuple[int, list[int]]:
    """(threshold, deleted plans): plans older than `applied - age` are deleted."""
    threshold = applied - age
    active = set(s.records.values()) if protects_active else set()
    doomed = sorted(g for g in s.plans if g < threshold and g not in active)
    s.plans.difference_update(doomed)
    return threshold, doomed


def restore(s: Plans) -> None:
    """Operators write the newest plan to every endpoint."""
    s.plans.add(s.generation)
    for endpoint in s.records:
        s.records[endpoint] = s.generation


def empty(s: Plans) -> list[str]:
    return [ep for ep, gen in s.records.items() if gen not in s.plans]
