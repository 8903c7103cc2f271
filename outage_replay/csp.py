"""Content-Security-Policy on every response: scripts from this origin only.

No inline script and no inline event handler runs. The one inline script the pages
have, the player's import map, is allowed by its hash (it is the same text for every
page of a process). Inline `style` attributes are still allowed (the gallery's status
strips position their segments with them); `<style>` blocks and scripts are not.

A view changes a directive by setting the header itself with just that directive, e.g.
`response["Content-Security-Policy"] = "frame-ancestors *"`, or for frame-ancestors by
marking `response.frame_ancestors = "*"` (the embed route does both); this middleware
keeps the view's directives and fills in the rest.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


@functools.cache
def _import_map_hash() -> str:
    from outage_replay.replays.player import import_map

    digest = hashlib.sha256(import_map().encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def policy() -> dict[str, str]:
    return {
        "default-src": "'self'",
        "script-src": f"'self' {_import_map_hash()}",
        "script-src-attr": "'none'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def _parse(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name.lower()] = value.strip()
    return directives


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        directives = {**policy(), **_parse(response.get(HEADER, ""))}
        if getattr(response, "frame_ancestors", None):
            directives["frame-ancestors"] = response.frame_ancestors
        response[HEADER] = "; ".join(f"{k} {v}" for k, v in directives.items())
        return response
