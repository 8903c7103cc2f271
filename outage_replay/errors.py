"""The 400/403/404/500 pages: a short page (JSON under /api/), never a traceback.

Django uses these when DEBUG is off. The 500 page is rendered from a template that
needs no context processor and touches no database, so it renders whatever broke.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Forbidden", "You may not do that here."),
    404: ("Not found", "There is nothing at this address."),
    500: ("Something went wrong", "The error was logged; please try again later."),
}


def _answer(request: HttpRequest, status: int) -> HttpResponse:
    title, message = MESSAGES[status]
    if request.path.startswith("/api/"):
        return JsonResponse({"error": message, "field": None}, status=status)
    html = loader.get_template("error.html").render(
        {"status": status, "title": title, "message": message}
    )
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _answer(request, 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _answer(request, 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _answer(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(request, 500)
