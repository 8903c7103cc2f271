"""Serialised chunks shared by every viewer in this daphne process.

Two hundred viewers of one run hear about each chunk at the same moment; one of them
loads it from the database and serialises it, the others wait for that and reuse it
(single flight), then it stays in a small LRU. Chunks never change once stored (a
redelivered task rewrites them identically), so entries never go stale.

Viewers that ask for compressed chunks (`?compress=deflate`) share one zlib stream per
chunk too: compressed once per process, sent as is to each of them.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import OrderedDict

from channels.db import database_sync_to_async

from .selectors import chunk_body_get

MAX_BYTES = 64 * 1024 * 1024

Key = tuple[str, int]


class ChunkBodies:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, str] = OrderedDict()
        self._bytes = 0
        self._locks: dict[Key, asyncio.Lock] = {}
        self._deflated: OrderedDict[Key, tuple[bytes, bytes]] = OrderedDict()
        self._zlocks: dict[Key, asyncio.Lock] = {}

    async def get_deflated(self, run_id: str, index: int) -> tuple[bytes, bytes] | None:
        """(the chunk's leading fields as JSON members, zlib of its body), or None."""
        key = (run_id, index)
        hit = self._deflated.get(key)
        if hit is not None:
            return hit
        lock = self._zlocks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                hit = self._deflated.get(key)  # another viewer compressed it meanwhile
                if hit is None:
                    body = await self.get(run_id, index)
                    if body is None:
                        return None
                    head = body[1 : body.index(',"keyframe":')].encode()
                    hit = (head, await asyncio.to_thread(zlib.compress, body.encode(), 6))
                    self._deflated[key] = hit
                    while len(self._deflated) > max(1, len(self._items)):
                        self._deflated.popitem(last=False)
        finally:
            if not lock.locked() and self._zlocks.get(key) is lock:
                del self._zlocks[key]
        return hit

    async def get(self, run_id: str, index: int) -> str | None:
        key = (run_id, index)
        body = self._hit(key)
        if body is not None:
            return body
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                body = self._hit(key)
                if body is None:
                    body = await database_sync_to_async(chunk_body_get)(run_id=run_id, index=index)
                    if body is not None:
                        self._put(key, body)
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]
        return body

    def _hit(self, key: Key) -> str | None:
        body = self._items.get(key)
        if body is not None:
            self._items.move_to_end(key)
        return body

    def _put(self, key: Key, body: str) -> None:
        self._items[key] = body
        self._bytes += len(body)
        while self._bytes > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._bytes -= len(old)


chunk_bodies = ChunkBodies()
