"""The session and the user of a WebSocket, both read only when a consumer asks.

Channels' `AuthMiddlewareStack` loads the user on the database thread for every socket
before its consumer starts (a thread hop per join, even for an anonymous viewer of a
public run, and a thousand viewers join at once), and wraps every message sent to save
a session, which a socket cannot send a cookie for anyway. Here `scope["session"]` is
the session store for the request's cookie, built and loaded on first access, and
`scope["user"]` is loaded from it the first time it is used, on the thread that uses it:
the consumers use both only inside `database_sync_to_async` calls (a replay viewer's
visibility check, which asks for the session only when the scenario is not public; a
presenter's token). Neither is ever saved from a socket.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils.functional import SimpleLazyObject


def _store_of(key: str | None) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def _user_of(session: Any) -> Any:
    from django.contrib.auth import get_user

    return get_user(SimpleNamespace(session=session))


class LazySessionMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookie = b"; ".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
        key = parse_cookie(cookie.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
        session = SimpleLazyObject(lambda: _store_of(key))
        user = SimpleLazyObject(lambda: _user_of(session))
        return await self.inner(dict(scope, session=session, user=user), receive, send)
