"""200 WebSocket viewers of one run through one daphne: delivery latency and gaps.

Three processes besides the stack, so the measuring side is not the bottleneck it
measures: daphne serves; one client process holds the 200 viewers (one asyncio loop,
frames read as raw bytes, only each message's header line parsed); this process plays
the worker for the AWS run: it stores each chunk with the task's own service code
(`_chunk_store`, committed) and announces it (`announce`, one group_send per chunk) at
the pace the worker computes them, stamping the moment of the announcement. Latency =
announcement → the viewer has the whole chunk message (both stamps on the system-wide
monotonic clock). Gaps = frames a viewer never got (it checks
`seq_from == last seq_to + 1`); it must end with every frame.

Chunks go as the player asks for them, `?compress=deflate` binary messages (default);
`COMPRESS=` measures plain JSON text chunks. All of it shares the machine's cores
(2 here): daphne, Redis, the 200 clients and this script. The CPU seconds each process
used during the wave are printed so the limit is visible.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

from _runs_stack import AWS, header, http_json, percentile, start

VIEWERS = int(os.environ.get("VIEWERS", "200"))
PACE_S = float(os.environ.get("PACE_S", "0.18"))  # ≈ the worker's time per AWS chunk
COMPRESS = os.environ.get("COMPRESS", "deflate")  # "" for plain JSON text chunks
# PROFILE=out.txt: py-spy (installed by hand, not a requirement) samples daphne during
# the wave and writes collapsed stacks there.
PROFILE = os.environ.get("PROFILE", "")


# -- the client process ----------------------------------------------------------------


class Viewer:
    def __init__(self) -> None:
        self.received: list[tuple[int, float]] = []  # (chunk index, monotonic time)
        self.last_seq_to = -1
        self.gaps = 0
        self.joined = asyncio.Event()  # set at the first status: it is in the group

    async def watch(self, url: str, origin: str) -> None:
        import websockets

        async with websockets.connect(
            url, origin=origin, max_size=2**24, open_timeout=60, ping_timeout=None, compression=None
        ) as ws:
            while True:
                message = await ws.recv(decode=False)  # bytes, text or binary: no UTF-8 pass
                now = time.monotonic()
                head = header(message)
                if head["type"] == "chunk":
                    if head["seq_from"] != self.last_seq_to + 1:
                        self.gaps += head["seq_from"] - self.last_seq_to - 1
                    self.last_seq_to = max(self.last_seq_to, head["seq_to"])
                    self.received.append((head["index"], now))
                elif head["type"] == "status":
                    self.joined.set()
                    if head["status"] == "done":
                        return


async def clients_async(url: str, origin: str, count: int) -> None:
    viewers = [Viewer() for _ in range(count)]
    tasks = [asyncio.ensure_future(v.watch(url, origin)) for v in viewers]
    joined = asyncio.gather(*(v.joined.wait() for v in viewers))
    await asyncio.wait_for(asyncio.wait([joined, *tasks], return_when="FIRST_COMPLETED"), 120)
    if not joined.done():  # a viewer failed before joining
        await asyncio.gather(*tasks)
        raise RuntimeError("a viewer ended before joining")
    print("joined", flush=True)
    cpu_before = time.process_time()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
    cpu = time.process_time() - cpu_before
    result = [
        {"received": v.received, "last_seq_to": v.last_seq_to, "gaps": v.gaps} for v in viewers
    ]
    print(json.dumps({"cpu_s": cpu, "viewers": result}), flush=True)


# -- this process: the stack, the worker's part, the report ------------------------------


def setup_django() -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")
    import django

    django.setup()


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_bench(base: str, pids: dict[str, int]) -> None:
    from outage_replay.replays import services
    from outage_replay.replays.models import Run
    from outage_replay.replays.notify import announce
    from outage_replay.replays.wire import chunk_event

    created = http_json(f"{base}/api/runs/", {"scenario": AWS, "fresh": True})
    run = Run.objects.get(pk=created["id"])
    chunks = precompute(run)
    Run.objects.filter(pk=run.pk).update(status="running")
    run.refresh_from_db()
    url = base.replace("http", "ws", 1) + created["ws_url"]
    if COMPRESS:
        url += f"?compress={COMPRESS}"
    argv = [sys.executable, os.path.abspath(__file__), "--clients", url, base, str(VIEWERS)]
    clients = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        if clients.stdout.readline().strip() != "joined":
            raise RuntimeError("the client process failed before every viewer joined")
        pids = {**pids, "bench": os.getpid()}
        cpu_before = {name: cpu_s(pid) for name, pid in pids.items()}
        spy = profile(pids["daphne"]) if PROFILE else None
        sent_at: dict[int, float] = {}
        started = time.monotonic()
        for chunk in chunks:
            services._chunk_store(run=run, chunk=chunk, chunk_digest="bench")
            sent_at[chunk.index] = time.monotonic()
            announce(run, chunk_event(chunk))
            time.sleep(max(0.0, started + PACE_S * (chunk.index + 1) - time.monotonic()))
        services._run_finish(run=run, frame_digest="bench", summary={})
        out, _ = clients.communicate(timeout=600)
        wall = time.monotonic() - started
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        # The client process counts its own (it has exited; and without its start-up).
        cpu = {n: cpu_s(pid) - cpu_before[n] for n, pid in pids.items() if n != "clients"}
    finally:
        if clients.poll() is None:
            clients.kill()
    if clients.returncode != 0:
        raise RuntimeError(f"the client process exited with {clients.returncode}")
    result = json.loads(out.splitlines()[-1])
    cpu["clients"] = result["cpu_s"]
    report(result["viewers"], chunks, sent_at, wall, cpu)


def profile(pid: int) -> subprocess.Popen:
    py_spy = os.path.join(os.path.dirname(sys.executable), "py-spy")
    argv = [py_spy, "record", "--pid", str(pid), "--format", "raw", "-o", PROFILE, "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def precompute(run) -> list:
    from simulation import Simulation, parse_document

    return list(Simulation(parse_document(run.spec), run.seed).iter_chunks())


def report(viewers: list[dict], chunks: list, sent_at: dict[int, float], wall, cpu) -> None:
    latencies = [(t - sent_at[i]) * 1000 for v in viewers for i, t in v["received"] if i in sent_at]
    frames = chunks[-1].seq_to + 1
    size_mb = sum(len(json.dumps(c.to_dict(), separators=(",", ":"))) for c in chunks) / 1e6
    print(
        f"{VIEWERS} viewers, one daphne, AWS run: {len(chunks)} chunks, {frames} frames, "
        f"~{size_mb:.0f} MB of JSON per viewer, one chunk every {PACE_S * 1000:.0f} ms, "
        f"chunks {'as ' + COMPRESS + ' binary' if COMPRESS else 'as JSON text'}"
    )
    print(f"  delivery latency p50 {percentile(latencies, 50):8.1f} ms")
    print(f"  delivery latency p99 {percentile(latencies, 99):8.1f} ms   (target < 250 ms)")
    print(f"  max {max(latencies):8.1f} ms over {len(latencies)} deliveries")
    incomplete = sum(1 for v in viewers if v["last_seq_to"] != frames - 1)
    print(f"  gaps {sum(v['gaps'] for v in viewers)} frames; viewers missing the end: {incomplete}")
    used = ", ".join(f"{name} {s:.1f}" for name, s in cpu.items())
    print(f"  CPU s over the {wall:.1f} s wave: {used} (2 cores = {2 * wall:.1f})")


def main() -> None:
    if sys.argv[1:2] == ["--clients"]:
        url, origin, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
        asyncio.run(clients_async(url, origin, count))
        return
    stack, base = start(worker=False)
    try:
        pids = {name: proc.pid for name, proc in stack.children if name in ("daphne", "redis")}
        setup_django()
        run_bench(base, pids)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
