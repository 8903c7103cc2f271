"""200 WebSocket viewers of one run through one daphne: delivery latency and gaps.

The viewers connect first (each gets the run's meta and status). Then this script
plays the worker for the AWS run: it stores each chunk with the task's own service code
(`_chunk_store`, committed) and announces it (`announce`, one group_send per chunk) at
the pace the worker computes them, stamping the moment of the announcement. Latency =
announcement → the viewer has the whole chunk message. Gaps = frames a viewer never got
(it checks `seq_from == last seq_to + 1`); it must end with every frame.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import websockets
from _runs_stack import AWS, header, http_json, percentile, start

VIEWERS = int(os.environ.get("VIEWERS", "200"))
PACE_S = float(os.environ.get("PACE_S", "0.18"))  # ≈ the worker's time per AWS chunk
COMPRESS = os.environ.get("COMPRESS", "deflate")  # "" for plain JSON text chunks


class Viewer:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.last_seq_to = -1
        self.gaps = 0
        self.joined = asyncio.Event()  # set at the first status: it is in the group

    async def watch(self, url: str, origin: str, sent_at: dict[int, float]) -> None:
        async with websockets.connect(
            url, origin=origin, max_size=2**24, open_timeout=60, ping_timeout=None
        ) as ws:
            async for message in ws:
                now = time.perf_counter()
                head = header(message)
                if head["type"] == "chunk":
                    if head["seq_from"] != self.last_seq_to + 1:
                        self.gaps += head["seq_from"] - self.last_seq_to - 1
                    self.last_seq_to = max(self.last_seq_to, head["seq_to"])
                    if head["index"] in sent_at:
                        self.latencies.append((now - sent_at[head["index"]]) * 1000)
                elif head["type"] == "status":
                    self.joined.set()
                    if head["status"] == "done":
                        return


def setup_django() -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")
    import django

    django.setup()


async def main_async(base: str) -> None:
    from asgiref.sync import sync_to_async

    from outage_replay.replays import services
    from outage_replay.replays.models import Run
    from outage_replay.replays.notify import announce
    from outage_replay.replays.wire import chunk_event

    created = http_json(f"{base}/api/runs/", {"scenario": AWS, "fresh": True})
    run = await sync_to_async(Run.objects.get)(pk=created["id"])
    chunks = await sync_to_async(precompute)(run)
    await sync_to_async(Run.objects.filter(pk=run.pk).update)(status="running")
    await sync_to_async(run.refresh_from_db)()
    url = base.replace("http", "ws", 1) + created["ws_url"]
    if COMPRESS:
        url += f"?compress={COMPRESS}"
    sent_at: dict[int, float] = {}
    viewers = [Viewer() for _ in range(VIEWERS)]
    tasks = [asyncio.ensure_future(v.watch(url, base, sent_at)) for v in viewers]
    await wait_connected(viewers)
    for chunk in chunks:
        await sync_to_async(services._chunk_store)(run=run, chunk=chunk, chunk_digest="bench")
        sent_at[chunk["index"]] = time.perf_counter()
        await sync_to_async(announce)(run, chunk_event(chunk))
        await asyncio.sleep(PACE_S)
    await sync_to_async(services._run_finish)(run=run, frame_digest="bench", summary={})
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=600)
    report(viewers, chunks)


def precompute(run) -> list[dict]:
    from outage_replay.replays.chunking import FIRST_FRAMES, regroup
    from simulation import Simulation, parse_document

    return list(regroup(Simulation(parse_document(run.spec), run.seed).iter_chunks(FIRST_FRAMES)))


async def wait_connected(viewers: list[Viewer]) -> None:
    """Until every viewer has joined the run's group (its first status message)."""
    await asyncio.wait_for(asyncio.gather(*(v.joined.wait() for v in viewers)), timeout=120)


def report(viewers: list[Viewer], chunks: list[dict]) -> None:
    latencies = [ms for v in viewers for ms in v.latencies]
    frames = chunks[-1]["seq_to"] + 1
    size_mb = sum(len(str(c)) for c in chunks) / 1e6
    print(
        f"{VIEWERS} viewers, one daphne, AWS run: {len(chunks)} chunks, {frames} frames, "
        f"~{size_mb:.0f} MB of JSON per viewer, one chunk every {PACE_S * 1000:.0f} ms, "
        f"chunks {'as ' + COMPRESS + ' binary' if COMPRESS else 'as JSON text'}"
    )
    print(f"  delivery latency p50 {percentile(latencies, 50):8.1f} ms")
    print(f"  delivery latency p99 {percentile(latencies, 99):8.1f} ms   (target < 250 ms)")
    print(f"  max {max(latencies):8.1f} ms over {len(latencies)} deliveries")
    incomplete = sum(1 for v in viewers if v.last_seq_to != frames - 1)
    print(f"  gaps {sum(v.gaps for v in viewers)} frames; viewers missing the end: {incomplete}")


def main() -> None:
    stack, base = start(worker=False)
    try:
        setup_django()
        asyncio.run(main_async(base))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
