"""dns_automation — a Planner and N Enactors keeping DNS records on the newest plan.

Models DynamoDB's DNS management (AWS post-event summary, 2025-10-23): the Planner
emits a new plan *generation* every `planner_interval_s`; idle Enactors (one per AZ)
look for it at a random point of their `poll_interval_s`. The first to find a plan
newer than the last plan any Enactor took up takes it up — that is the check, done
ONCE — and applies it endpoint by endpoint, each write a Route 53-style transaction
under a per-endpoint lock (busy ⇒ retry after `retry_backoff_s`). A transaction
replaces the *current* plan with the new one, so it needs both plans to exist. After
a finished pass the Enactor runs clean-up, deleting plans more than
`cleanup_age_generations` older than the one it applied. A record whose plan was
deleted has no addresses ("EMPTY").

Enactor state machine:

    idle --new plan, newer than the last taken up?--yes--> locking(ep) --lock busy--> retry
      ^                                                        |                  |
      |                                                        v                  v
      +--- cleanup <-- done <-- applying(ep) <-----------------+------------------+
      |                            | next ep: locking(ep+1)
      +--- blocked <---------------+ current or own plan missing (inconsistent state)
    slowed (fault): locking(ep) --lock_delay_s--> waiting(ep) --another Enactor's
                                                   transaction on ep ends--> applying(ep)

Contention (fault `enactor_delay`): a slowed Enactor's lock request takes
`lock_delay_s` and is then served behind the other Enactors' writes: it gets the lock
handed over when another Enactor next finishes a transaction on that endpoint (or when
the slowdown ends, if nobody comes). Our reading of "unusually high delays" (AWS) and
"the delay was in acquiring the lock" (DAT453 talk); AWS gives no mechanism.

The race (no script needed): the slowed Enactor holds an old plan while the Planner
moves on; a fast Enactor applies a plan more than `cleanup_age_generations` newer;
right after its write on the first endpoint the slow one's stale write lands there;
the fast one's clean-up then deletes the now-active old plan ⇒ the record is EMPTY,
and every later transaction on that endpoint fails (its current plan is gone) until an
operator restores the records. Nobody repairs the stale record in between, because
no Enactor takes up a plan that has already been taken up.

Fix switches: `version_check=per_write` re-checks staleness before every write;
`cleanup_protects_active=true` never deletes a plan that is active on any endpoint.

Run time: polls that cannot take a plan up are not simulated (the first poller of a
generation claims it; later polls would find nothing), and a routine pass is narrated
as one `enactor.apply` event when its clean-up runs; `enactor.pick`,
`enactor.overwrite`, `enactor.lock_busy`, `enactor.blocked`, `enactor.stale_skip`,
`dns.record_empty`, `dns.restored` are emitted as they happen, and `cleanup.delete`
only when a clean-up deletes a plan that is active on some endpoint.

Params (AWS published none of these numbers): enactors (count), endpoints (names,
applied in order), planner_interval_s (s), poll_interval_s (s), lock_s (s, normal
lock acquisition), apply_s (s per transaction), retry_backoff_s (s), cleanup_delay_s
(s from pass end to deletions), cleanup_age_generations (generations),
initial_generation, version_check, cleanup_protects_active.
Fault `enactor_delay`: {enactor, lock_delay_s (s per lock request), duration_s (s),
jitter (share)}.
Action `restore_records`: operators write the newest plan to every endpoint.

Signals: `<id>.answer` — 1.0 while the first endpoint's record has addresses, else 0.0.
Metrics: record (first endpoint: "plan-<gen>" or "EMPTY"), records {endpoint: ...},
generation (newest), plans (stored count), empty (bool), active_plan_deleted (bool),
enactors [{id, plan, endpoint (index or null), state}].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from simulation.engine import PRIO_NORMAL
from simulation.mechanisms import dns_rules
from simulation.mechanisms.base import Contribution, Mechanism, World
from simulation.mechanisms.shows import Actor, Chart, Message, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec

ENDPOINTS = ["regional", "fips", "ipv6", "account"]


@dataclass
class Enactor:
    name: str
    plan: int | None = None
    index: int | None = None
    state: str = "idle"
    delay_until_ms: int = 0
    lock_delay_s: float = 0.0
    lock_jitter: float = 0.25
    blocked: bool = False
    seen: int = 0
    poll_pending: bool = False
    token: int = 0
    waiting: str | None = None
    written: list[str] = field(default_factory=list)
    took_over: int | None = None

    @property
    def actor(self) -> str:
        return f"enactor-{self.name}"

    def to_dict(self) -> dict[str, Any]:
        plan = None if self.plan is None else f"plan-{self.plan}"
        return {"id": self.name, "plan": plan, "endpoint": self.index, "state": self.state}


class DnsAutomation(Mechanism):
    TYPE = "dns_automation"
    PARAMS: ClassVar[dict[str, Param]] = {
        "enactors": Param("int", 3, "", "independent Enactors (one per AZ)", 1, 26),
        "endpoints": Param("str_list", ENDPOINTS, "", "endpoints, applied in this order", 1),
        "planner_interval_s": Param("float", 10.0, "s", "time between plan generations", 0.1, 3600),
        "planner_offset_s": Param(
            "float",
            0.0,
            "s",
            "the Planner's phase: first plan this long after one interval",
            0,
            3600,
        ),
        "poll_interval_s": Param("float", 2.0, "s", "Enactor poll period", 0.1, 3600),
        "lock_s": Param("float", 0.2, "s", "normal lock acquisition time", 0.0, 600),
        "apply_s": Param("float", 1.5, "s", "one endpoint transaction", 0.01, 600),
        "retry_backoff_s": Param("float", 0.5, "s", "wait before retrying a busy lock", 0.01, 600),
        "cleanup_delay_s": Param("float", 1.0, "s", "pass end to clean-up deletions", 0, 600),
        "cleanup_age_generations": Param(
            "int", 5, "generations", "clean-up deletes plans this much older", 1, 10**6
        ),
        "initial_generation": Param("int", 1000, "", "generation of the first plan", 0),
        "version_check": Param(
            "choice",
            "once",
            "",
            "staleness check: once per pass (the bug) or before every write (fix)",
            choices=("once", "per_write"),
        ),
        "cleanup_protects_active": Param(
            "bool", False, "", "fix: clean-up never deletes a plan active on any endpoint"
        ),
        "schedule": Param(
            "str_list",
            [],
            "",
            "a scripted interleaving (from `explore --replay`): these steps run instead of "
            "the timed Planner and Enactors — planner, pick E, lock E EP, write E EP, cleanup E",
        ),
        "schedule_at_s": Param("float", 0.0, "s", "when the scripted interleaving starts", 0),
        "schedule_step_s": Param("float", 1.0, "s", "time between scripted steps", 0.001, 3600),
    }
    FAULTS: ClassVar[dict[str, dict[str, Param]]] = {
        "enactor_delay": {
            "enactor": Param("str", "a", "", "which Enactor is slowed (a, b, c, …)"),
            "lock_delay_s": Param(
                "float",
                55.0,
                "s",
                "time per lock request while slowed (default: 5.5 default Planner periods, so "
                "the held plan ages just past the default clean-up threshold)",
                0,
                86400,
            ),
            "duration_s": Param("float", 300.0, "s", "how long the slowdown lasts", 0, 86400),
            "jitter": Param("float", 0.05, "fraction", "each request varies ± this share", 0, 1),
        }
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {"restore_records": {}}
    METRICS = (
        "record",
        "records",
        "generation",
        "plans",
        "empty",
        "active_plan_deleted",
        "enactors",
    )
    SHOWS = Shows(
        title="DNS automation",
        signals=(
            Signal("record", "first endpoint's record", "", "text"),
            Signal("records", "records", "", "text", per="endpoint"),
            Signal("generation", "newest plan generation", "", "count"),
            Signal("plans", "plans stored", "plans", "count"),
            Signal("empty", "record empty", "", "boolean"),
        ),
        charts=(Chart("plans stored", ("plans",)),),
        panel=("records", "generation", "plans", "empty"),
        sequence_title="the race",
        messages=(
            Message("enactor.pick", "takes up plan", frm="planner", routine=True),
            Message("enactor.apply", "applies plan", to="record", tone="good", routine=True),
            Message("enactor.delayed", "slowed", tone="warn"),
            Message("enactor.overwrite", "stale write", to="record", tone="bad"),
            Message("cleanup.delete", "clean-up deletes active plan", to="record", tone="bad"),
            Message("dns.record_empty", "EMPTY", frm="record", tone="bad"),
            Message("enactor.blocked", "blocked", tone="bad"),
            Message("enactor.stale_skip", "stale, skipped", tone="good"),
            Message("dns.restored", "records restored", frm="operator", to="record", tone="good"),
        ),
    )
    SIGNALS = ("answer",)

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        endpoints = params.get("endpoints")
        if isinstance(endpoints, list) and len(set(endpoints)) != len(endpoints):
            errors.append((f"{path}.endpoints", "must not repeat names"))
        names = {chr(ord("a") + i) for i in range(params.get("enactors", 0))}
        for i, step in enumerate(params.get("schedule") or []):
            kind, *rest = step.split()
            arity = {"planner": 0, "pick": 1, "cleanup": 1, "lock": 2, "write": 2}.get(kind)
            if (
                arity is None
                or len(rest) != arity
                or (rest and rest[0] not in names)
                or (arity == 2 and rest[1] not in (endpoints or []))
            ):
                errors.append(
                    (
                        f"{path}.schedule[{i}]",
                        "must be planner, pick E, lock E EP, write E EP or cleanup E "
                        "(E an Enactor letter, EP an endpoint)",
                    )
                )

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        p = self.params
        self.endpoints: list[str] = list(p["endpoints"])
        self.dns = dns_rules.initial(p["initial_generation"], self.endpoints)
        self.locks: dict[str, str | None] = {ep: None for ep in self.endpoints}
        self.enactors = [Enactor(chr(ord("a") + i)) for i in range(p["enactors"])]
        self._reported_empty: set[str] = set()
        self._handoff: dict[str, list[Enactor]] = {ep: [] for ep in self.endpoints}
        self._metrics_cache: tuple[int, dict[str, Any]] | None = None
        self._version = 0
        self.scripted = bool(p["schedule"])

    def state_key(self) -> Any:
        return (self._version,)

    # The shared state (`dns_rules.Plans`), read by name.
    @property
    def generation(self) -> int:
        return self.dns.generation

    @property
    def plans(self) -> set[int]:
        return self.dns.plans

    @property
    def records(self) -> dict[str, int]:
        return self.dns.records

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        self.world.publish(self.signal_name("answer"), 1.0)
        for enactor in self.enactors:
            enactor.seen = self.generation
        if self.scripted:
            at_ms = self._ms(self.params["schedule_at_s"])
            self.engine.schedule(at_ms, lambda: self._script_step(0))
            return
        first_s = self.params["planner_interval_s"] + self.params["planner_offset_s"]
        self.engine.after(self._ms(first_s), self._plan)

    def _ms(self, seconds: float) -> int:
        return max(1, int(seconds * 1000))

    def _changed(self) -> None:
        self._version += 1

    def _plan(self) -> None:
        dns_rules.new_plan(self.dns)
        self._changed()
        self._wake_idle()
        self.engine.after(self._ms(self.params["planner_interval_s"]), self._plan)

    # -- a scripted interleaving (explore --replay) -----------------------------
    def _script_step(self, i: int) -> None:
        """One step of `schedule`, by the same rules and narration as the timed run."""
        kind, *rest = self.params["schedule"][i].split()
        if kind == "planner":
            dns_rules.new_plan(self.dns)
            self._changed()
        else:
            enactor = self.enactors[ord(rest[0]) - ord("a")]
            if kind == "pick":
                active = dns_rules.take_up(self.dns, self.generation)
                enactor.seen = self.generation
                if active is not None:
                    enactor.plan, enactor.index, enactor.state = self.generation, 0, "locking"
                    enactor.took_over = active
                    self._narrate_pick(enactor)
            elif kind == "lock":
                self.locks[rest[1]] = enactor.name
                enactor.state = "applying"
            elif kind == "write":
                self.locks[rest[1]] = None
                self._transact(enactor, rest[1])
            else:
                self._cleanup(enactor, enactor.plan or 0)
            self._changed()
        if i + 1 < len(self.params["schedule"]):
            step_ms = self._ms(self.params["schedule_step_s"])
            self.engine.after(step_ms, lambda: self._script_step(i + 1))

    def _wake_idle(self) -> None:
        """Idle Enactors look for the new plan, each at a random point of its poll period.

        Only polls that can take the plan up are simulated: the first idle Enactor to
        poll claims it, so the later polls of this generation (and polls between
        generations) would find nothing to do and change nothing.
        """
        poll_ms = self._ms(self.params["poll_interval_s"])
        first: tuple[int, Enactor] | None = None
        for enactor in self.enactors:
            if enactor.poll_pending or enactor.state not in ("idle", "blocked"):
                continue
            offset_ms = int(self.rng.random() * poll_ms) + 1
            if first is None or offset_ms < first[0]:
                first = (offset_ms, enactor)
        if first is not None:
            first[1].poll_pending = True
            self.engine.after(first[0], self._poll_fn(first[1]))

    def _wake(self, enactor: Enactor) -> None:
        """An Enactor back from a pass polls again if a plan appeared meanwhile."""
        if enactor.poll_pending or self.generation <= self.dns.claimed:
            return
        enactor.poll_pending = True
        poll_ms = self._ms(self.params["poll_interval_s"])
        self.engine.after(int(self.rng.random() * poll_ms) + 1, self._poll_fn(enactor))

    def _poll_fn(self, enactor: Enactor) -> Any:
        return lambda: self._poll(enactor)

    def _poll(self, enactor: Enactor) -> None:
        enactor.poll_pending = False
        newest = self.generation
        if newest <= enactor.seen:
            return
        enactor.seen = newest
        active = dns_rules.take_up(self.dns, newest)
        if active is not None:
            enactor.plan, enactor.index, enactor.state = newest, 0, "locking"
            enactor.took_over = active
            self._changed()
            if self.engine.now_ms < enactor.delay_until_ms:
                self._narrate_pick(enactor)
            self._try_lock(enactor)

    def _narrate_pick(self, enactor: Enactor) -> None:
        """The take-up, narrated at once for a slowed Enactor (a routine pass is
        narrated as a whole when it ends)."""
        if enactor.took_over is None:
            return
        plan, active = enactor.plan, enactor.took_over
        enactor.took_over = None
        self.world.emit(
            enactor.actor,
            "enactor.pick",
            f"Enactor {enactor.name.upper()} picks plan-{plan} (newer than "
            f"plan-{active}, the last one taken up: check passed once)",
            None,
            {"enactor": enactor.name, "plan": plan, "active": active},
        )

    # -- applying --------------------------------------------------------------
    def _try_lock(self, enactor: Enactor) -> None:
        enactor.token += 1
        token = enactor.token
        if self.engine.now_ms < enactor.delay_until_ms:
            wait_ms = self.jitter_ms(enactor.lock_delay_s, enactor.lock_jitter)
            self.engine.after(wait_ms, lambda: self._queue_behind(enactor, token))
            return
        latency_ms = self.jitter_ms(self.params["lock_s"], 0.5)
        endpoint = self.endpoints[enactor.index or 0]
        if self.locks[endpoint] is None and not self._handoff[endpoint]:
            # Uncontended: the lock request and the transaction are one step.
            self._take_lock(enactor, endpoint, latency_ms)
            return
        self.engine.after(latency_ms, lambda: self._lock_result(enactor, token))

    def _queue_behind(self, enactor: Enactor, token: int) -> None:
        """A slowed Enactor's lock request is served behind the other Enactors' writes.

        It gets the endpoint's lock handed over when another Enactor next finishes a
        transaction there (or when its slowdown ends, if nobody comes).
        """
        if token != enactor.token:
            return
        endpoint = self.endpoints[enactor.index or 0]
        enactor.state, enactor.waiting = "waiting", endpoint
        self._handoff[endpoint].append(enactor)
        self._changed()
        self.world.emit(
            enactor.actor,
            "enactor.lock_busy",
            f"Enactor {enactor.name.upper()}'s request for the {endpoint} lock is stuck "
            f"behind the other Enactors' (lock contention); it keeps its plan-{enactor.plan}",
            None,
            {"enactor": enactor.name, "endpoint": endpoint, "plan": enactor.plan},
        )
        self.engine.schedule(
            max(self.engine.now_ms, enactor.delay_until_ms),
            lambda: self._stop_waiting(enactor, token),
        )

    def _stop_waiting(self, enactor: Enactor, token: int) -> None:
        if token != enactor.token or enactor.waiting is None:
            return
        self._handoff[enactor.waiting].remove(enactor)
        enactor.waiting = None
        self._lock_result(enactor, token)

    def _hand_over(self, endpoint: str) -> None:
        queue = self._handoff[endpoint]
        if not queue or self.locks[endpoint] is not None:
            return
        waiter = queue.pop(0)
        waiter.waiting = None
        waiter.token += 1
        self._take_lock(waiter, endpoint)

    def _lock_result(self, enactor: Enactor, token: int) -> None:
        if token != enactor.token:
            return
        endpoint = self.endpoints[enactor.index or 0]
        holder = self.locks[endpoint]
        if holder is not None and holder != enactor.name:
            enactor.state = "retrying"
            self._changed()
            self.engine.after(
                self.jitter_ms(self.params["retry_backoff_s"], 0.5), lambda: self._try_lock(enactor)
            )
            return
        self._take_lock(enactor, endpoint)

    def _take_lock(self, enactor: Enactor, endpoint: str, latency_ms: int = 0) -> None:
        self.locks[endpoint] = enactor.name
        enactor.state = "applying"
        self._changed()
        self.engine.after(
            latency_ms + self.jitter_ms(self.params["apply_s"], 0.3),
            lambda: self._transaction(enactor),
            PRIO_NORMAL,
        )

    def _transaction(self, enactor: Enactor) -> None:
        endpoint = self.endpoints[enactor.index or 0]
        self.locks[endpoint] = None
        self._transact(enactor, endpoint)
        self._hand_over(endpoint)

    def _transact(self, enactor: Enactor, endpoint: str) -> None:
        plan = enactor.plan or 0
        outcome, current = dns_rules.transact(
            self.dns, endpoint, plan, self.params["version_check"]
        )
        if outcome == "stale":
            self._abandon(enactor, endpoint, plan, current)
        elif outcome == "blocked":
            self._blocked(enactor, endpoint, plan, current)
        else:
            self._applied(enactor, endpoint, plan, current)

    def _applied(self, enactor: Enactor, endpoint: str, plan: int, previous: int) -> None:
        enactor.blocked = False
        self._changed()
        if plan < previous:
            self._narrate_pick(enactor)
            self.world.emit(
                enactor.actor,
                "enactor.overwrite",
                f"Enactor {enactor.name.upper()} writes OLD plan-{plan} over newer "
                f"plan-{previous} on {endpoint}",
                None,
                {
                    "enactor": enactor.name,
                    "endpoint": endpoint,
                    "plan": plan,
                    "previous": previous,
                    "index": enactor.index,
                },
            )
        elif plan > previous:
            enactor.written.append(endpoint)
        enactor.index = (enactor.index or 0) + 1
        if self.scripted:  # the schedule says what comes next
            enactor.state = "locking" if enactor.index < len(self.endpoints) else "cleanup"
            return
        if enactor.index < len(self.endpoints):
            enactor.state = "locking"
            self._try_lock(enactor)
            return
        self._pass_done(enactor, plan)

    def _narrate_writes(self, enactor: Enactor, plan: int, cleaned: str = "") -> None:
        """One event per pass for the routine writes (stale writes have their own)."""
        if enactor.written:
            took = enactor.took_over
            checked = "" if took is None else f" (newer than plan-{took}: checked once)"
            enactor.took_over = None
            self.world.emit(
                enactor.actor,
                "enactor.apply",
                f"Enactor {enactor.name.upper()} took up plan-{plan}{checked}, applied it to "
                + ", ".join(enactor.written)
                + cleaned,
                None,
                {"enactor": enactor.name, "plan": plan, "endpoints": list(enactor.written)},
            )
            enactor.written.clear()

    def _pass_done(self, enactor: Enactor, plan: int) -> None:
        enactor.state, enactor.index = "cleanup", None
        self.engine.after(
            self._ms(self.params["cleanup_delay_s"]), lambda: self._cleanup(enactor, plan)
        )

    def _abandon(self, enactor: Enactor, endpoint: str, plan: int, current: int) -> None:
        self._narrate_pick(enactor)
        self.world.emit(
            enactor.actor,
            "enactor.stale_skip",
            f"Enactor {enactor.name.upper()} re-checks: plan-{plan} is older than "
            f"plan-{current} on {endpoint}, so it stops",
            None,
            {"enactor": enactor.name, "endpoint": endpoint, "plan": plan, "current": current},
        )
        self._idle(enactor)

    def _blocked(self, enactor: Enactor, endpoint: str, plan: int, current: int) -> None:
        if not enactor.blocked:
            self._narrate_pick(enactor)
            missing = current if current not in self.plans else plan
            self.world.emit(
                enactor.actor,
                "enactor.blocked",
                f"Enactor {enactor.name.upper()} cannot update {endpoint}: "
                f"plan-{missing} no longer exists (inconsistent state)",
                None,
                {"enactor": enactor.name, "endpoint": endpoint, "plan": plan, "missing": missing},
            )
        enactor.blocked = True
        self._idle(enactor, "blocked")

    def _idle(self, enactor: Enactor, state: str = "idle") -> None:
        self._narrate_writes(enactor, enactor.plan or 0)
        enactor.took_over = None
        enactor.plan, enactor.index, enactor.state = None, None, state
        self._changed()
        if self.generation > enactor.seen and not self.scripted:
            self._wake(enactor)

    def _cleanup(self, enactor: Enactor, applied: int) -> None:
        threshold, doomed = dns_rules.cleanup(
            self.dns,
            applied,
            self.params["cleanup_age_generations"],
            self.params["cleanup_protects_active"],
        )
        in_use = sorted(set(doomed) & set(self.records.values()))
        routine = f"; its clean-up deleted {len(doomed)} older plan(s)" if doomed else ""
        self._narrate_writes(enactor, applied, "" if in_use else routine)
        if in_use:
            # Routine deletions are folded into the pass's event; this one is news.
            self.world.emit(
                enactor.actor,
                "cleanup.delete",
                f"Enactor {enactor.name.upper()} clean-up deletes {len(doomed)} plan(s) "
                f"older than plan-{threshold}, among them the ACTIVE plan-{in_use[0]}",
                None,
                {
                    "enactor": enactor.name,
                    "below": threshold,
                    "deleted": [doomed[0], doomed[-1]],
                    "count": len(doomed),
                    "active": in_use,
                },
            )
        self._check_records()
        self._idle(enactor, "blocked" if enactor.blocked else "idle")

    def _check_records(self) -> None:
        for endpoint, gen in self.records.items():
            if gen not in self.plans and endpoint not in self._reported_empty:
                self._reported_empty.add(endpoint)
                self.world.emit(
                    "route53",
                    "dns.record_empty",
                    f"The {endpoint} DNS record is now EMPTY: its active plan-{gen} was deleted",
                    None,
                    {"endpoint": endpoint, "plan": gen},
                )
        self._publish()

    def _publish(self) -> None:
        ok = self.records[self.endpoints[0]] in self.plans
        self.world.publish(self.signal_name("answer"), 1.0 if ok else 0.0)
        self._changed()

    # -- faults and operators ----------------------------------------------------
    def apply_fault(self, fault_type: str, params: dict[str, Any]) -> None:
        for enactor in self.enactors:
            if enactor.name == params["enactor"]:
                enactor.lock_delay_s = params["lock_delay_s"]
                enactor.lock_jitter = params["jitter"]
                enactor.delay_until_ms = self.engine.now_ms + int(params["duration_s"] * 1000)
                self.world.emit(
                    enactor.actor,
                    "enactor.delayed",
                    f"Enactor {enactor.name.upper()} starts seeing unusually high "
                    f"delays acquiring endpoint locks",
                    None,
                    {
                        "enactor": enactor.name,
                        "lock_delay_s": params["lock_delay_s"],
                        "duration_s": params["duration_s"],
                    },
                )

    def act(self, action: str, params: dict[str, Any]) -> None:
        dns_rules.restore(self.dns)
        self._reported_empty.clear()
        for enactor in self.enactors:
            enactor.blocked = False
        self.world.emit(
            "operator",
            "dns.restored",
            f"Operators write plan-{self.generation} to every endpoint; records "
            f"have addresses again",
            None,
            {"plan": self.generation},
        )
        self._publish()

    # -- reporting -----------------------------------------------------------------
    def empty_endpoints(self) -> list[str]:
        return dns_rules.empty(self.dns)

    def contribution(self, t_ms: int) -> Contribution:
        empty = len(self.empty_endpoints())
        if not empty:
            return self.each_service("healthy", 0.0)
        return self.each_service("down", round(empty / len(self.endpoints), 4))

    @classmethod
    def actors(cls, params: dict[str, Any]) -> list[Actor]:
        enactors = [
            Actor(f"enactor-{chr(97 + i)}", f"Enactor {chr(65 + i)}")
            for i in range(int(params["enactors"]))
        ]
        first = (params["endpoints"] or ENDPOINTS)[0]
        return [
            Actor("planner", "Planner"),
            *enactors,
            Actor("record", f"{first} record", aliases=("route53",)),
            Actor("operator", "Operators"),
        ]

    def metrics(self, t_ms: int) -> dict[str, Any]:
        if self._metrics_cache and self._metrics_cache[0] == self._version:
            return self._metrics_cache[1]
        records = {
            ep: (f"plan-{g}" if g in self.plans else "EMPTY") for ep, g in self.records.items()
        }
        empty = any(v == "EMPTY" for v in records.values())
        values = {
            "record": records[self.endpoints[0]],
            "records": records,
            "generation": self.generation,
            "plans": len(self.plans),
            "empty": records[self.endpoints[0]] == "EMPTY",
            "active_plan_deleted": empty,
            "enactors": [e.to_dict() for e in self.enactors],
        }
        self._metrics_cache = (self._version, values)
        return values
