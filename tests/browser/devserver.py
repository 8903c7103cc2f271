"""Serve the player over a synthetic run (fixture_run.py) with no database, worker or
socket: `python -m tests.browser.devserver [PORT] [STORED_CHUNKS]`. For developing the
front end only; the player falls back to HTTP when the WebSocket is unavailable."""

from __future__ import annotations

import json
import mimetypes
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from outage_replay.replays.player import player_context  # noqa: E402
from tests.browser import fixture_run  # noqa: E402

RUN_ID = "00000000-0000-4000-8000-000000000001"
# RUN_JSON=path: {"spec": …, "chunks": […]} (e.g. dumped from simulation.Simulation).
_real = json.loads(open(os.environ["RUN_JSON"]).read()) if os.environ.get("RUN_JSON") else None
CHUNKS = _real["chunks"] if _real else fixture_run.chunks()
STORED = int(sys.argv[2]) if len(sys.argv) > 2 else len(CHUNKS)


def run_meta() -> dict:
    meta = fixture_run.meta(RUN_ID, STORED)
    if _real:
        meta["spec"] = _real["spec"]
        meta["frames_total"] = CHUNKS[-1]["seq_to"] + 1
        meta["stored_seq_to"] = CHUNKS[STORED - 1]["seq_to"] if STORED else -1
    return meta


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path.startswith("/static/"):
            found = finders.find(url.path.removeprefix("/static/"))
            if not found:
                return self._send(404, b"not found", "text/plain")
            with open(found, "rb") as fh:
                ctype = mimetypes.guess_type(found)[0] or "application/octet-stream"
                if found.endswith(".mjs"):
                    ctype = "text/javascript"
                return self._send(200, fh.read(), ctype)
        if url.path == f"/replay/{RUN_ID}/":
            request = RequestFactory(SERVER_NAME="127.0.0.1").get(self.path)
            ctx = player_context(request, run_meta())
            html = render_to_string("replays/replay.html", ctx, request=request)
            return self._send(200, html.encode(), "text/html; charset=utf-8")
        if url.path == f"/api/runs/{RUN_ID}/":
            body = json.dumps(run_meta()).encode()
            return self._send(200, body, "application/json")
        if url.path == f"/api/runs/{RUN_ID}/frames":
            q = parse_qs(url.query)
            lo, hi = int(q.get("from_seq", ["0"])[0]), int(q.get("to_seq", ["999999"])[0])
            chunks = [c for c in CHUNKS[:STORED] if c["seq_to"] >= lo and c["seq_from"] <= hi]
            body = json.dumps({"run": RUN_ID, "chunks": chunks}).encode()
            return self._send(200, body, "application/json")
        return self._send(404, b"not found", "text/plain")

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    print(f"http://127.0.0.1:{port}/replay/{RUN_ID}/")  # noqa: T201
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
