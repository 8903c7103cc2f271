"""lease_fleet — a fleet manager holding leases on servers; congestive collapse.

Models EC2's DropletWorkflow Manager (DWFM). Droplets (physical servers) are grouped
in batches of `batch_size`; a batch is usable for launches only while DWFM holds its
lease. Lease check-ins need `requires_service` (DynamoDB): while it is unusable, each
batch's lease runs out after a lifetime drawn uniformly from [lease_min_s, lease_max_s]
(AWS: leases timed out "slowly" from 23:48 to 02:24; the spread is our assumption).

When the dependency is back, every unleased batch needs a lease-establishment job. Jobs
wait in one FIFO queue served by `hosts` workers; a job takes
`work_s × (1 + queue_length / contention_items)` — more queued work means more
contention. A requester gives up after `timeout_s` and retries (a new job at the back),
but the abandoned job stays queued and is still processed: wasted work. With a long
enough queue every job is stale before it is served, goodput falls to zero and the queue
only grows — congestive collapse, metastable: it persists after the trigger is gone.

    leased --dependency down, lifetime ends--> lapsed --dependency ok--> queued
      ^                                                                    |
      +---- served within timeout_s <---- in service <---------------------+
                                              | served too late: wasted, job retried

Operator actions: `throttle_incoming` {max_in_system} caps queued+in-service jobs (the
rest wait inside DWFM, not timing out; incoming work beyond the cap is rejected);
`restart_hosts` flushes the queue and in-service work and re-creates one job per
unleased batch; `add_hosts` {hosts}.

Params: droplets (count), batch_size (droplets per job), requires_service (service id),
lease_min_s, lease_max_s (s), hosts (workers), work_s (s per job, uncontended),
contention_items (queued jobs that double service time), timeout_s (s),
incoming_per_s (other work items/s), incoming_max_retries, check_interval_s (s),
window_s (s), collapse_goodput (fraction).
Collapse is measured, not assumed: over the last `window_s`, goodput = jobs completed
while still wanted ÷ jobs offered (admitted to the queue: new jobs, retries, other
work). No work offered ⇒ goodput 1 (nothing is owed). DWFM is `collapsed` when a whole
window has been observed since the dependency came back, goodput is under
`collapse_goodput` and droplets still lack leases. It ends when completions catch up
with what is offered (a restart's flushed jobs count as offered and never completed) —
after a throttle, because work completes, not after a set time.

Metrics: active_leases, droplets, leased_fraction, queue, in_flight, held, offered and
completed (jobs in the last window), goodput, wasted (total), collapsed (bool).
Events: dwfm.lease_lapsed (first), dwfm.all_lapsed, dwfm.collapse, dwfm.all_leases.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

from simulation.engine import PRIO_TICK
from simulation.mechanisms.base import Contribution, Mechanism, World
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec

QUEUED, SERVING, DONE, DROPPED = 0, 1, 2, 3


class Job:
    __slots__ = ("attempt", "batch", "enq_ms", "state")

    def __init__(self, enq_ms: int, batch: int, attempt: int) -> None:
        self.enq_ms, self.batch, self.attempt, self.state = enq_ms, batch, attempt, QUEUED


class LeaseFleet(Mechanism):
    TYPE = "lease_fleet"
    PARAMS: ClassVar[dict[str, Param]] = {
        "droplets": Param("int", 100_000, "", "servers managed", 1, 10**9),
        "batch_size": Param("int", 500, "droplets", "droplets per lease job", 1, 10**9),
        "requires_service": Param("str", "", "", "service lease check-ins need"),
        "lease_min_s": Param("float", 300.0, "s", "shortest remaining lease lifetime", 0),
        "lease_max_s": Param("float", 9400.0, "s", "longest remaining lease lifetime", 0),
        "hosts": Param("int", 20, "", "DWFM workers serving jobs in parallel", 1, 10**6),
        "work_s": Param("float", 400.0, "s", "one lease job, uncontended", 0.001),
        "contention_items": Param(
            "float", 100.0, "jobs", "queue length that doubles job time", 0.001
        ),
        "timeout_s": Param("float", 600.0, "s", "requester gives up and retries after", 1),
        "incoming_per_s": Param(
            "float",
            0.02,
            "jobs/s",
            "other work (instance state changes) while the dependency is usable",
            0,
        ),
        "incoming_max_retries": Param("int", 3, "", "retries of other work", 0, 100),
        "check_interval_s": Param("float", 30.0, "s", "dependency check period", 0.1),
        "window_s": Param("float", 600.0, "s", "window over which goodput is measured", 1),
        "collapse_goodput": Param(
            "float", 0.2, "", "goodput under which a backlogged DWFM is collapsed", 0, 1
        ),
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "throttle_incoming": {
            "max_in_system": Param("int", 20, "jobs", "cap on queued + in-service jobs", 1)
        },
        "restart_hosts": {},
        "add_hosts": {"hosts": Param("int", 20, "", "extra workers", 1)},
    }
    METRICS = (
        "active_leases",
        "droplets",
        "leased_fraction",
        "queue",
        "in_flight",
        "held",
        "offered",
        "completed",
        "goodput",
        "wasted",
        "collapsed",
    )
    SHOWS = Shows(
        title="lease fleet",
        signals=(
            Signal("active_leases", "active leases", "droplets", "count"),
            Signal("leased_fraction", "droplets leased", "%", "level", 100),
            Signal("queue", "queued lease jobs", "jobs", "count"),
            Signal("in_flight", "jobs in service", "jobs", "count"),
            Signal("held", "jobs held by the throttle", "jobs", "count"),
            Signal("goodput", "useful work (last 10 min)", "%", "level", 100),
            Signal("wasted", "jobs finished too late", "jobs", "count"),
            Signal("collapsed", "congestive collapse", "", "boolean"),
        ),
        charts=(
            Chart("active leases and lease-job queue", ("active_leases", "queue")),
            Chart("useful work", ("goodput",), max=100),
        ),
        panel=("leased_fraction", "queue", "in_flight", "held", "goodput", "collapsed"),
        loop=Loop(
            "lease re-establishment work",
            "each lease job times out before it is served and is queued again, so the queue "
            "grows faster than it drains",
        ),
    )
    SERVICE_PARAMS = ("requires_service",)

    @classmethod
    def work_units(cls, params: dict[str, Any], duration_s: int) -> int:
        """Every lease job is queued, served, renewed and may lapse: ~4 events a job."""
        droplets = params.get("droplets", cls.PARAMS["droplets"].default)
        batch = max(1, params.get("batch_size", cls.PARAMS["batch_size"].default))
        return 4 * -(-int(droplets) // int(batch))

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        if not params.get("requires_service"):
            errors.append((f"{path}.requires_service", "is required"))
        if params.get("lease_max_s", 0) < params.get("lease_min_s", 0):
            errors.append((f"{path}.lease_max_s", "must be ≥ lease_min_s"))

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        p = self.params
        size = p["batch_size"]
        self.sizes = [size] * (p["droplets"] // size)
        if p["droplets"] % size:
            self.sizes.append(p["droplets"] % size)
        n = len(self.sizes)
        self.leased = [True] * n
        self.attempt = [0] * n
        self.epoch = [0] * n
        self.pending = [False] * n
        self.active = p["droplets"]
        self.hosts = p["hosts"]
        self.queue: deque[Job] = deque()
        self.held: deque[Job] = deque()
        self.busy = 0
        self.host_epoch = 0
        self.cap: int | None = None
        self.dep_ok = True
        self.wasted = 0
        self.window_ms = int(p["window_s"] * 1000)
        self.offered: deque[int] = deque()
        self.completed: deque[int] = deque()
        self.observed_ms = 0
        self.collapsed = False
        self.lapsing = False

    def start(self) -> None:
        self.engine.after(int(self.params["check_interval_s"] * 1000), self._tick, PRIO_TICK)
        if self.params["incoming_per_s"] > 0:
            self._schedule_incoming()

    # -- dependency and leases -----------------------------------------------------
    def _tick(self) -> None:
        dep = self.params["requires_service"]
        ok = self.world.status_of(dep) != "down" and self.world.error_rate_of(dep) < 0.5
        if ok != self.dep_ok:
            self.dep_ok = ok
            self.observed_ms = self.engine.now_ms
            self._on_dependency(ok)
        self._update_state()
        self.engine.after(int(self.params["check_interval_s"] * 1000), self._tick, PRIO_TICK)

    def _on_dependency(self, ok: bool) -> None:
        lo, hi = self.params["lease_min_s"], self.params["lease_max_s"]
        for b in range(len(self.sizes)):
            self.epoch[b] += 1
            if ok and not self.leased[b] and not self.pending[b]:
                self._new_job(b)
            elif not ok and self.leased[b]:
                life_ms = int(self.rng.uniform(lo, hi) * 1000)
                self.engine.after(life_ms, self._lapse_fn(b, self.epoch[b]))
        if ok:
            self.world.emit(
                self.id,
                "dwfm.checks_ok",
                "DWFM state checks succeed again; every "
                "droplet without a lease now needs a new one",
                self._svc(),
                {"unleased": sum(1 for x in self.leased if not x)},
            )
        else:
            self.world.emit(
                self.id,
                "dwfm.checks_failing",
                "DWFM state checks fail: they need " + self.params["requires_service"],
                self._svc(),
                {},
            )

    def _lapse_fn(self, b: int, epoch: int) -> Any:
        def lapse() -> None:
            if self.epoch[b] != epoch or not self.leased[b]:
                return
            self.leased[b] = False
            self.active -= self.sizes[b]
            if not self.lapsing:
                self.lapsing = True
                self.world.emit(
                    self.id,
                    "dwfm.lease_lapsed",
                    "First droplet leases time out; those droplets cannot take new instances",
                    self._svc(),
                    {},
                )
            if self.active == 0:
                self.world.emit(
                    self.id, "dwfm.all_lapsed", "Every droplet lease has timed out", self._svc(), {}
                )

        return lapse

    def _svc(self) -> str | None:
        return self.services[0] if self.services else None

    # -- the queue -------------------------------------------------------------------
    def _new_job(self, b: int) -> None:
        self.attempt[b] += 1
        self.pending[b] = True
        self._submit(Job(self.engine.now_ms, b, self.attempt[b]))

    def _schedule_incoming(self) -> None:
        gap_ms = int(self.rng.expovariate(self.params["incoming_per_s"]) * 1000) + 1
        self.engine.after(gap_ms, self._incoming)

    def _incoming(self) -> None:
        if self.dep_ok and (self.cap is None or self.busy + len(self.queue) < self.cap):
            self._submit(Job(self.engine.now_ms, -1, 0))
        self._schedule_incoming()

    def _submit(self, job: Job) -> None:
        if self.cap is not None and self.busy + len(self.queue) >= self.cap:
            self.held.append(job)
            return
        self._enqueue(job)
        self._dispatch()

    def _enqueue(self, job: Job) -> None:
        job.enq_ms = self.engine.now_ms
        self.queue.append(job)
        self.offered.append(job.enq_ms)
        self.engine.after(int(self.params["timeout_s"] * 1000), self._timeout_fn(job))

    def _timeout_fn(self, job: Job) -> Any:
        def timeout() -> None:
            if job.state in (DONE, DROPPED):
                return
            if job.batch >= 0:
                if not self.leased[job.batch] and self.attempt[job.batch] == job.attempt:
                    self._new_job(job.batch)
            elif job.attempt < self.params["incoming_max_retries"]:
                self._submit(Job(self.engine.now_ms, -1, job.attempt + 1))

        return timeout

    def _dispatch(self) -> None:
        while self.busy < self.hosts and (self.queue or self.held):
            if not self.queue:
                self._admit_held()
                continue
            job = self.queue.popleft()
            if job.state == DROPPED:
                continue
            job.state = SERVING
            self.busy += 1
            factor = 1.0 + len(self.queue) / self.params["contention_items"]
            service_ms = self.jitter_ms(self.params["work_s"] * factor, 0.2)
            self.engine.after(service_ms, self._done_fn(job, self.host_epoch))

    def _admit_held(self) -> None:
        self._enqueue(self.held.popleft())

    def _done_fn(self, job: Job, host_epoch: int) -> Any:
        def done() -> None:
            if host_epoch != self.host_epoch:
                return
            self.busy -= 1
            late = self.engine.now_ms - job.enq_ms > self.params["timeout_s"] * 1000
            job.state = DONE
            if not late:
                self.completed.append(self.engine.now_ms)
            if late:
                self.wasted += 1
            elif job.batch >= 0 and not self.leased[job.batch]:
                self._leased(job.batch)
            self._dispatch()

        return done

    def _leased(self, b: int) -> None:
        self.leased[b] = True
        self.pending[b] = False
        self.active += self.sizes[b]
        if self.active == self.params["droplets"] and self.lapsing:
            self.lapsing = False
            self.world.emit(
                self.id,
                "dwfm.all_leases",
                "DWFM holds leases on every droplet again",
                self._svc(),
                {"droplets": self.active},
            )

    def _prune(self) -> None:
        horizon = self.engine.now_ms - self.window_ms
        for times in (self.offered, self.completed):
            while times and times[0] < horizon:
                times.popleft()

    def goodput(self) -> float:
        """Completed-while-wanted ÷ offered over the window; 1 when nothing was offered."""
        self._prune()
        if not self.offered:
            return 1.0
        return min(1.0, len(self.completed) / len(self.offered))

    def _update_state(self) -> None:
        observed = self.engine.now_ms - self.observed_ms >= self.window_ms
        collapsed = (
            self.dep_ok
            and observed
            and self.active < self.params["droplets"]
            and self.goodput() < self.params["collapse_goodput"]
        )
        if collapsed and not self.collapsed:
            self.world.emit(
                self.id,
                "dwfm.collapse",
                f"DWFM congestive collapse: {len(self.completed)} of {len(self.offered)} "
                "lease jobs offered in the last window finished before timing out; the "
                "rest are queued again",
                self._svc(),
                {"queue": len(self.queue), "goodput": round(self.goodput(), 4)},
            )
        elif self.collapsed and not collapsed and self.dep_ok:
            self.world.emit(
                self.id,
                "dwfm.collapse_ended",
                "DWFM out of collapse: lease jobs finish before they time out again",
                self._svc(),
                {"queue": len(self.queue), "goodput": round(self.goodput(), 4)},
            )
        self.collapsed = collapsed

    # -- operators ----------------------------------------------------------------------
    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "throttle_incoming":
            self.cap = params["max_in_system"]
        elif action == "add_hosts":
            self.hosts += params["hosts"]
        else:
            self._restart()
        self._dispatch()

    def _restart(self) -> None:
        for job in list(self.queue) + list(self.held):
            job.state = DROPPED
        self.queue.clear()
        self.held.clear()
        self.host_epoch += 1
        self.busy = 0
        for b, leased in enumerate(self.leased):
            self.pending[b] = False
            if not leased and self.dep_ok:
                self._new_job(b)

    def state_key(self) -> Any:
        return (
            self.active,
            len(self.queue),
            self.busy,
            len(self.held),
            self.wasted,
            self.collapsed,
            self.dep_ok,
            self.goodput(),
        )

    def cause_cleared(self) -> bool:
        return self.dep_ok

    # -- reporting ------------------------------------------------------------------------
    def contribution(self, t_ms: int) -> Contribution:
        droplets = self.params["droplets"]
        error = round(1.0 - self.active / droplets, 4)
        if self.active == droplets:
            return self.each_service("healthy", 0.0)
        if self.collapsed:
            return self.each_service("down", max(error, 0.5))
        if not self.dep_ok:
            return self.each_service("degraded", error)
        return self.each_service("recovering", error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "active_leases": self.active,
            "droplets": self.params["droplets"],
            "leased_fraction": round(self.active / self.params["droplets"], 4),
            "queue": len(self.queue),
            "in_flight": self.busy,
            "held": len(self.held),
            "offered": len(self.offered),
            "completed": len(self.completed),
            "goodput": round(self.goodput(), 4),
            "wasted": self.wasted,
            "collapsed": self.collapsed,
        }
