"""A token bucket per client in Django's cache (shared when the cache is shared).

A client is a signed-in user, or else an IP address. Each bucket holds `burst` tokens
and refills `per_min` a minute; creating a run takes one.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.core.cache import cache


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


def client_id(request: Any) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def rate_limit_take(*, client: str, burst: int, per_min: int, now: float | None = None) -> None:
    """Take one token for `client`, or raise `RateLimited` with the wait in seconds."""
    now = time.time() if now is None else now
    key = "replays:bucket:" + hashlib.sha256(client.encode()).hexdigest()[:32]
    rate_per_s = per_min / 60
    tokens, at = cache.get(key) or (float(burst), now)
    tokens = min(float(burst), tokens + max(0.0, now - at) * rate_per_s)
    if tokens < 1:
        raise RateLimited(max(1, round((1 - tokens) / rate_per_s)))
    cache.set(key, (tokens - 1, now), timeout=int(burst / rate_per_s) + 60)
