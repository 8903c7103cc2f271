"""`ws/runs/<id>/`: a run's stored frames, then its live tail, gap-free.

Joining without a gap or a duplicate:
1. join the run's feed first (`feeds`: this process hears the run's group once, for all
   its viewers), so no announcement after this point can be missed;
2. then send what the database holds (from `?after_seq=`), tracking `last_seq_to`;
3. then take announcements in order: a chunk ending at or before `last_seq_to` is
   skipped, a chunk that does not start right after it is filled in from the database.
Announcements only name a chunk; the chunk itself comes from the database (through the
per-process cache). The feed's slow look at the run every few seconds while it is
unfinished covers announcements that never came (Redis restarted, a full channel). A
run that is already finished when a viewer joins will announce nothing more: its
viewers are sent what is stored and stay only for seeks, off any feed.

Every message carries this connection's `seq` (1, 2, 3, …). With `?compress=deflate`
chunk messages are binary (a JSON header line, then zlib data; see `wire`), ~12× smaller
for the AWS run; every other message stays JSON text.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import sys
import time
import weakref
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from outage_replay.scenarios.models import Visibility
from simulation.frames import chunk_bounds

from . import selectors, wire
from .chunkcache import encoded_chunks
from .feeds import feeds
from .models import TERMINAL_STATUSES, Run
from .wire import EncodedChunk

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
MAX_CLIENT_MESSAGE = 4096
# What a catch-up writes to one viewer in a turn of the event loop: 4 chunks, fewer when
# they are large (JSON text chunks are ~12× the deflated ones).
CATCH_UP_BURST = 4
CATCH_UP_BURST_BYTES = 128 * 1024
# Not a configured channel layer: channels then gives a consumer no channel of its own
# (no Redis subscription per viewer); the run's feed delivers to it instead.
NO_CHANNEL_LAYER = "none: viewers are fed by their run's feed"


# Every viewer connected to this process (what `process_stats` counts).
LIVE: weakref.WeakSet[ReplayConsumer] = weakref.WeakSet()


class ReplayConsumer(AsyncWebsocketConsumer):
    """One viewer of one run. Whatever ends it (a clean close, a dropped connection,
    daphne cancelling a consumer still busy when its socket went away), `__call__`'s
    `finally` takes it off its run's feed."""

    channel_layer_alias = NO_CHANNEL_LAYER
    run_id: str | None = None
    stream_id: int | None = None
    last_seq_to = -1
    finished = False
    _backlog: deque[dict[str, Any]] | None = None
    _drainer: asyncio.Task[None] | None = None
    _writable: WriteBuffer | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        LIVE.add(self)
        idle_trim.seen(len(LIVE))
        try:
            await super().__call__(scope, receive, send)
        finally:
            LIVE.discard(self)
            self._release()
            if not LIVE:
                idle_trim.idle()

    def _release(self) -> None:
        self.finished = True
        feeds.leave(self)
        if self._drainer is not None and self._drainer is not asyncio.current_task():
            self._drainer.cancel()

    async def connect(self) -> None:
        self.out_seq = 0
        self._lock = asyncio.Lock()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("key") or [""])[0]
        self.deflate = (query.get("compress") or [""])[0] == "deflate"
        # The one database read of a join: a small row, no spec, shared (`JoinRows`).
        row = await join_rows.visible(
            self.scope["url_route"]["kwargs"]["run_id"], scope=self.scope, key=key
        )
        if row is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.run_id, self.stream_id = str(row["id"]), row["stream_id"]
        self.bounds = chunk_bounds(row["frames_total"])
        after_seq = _after_seq(query)
        self.last_seq_to = -1 if after_seq is None else after_seq
        live = row["status"] not in TERMINAL_STATUSES
        async with self._lock:  # what the feed brings meanwhile waits on the backlog
            if live:
                await feeds.join(self, run_id=self.run_id, group=Run.group_for(row["id"]))
            await self.accept()
            self._writable = WriteBuffer.watch(self.base_send)
            await self._send(wire.run_message(self._next(), selectors.run_brief(row)))
            if after_seq is None:
                problem = "after_seq: must be an integer ≥ -1; sending every frame"
                await self._send(wire.error_message(self._next(), problem))
            await self._catch_up(row["stored_seq_to"])
            await self._send_status(row)
        if not live:
            self.finished = True

    async def disconnect(self, code: int) -> None:
        self._release()

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Channels' own, without its `aclose_old_connections()` (as in `dispatch`): a
        hop to the database thread for every viewer leaving, when none touched it."""
        await self.disconnect(message["code"])
        raise StopConsumer

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message `aclose_old_connections()`.

        That call is a round trip to the one database thread for every message. Every
        database access here goes through `database_sync_to_async`, which closes stale
        connections around each call itself.
        """
        # Interned: a fresh name string per message would be kept by CPython's type
        # attribute cache, one per message, pinning memory a crowd has left.
        handler = getattr(self, sys.intern(get_handler_name(message)), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # -- what the run's feed brings ----------------------------------------------------

    async def hear(self, event: dict[str, Any]) -> None:
        """An event of this viewer's run, in announcement order (called by the feed).

        A viewer in step is written a cached chunk right away: nothing here suspends
        then, so the feed writes to its viewers one after another without a task switch.
        A busy viewer (its lock held by the join's catch-up or a seek) or an event that
        needs the database goes on this viewer's backlog, drained in order by one task.
        """
        if self.finished:
            return
        writable = self._writable is None or self._writable.ready.is_set()
        if self._backlog is None and not self._lock.locked() and writable and self._in_step(event):
            if event["type"] == wire.CHUNK_EVENT:
                chunk = encoded_chunks.peek(self.stream_id, event["index"])
                if chunk is not None:
                    await self._write_chunk(chunk)
                    self.last_seq_to = event["seq_to"]
                    return
            else:
                await self._handle(event)
                return
        if self._backlog is None:
            self._backlog = deque([event])
            self._drainer = asyncio.ensure_future(self._drain())
        else:
            self._backlog.append(event)  # at most one per announcement of a finite run

    def _in_step(self, event: dict[str, Any]) -> bool:
        if event["type"] == wire.CHUNK_EVENT:
            return self.stream_id is not None and event["seq_from"] == self.last_seq_to + 1
        if event["type"] == wire.STATUS_EVENT:
            return event["stored_seq_to"] <= self.last_seq_to
        return False

    async def _drain(self) -> None:
        try:
            while self._backlog and not self.finished:
                if self._writable is not None:
                    await self._writable.ready.wait()
                await self._handle(self._backlog[0])
                self._backlog.popleft()
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away under us: nothing left to do
            logger.debug("viewer of run %s stopped", self.run_id, exc_info=True)
        finally:
            self._backlog = None

    async def _handle(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        async with self._lock:
            if kind == wire.CHUNK_EVENT:
                await self._on_chunk(event)
                return
            terminal = event["status"] in TERMINAL_STATUSES
            if terminal and event["stored_seq_to"] > self.last_seq_to:
                await self._catch_up(event["stored_seq_to"])  # all stored goes before "done"
            elif kind == wire.LOOK_EVENT:
                await self._catch_up(event["stored_seq_to"])
            if kind == wire.STATUS_EVENT or terminal:
                await self._send_status(event)
        if terminal:
            self._release()  # nothing more will be announced: stay only for seeks

    async def _on_chunk(self, event: dict[str, Any]) -> None:
        if event["seq_to"] <= self.last_seq_to:
            return  # already sent (from the database, before this announcement)
        if event["seq_from"] != self.last_seq_to + 1:
            await self._catch_up(event["seq_to"])  # a gap: the database has what was missed
            return
        if await self._send_chunk(event["index"]):
            self.last_seq_to = event["seq_to"]

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
        are needs no query; their bodies come from the per-process cache.

        In bursts (`CATCH_UP_BURST`, `CATCH_UP_BURST_BYTES`), each once the client has
        read what it was sent (`WriteBuffer`) and while holding one of the process's
        catch-up slots: a crowd's whole runs never pile up in the server's write
        buffers, a client that does not read holds nothing but its own socket, and
        sockets still opening get turns of the event loop in between (cached chunks are
        written without suspending)."""
        due = [
            (index, seq_to)
            for index, (_seq_from, seq_to) in enumerate(self.bounds)
            if self.last_seq_to < seq_to <= stored_seq_to
        ]
        while due:
            if self._writable is not None:
                await self._writable.ready.wait()
            async with catch_up_slots.slot():
                written = 0
                for _ in range(CATCH_UP_BURST):
                    index, seq_to = due[0]
                    size = await self._send_chunk(index)
                    if not size:
                        return  # not stored (yet): a later announcement or look brings it
                    self.last_seq_to = seq_to
                    del due[0]
                    written += size
                    if not due or written >= CATCH_UP_BURST_BYTES:
                        break
            await asyncio.sleep(0)

    async def _send_chunk(self, index: int) -> int:
        """Write the stored chunk `index`; the bytes written, 0 if it is not stored."""
        if self.stream_id is None:  # a run created without one: its worker assigns it
            self.stream_id = await database_sync_to_async(selectors.run_stream_id)(
                run_id=self.run_id
            )
        chunk = await encoded_chunks.get(self.stream_id, index)
        if chunk is None:
            return 0
        return await self._write_chunk(chunk)

    async def _write_chunk(self, chunk: EncodedChunk) -> int:
        """Straight to the server's ASGI `send` (what `self.send` ends in, two coroutine
        layers fewer: this runs once per viewer per chunk). Does not suspend."""
        if self.deflate:
            data = wire.chunk_message_deflated(self._next(), chunk)
            await self.base_send({"type": "websocket.send", "bytes": data})
            return len(data)
        text = wire.chunk_message(self._next(), chunk)
        await self.base_send({"type": "websocket.send", "text": text})
        return len(text)


class WriteBuffer:
    """Whether the socket's write buffer has room: a Twisted push producer on the
    connection's transport, which Twisted pauses while more than its buffer size (64 KB)
    waits to be written and resumes once that drained.

    ASGI has no backpressure, so this reaches the protocol daphne passes as its `send`'s
    bound argument (`functools.partial(server.handle_reply, protocol)`); under any other
    server `watch` returns None and writes are not held back. The transport's producer
    until then (the HTTP channel the socket was upgraded from, which stops reading while
    writes wait) is unregistered and told everything this one is told.
    """

    def __init__(self, previous: Any) -> None:
        self.previous = previous
        self.ready = asyncio.Event()
        self.ready.set()

    @classmethod
    def watch(cls, send: Any) -> WriteBuffer | None:
        protocol = next(iter(getattr(send, "args", ())), None)
        transport = getattr(protocol, "transport", None)
        if not hasattr(transport, "registerProducer") or not hasattr(transport, "producer"):
            return None  # not a Twisted transport of daphne's
        previous = transport.producer
        if previous is not None:
            if not getattr(transport, "streamingProducer", False):
                return None  # a pull producer: not ours to chain
            transport.unregisterProducer()
        buffer = cls(previous)
        transport.registerProducer(buffer, True)
        return buffer

    # Twisted's IPushProducer:
    def pauseProducing(self) -> None:
        self.ready.clear()
        if self.previous is not None:
            self.previous.pauseProducing()

    def resumeProducing(self) -> None:
        self.ready.set()
        if self.previous is not None:
            self.previous.resumeProducing()

    def stopProducing(self) -> None:  # the connection is gone: never wait
        self.ready.set()
        if self.previous is not None:
            self.previous.stopProducing()


class CatchUpSlots:
    """At most `SLOTS` joins of this process send their stored frames at once.

    A crowd joining a finished run would otherwise be a thousand catch-ups taking turns
    on the event loop, and a socket still in its opening handshake would wait behind all
    of them (daphne drops a handshake that takes 5 s). A viewer waits for a slot after
    its socket is accepted, so waiting costs it time, never its connection.
    """

    SLOTS = 32

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    def slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or loop is not self._loop:  # (tests: one loop per test)
            self._loop, self._slots = loop, asyncio.Semaphore(self.SLOTS)
        return self._slots


catch_up_slots = CatchUpSlots()


class IdleTrim:
    """Give a crowd's memory back to the system once it has gone.

    A thousand sockets leave ~60 MB of freed but fragmented heap behind (their protocol
    objects, buffers, scopes), which the process would otherwise keep while idle. When
    the last viewer of a crowd of at least `CROWD` has left and none came back for
    `AFTER_S`, collect garbage and ask the C allocator to return its free pages
    (`malloc_trim`, glibc only; elsewhere only the collection runs).
    """

    CROWD = 100
    AFTER_S = 2.0

    def __init__(self) -> None:
        self.peak = 0
        self._timer: asyncio.TimerHandle | None = None

    def seen(self, viewers: int) -> None:
        self.peak = max(self.peak, viewers)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def idle(self) -> None:
        if self.peak >= self.CROWD and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.AFTER_S, self._trim)

    def _trim(self) -> None:
        self._timer = None
        if LIVE:
            return
        self.peak = 0
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


idle_trim = IdleTrim()


def _signed_in(scope: dict[str, Any]) -> bool:
    session = scope.get("session")  # built on first use (`wssession`)
    return session is not None and session.session_key is not None


class JoinRows:
    """The rows a join reads (`selectors.run_row`), shared by the viewers of a process.

    A join's one database read is that small row (no spec). Viewers of a run that join
    at the same moment wait for the same read, and a finished run's row (which no longer
    changes) is kept `TTL_S` seconds, so a crowd opening the same finished replay makes
    one trip to the database thread, not a thousand. The visibility rule is applied per
    viewer: without a trip when the scenario is public or the viewer has no session, on
    the database thread otherwise (the user is loaded from the session there). A deleted
    run or a scenario made private shows to new viewers at most `TTL_S` late. A row read
    just before a viewer joined the run's feed may miss a chunk stored meanwhile: the
    next announcement's gap check, or the feed's look, sends it.
    """

    TTL_S = 2.0
    MAX_ITEMS = 1024

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._inflight: dict[str, asyncio.Future[dict[str, Any] | None]] = {}

    async def visible(
        self, run_id: Any, *, scope: dict[str, Any], key: str
    ) -> dict[str, Any] | None:
        row = await self._row(str(run_id))
        if row is None:
            return None
        if row["scenario__visibility"] != Visibility.PUBLIC and _signed_in(scope):
            allowed = await database_sync_to_async(selectors.row_visible)(
                row, user=scope.get("user"), key=key
            )
        else:  # the rule needs no user here: no trip to the database thread
            allowed = selectors.row_visible(row, user=None, key=key)
        return row if allowed else None

    async def _row(self, run_id: str) -> dict[str, Any] | None:
        hit = self._items.get(run_id)
        if hit is not None and time.monotonic() - hit[0] < self.TTL_S:
            return hit[1]
        loop = asyncio.get_running_loop()
        read = self._inflight.get(run_id)
        if read is None or read.get_loop() is not loop:  # (tests: one loop per test)
            read = loop.create_task(self._fetch(run_id))
            self._inflight[run_id] = read
        return await asyncio.shield(read)

    async def _fetch(self, run_id: str) -> dict[str, Any] | None:
        try:
            row = await database_sync_to_async(selectors.run_row)(run_id=run_id)
        finally:
            self._inflight.pop(run_id, None)
        if row is not None and row["status"] in TERMINAL_STATUSES:
            if len(self._items) >= self.MAX_ITEMS:
                self._items.clear()
            self._items[run_id] = (time.monotonic(), row)
        return row


join_rows = JoinRows()


def process_stats() -> dict[str, int]:
    """What this process holds for its viewers (the leak test compares it to a baseline):
    viewers, their backlogs, the runs' feeds, and the channel layer's own channel, group
    and subscription registries apart from the feeds' one channel (a fixed cost of the
    process, made at its first live viewer)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    loops = list(getattr(layer, "_layers", {}).values())
    own = feeds.own_channel()
    return {
        "viewers": len(LIVE),
        "backlogs": sum(1 for c in list(LIVE) if c._backlog is not None),
        "write_watched": sum(1 for c in list(LIVE) if c._writable is not None),
        "write_paused": sum(
            1 for c in list(LIVE) if c._writable and not c._writable.ready.is_set()
        ),
        **feeds.stats(),
        "layer_channels": sum(len([c for c in loop.channels if c != own]) for loop in loops),
        "layer_groups": sum(len(loop.groups) for loop in loops),
        "layer_subscriptions": sum(
            len([c for c in s._subscribed_to if c != own]) for loop in loops for s in loop._shards
        ),
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
