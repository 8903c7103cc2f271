"""End to end through the real parts: a Celery task in a real worker publishes to a
channel-layer group in the real Redis; a WebSocket client of daphne receives it."""

import asyncio
import json
import uuid

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from outage_replay.tasks import broadcast_ping

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


async def _receive_broadcast(ws_url: str, origin: str, payload: str) -> dict:
    async with websockets.connect(ws_url, origin=origin, open_timeout=10) as ws:
        await asyncio.to_thread(broadcast_ping.delay, payload)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
            if message.get("payload") == payload:
                return message


def test_it_delivers_a_worker_broadcast_to_a_websocket_client(live_stack):
    port = live_stack["port"]
    payload = uuid.uuid4().hex
    message = asyncio.run(
        _receive_broadcast(f"ws://127.0.0.1:{port}/ws/ping/", f"http://127.0.0.1:{port}", payload)
    )
    assert message == {"type": "ping", "payload": payload}


def test_it_refuses_a_websocket_from_a_foreign_origin(live_stack):
    port = live_stack["port"]

    async def connect() -> None:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/ping/", origin="http://evil.example", open_timeout=10
        ):
            pass

    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(connect())
    assert refused.value.response.status_code == 403
