"""Every WebSocket route of the project (mounted by `asgi.py`)."""

from django.urls import path

from outage_replay.consumers import PingConsumer
from outage_replay.replays.routing import websocket_urlpatterns as replays_routes
from outage_replay.sharing.routing import websocket_urlpatterns as sharing_routes

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    *replays_routes,
    *sharing_routes,
]
