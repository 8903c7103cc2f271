"""A WebSocket viewer of one run that behaves like the player must.

It records every chunk it gets, checks that its connection's `seq` only grows, fills a
gap in frame seqs from `GET /api/runs/<id>/frames`, and after a dropped connection
reconnects with `?after_seq=` (bounded by a deadline). `drop` lets a test lose chunk
messages on purpose, as a congested network or a full channel would.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from simulation.frames import Chunk, StreamDigest

TERMINAL = {"done", "failed", "cancelled"}


def http_json(url: str, *, data: dict[str, Any] | None = None, timeout: float = 10) -> Any:
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, method="POST" if data is not None else "GET")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Viewer:
    base_url: str
    run_id: str
    key: str = ""
    drop: set[int] = field(default_factory=set)  # indexes of chunk messages to ignore
    chunks: dict[int, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0
    healed_from_http: int = 0
    connections: int = 0
    errors: list[str] = field(default_factory=list)
    status: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    last_seq_to: int = -1
    first_chunk_at: float | None = None
    _chunk_messages: int = 0

    @property
    def ws_base(self) -> str:
        return self.base_url.replace("http://", "ws://", 1)

    async def follow(self, *, timeout_s: float, stop_after_chunks: int | None = None) -> None:
        """Watch until the run ends (or `stop_after_chunks` arrived), reconnecting."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if await self._session(deadline, stop_after_chunks):
                    return
            except (TimeoutError, ConnectionClosed, OSError, InvalidStatus):
                await asyncio.sleep(0.2)  # Redis or daphne restarting: try again
        raise TimeoutError(f"run {self.run_id} not followed to its end in {timeout_s} s")

    async def _session(self, deadline: float, stop_after_chunks: int | None) -> bool:
        query = f"?after_seq={self.last_seq_to}" + (f"&key={self.key}" if self.key else "")
        url = f"{self.ws_base}/ws/runs/{self.run_id}/{query}"
        async with websockets.connect(
            url, origin=self.base_url, open_timeout=5, max_size=2**24
        ) as ws:
            self.connections += 1
            wire_seq = 0
            while True:
                remaining = max(0.1, deadline - time.monotonic())
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=remaining))
                assert message["seq"] > wire_seq, (message["seq"], wire_seq)
                wire_seq = message["seq"]
                if await self._handle(message):
                    return True
                if stop_after_chunks is not None and len(self.chunks) >= stop_after_chunks:
                    return True

    async def _handle(self, message: dict[str, Any]) -> bool:
        kind = message["type"]
        if kind == "run":
            self.meta = message["run"]
        elif kind == "chunk":
            self._chunk_messages += 1
            if self._chunk_messages in self.drop:
                return False
            if message["seq_from"] > self.last_seq_to + 1:
                await self._heal(message["seq_from"] - 1)
            self._keep(message)
        elif kind == "status":
            self.status = message
            if message["status"] in TERMINAL:
                await self._heal(message["stored_seq_to"])
                return True
        elif kind == "error":
            self.errors.append(message["message"])
        return False

    def _keep(self, chunk: dict[str, Any]) -> None:
        if chunk["seq_to"] <= self.last_seq_to:
            self.duplicates += 1
            return
        assert chunk["seq_from"] == self.last_seq_to + 1, (chunk["seq_from"], self.last_seq_to)
        if self.first_chunk_at is None:
            self.first_chunk_at = time.monotonic()
        self.chunks[chunk["index"]] = {k: v for k, v in chunk.items() if k not in {"type", "seq"}}
        self.last_seq_to = chunk["seq_to"]

    async def _heal(self, to_seq: int) -> None:
        if to_seq <= self.last_seq_to:
            return
        url = (
            f"{self.base_url}/api/runs/{self.run_id}/frames"
            f"?from_seq={self.last_seq_to + 1}&to_seq={to_seq}"
            + (f"&key={self.key}" if self.key else "")
        )
        body = await asyncio.to_thread(http_json, url)
        self.healed_from_http += 1
        for chunk in body["chunks"]:
            if chunk["seq_to"] > self.last_seq_to:
                self._keep(chunk)

    @property
    def frames(self) -> int:
        return sum(c["seq_to"] - c["seq_from"] + 1 for c in self.chunks.values())

    def digest(self) -> str:
        stream = StreamDigest()
        for index in sorted(self.chunks):
            stream.add_chunk(Chunk.from_dict(self.chunks[index]))
        return stream.hexdigest()
