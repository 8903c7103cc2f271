"""WebSocket routes of the sharing app."""

from django.urls import path

from .consumers import PresenterConsumer

websocket_urlpatterns = [
    path("ws/present/<str:code>/", PresenterConsumer.as_asgi()),
]
