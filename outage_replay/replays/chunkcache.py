"""Serialised chunks shared by every viewer in this daphne process.

Two hundred viewers of one run hear about each chunk at the same moment; one of them
loads it from the database and serialises it, the others wait for that and reuse it
(single flight), then it stays in a small LRU. Chunks never change once stored (a
redelivered task rewrites them identically), so entries never go stale.
"""

from __future__ import annotations

import asyncio
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
