"""A crowd opening a replay link: N GETs of the AWS run's replay page through daphne.

On a fresh private stack (`_runs_stack`), the finished AWS run's `/replay/<id>/` is
fetched N times (default 1000) by CONCURRENCY (default 50) clients at once, as a crowd
following a posted link would (each then opens the WebSocket, which `ws_fanout.py`
measures). Prints the response time p50 / p99, the page's size (gzip, as browsers ask),
and daphne's CPU per page view. BENCH_DEBUG=0 measures it as deployed.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from _runs_stack import AWS, finished, http_json, percentile, start

N = int(os.environ.get("N", "1000"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "50"))


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(url: str) -> tuple[float, int, int]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        body = response.read()
        status = response.status
    return (time.monotonic() - started) * 1000, status, len(body)


def main() -> None:
    stack, base = start(concurrency=1)
    try:
        done = finished(base, http_json(f"{base}/api/runs/", {"scenario": AWS, "fresh": True}))
        url = base + done["replay_url"]
        daphne = next(proc.pid for name, proc in stack.children if name == "daphne")
        fetch(url)  # the first view builds what later views reuse
        before, started = cpu_s(daphne), time.monotonic()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(fetch, [url] * N))
        wall, cpu = time.monotonic() - started, cpu_s(daphne) - before
        times = [t for t, _, _ in results]
        bad = sum(1 for _, status, _ in results if status != 200)
        print(f"{N} views of the AWS replay page, {CONCURRENCY} at a time, one daphne")
        print(f"  response p50 {percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms")
        print(f"  {N / wall:.0f} pages/s; not 200: {bad}; {results[0][2] / 1024:.0f} KiB (gzip)")
        print(f"  daphne CPU {cpu:.1f} s = {cpu / N * 1000:.1f} ms per page view")
        print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
