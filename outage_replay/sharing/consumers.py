"""`ws/present/<code>/`: a presenter session's socket, for the presenter and followers.

Every socket joins the session's group. The presenter's socket (its Django session holds
the signed token) may send `control`; its state is stored in Redis, then broadcast to
the group. Everyone may send `ping` (clock offset and round trip). Anything else, and a
follower's `control`, gets an `error`; the socket stays open.

Server → client: `hello` (role, state, presence), `state`, `presence`, `pong`, `error`.
Every message carries `server_ms` (the server's clock) so that clients can place `at_ms`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import presence, presenting

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
MAX_CLIENT_MESSAGE = 2048
HEARTBEAT_S = 10.0


class PresenterConsumer(AsyncWebsocketConsumer):
    code = ""
    group = ""
    is_presenter = False

    async def connect(self) -> None:
        self._beat: asyncio.Task[None] | None = None
        code = str(self.scope["url_route"]["kwargs"]["code"])
        meta = await presence.session_get(code=code) if presenting.valid_code(code) else None
        if meta is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.code, self.group, self.meta = code, f"present.{code}", meta
        token = await database_sync_to_async(_session_token)(self.scope, code)
        self.is_presenter = presenting.token_valid(token, code=code, nonce=meta["nonce"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await presence.join(code=code, channel=self.channel_name, presenter=self.is_presenter)
        counts = await presence.counts(code=code)
        await self._send(
            {
                "type": "hello",
                "role": "presenter" if self.is_presenter else "follower",
                "name": meta["name"],
                "state": meta["state"],
                "version": meta["version"],
                **counts,
            }
        )
        await self._announce(now=self.is_presenter)
        self._beat = asyncio.ensure_future(self._heartbeat())

    async def disconnect(self, code: int) -> None:
        if self._beat is not None:
            self._beat.cancel()
        if not self.group:
            return
        with contextlib.suppress(Exception):  # Redis away: the leases lapse on their own
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await presence.leave(code=self.code, channel=self.channel_name)
            await self._announce(now=self.is_presenter)

    # -- client messages -------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message, problem = _parse(text_data)
        if problem:
            await self._error(problem)
            return
        if message["type"] == "ping":
            await self._send({"type": "pong", "id": message.get("id")})
            return
        if not self.is_presenter:
            await self._error("control: only the presenter can drive this session")
            return
        state, problem = presenting.parse_control(message, duration_ms=self.meta["duration_ms"])
        if problem:
            await self._error(problem)
            return
        version = await presence.state_store(code=self.code, state=state)
        if version is None:
            await self._error("control: this presentation has expired")
            return
        await self.channel_layer.group_send(
            self.group, {"type": "present.state", "state": state, "version": version}
        )

    # -- group events ----------------------------------------------------------------

    async def present_state(self, event: dict[str, Any]) -> None:
        await self._send({"type": "state", "state": event["state"], "version": event["version"]})

    async def present_presence(self, event: dict[str, Any]) -> None:
        await self._send({"type": "presence", **event["counts"]})

    # -- helpers ---------------------------------------------------------------------

    async def _send(self, message: dict[str, Any]) -> None:
        message["server_ms"] = presenting.now_ms()
        await self.send(text_data=json.dumps(message))

    async def _error(self, text: str) -> None:
        await self._send({"type": "error", "message": text})

    async def _announce(self, *, now: bool) -> None:
        """Tell the group who is here: at once for the presenter coming or going, else
        at most once a second per session (a wave of 200 joins is not 200² messages)."""
        if now:
            counts = await presence.counts(code=self.code)
            await self.channel_layer.group_send(
                self.group, {"type": "present.presence", "counts": counts}
            )
        elif await presence.claim_announcement(code=self.code):
            self._later = asyncio.ensure_future(self._announce_later())

    async def _announce_later(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.sleep(presence.ANNOUNCE_EVERY_S)
            counts = await presence.counts(code=self.code)
            await self.channel_layer.group_send(
                self.group, {"type": "present.presence", "counts": counts}
            )

    async def _heartbeat(self) -> None:
        try:
            while True:
                await asyncio.sleep(HEARTBEAT_S)
                await presence.join(
                    code=self.code, channel=self.channel_name, presenter=self.is_presenter
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.debug("heartbeat of %s stopped", self.channel_name, exc_info=True)


def _session_token(scope: dict[str, Any], code: str) -> object:
    session = scope.get("session")
    if session is None:
        return None
    tokens = session.get(presenting.SESSION_TOKENS) or {}
    return tokens.get(code) if isinstance(tokens, dict) else None


def _parse(text_data: str | None) -> tuple[dict[str, Any], str]:
    if text_data is None:
        return {}, "messages must be JSON text, not binary"
    if len(text_data) > MAX_CLIENT_MESSAGE:
        return {}, f"message too long (at most {MAX_CLIENT_MESSAGE} characters)"
    try:
        message = json.loads(text_data)
    except ValueError:
        return {}, "message is not valid JSON"
    if not isinstance(message, dict):
        return {}, "message must be a JSON object"
    if message.get("type") not in {"control", "ping"}:
        return {}, f"type: unknown message type {message.get('type')!r} (control, ping)"
    return message, ""
