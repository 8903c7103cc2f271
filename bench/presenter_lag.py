"""Benchmark of presenter mode: follow lag for 200 followers (prints figures).

    .venv/bin/python bench/presenter_lag.py [--followers 200] [--actions 40]

A private stack (embedded Redis, SQLite) with TWO daphne processes; the presenter
presses Present on the replay page like a browser (its session cookie holds the signed
token), followers connect alternately to either process, and the presenter sends
`--actions` control messages (seeks, play, pause, speed, focus, panel) 250 ms apart.
Follow lag = a follower's arrival time − the presenter's send time (one machine clock),
for every follower and action. Target: p99 < 250 ms. The followers all run in this
process's event loop, which competes for the same two cores as the daphnes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time

from _runs_stack import AWS, http_json, percentile, start

from outage_replay.devstack import Stack, free_port
from tests.sharing.presenter_client import Client, start_presentation


def actions(n: int, duration_ms: int) -> list[dict]:
    out = []
    for i in range(n):
        kind = i % 5
        out.append(
            {
                "t_ms": (i * 7919 * 1000) % duration_ms,
                "playing": kind in (1, 2),
                "speed": [1, 60, 600, 885, 3600][kind],
                "focus": ["dynamodb", None, "ec2-dwfm", None, "lambda"][kind],
                "panel": [None, "lanes", "graph", "race", None][kind],
            }
        )
    return out


async def measure(
    urls: tuple[str, str], code: str, cookie: str, *, duration_ms: int, args: argparse.Namespace
) -> None:
    url_a, url_b = urls
    presenter = Client(url_a, code, cookie)
    await presenter.connect()
    followers = [Client(url_a if i % 2 else url_b, code) for i in range(args.followers)]
    t0 = time.perf_counter()
    for i in range(0, len(followers), 50):  # join in waves, as an audience would
        await asyncio.gather(*(f.connect() for f in followers[i : i + 50]))
    joined_s = time.perf_counter() - t0
    await presenter.wait(lambda c: c.presence["followers"] == args.followers, what="all counted")
    missed = 0
    for action in actions(args.actions, duration_ms):
        version = presenter.version
        await presenter.control(**action)
        try:
            await asyncio.gather(
                *(
                    f.wait(lambda c, v=version: c.version > v, what="state", timeout_s=10)
                    for f in followers
                )
            )
        except TimeoutError:
            missed += 1
        await asyncio.sleep(0.25)
    lags = [lag for f in followers for lag in f.lags_ms]
    await asyncio.gather(presenter.close(), *(f.close() for f in followers))
    print(
        f"followers {args.followers} over 2 daphne processes, {args.actions} actions,"
        f" joined in {joined_s:.1f} s"
    )
    print(
        f"  deliveries {len(lags)} (expected {args.followers * args.actions}),"
        f" actions not seen by all: {missed}"
    )
    print(f"  follow lag p50 {percentile(lags, 50):7.1f} ms")
    print(f"  follow lag p99 {percentile(lags, 99):7.1f} ms   (target < 250 ms)")
    print(f"  follow lag max {max(lags):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--actions", type=int, default=40)
    args = parser.parse_args()
    stack, url_a = start(worker=False)
    other = Stack(state_dir=stack.state_dir, env=dict(stack.env), log_dir=stack.log_dir)
    port_b = free_port()
    try:
        other.start_daphne(port_b)
        url_b = f"http://127.0.0.1:{port_b}"
        run = http_json(f"{url_a}/api/runs/", {"scenario": AWS})
        code, cookie = start_presentation(url_a, run["id"], name="Bench")
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        duration_ms = http_json(f"{url_a}/api/runs/{run['id']}/")["spec"]["duration_s"] * 1000
        asyncio.run(measure((url_a, url_b), code, cookie, duration_ms=duration_ms, args=args))
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu_s = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
        print(f"  bench process CPU {cpu_s:.1f} s")
        print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        other.stop()
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
