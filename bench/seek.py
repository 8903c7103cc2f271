"""Seek latency: 200 random `{"type": "seek"}` requests on a finished AWS run.

One viewer, one WebSocket, sequential: send a seek to a random moment, stop the clock
when the reply (the nearest keyframe and the deltas up to that moment) has arrived and
been decoded.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

import websockets
from _runs_stack import AWS, finished, http_json, percentile, start

SEEKS = 200


async def seek_ms(base: str, run: dict) -> list[float]:
    duration_ms = run["spec"]["duration_s"] * 1000
    url = base.replace("http", "ws", 1) + run["ws_url"] + f"?after_seq={run['stored_seq_to']}"
    rng = random.Random(20251020)
    samples = []
    async with websockets.connect(url, origin=base, max_size=2**24) as ws:
        while json.loads(await ws.recv())["type"] != "status":
            pass
        for _ in range(SEEKS):
            t_ms = rng.randrange(duration_ms)
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "seek", "t_ms": t_ms}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            samples.append((time.perf_counter() - started) * 1000)
            assert reply["type"] == "seek" and reply["keyframe"]["t_ms"] <= t_ms
    return samples


def main() -> None:
    stack, base = start(concurrency=1)
    try:
        created = http_json(f"{base}/api/runs/", {"scenario": AWS})
        run = finished(base, created)
        samples = asyncio.run(seek_ms(base, run))
        print(f"seek over WebSocket, AWS run ({run['frames_total']} frames), {SEEKS} random seeks")
        print(f"  p50 {percentile(samples, 50):6.1f} ms")
        print(f"  p95 {percentile(samples, 95):6.1f} ms   (target < 25 ms)")
        print(f"  max {max(samples):6.1f} ms")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
