"""The async side of presenter sessions in Redis: state writes, presence leases.

Keys are described in `presenting`. One client per event loop (daphne has one; tests
may run several loops in one process).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from django.conf import settings

from .presenting import LEASE_MS, SESSION_TTL_S, _decode, key_of, now_ms

ANNOUNCE_EVERY_S = 1.0
_clients: dict[int, Any] = {}

# Drop the presenter lease only if it is still this socket's (a newer tab may hold it).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def _redis() -> Any:
    import redis.asyncio

    loop = id(asyncio.get_running_loop())
    client = _clients.get(loop)
    if client is None:
        if len(_clients) > 8:
            _clients.clear()
        client = redis.asyncio.Redis.from_url(settings.REDIS_URL, decode_responses=True)
        _clients[loop] = client
    return client


async def session_get(*, code: str) -> dict[str, Any] | None:
    fields = await _redis().hgetall(key_of(code))
    return _decode(fields) if fields.get("run") else None


async def state_store(*, code: str, state: dict[str, Any]) -> int | None:
    """Store the presenter's state; its version, or None when the session is gone."""
    client, key = _redis(), key_of(code)
    async with client.pipeline(transaction=True) as pipe:
        pipe.exists(key)
        pipe.hincrby(key, "version", 1)
        pipe.hset(key, "state", json.dumps(state))
        pipe.expire(key, SESSION_TTL_S)
        exists, version, *_ = await pipe.execute()
    if not exists:
        await client.delete(key)  # the increment re-created a lapsed session: undo
        return None
    return int(version)


async def join(*, code: str, channel: str, presenter: bool) -> None:
    """Take or renew this socket's lease (presenter: the presenter key; else a viewer)."""
    client, key = _redis(), key_of(code)
    if presenter:
        await client.set(f"{key}:presenter", channel, px=LEASE_MS)
    else:
        async with client.pipeline(transaction=False) as pipe:
            pipe.zadd(f"{key}:viewers", {channel: now_ms() + LEASE_MS})
            pipe.expire(f"{key}:viewers", SESSION_TTL_S)
            await pipe.execute()


async def leave(*, code: str, channel: str) -> None:
    client, key = _redis(), key_of(code)
    await client.zrem(f"{key}:viewers", channel)
    await client.eval(_RELEASE, 1, f"{key}:presenter", channel)


async def counts(*, code: str) -> dict[str, Any]:
    """Whether the presenter is connected and how many follow (live leases only)."""
    client, key = _redis(), key_of(code)
    async with client.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(f"{key}:viewers", "-inf", now_ms())
        pipe.zcard(f"{key}:viewers")
        pipe.exists(f"{key}:presenter")
        _, followers, presenter = await pipe.execute()
    return {"presenter_connected": bool(presenter), "followers": int(followers)}


async def claim_announcement(*, code: str) -> bool:
    """True for the one socket that gets to announce presence in the next second."""
    return bool(
        await _redis().set(
            f"{key_of(code)}:announce", "1", nx=True, px=int(ANNOUNCE_EVERY_S * 1000)
        )
    )
