"""Viewers of the AWS run through daphne, with the real Celery worker: joins, live delivery.

For each N in VIEWERS (default 200, 1000, 2000; from DAPHNES_FROM = 2000 viewers on,
two daphnes, each viewer on one of them in turn), on a fresh stack (Redis, the
database, one Celery worker, daphne):

1. **Joins.** N viewers open `ws/runs/<id>/?compress=deflate` on a finished AWS run at
   the same moment. Refused = the handshake failed or the socket closed before the run
   was sent (daphne's 5 s handshake timeout shows up here); gaps = frames a viewer
   never got. Daphne CPU over the wave / N is the cost of one join.
2. **Live.** The worker is stopped, a run with a new seed (so a new frame stream must
   be computed, nothing is shared) is queued, N viewers join it, then the worker is
   started and computes it at its own pace. Delivery latency = the moment a viewer has
   a chunk's whole message − the moment the worker announced it (a probe in this
   process subscribed to the run's group; the worker announces right after the commit),
   both on the system-wide monotonic clock.

Daphne's RSS is read at its start, after one viewer that holds every frame joined (code
loaded on first use; no chunk cached, so the first wave meets cold caches), through each
wave (peak) and after the viewers left (idle, 10 s later). The viewers live in client
processes (one per 500), one asyncio loop each, reading each message's header line only.
Everything shares the machine's cores: the CPU seconds each process used are printed so
the limit is visible. COMPRESS= measures plain JSON text chunks instead; DATABASE_URL
runs it on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

from _runs_stack import AWS, finished, header, http_json, percentile, start

VIEWERS = [int(n) for n in os.environ.get("VIEWERS", "200,1000,2000").split(",")]
DAPHNES_FROM = int(os.environ.get("DAPHNES_FROM", "2000"))
COMPRESS = os.environ.get("COMPRESS", "deflate")  # "" for plain JSON text chunks
# PROFILE=out.txt: py-spy (`pip install py-spy`; not a requirement) samples the first
# daphne through the live wave and writes collapsed stacks there.
PROFILE = os.environ.get("PROFILE", "")
PER_CLIENT_PROCESS = 500
IDLE_S = 10


# -- the client processes -------------------------------------------------------------


class Viewer:
    def __init__(self) -> None:
        self.received: list[tuple[int, float]] = []  # (chunk index, monotonic time)
        self.last_seq_to = -1
        self.gaps = 0
        self.error = ""
        self.joined_at: float | None = None  # the first status: in the group, caught up
        self.done = False

    async def watch(self, url: str, origin: str, joined: asyncio.Event) -> None:
        import websockets

        try:
            async with websockets.connect(
                url, origin=origin, max_size=2**24, open_timeout=60, ping_timeout=None,
                compression=None, close_timeout=1,
            ) as ws:  # fmt: skip
                while True:
                    message = await ws.recv(decode=False)
                    now = time.monotonic()
                    head = header(message)
                    if head["type"] == "chunk":
                        if head["seq_from"] > self.last_seq_to + 1:
                            self.gaps += head["seq_from"] - self.last_seq_to - 1
                        self.last_seq_to = max(self.last_seq_to, head["seq_to"])
                        self.received.append((head["index"], now))
                    elif head["type"] == "status":
                        if self.joined_at is None:
                            self.joined_at = now
                            joined.set()
                        if head["status"] in {"done", "failed", "cancelled"}:
                            self.done = True
                            return
        except Exception as exc:  # noqa: BLE001 - refused, timed out, closed early: counted
            self.error = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            joined.set()


async def clients_async(urls: list[str], origin: str) -> None:
    viewers = [Viewer() for _ in urls]
    events = [asyncio.Event() for _ in urls]
    started = time.monotonic()
    cpu_start = time.process_time()
    tasks = [
        asyncio.ensure_future(v.watch(u, origin, e))
        for v, u, e in zip(viewers, urls, events, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 300)
    print("joined", flush=True)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
    result = {
        "started": started,
        "cpu_s": time.process_time() - cpu_start,
        "viewers": [
            {"received": v.received, "last_seq_to": v.last_seq_to, "gaps": v.gaps,
             "error": v.error, "joined_at": v.joined_at, "done": v.done}
            for v in viewers
        ],
    }  # fmt: skip
    print(json.dumps(result), flush=True)


# -- this process: stacks, waves, the report ------------------------------------------


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")
    import django

    django.setup()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssPeak(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak, self._halt = pids, dict.fromkeys(pids, 0.0), threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_mb(pid))

    def stop(self) -> dict[int, float]:
        self._halt.set()
        self.join()
        return self.peak


class Clients:
    """The viewers, spread over client processes; `joined()` once all are in or failed."""

    def __init__(self, urls: list[str], origin: str) -> None:
        self.procs = []
        for first in range(0, len(urls), PER_CLIENT_PROCESS):
            argv = [sys.executable, os.path.abspath(__file__), "--clients", origin]
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            proc.stdin.write(json.dumps(urls[first : first + PER_CLIENT_PROCESS]))
            proc.stdin.close()
            self.procs.append(proc)

    def joined(self) -> None:
        for proc in self.procs:
            if proc.stdout.readline().strip() != "joined":
                raise RuntimeError("a client process failed before its viewers joined")

    def results(self) -> tuple[list[dict], float]:
        viewers, cpu = [], 0.0
        for proc in self.procs:
            out = proc.stdout.read()
            if proc.wait(timeout=60) != 0:
                raise RuntimeError(f"a client process exited with {proc.returncode}")
            result = json.loads(out.splitlines()[-1])
            viewers += result["viewers"]
            cpu += result["cpu_s"]
        return viewers, cpu


def ws_urls(bases: list[str], ws_path: str, count: int, after_seq: int = -1) -> list[str]:
    query = f"?after_seq={after_seq}" + (f"&compress={COMPRESS}" if COMPRESS else "")
    return [bases[i % len(bases)].replace("http", "ws", 1) + ws_path + query for i in range(count)]


class Probe(threading.Thread):
    """Subscribed to the run's group: when each chunk was announced (monotonic)."""

    def __init__(self, group: str, redis_url: str) -> None:
        super().__init__(daemon=True)
        self.group, self.announced, self.ready = group, {}, threading.Event()
        self.redis_url = redis_url  # this wave's stack (settings keep the first one's)

    def run(self) -> None:
        asyncio.run(self._listen())

    async def _listen(self) -> None:
        from channels_redis.pubsub import RedisPubSubChannelLayer
        from django.conf import settings

        config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
        layer = RedisPubSubChannelLayer(**{**config, "hosts": [self.redis_url]})
        channel = await layer.new_channel()
        await layer.group_add(self.group, channel)
        self.ready.set()
        while True:
            message = await layer.receive(channel)
            if message["type"] == "run.chunk":
                self.announced[message["index"]] = time.monotonic()
            elif message["type"] == "run.status" and message["status"] in {"done", "failed"}:
                return


def settle(pids: list[int], timeout_s: float = 90) -> float:
    """Wait until the daphnes are idle (< 3 % of a core for a second): the previous
    wave's thousand disconnects unsubscribe one by one and would delay new joins."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        before = sum(cpu_s(pid) for pid in pids)
        time.sleep(1)
        if sum(cpu_s(pid) for pid in pids) - before < 0.03:
            break
    return time.monotonic() - started


def measure(stack, pids: dict[str, int], wave) -> tuple[object, dict[str, float], dict, float]:
    """Run `wave()`, returning its result, CPU s per process, daphne peak RSS, wall s."""
    daphnes = [pid for name, pid in pids.items() if name.startswith("daphne")]
    peak = RssPeak(daphnes)
    peak.start()
    before = {name: cpu_s(pid) for name, pid in pids.items()}
    started = time.monotonic()
    result = wave()
    wall = time.monotonic() - started
    cpu = {name: cpu_s(pid) - before[name] for name, pid in pids.items() if _alive(pid)}
    return result, cpu, peak.stop(), wall


def profile(pid: int) -> subprocess.Popen:
    py_spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
    argv = [py_spy, "record", "--pid", str(pid), "--format", "raw", "-o", PROFILE, "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _alive(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


def bench(count: int) -> None:  # noqa: PLR0915 - one wave after another, in order
    daphnes = 2 if count >= DAPHNES_FROM else 1
    stack, base = start(concurrency=1)
    bases = [base]
    try:
        from outage_replay.devstack import free_port

        for _ in range(daphnes - 1):
            port = free_port()
            stack.start_daphne(port)
            bases.append(f"http://127.0.0.1:{port}")
        setup_django()
        from outage_replay.replays.models import Run

        def pids() -> dict[str, int]:
            out, n = {}, 0
            for name, proc in stack.children:
                n += name == "daphne"
                out[f"daphne{n}" if name == "daphne" else name] = proc.pid
            return out

        daphne_pids = [pid for name, pid in pids().items() if name.startswith("daphne")]
        rss_start = [rss_mb(pid) for pid in daphne_pids]
        done = finished(base, http_json(f"{base}/api/runs/", {"scenario": AWS, "fresh": True}))
        frames = done["frames_total"]
        # What one viewer costs the process (code imported on first use), so the idle
        # figure can be read against the crowd alone too. It holds every frame already
        # (?after_seq=last): no chunk is loaded, the crowd below meets cold caches.
        warm_up = Clients(ws_urls(bases, done["ws_url"], len(bases), frames - 1), base)
        warm_up.joined()
        warm_up.results()
        rss_warm = [rss_mb(pid) for pid in daphne_pids]

        # 1. joins on the finished run
        def join_wave() -> tuple[list[dict], float]:
            clients = Clients(ws_urls(bases, done["ws_url"], count), base)
            clients.joined()
            return clients.results()

        (viewers, client_cpu), cpu, peak, wall = measure(stack, pids(), join_wave)
        report_joins(count, daphnes, frames, viewers, cpu, client_cpu, wall)

        # 1b. the join alone: viewers that already hold every frame (?after_seq=last)
        settle(daphne_pids)

        def bare_wave() -> tuple[list[dict], float]:
            clients = Clients(ws_urls(bases, done["ws_url"], count, frames - 1), base)
            clients.joined()
            return clients.results()

        (viewers, _), cpu, _, _ = measure(stack, pids(), bare_wave)
        refused = sum(1 for v in viewers if v["joined_at"] is None)
        daphne_cpu = sum(s for name, s in cpu.items() if name.startswith("daphne"))
        print(
            f"  the join alone (?after_seq={frames - 1}: meta, status, no chunk): daphne CPU "
            f"{daphne_cpu / count * 1000:.2f} ms per join, refused {refused}"
        )

        # 2. live: queued while the worker is stopped, joined, then computed
        print(f"  (daphne idle again {settle(daphne_pids):.0f} s after the join wave)")
        stack.stop("worker")
        seed = random.SystemRandom().randrange(10**9)  # new even on a reused DATABASE_URL
        created = http_json(f"{base}/api/runs/", {"scenario": AWS, "seed": seed, "fresh": True})
        probe = Probe(Run.group_for(uuid.UUID(created["id"])), stack.env["REDIS_URL"])
        probe.start()
        probe.ready.wait(10)

        def live_wave() -> tuple[list[dict], float]:
            clients = Clients(ws_urls(bases, created["ws_url"], count), base)
            clients.joined()
            spy = profile(daphne_pids[0]) if PROFILE else None
            stack.start_worker(concurrency=1)
            try:
                return clients.results()
            finally:
                if spy is not None:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=60)

        (viewers, client_cpu), cpu, live_peak, wall = measure(stack, pids(), live_wave)
        probe.join(30)
        report_live(count, frames, viewers, probe.announced, cpu, client_cpu, wall)
        time.sleep(IDLE_S)
        idle = [rss_mb(pid) for pid in daphne_pids]
        for i, pid in enumerate(daphne_pids):
            print(
                f"  daphne{i + 1} RSS: start {rss_start[i]:.0f} MB, after one viewer "
                f"{rss_warm[i]:.0f} MB, peak during the joins "
                f"{peak[pid]:.0f} MB, during the live wave {live_peak[pid]:.0f} MB, "
                f"idle {IDLE_S} s after {idle[i]:.0f} MB"
            )
    finally:
        stack.stop()


def _cpu_line(cpu: dict[str, float], client_cpu: float, wall: float) -> str:
    used = ", ".join(f"{name} {s:.1f}" for name, s in cpu.items())
    cores = f"2 cores: {2 * wall:.1f}"
    return f"  CPU s over the {wall:.1f} s wave: {used}, clients {client_cpu:.1f} ({cores})"


def _counts(viewers: list[dict], frames: int) -> tuple[list[dict], int, int]:
    refused = [v for v in viewers if v["joined_at"] is None]
    incomplete = sum(1 for v in viewers if v["joined_at"] and v["last_seq_to"] != frames - 1)
    return refused, incomplete, sum(v["gaps"] for v in viewers)


def report_joins(count, daphnes, frames, viewers, cpu, client_cpu, wall) -> None:  # noqa: PLR0917
    refused, incomplete, gaps = _counts(viewers, frames)
    errors = sorted({v["error"] for v in refused})[:3]
    joined = [v["joined_at"] for v in viewers if v["joined_at"] is not None]
    daphne_cpu = sum(s for name, s in cpu.items() if name.startswith("daphne"))
    kind = f"as {COMPRESS} binary" if COMPRESS else "as JSON text"
    print(f"{count} viewers join a finished AWS run ({frames} frames) at once, {daphnes} daphne(s)")
    print(f"  chunks {kind}; refused {len(refused)} {errors or ''}")
    print(f"  gaps {gaps} frames; viewers missing the end {incomplete}")
    if joined:
        print(
            f"  the last viewer had the whole run {max(joined) - min(joined):.1f} s after the first"
        )
    per_join = daphne_cpu / count * 1000
    print(
        f"  daphne CPU {daphne_cpu:.1f} s = {per_join:.1f} ms per join (the whole run sent to each)"
    )
    print(_cpu_line(cpu, client_cpu, wall))


def report_live(count, frames, viewers, announced, cpu, client_cpu, wall) -> None:  # noqa: PLR0917
    latencies = [
        (t - announced[i]) * 1000
        for v in viewers
        for i, t in v["received"]
        if i in announced and v["joined_at"] is not None and v["joined_at"] < announced[i]
    ]
    refused, incomplete, gaps = _counts(viewers, frames)
    span = max(announced.values()) - min(announced.values()) if announced else 0
    print(f"{count} viewers of a live AWS run computed by the real worker")
    print(f"  {len(announced)} chunks announced over {span:.1f} s")
    if latencies:
        print(f"  delivery latency p50 {percentile(latencies, 50):8.1f} ms")
        print(f"  delivery latency p99 {percentile(latencies, 99):8.1f} ms")
        print(f"  max {max(latencies):.1f} ms over {len(latencies)} deliveries")
    print(f"  refused {len(refused)}; gaps {gaps} frames; viewers missing the end {incomplete}")
    print(_cpu_line(cpu, client_cpu, wall))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    if sys.argv[1:2] == ["--clients"]:
        urls = json.loads(sys.stdin.read())
        asyncio.run(clients_async(urls, sys.argv[2]))
        return
    print(f"load average before: {_load()}")
    for count in VIEWERS:
        bench(count)
        print(f"load average after: {_load()}", flush=True)


if __name__ == "__main__":
    main()
