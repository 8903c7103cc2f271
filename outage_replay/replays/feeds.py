"""A run's announcements, heard once per process and handed to its viewers here.

With a channel per viewer, every join would subscribe that channel in Redis and add it
to the run's group, every leave would unsubscribe it again (one round trip each, behind
the channel layer's one lock per shard, so a thousand joins queue behind each other),
and every announcement would wake a thousand tasks that each decode it. Instead this
process has one channel of its own (`Feeds`), which is in the group of each run that has
a viewer here: the first viewer of a run subscribes it, and it leaves the group
`LINGER_S` after the last viewer left (a crowd leaving costs one unsubscribe, a crowd
arriving one subscribe).

Each announcement is decoded once and delivered to the run's viewers in join order from
one task. A chunk is loaded once (`chunkcache`) before anyone is sent it; a viewer that
is in step (not busy, the chunk follows what it has) is sent it there and then, which
does not suspend, so it costs one frame write; a viewer that is busy (still catching up
from the database, answering a seek) gets the event on its own ordered backlog
(`ReplayConsumer.hear`).

While a run is unfinished the feed also looks at its status row every `POLL_S`, one
query per run per process, and tells the viewers that are behind it (announcements
lost while Redis was away, a full channel, the gap between a first viewer's read of the
run and its subscription).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from . import selectors
from .chunkcache import encoded_chunks
from .models import TERMINAL_STATUSES
from .wire import CHUNK_EVENT, LOOK_EVENT

if TYPE_CHECKING:
    from .consumers import ReplayConsumer

logger = logging.getLogger(__name__)

LINGER_S = 5.0
POLL_S = 5.0
YIELD_EVERY = 64  # viewers written to between two turns of the event loop


class Feed:
    """One run's viewers in this process and its group subscription."""

    def __init__(self, run_id: str, group: str) -> None:
        self.run_id, self.group = run_id, group
        self.viewers: dict[ReplayConsumer, None] = {}  # join order
        self.subscribed: asyncio.Task[bool] | None = None
        self.poller: asyncio.Task[None] | None = None
        self.linger: asyncio.TimerHandle | None = None

    def stream_id(self) -> int | None:
        return next((v.stream_id for v in self.viewers if v.stream_id is not None), None)


class Feeds:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._feeds: dict[str, Feed] = {}
        self._channel: asyncio.Task[str] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._discards: set[asyncio.Task[None]] = set()

    # -- viewers -------------------------------------------------------------------

    async def join(self, viewer: ReplayConsumer, *, run_id: str, group: str) -> None:
        """Put `viewer` on its run's feed; returns once the feed hears the run's group
        (or could not subscribe: then only the feed's look at the run serves it)."""
        self._own_loop()
        feed = self._feeds.get(run_id)
        if feed is None:
            feed = self._feeds[run_id] = Feed(run_id, group)
        if feed.linger is not None:
            feed.linger.cancel()
            feed.linger = None
        feed.viewers[viewer] = None
        if feed.subscribed is None or (feed.subscribed.done() and not feed.subscribed.result()):
            feed.subscribed = asyncio.ensure_future(self._subscribe(feed))
        if feed.poller is None:
            feed.poller = asyncio.ensure_future(self._poll(feed))
        await asyncio.shield(feed.subscribed)

    def leave(self, viewer: ReplayConsumer) -> None:
        feed = self._feeds.get(viewer.run_id or "")
        if feed is None or viewer not in feed.viewers:
            return
        del feed.viewers[viewer]
        if not feed.viewers and feed.linger is None and self._loop is not None:
            feed.linger = self._loop.call_later(LINGER_S, self._drop, feed)

    def stats(self) -> dict[str, int]:
        return {
            "feeds": len(self._feeds),
            "feed_viewers": sum(len(feed.viewers) for feed in self._feeds.values()),
            "feed_pollers": sum(1 for f in self._feeds.values() if f.poller is not None),
        }

    def own_channel(self) -> str | None:
        """This process's feed channel, once it has one."""
        channel = self._channel
        if channel is None or not channel.done() or channel.exception() is not None:
            return None
        return channel.result()

    # -- the subscription --------------------------------------------------------------

    def _own_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests run one per test)
            self._loop, self._feeds, self._channel, self._reader = loop, {}, None, None

    async def _subscribe(self, feed: Feed) -> bool:
        try:
            channel = await self._own_channel()
            await get_channel_layer().group_add(feed.group, channel)
        except Exception as exc:  # noqa: BLE001 - Redis away: the feed's look serves it
            logger.warning("run %s: could not subscribe its group (%s)", feed.run_id, exc)
            return False
        if self._feeds.get(feed.run_id) is not feed:  # dropped meanwhile
            with contextlib.suppress(Exception):
                await get_channel_layer().group_discard(feed.group, channel)
        return True

    async def _own_channel(self) -> str:
        if self._channel is None or (self._channel.done() and self._channel.exception()):
            self._channel = asyncio.ensure_future(get_channel_layer().new_channel("feeds."))
        channel = await asyncio.shield(self._channel)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.ensure_future(self._read(channel))
        return channel

    def _drop(self, feed: Feed) -> None:
        feed.linger = None
        if feed.viewers or self._feeds.get(feed.run_id) is not feed:
            return
        del self._feeds[feed.run_id]
        if feed.poller is not None:
            feed.poller.cancel()
        channel = self.own_channel()
        if channel is not None and feed.subscribed is not None and feed.subscribed.done():
            self._discards.add(task := asyncio.ensure_future(self._discard(feed.group, channel)))
            task.add_done_callback(self._discards.discard)

    @staticmethod
    async def _discard(group: str, channel: str) -> None:
        with contextlib.suppress(Exception):  # Redis away: nothing is subscribed anyway
            await get_channel_layer().group_discard(group, channel)

    # -- delivery ----------------------------------------------------------------------

    async def _read(self, channel: str) -> None:
        layer = get_channel_layer()
        while True:
            try:
                event = await layer.receive(channel)
                feed = self._feeds.get(str(event.get("run")))
                if feed is not None:
                    await self._deliver(feed, event)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("feed channel %s: delivery failed", channel)
                await asyncio.sleep(0.1)

    async def _deliver(self, feed: Feed, event: dict[str, Any]) -> None:
        if event["type"] == CHUNK_EVENT:
            stream_id = feed.stream_id()
            if stream_id is not None:  # load it once, before the first viewer needs it
                await encoded_chunks.get(stream_id, event["index"])
        for n, viewer in enumerate(list(feed.viewers), start=1):
            try:
                await viewer.hear(event)
            except Exception:
                logger.debug("viewer of run %s: delivery failed", feed.run_id, exc_info=True)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the writes go out and other sockets be served

    async def _poll(self, feed: Feed) -> None:
        """While the run is unfinished: its status row now and then, for viewers behind it."""
        try:
            while self._feeds.get(feed.run_id) is feed:
                await asyncio.sleep(POLL_S * random.uniform(0.8, 1.2))
                if not feed.viewers:
                    continue
                state = await database_sync_to_async(selectors.run_status_get)(run_id=feed.run_id)
                if state is None:
                    return
                terminal = state["status"] in TERMINAL_STATUSES
                look = {"type": LOOK_EVENT, **state}
                for viewer in list(feed.viewers):
                    if terminal or viewer.last_seq_to < state["stored_seq_to"]:
                        await viewer.hear(look)
                if terminal:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("run %s: the feed's look failed", feed.run_id, exc_info=True)
        finally:
            if feed.poller is asyncio.current_task():
                feed.poller = None


feeds = Feeds()
