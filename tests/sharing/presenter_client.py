"""Presenter-session clients over real WebSockets (used by the test and the bench):
a presenter whose cookie carries the signed token, and followers that keep the latest
state and the lag of each (arrival − the presenter's send time, one machine's clock)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

import websockets


def now_ms() -> float:
    return time.time() * 1000


def start_presentation(
    base_url: str, run_id: str, *, name: str, t: str = "", focus: str = "", run_b: str = ""
) -> tuple[str, str]:
    """Press Present on the replay (or compare) page like a browser: (code, the cookie)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = f"/compare/{run_id}/{run_b}/" if run_b else f"/replay/{run_id}/"
    with opener.open(f"{base_url}{page}", timeout=30) as response:
        html = response.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert re.search(rf'name="run_b" value="{run_b}"', html) if run_b else True
    form = {"csrfmiddlewaretoken": csrf, "run": run_id, "name": name, "t": t, "focus": focus}
    if run_b:
        form["run_b"] = run_b
    request = urllib.request.Request(
        f"{base_url}/p/", data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    request.add_header("Referer", f"{base_url}{page}")
    with opener.open(request, timeout=30) as response:
        final = response.geturl()
    code = re.search(r"/p/([a-z0-9]+)/$", final).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return code, cookie


@dataclass
class Client:
    base_url: str
    code: str
    cookie: str = ""
    ws: Any = None
    hello: dict[str, Any] | None = None
    state: dict[str, Any] | None = None
    version: int = 0
    presence: dict[str, Any] | None = None
    lags_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    async def connect(self, origin: str | None = None) -> None:
        url = self.base_url.replace("http://", "ws://", 1) + f"/ws/present/{self.code}/"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(
            url, origin=origin or self.base_url, additional_headers=headers, open_timeout=20
        )
        self._reader = asyncio.ensure_future(self._read())
        await self.wait(lambda c: c.hello is not None, what="hello")

    async def _read(self) -> None:
        async for raw in self.ws:
            message = json.loads(raw)
            kind = message["type"]
            if kind == "hello":
                self.hello, self.presence = message, message
                self.state, self.version = message["state"], message["version"]
            elif kind == "state":
                self.state, self.version = message["state"], message["version"]
                if "sent_ms" in message["state"]:
                    self.lags_ms.append(now_ms() - message["state"]["sent_ms"])
            elif kind == "presence":
                self.presence = message
            elif kind == "error":
                self.errors.append(message["message"])
            self._changed.set()

    async def wait(self, predicate: Any, *, what: str, timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what}: not seen in {timeout_s} s")
            self._changed.clear()
            if predicate(self):
                return
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=remaining)
            except TimeoutError:
                pass

    async def control(self, **state: Any) -> None:
        await self.ws.send(json.dumps({"type": "control", **state, "sent_ms": now_ms()}))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()

    def position_ms(self, duration_ms: int) -> float:
        """Where this client's playhead is now, from the last state it got."""
        s = self.state or {}
        age = max(0.0, now_ms() - s["at_ms"]) if s.get("playing") else 0.0
        return min(duration_ms, s["t_ms"] + age * s["speed"])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
