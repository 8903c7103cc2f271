"""Every WebSocket route of the project (mounted by `asgi.py`)."""

from django.urls import path

from outage_replay.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]

try:  # the replays app adds its routes here
    from outage_replay.replays.routing import websocket_urlpatterns as _replays
except ImportError:  # pragma: no cover - during bootstrap only
    _replays = []
websocket_urlpatterns += _replays
