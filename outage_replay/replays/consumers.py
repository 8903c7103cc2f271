"""`ws/runs/<id>/`: a run's stored frames, then its live tail, gap-free.

Joining without a gap or a duplicate:
1. join the run's group first, so no announcement after this point can be missed;
2. then send what the database holds (from `?after_seq=`), tracking `last_seq_to`;
3. then forward announcements: a chunk ending at or before `last_seq_to` is skipped, a
   chunk that does not start right after it is filled in from the database.
Announcements only name a chunk; the chunk itself comes from the database (through the
per-process cache). A slow look at the database every few seconds while the run is
unfinished covers announcements that never came (Redis restarted, a full channel).

Every message carries this connection's `seq` (1, 2, 3, …). With `?compress=deflate`
chunk messages are binary (a JSON header line, then zlib data; see `wire`), ~12× smaller
for the AWS run; every other message stays JSON text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import weakref
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from simulation.frames import chunk_bounds

from . import selectors, wire
from .chunkcache import encoded_chunks
from .models import TERMINAL_STATUSES, Run

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
MAX_CLIENT_MESSAGE = 4096
POLL_S = 5.0


# Every viewer connected to this process (what `process_stats` counts).
LIVE: weakref.WeakSet[ReplayConsumer] = weakref.WeakSet()


class ReplayConsumer(AsyncWebsocketConsumer):
    """One viewer of one run. Whatever ends it (a clean close, a dropped connection,
    daphne cancelling a consumer still busy when its socket went away), `__call__`'s
    `finally` releases its group subscription and its poller, so the last viewer of a
    run leaving unsubscribes this process from the run's channel."""

    run_id: str | None = None
    group: str | None = None
    _poller: asyncio.Task[None] | None = None
    _released = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        LIVE.add(self)
        try:
            await super().__call__(scope, receive, send)
        finally:
            LIVE.discard(self)
            await self._release()

    async def _release(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
        if self.group is not None and not self._released:
            self._released = True
            with contextlib.suppress(Exception):  # Redis away: nothing is subscribed anyway
                await asyncio.shield(
                    self.channel_layer.group_discard(self.group, self.channel_name)
                )

    async def connect(self) -> None:
        self.out_seq = 0
        self.last_seq_to = -1
        self.finished = False
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("key") or [""])[0]
        self.deflate = (query.get("compress") or [""])[0] == "deflate"
        # The one database read of a join: a small row, no spec (see `run_row_visible`).
        row = await database_sync_to_async(selectors.run_row_visible)(
            run_id=self.scope["url_route"]["kwargs"]["run_id"], user=self.scope.get("user"), key=key
        )
        if row is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.run_id, self.stream_id = str(row["id"]), row["stream_id"]
        self.group = Run.group_for(row["id"])
        self.bounds = list(chunk_bounds(row["frames_total"]))
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        after_seq = _after_seq(query)
        self.last_seq_to = -1 if after_seq is None else after_seq
        async with self._lock:
            await self._send(wire.run_message(self._next(), selectors.run_brief(row)))
            if after_seq is None:
                problem = "after_seq: must be an integer ≥ -1; sending every frame"
                await self._send(wire.error_message(self._next(), problem))
            await self._catch_up(row["stored_seq_to"])
            await self._send_status(row)
        if row["status"] in TERMINAL_STATUSES:
            await self._finish()
        else:
            self._poller = asyncio.ensure_future(self._poll())

    async def disconnect(self, code: int) -> None:
        await self._release()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message `aclose_old_connections()`.

        That call is a round trip to the one database thread for every message, which
        for 200 viewers is 200 thread hops per chunk, although the live tail rarely
        touches the database. Every database access here goes through
        `database_sync_to_async`, which closes stale connections around each call itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # -- channel-layer events --------------------------------------------------------

    async def run_chunk(self, event: dict[str, Any]) -> None:
        async with self._lock:
            if event["seq_to"] <= self.last_seq_to:
                return  # already sent (from the database, before this announcement)
            if event["seq_from"] != self.last_seq_to + 1:
                await self._catch_up(event["seq_to"])  # a gap: the database has what was missed
                return
            if await self._send_chunk(event["index"]):
                self.last_seq_to = event["seq_to"]

    async def run_status(self, event: dict[str, Any]) -> None:
        async with self._lock:
            if event["status"] in TERMINAL_STATUSES and event["stored_seq_to"] > self.last_seq_to:
                await self._catch_up(event["stored_seq_to"])  # all stored goes before "done"
            await self._send_status(event)
        if event["status"] in TERMINAL_STATUSES:
            await self._finish()

    # -- client messages -------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message, problem = _parse_client_message(text_data, bytes_data)
        async with self._lock:
            if problem:
                await self._send(wire.error_message(self._next(), problem))
                return
            t_ms = message["t_ms"]
            chunk = await database_sync_to_async(selectors.run_seek)(run_id=self.run_id, t_ms=t_ms)
            if chunk is None:
                await self._send(wire.error_message(self._next(), "seek: no frames stored yet"))
                return
            await self._send(wire.seek_message(self._next(), t_ms=t_ms, chunk=chunk))

    # -- helpers ---------------------------------------------------------------------

    def _next(self) -> int:
        self.out_seq += 1
        return self.out_seq

    async def _send(self, text: str) -> None:
        await self.send(text_data=text)

    async def _send_status(self, event: dict[str, Any]) -> None:
        await self._send(wire.status_message(self._next(), event))

    async def _catch_up(self, stored_seq_to: int) -> None:
        """Send every chunk after `last_seq_to` up to `stored_seq_to`, in order (caller
        holds the lock). The cut is a fixed rule (`chunk_bounds`), so which chunks those
        are needs no query; their bodies come from the per-process cache."""
        for index, (_seq_from, seq_to) in enumerate(self.bounds):
            if seq_to <= self.last_seq_to:
                continue
            if seq_to > stored_seq_to or not await self._send_chunk(index):
                return  # not stored (yet): a later announcement or look brings it
            self.last_seq_to = seq_to

    async def _send_chunk(self, index: int) -> bool:
        if self.stream_id is None:  # a run created without one: its worker assigns it
            self.stream_id = await database_sync_to_async(selectors.run_stream_id)(
                run_id=self.run_id
            )
        chunk = await encoded_chunks.get(self.stream_id, index)
        if chunk is None:
            return False
        if self.deflate:
            await self.send(bytes_data=wire.chunk_message_deflated(self._next(), chunk))
        else:
            await self._send(wire.chunk_message(self._next(), chunk))
        return True

    async def _finish(self) -> None:
        """Nothing more will be announced: leave the group, stay for seeks."""
        if self._poller is not None and self._poller is not asyncio.current_task():
            self._poller.cancel()
        if not self.finished:
            self.finished = True
            await self._release()

    async def _poll(self) -> None:
        """While the run computes, look at it now and then (lost announcements).

        The look is shared: every viewer of the run in this process reads the same
        status row, fetched at most once per half `POLL_S`; only a viewer that is behind
        what is stored (or sees the run end) goes to the database for chunks.
        """
        try:
            while not self.finished:
                await asyncio.sleep(POLL_S * random.uniform(0.8, 1.2))
                state = await run_states.get(self.run_id, max_age_s=POLL_S / 2)
                if state is None:
                    return
                terminal = state["status"] in TERMINAL_STATUSES
                if not terminal and state["stored_seq_to"] <= self.last_seq_to:
                    continue
                async with self._lock:
                    await self._catch_up(state["stored_seq_to"])
                    if terminal:
                        await self._send_status(state)
                if terminal:
                    await self._finish()
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away under us: nothing left to do
            logger.debug("poller of run %s stopped", self.run_id, exc_info=True)


class RunStates:
    """Runs' status rows shared by this process's viewers: one query per run per period.

    Two hundred viewers polling a run each on their own were 40 queries a second through
    the one database thread, in the way of the chunk loads of the live tail.
    """

    MAX_ITEMS = 1024

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._inflight: dict[str, asyncio.Future[dict[str, Any] | None]] = {}

    async def get(self, run_id: str, *, max_age_s: float) -> dict[str, Any] | None:
        hit = self._items.get(run_id)
        if hit is not None and time.monotonic() - hit[0] < max_age_s:
            return hit[1]
        loop = asyncio.get_running_loop()
        fetch = self._inflight.get(run_id)
        if fetch is None or fetch.get_loop() is not loop:  # (tests: one loop per test)
            fetch = loop.create_task(self._fetch(run_id))
            self._inflight[run_id] = fetch
        return await asyncio.shield(fetch)

    async def _fetch(self, run_id: str) -> dict[str, Any] | None:
        try:
            state = await database_sync_to_async(selectors.run_status_get)(run_id=run_id)
        finally:
            self._inflight.pop(run_id, None)
        if len(self._items) >= self.MAX_ITEMS:
            self._items.clear()
        self._items[run_id] = (time.monotonic(), state)
        return state


run_states = RunStates()


def process_stats() -> dict[str, int]:
    """What this process holds for its viewers (the leak test compares it to a baseline):
    viewers, their pollers, and the channel layer's own channel and group registries."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    loops = list(getattr(layer, "_layers", {}).values())
    return {
        "viewers": len(LIVE),
        "pollers": sum(1 for c in list(LIVE) if c._poller is not None and not c._poller.done()),
        "layer_channels": sum(len(loop.channels) for loop in loops),
        "layer_groups": sum(len(loop.groups) for loop in loops),
        "layer_subscriptions": sum(len(s._subscribed_to) for loop in loops for s in loop._shards),
        "run_states": len(run_states._items),
    }


def _after_seq(query: dict[str, list[str]]) -> int | None:
    raw = (query.get("after_seq") or ["-1"])[0]
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= -1 else None


def _parse_client_message(  # noqa: PLR0911 - one early return per way to be wrong
    text_data: str | None, bytes_data: bytes | None
) -> tuple[dict[str, Any], str | None]:
    if text_data is None:
        return {}, "messages must be JSON text, not binary"
    if len(text_data) > MAX_CLIENT_MESSAGE:
        return {}, f"message too long (at most {MAX_CLIENT_MESSAGE} characters)"
    from simulation import ScenarioError, decode_json

    try:
        message = decode_json(text_data, max_bytes=4 * MAX_CLIENT_MESSAGE, max_depth=4)
    except ScenarioError as exc:
        problem = exc.errors[0][1]
        if problem.startswith("invalid JSON"):
            return {}, "message is not valid JSON"
        return {}, f"message is not valid: {problem}"
    if not isinstance(message, dict):
        return {}, 'message must be a JSON object like {"type": "seek", "t_ms": 0}'
    kind = message.get("type")
    if kind != "seek":
        return {}, f"type: unknown message type {kind!r} (the only one is 'seek')"
    t_ms = message.get("t_ms")
    if isinstance(t_ms, bool) or not isinstance(t_ms, int) or t_ms < 0:
        return {}, "t_ms: must be an integer ≥ 0 (milliseconds from the start)"
    return message, None
