"""ASGI entry point: HTTP through Django, WebSockets through Channels.

WebSocket connections must come from an allowed host (`ALLOWED_HOSTS`), so a page on
another origin cannot open a socket with the visitor's cookies. Their session and user
are read only when a consumer needs them (`wssession`).
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")
django_asgi_app = get_asgi_application()

from django.urls import get_resolver  # noqa: E402

# Import every view now (Django would on the first request): a crowd arriving at a fresh
# daphne then waits on no imports, and the modules' long-lived objects are not strewn
# through the memory the crowd's connections use and give back.
get_resolver().url_patterns  # noqa: B018 - loading the URLconf is the point

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

# What was loaded at start lives as long as the process: out of the collector's sight,
# so a crowd's collections do not walk it again and again.
gc.collect()
gc.freeze()
