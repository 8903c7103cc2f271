"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket connections must come from an allowed host (`ALLOWED_HOSTS`), so a page on
another origin cannot open a socket with the visitor's cookies. Their session and user
are read only when a consumer needs them (`wssession`).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from outage_replay.routing import websocket_urlpatterns  # noqa: E402
from outage_replay.wssession import LazySessionMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            LazySessionMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)
