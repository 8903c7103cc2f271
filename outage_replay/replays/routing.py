"""WebSocket routes of the replays app."""

websocket_urlpatterns: list = []
