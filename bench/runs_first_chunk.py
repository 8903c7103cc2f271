"""POST /api/runs/ → first chunk received over the WebSocket, over 20 AWS runs.

Each sample is a fresh run (`fresh: true`) of the shipped AWS scenario: HTTP POST, open
`ws/runs/<id>/`, stop the clock at the first `chunk` message, then cancel the run so the
next sample starts with an idle worker. Two warm-up runs are not counted.
"""

from __future__ import annotations

import asyncio
import json
import time

import websockets
from _runs_stack import AWS, http_json, percentile, start

SAMPLES = 20
WARMUP = 2


async def first_chunk_ms(base: str) -> float:
    started = time.perf_counter()
    created = http_json(f"{base}/api/runs/", {"scenario": AWS, "fresh": True})
    ws_url = base.replace("http", "ws", 1) + created["ws_url"]
    async with websockets.connect(ws_url, origin=base, max_size=2**24) as ws:
        while True:
            message = await asyncio.wait_for(ws.recv(), timeout=30)
            if message.startswith('{"type":"chunk"'):
                elapsed = (time.perf_counter() - started) * 1000
                break
            if json.loads(message).get("status") in {"failed", "cancelled"}:
                raise RuntimeError(message[:300])
    http_json(f"{base}/api/runs/{created['id']}/cancel", {})
    return elapsed


def main() -> None:
    stack, base = start(concurrency=2)
    try:
        samples = []
        for i in range(WARMUP + SAMPLES):
            ms = asyncio.run(first_chunk_ms(base))
            if i >= WARMUP:
                samples.append(ms)
            time.sleep(0.5)  # let the cancelled run's worker stop at its next chunk
        print(
            f"POST → first chunk over WebSocket, AWS scenario, {SAMPLES} runs "
            f"(after {WARMUP} warm-up)"
        )
        print(f"  p50 {percentile(samples, 50):7.1f} ms")
        print(f"  p95 {percentile(samples, 95):7.1f} ms   (target < 500 ms)")
        print(f"  min {min(samples):7.1f} ms   max {max(samples):7.1f} ms")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
