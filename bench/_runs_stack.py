"""Shared by the runs benchmarks: a private stack (Redis, SQLite, daphne, a worker).

Started from scratch in a temporary folder (or on DATABASE_URL if set): migrate, load
the shipped scenario library, start a Celery worker and one daphne. BENCH_DEBUG=0 runs
it without DEBUG, static files served from `make setup`'s collectstatic. The benchmark then
talks to it over HTTP and WebSockets like a browser would. Rate limits are lifted
(a benchmark is one client starting many runs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from outage_replay.devstack import Stack, free_port  # noqa: E402

AWS = "aws-us-east-1-2025-10-20"


def start(*, worker: bool = True, concurrency: int = 2) -> tuple[Stack, str]:
    state = Path(tempfile.mkdtemp(prefix="outage-replay-bench-"))
    stack = Stack(state_dir=state, log_dir=state / "logs")
    stack.start_redis()
    stack.env.setdefault("DATABASE_URL", f"sqlite:///{state / 'bench.sqlite3'}")
    stack.env.update({"DEBUG": "1", "RUN_CREATE_BURST": "100000", "RUN_CREATE_PER_MIN": "100000"})
    if os.environ.get("BENCH_DEBUG") == "0":  # as in production: collected, compressed static
        stack.env.update(
            {
                "DEBUG": "0",
                "SECRET_KEY": "bench-only-" + "x" * 60,
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_HSTS_SECONDS": "0",
            }
        )
    os.environ.update(stack.env)
    manage = [sys.executable, "manage.py"]
    for argv in ([*manage, "migrate", "--noinput", "-v", "0"], [*manage, "load_library"]):
        subprocess.run(argv, cwd=BASE_DIR, env=stack.env, check=True, stdout=subprocess.DEVNULL)
    if worker:
        stack.start_worker(concurrency=concurrency)
    port = free_port()
    stack.start_daphne(port)
    return stack, f"http://127.0.0.1:{port}"


# One browser-like client: its session cookie makes it the starter of its runs (cancel).
_OPENER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def http_json(url: str, data: dict[str, Any] | None = None) -> Any:
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(  # noqa: S310 - the bench's own loopback URLs
        url, data=body, method="POST" if body else "GET"
    )
    request.add_header("Content-Type", "application/json")
    with _OPENER.open(request, timeout=30) as response:
        return json.loads(response.read())


def finished(base: str, created: dict[str, Any], timeout_s: float = 300) -> dict[str, Any]:
    """Wait until the run `POST /api/runs/` answered with is done; its meta."""
    deadline = time.monotonic() + timeout_s
    while (run := http_json(f"{base}{created['api_url']}"))["status"] != "done":
        assert run["status"] in {"queued", "running"} and time.monotonic() < deadline, run
        time.sleep(0.3)
    return run


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def header(message: str | bytes) -> dict[str, Any]:
    """The leading fields of a chunk message without decoding its frames.

    The server writes `type`, `seq`, `index`, `seq_from`, `seq_to` first; a viewer that
    only measures need not parse 400 kB of frames 200 times over. Takes text, or the raw
    bytes of either kind of frame (a binary `?compress=deflate` chunk is a JSON header
    line, then zlib; a text message never holds a raw newline).
    """
    if isinstance(message, bytes):
        newline = message.find(b"\n", 0, 1024)
        if newline >= 0:
            return json.loads(message[:newline])
        text = message[:200].decode("utf-8", "replace")
    else:
        text = message[:200]
    if '"t_from_ms"' not in text:
        return json.loads(message)
    return json.loads(text[: text.index(',"t_from_ms"')] + "}")
