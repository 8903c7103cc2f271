"""Benchmark of the simulation engine (a script that prints figures, not a test).

    .venv/bin/python bench/simulation.py

1. The AWS scenario at default fleet size and at 10× (droplets, resolvers, NLB load
   balancers scaled): wall time, CPU time (wall exceeds it on a loaded machine) and
   engine events/s. Targets: < 3 s and < 30 s wall.
2. The same M/M/c queue with client time-outs written for our engine and for SimPy:
   events/s side by side and the ratio (target ≥ 1.5×).
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simpy  # noqa: E402

from simulation import Simulation, apply_variant, parse_document  # noqa: E402
from simulation.engine import Engine  # noqa: E402

AWS = ROOT / "outage_replay/scenarios/library/aws-us-east-1-2025-10-20.json"
SCALE_10X = {
    "mechanisms.dwfm.params.droplets": 1_000_000,
    "mechanisms.dwfm.params.hosts": 200,
    "mechanisms.dwfm.params.contention_items": 1000,
    "mechanisms.dwfm.params.incoming_per_s": 0.2,
    "mechanisms.dwfm.params.batch_size": 500,
    "mechanisms.ddb-resolvers.params.resolvers": 2000,
    "mechanisms.ddb-internal-resolvers.params.resolvers": 2000,
    "mechanisms.nlb-hc.params.load_balancers": 500,
    "mechanisms.sts-nlb.params.load_balancers": 500,
    "mechanisms.connect-nlb.params.load_balancers": 500,
}


def bench_aws(label: str, overrides: dict[str, object]) -> None:
    doc = json.loads(AWS.read_text(encoding="utf-8"))
    spec = parse_document(apply_variant(doc, overrides) if overrides else doc)
    started, cpu_started = time.perf_counter(), time.process_time()
    sim = Simulation(spec)
    result = sim.run()
    wall_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started
    events = sim.world.engine.processed
    print(
        f"AWS {label:8s} wall {wall_s:6.2f} s  cpu {cpu_s:6.2f} s  engine events {events:9d}  "
        f"{events / wall_s:10.0f} events/s  trace {len(result.events)}  frames "
        f"{len(result.deltas)}"
    )


CUSTOMERS = 200_000
ARRIVAL_PER_S, SERVICE_S, SERVERS, TIMEOUT_S = 9.0, 1.0, 10, 5.0


def queue_ours(seed: int) -> tuple[int, int]:
    """Customers arrive, wait for one of SERVERS, give up after TIMEOUT_S."""
    rng = random.Random(seed)
    engine = Engine(rng)
    waiting: deque[list[int]] = deque()
    state = {"busy": 0, "served": 0, "arrived": 0}

    def arrive() -> None:
        state["arrived"] += 1
        customer = [engine.now_ms, 0]  # enqueue time, done flag
        waiting.append(customer)
        engine.after(int(TIMEOUT_S * 1000), lambda: customer.__setitem__(1, 1))
        dispatch()
        if state["arrived"] < CUSTOMERS:
            engine.after(int(rng.expovariate(ARRIVAL_PER_S) * 1000) + 1, arrive)

    def dispatch() -> None:
        while state["busy"] < SERVERS and waiting:
            customer = waiting.popleft()
            if customer[1]:
                continue
            customer[1] = 1
            state["busy"] += 1
            engine.after(int(rng.expovariate(1 / SERVICE_S) * 1000) + 1, finish)

    def finish() -> None:
        state["busy"] -= 1
        state["served"] += 1
        dispatch()

    engine.after(0, arrive)
    engine.run_until(10**15)
    return state["served"], engine.processed


def queue_simpy(seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    served = [0]

    def customer() -> simpy.events.ProcessGenerator:
        with servers.request() as request:
            result = yield request | env.timeout(TIMEOUT_S)
            if request in result:
                yield env.timeout(rng.expovariate(1 / SERVICE_S))
                served[0] += 1

    def source() -> simpy.events.ProcessGenerator:
        for _ in range(CUSTOMERS):
            env.process(customer())
            yield env.timeout(rng.expovariate(ARRIVAL_PER_S))

    env.process(source())
    env.run()
    # SimPy schedules ~4 heap events per served customer (arrival timeout, request,
    # time-out, service timeout) — count them from its own event counter.
    return served[0], int(next(env._eid))


def bench_queue() -> None:
    """Same model, same workload: model events/s = (arrival + time-out + service) events
    of the model divided by wall time; SimPy's own heap holds more internal events."""
    walls = {}
    model_events = 0
    for name, fn in (("ours", queue_ours), ("simpy", queue_simpy)):
        started = time.perf_counter()
        served, events = fn(7)
        walls[name] = time.perf_counter() - started
        if name == "ours":
            model_events = events
        print(
            f"queue {name:6s} wall {walls[name]:6.2f} s  served {served}  "
            f"own heap events {events}  model events/s {model_events / walls[name]:9.0f}"
        )
    print(f"queue ratio ours/simpy (model events/s): {walls['simpy'] / walls['ours']:.2f}×")


if __name__ == "__main__":
    bench_aws("default", {})
    bench_aws("10x", SCALE_10X)
    bench_queue()
