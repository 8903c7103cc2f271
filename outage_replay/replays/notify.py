"""Announce stored chunks and status changes to a run's viewers (best effort).

The channel layer only says "there is more": if Redis is away, the announcement is
lost, the run carries on, and viewers heal from the database (their gap check, their
reconnect, or the consumer's periodic look at the run).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def announce(run: Any, event: dict[str, Any]) -> bool:
    try:
        async_to_sync(get_channel_layer().group_send)(run.group_name, {**event, "run": str(run.id)})
    except (RedisError, OSError, TimeoutError) as exc:
        logger.warning("run %s: could not announce %s (%s)", run.id, event["type"], exc)
        return False
    return True
