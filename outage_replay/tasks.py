"""Project-level tasks (the health check's ping)."""

from celery import shared_task


@shared_task(name="outage_replay.ping", acks_late=False)
def ping() -> str:
    return "pong"


@shared_task(name="outage_replay.broadcast_ping")
def broadcast_ping(payload: str) -> None:
    """Publish to the `ping` group from inside a worker (the plumbing check)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from outage_replay.consumers import PING_GROUP

    layer = get_channel_layer()
    async_to_sync(layer.group_send)(PING_GROUP, {"type": "ping.message", "payload": payload})
