"""500 viewers of a computing run join and leave (most drop their connection, some
close cleanly, some watch a couple of seconds first): afterwards daphne holds nothing
for them and Redis has no subscription left for the run.

Counted both in Redis (PUBSUB NUMSUB of the run's group channel, PUBSUB CHANNELS) and
in the daphne process (its viewers, their backlogs, the runs' feeds and the channel
layer's registries, from /healthz?stats=1, which DEBUG allows). The process's one feed
channel (made at its first live viewer, whatever their number) is not a leak; more than
one would be.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
import redis
import websockets

from tests.replays.conftest import make_scenario
from tests.replays.test_live import run_of

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

VIEWERS = 500
DROPPED, CLOSED, WATCHED = 400, 50, 50


def daphne_stats(base_url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/healthz?stats=1", timeout=30) as response:
        return json.loads(response.read())["process"]


def settled_stats(base_url: str) -> dict[str, int]:
    """The baseline, once no feed an earlier test left is lingering (they lapse 5 s after
    their last viewer)."""
    deadline = time.monotonic() + 30
    while (stats := daphne_stats(base_url))["feeds"] and time.monotonic() < deadline:
        time.sleep(0.5)
    return stats


def redis_counts(group: str) -> dict[str, int]:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        numsub = dict(client.pubsub_numsub(f"outage-replay__group__{group}"))
        channels = [name.decode() for name in client.pubsub_channels()]
        feeds = [name for name in channels if "feeds." in name]
        return {
            "group_subscribers": int(next(iter(numsub.values()), 0)),
            "channels": len(channels) - len(feeds),
            "feed_channels": len(feeds),  # one per daphne process, whatever its viewers
        }
    finally:
        client.close()


async def one_viewer(base_url: str, run_id: str, how: str) -> None:
    url = base_url.replace("http://", "ws://", 1) + f"/ws/runs/{run_id}/"
    for attempt in range(3):  # a loaded daphne may drop a handshake: that leaks nothing
        try:
            ws = await websockets.connect(url, origin=base_url, open_timeout=60, max_size=2**24)
            break
        except (OSError, websockets.exceptions.InvalidMessage):
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)
    await asyncio.wait_for(ws.recv(), timeout=60)  # its run message: it joined
    if how == "watch":
        await asyncio.sleep(2)
    if how == "drop":
        ws.transport.abort()  # no close frame: the connection just goes away
    else:
        await ws.close()


def computing_run() -> Any:
    """A run that stays `running` for the whole test: its lease is held by a worker on
    another host, so the live worker's delivery skips it and no reaper touches it."""
    from django.db import transaction
    from django.utils import timezone

    from outage_replay.replays.models import Run
    from outage_replay.replays.services import run_create

    with transaction.atomic():
        run, _ = run_create(scenario=make_scenario(), seed=4242, fresh=True)
        Run.objects.filter(pk=run.pk).update(
            status="running",
            worker="elsewhere:1",
            lease_token="held-elsewhere",
            lease_expires_at=timezone.now() + timedelta(hours=1),
        )
    return run


def test_500_viewers_leaving_a_computing_run_leave_nothing_behind(live_stack):
    base = live_stack["base_url"]
    baseline = settled_stats(base)
    run = computing_run()
    created = {"id": str(run.id)}
    group = run.group_name
    redis_before = redis_counts(group)

    async def storm() -> None:
        hows = ["drop"] * DROPPED + ["close"] * CLOSED + ["watch"] * WATCHED
        semaphore = asyncio.Semaphore(50)

        async def bounded(how: str) -> None:
            async with semaphore:
                await one_viewer(base, created["id"], how)

        await asyncio.gather(*(bounded(how) for how in hows))

    started = time.monotonic()
    asyncio.run(storm())
    joined_s = time.monotonic() - started
    assert run_of(created["id"]).status == "running"

    deadline = time.monotonic() + 30
    while True:
        stats, counts = daphne_stats(base), redis_counts(group)
        settled = stats == baseline and counts["group_subscribers"] == 0
        if settled and counts["channels"] <= redis_before["channels"]:
            assert counts["feed_channels"] <= 1, counts
            break
        assert time.monotonic() < deadline, (stats, baseline, counts, redis_before)
        time.sleep(0.5)
    print(
        f"leak test: {VIEWERS} viewers joined and left in {joined_s:.1f} s; daphne {stats} "
        f"(baseline {baseline}); Redis: {counts['group_subscribers']} subscribers of the run, "
        f"{counts['channels']} channels (before: {redis_before['channels']})"
    )
