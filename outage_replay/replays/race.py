"""The race explorer in the browser: `simulation.explore` in a worker, bounded in time.

`POST /api/explore/` with a small configuration of a scenario's `dns_automation`
mechanism (Enactors, plans, endpoints, and its fix switches, by default the scenario's
own) answers at once when the same configuration was explored before, else queues one Celery task
(soft limit EXPLORE_TIME_LIMIT_S) and answers 202; `GET /api/explore/<key>/` polls.
Results are `Exploration` rows keyed by the configuration (computed once each).
Result: `{"status": "done", "schedules", "empty", "counterexample": [step, …],
"steps": [{actor, target, text}, …], "replays": [[step, …], …]}` (steps: the
counterexample as messages between Planner, Enactors and the endpoint records, for the
sequence diagram; replays: the first few bad schedules as the mechanism's own steps).

"Replay this interleaving" (`explore_replay`) starts a run, through `run_create`, of the
scenario whose dns_automation follows bad schedule K of a stored exploration: the
variant is built here from the stored row (the client names only the exploration and
K), the scenario's own fault on the automation goes (the interleaving is the cause).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Exploration

EXPLORE_TIME_LIMIT_S = 20
REPLAYS_KEPT = 3
PENDING_TTL_S = EXPLORE_TIME_LIMIT_S + 30
FIX_SETTINGS = ("version_check", "cleanup_protects_active", "cleanup_age_generations")


class ExploreRequestError(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


def explore_config(*, spec: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The explorer's configuration for this request (validated by `simulation`)."""
    from simulation import ScenarioError
    from simulation.explore import config_from_params

    mechs = [m for m in spec.get("mechanisms", []) if m.get("type") == "dns_automation"]
    mech = next(
        (m for m in mechs if m.get("id") == data.get("mechanism")), mechs[0] if mechs else None
    )
    if mech is None:
        raise ExploreRequestError([("mechanism", "this scenario has no dns_automation mechanism")])
    params = mech.get("params", {})
    # The fix switches default to the scenario's own; the clean-up age to 1, the smallest
    # the mechanism runs (a small configuration needs a small age for the race to show,
    # and a schedule found with it replays as a run).
    defaults = {**{k: params.get(k) for k in FIX_SETTINGS[:2]}, "cleanup_age_generations": 1}
    settings = {name: data.get(name, defaults[name]) for name in FIX_SETTINGS}
    settings = {k: v for k, v in settings.items() if v is not None}
    sizes = {}
    for name, default in (("enactors", 2), ("plans", 3), ("endpoints", 2)):
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExploreRequestError([(name, "must be an integer")])
        sizes[name] = value
    try:
        config = config_from_params(mech["id"], params, settings=settings, **sizes)
    except ScenarioError as exc:
        raise ExploreRequestError(exc.errors) from None
    # `endpoints` stays a count (what the page shows); the names are the scenario's first N.
    return {
        **config.__dict__,
        "endpoints": len(config.endpoints),
        "endpoint_names": list(config.endpoints),
    }


def _explore_config(config: dict[str, Any]) -> Any:
    """The stored configuration (endpoints as a count plus names) as an `ExploreConfig`."""
    from simulation.explore import ExploreConfig

    fields = {k: v for k, v in config.items() if k not in ("endpoints", "endpoint_names")}
    return ExploreConfig(**fields, endpoints=tuple(config["endpoint_names"]))


def _key(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:32]


def explore_get(*, key: str) -> dict[str, Any] | None:
    row = Exploration.objects.filter(key=key).exclude(status="pending").first()
    return row.result if row is not None else None


def explore_pending(*, key: str) -> bool:
    return Exploration.objects.filter(key=key, status="pending").exists()


def explore_request(
    *, config: dict[str, Any], before_queue: Any = None
) -> tuple[str, dict[str, Any]]:
    """(key, result or {"status": "pending"}); queues the exploration when it is new (or
    when a queued one was lost: pending for longer than the task may take)."""
    key = _key(config)
    pending = {"status": "pending", "config": config}
    row = Exploration.objects.filter(key=key).first()
    if row is not None and row.status != "pending":
        return key, row.result
    stale = timezone.now() - timedelta(seconds=PENDING_TTL_S)
    if row is not None and row.created_at > stale:
        return key, pending
    if before_queue is not None:
        before_queue()
    with transaction.atomic():
        if row is not None:
            Exploration.objects.filter(pk=row.pk).update(created_at=timezone.now())
        else:
            try:
                with transaction.atomic():
                    Exploration.objects.create(key=key, config=config)
            except IntegrityError:  # queued by a concurrent request
                return key, pending
        from .tasks import explore_race

        explore_race.delay_on_commit(key, config)
    return key, pending


def explore_execute(*, key: str, config: dict[str, Any]) -> dict[str, Any]:
    from simulation.explore import explore

    report = explore(_explore_config(config))
    result = {
        "status": "done",
        "config": config,
        "schedules": report.schedules,
        "empty": report.empty,
        "counterexample": report.counterexample,
        "steps": [_message(text) for text in report.counterexample],
        # A schedule replays only with an age the mechanism runs (its minimum is 1).
        "replays": []
        if config["cleanup_age_generations"] < 1
        else [report.schedule(k) for k in range(1, min(REPLAYS_KEPT, report.first_empty) + 1)],
    }
    explore_store(key=key, result=result)
    return result


def explore_replay_variant(*, spec: dict[str, Any], key: str, index: Any) -> dict[str, Any]:
    """The server-built variant that replays bad schedule `index` (1-based) of the stored
    exploration `key` on this scenario's dns_automation mechanism."""
    from simulation.explore import replay_variant

    if isinstance(index, bool) or not isinstance(index, int):
        raise ExploreRequestError([("schedule", "must be an integer (1 is the first bad one)")])
    result = explore_get(key=key)
    if result is None or result.get("status") != "done":
        raise ExploreRequestError([("key", "no finished exploration with this key")])
    replays = result.get("replays") or []
    if not 1 <= index <= len(replays):
        raise ExploreRequestError(
            [("schedule", f"this exploration keeps {len(replays)} bad schedule(s) to replay")]
        )
    config = result["config"]
    mech = next((m for m in spec.get("mechanisms", []) if m.get("id") == config["mechanism"]), None)
    if mech is None or mech.get("type") != "dns_automation":
        raise ExploreRequestError([("key", "this exploration is of another scenario")])
    faults = spec.get("faults", [])
    fault = next((f for f in faults if f.get("target") == mech["id"]), None)
    variant = replay_variant(
        _explore_config(config), replays[index - 1], fault["at_s"] if fault else 0
    )
    return {**variant, "faults": [f for f in faults if f.get("target") != mech["id"]]}


def explore_replay(*, scenario: Any, key: str, index: Any, **create: Any) -> tuple[Any, bool]:
    """(run, created): the run door's service with the server-built variant, reusing an
    identical run. `create` passes owner_key / before_create on to `run_create`."""
    from .services import run_create

    variant = explore_replay_variant(spec=scenario.to_spec(), key=key, index=index)
    # Not a visitor's variant: built here, so it may set the schedule and the faults.
    return run_create(scenario=scenario, variant=variant, public=False, **create)


def explore_store(*, key: str, result: dict[str, Any]) -> None:
    Exploration.objects.update_or_create(
        key=key, defaults={"status": result["status"], "result": result, "config": result["config"]}
    )


_ENDPOINT = re.compile(r"endpoint (\d+)")


def _message(text: str) -> dict[str, Any]:
    """One counterexample step as a message: who acts, on what, saying what."""
    if text.startswith("Planner"):
        return {"actor": "planner", "target": "plans", "text": text}
    if text.startswith("end:"):
        return {"actor": "record", "target": "record", "text": text, "final": True}
    m = re.match(r"Enactor (\w+)", text)
    actor = f"enactor-{m.group(1).lower()}" if m else "record"
    endpoint = _ENDPOINT.search(text)
    if endpoint:
        return {
            "actor": actor,
            "target": f"endpoint-{endpoint.group(1)}",
            "text": text,
            "stale": "OVERWRITES" in text,
        }
    return {"actor": actor, "target": "plans", "text": text, "deletes": "deletes plans [" in text}
