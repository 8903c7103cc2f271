"""WebSocket routes of the replays app."""

from django.urls import path

from .consumers import ReplayConsumer

websocket_urlpatterns = [
    path("ws/runs/<str:run_id>/", ReplayConsumer.as_asgi()),
]
