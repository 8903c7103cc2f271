"""Rate limits per client in Django's cache: Redis, shared by every daphne process.

A client is a signed-in user, or else an IP address: REMOTE_ADDR, or with
TRUSTED_PROXIES set and the request coming from one of them, the address the proxies
saw (the right-most X-Forwarded-For entry that is not itself a trusted proxy). Without
TRUSTED_PROXIES X-Forwarded-For is ignored, so a client cannot choose its own bucket.

Each client may take `burst` tokens per window of `burst / per_min` minutes (a fixed
window: `cache.add` then `cache.incr`, both atomic in Redis, so two processes never
hand out the same token).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_address(request: Any) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.TRUSTED_PROXIES or not _trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop):
            return hop
    return remote


def client_id(request: Any) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_address(request)}"


def rate_limit_take(*, client: str, burst: int, per_min: int, now: float | None = None) -> None:
    """Take one token for `client`, or raise `RateLimited` with the wait in seconds."""
    cache = caches[settings.RATE_LIMIT_CACHE]
    now = time.time() if now is None else now
    window_s = max(1, math.ceil(burst * 60 / per_min))
    window = int(now // window_s)
    key = f"ratelimit:{hashlib.sha256(client.encode()).hexdigest()[:32]}:{window}"
    cache.add(key, 0, timeout=window_s + 5)
    try:
        taken = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_s + 5)
        taken = 1
    if taken > burst:
        raise RateLimited(max(1, math.ceil((window + 1) * window_s - now)))
