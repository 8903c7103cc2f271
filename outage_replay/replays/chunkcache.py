"""Encoded chunks shared by every viewer in this daphne process.

Two hundred viewers of one run hear about each chunk at the same moment; one of them
loads it from the database, the others wait for that and reuse it (single flight), then
it stays in a small LRU. Chunks never change once stored (a redelivered task rewrites
them identically), so entries never go stale. Each entry is one `wire.EncodedChunk`:
the zlib bytes every `?compress=deflate` viewer is sent as they are, and the JSON text
for plain viewers, derived from them once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from channels.db import database_sync_to_async

from .selectors import chunk_encoded_get
from .wire import EncodedChunk

MAX_BYTES = 64 * 1024 * 1024

Key = tuple[int, int]  # (stream id, chunk index): runs of one stream share entries


class EncodedChunks:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, EncodedChunk] = OrderedDict()
        self._locks: dict[Key, asyncio.Lock] = {}

    async def get(self, stream_id: int, index: int) -> EncodedChunk | None:
        key = (stream_id, index)
        chunk = self._hit(key)
        if chunk is not None:
            return chunk
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                chunk = self._hit(key)  # another viewer loaded it meanwhile
                if chunk is None:
                    chunk = await database_sync_to_async(chunk_encoded_get)(
                        stream_id=stream_id, index=index
                    )
                    if chunk is not None:
                        self._items[key] = chunk
                        self._trim()
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]
        return chunk

    def peek(self, stream_id: int | None, index: int) -> EncodedChunk | None:
        """The chunk if this process has it already (never waits, never loads)."""
        return None if stream_id is None else self._hit((stream_id, index))

    def _hit(self, key: Key) -> EncodedChunk | None:
        chunk = self._items.get(key)
        if chunk is not None:
            self._items.move_to_end(key)
        return chunk

    def _trim(self) -> None:
        """Drop the least recently used entries over `max_bytes` (text counts once made)."""
        total = sum(chunk.size for chunk in self._items.values())
        while total > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            total -= old.size


encoded_chunks = EncodedChunks()
