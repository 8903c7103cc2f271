"""Presenter sessions: one person drives a replay, everyone else follows it.

A session lives in Redis only (every daphne process sees the same one), under
`present:<code>`, and expires `SESSION_TTL_S` after its last control message:

    present:<code>            hash: run, key, name, nonce, duration_ms, state (JSON), version
    present:<code>:presenter  the channel name of the presenter's socket (a 30 s lease
                              its consumer renews): "is the presenter connected"
    present:<code>:viewers    sorted set: channel name → lease expiry (ms): "how many follow"

The presenter's right to drive is a token signed with the site's secret, naming the
session's code and nonce, kept in the presenter's Django session (never in the page).
A socket whose session holds a token that verifies for this code and nonce may send
control messages; any other socket's control messages are refused.

The state is what a follower needs to be where the presenter is: the playhead (`t_ms`),
`playing`, `speed`, the focused service and the selected panel, and `at_ms`, the
server-clock time the playhead had that value (a playing follower extrapolates from it).
"""

from __future__ import annotations

import json
import math
import re
import secrets
import time
from typing import Any

from django.conf import settings
from django.core import signing

SESSION_TTL_S = 4 * 3600
LEASE_MS = 30_000
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
CODE_LENGTH = 6
TOKEN_SALT = "outage-replay.presenter"  # noqa: S105 - a signing namespace, not a secret
SESSION_TOKENS = "presenter_tokens"  # Django session key: {code: token}
MAX_NAME = 60
MAX_SPEED = 100_000
PANELS = frozenset({"graph", "race", "lanes", "story", "charts", "details"})
CONTROL_FIELDS = frozenset(
    {"type", "t_ms", "playing", "speed", "focus", "panel", "at_ms", "sent_ms"}
)
_FOCUS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def now_ms() -> int:
    return int(time.time() * 1000)


def key_of(code: str) -> str:
    return f"present:{code}"


def valid_code(code: str) -> bool:
    return bool(_CODE.match(code or ""))


def clean_name(raw: object) -> str:
    """A presenter's display name: printable, one line, at most MAX_NAME characters."""
    text = " ".join("".join(c for c in str(raw or "") if c.isprintable()).split())
    return text[:MAX_NAME] or "Presenter"


def _sync_redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)


def session_run_ids() -> set[str]:
    """The ids of the runs live presenter sessions show (both of a comparison's)."""
    client = _sync_redis()
    ids = set()
    for key in client.scan_iter(match="present:*", count=500):
        if key.count(":") == 1:
            ids.update(run_id for run_id in client.hmget(key, "run", "run_b") if run_id)
    return ids


# -- sessions (HTTP side) ------------------------------------------------------------------


def session_create(
    *, run: Any, name: str, key: str, state: dict[str, Any], run_b: Any = None
) -> tuple[str, str]:
    """A new session for `run` (a comparison with `run_b`); returns (code, token)."""
    client = _sync_redis()
    nonce = secrets.token_urlsafe(12)
    fields = {
        "run": str(run.id),
        "run_b": str(run_b.id) if run_b is not None else "",
        "key": key or "",
        "name": clean_name(name),
        "nonce": nonce,
        "duration_ms": str(run.duration_ms),
        "state": json.dumps({**state, "at_ms": now_ms()}),
        "version": "0",
        "created_ms": str(now_ms()),
    }
    for _ in range(8):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if client.hsetnx(key_of(code), "nonce", nonce):
            client.hset(key_of(code), mapping=fields)
            client.expire(key_of(code), SESSION_TTL_S)
            token = signing.dumps({"code": code, "nonce": nonce}, salt=TOKEN_SALT)
            return code, token
    raise RuntimeError("no free presentation code")  # pragma: no cover - 31^6 codes


def session_get(*, code: str) -> dict[str, Any] | None:
    if not valid_code(code):
        return None
    fields = _sync_redis().hgetall(key_of(code))
    return _decode(fields) if fields.get("run") else None


def _decode(fields: dict[str, str]) -> dict[str, Any]:
    return {
        "run": fields["run"],
        "run_b": fields.get("run_b", ""),
        "key": fields.get("key", ""),
        "name": fields.get("name", "Presenter"),
        "nonce": fields.get("nonce", ""),
        "duration_ms": int(fields.get("duration_ms") or 0),
        "state": json.loads(fields.get("state") or "{}"),
        "version": int(fields.get("version") or 0),
    }


def token_valid(token: object, *, code: str, nonce: str) -> bool:
    """Whether `token` is the signed presenter token of this session."""
    if not isinstance(token, str) or not nonce:
        return False
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=SESSION_TTL_S * 3)
    except signing.BadSignature:
        return False
    return (
        isinstance(data, dict)
        and data.get("code") == code
        and secrets.compare_digest(str(data.get("nonce")), nonce)
    )


# -- control messages ------------------------------------------------------------------


def parse_control(  # noqa: PLR0911 - one early return per way to be wrong
    message: dict[str, Any], *, duration_ms: int
) -> tuple[dict[str, Any], str]:
    """The state a control message sets, or ({}, the problem naming the field)."""
    t_ms, playing, speed = message.get("t_ms"), message.get("playing"), message.get("speed")
    focus, panel, at_ms = message.get("focus"), message.get("panel"), message.get("at_ms")
    unknown = sorted(set(message) - CONTROL_FIELDS)
    if unknown:
        return {}, f"{unknown[0]}: unknown field"
    if isinstance(t_ms, bool) or not isinstance(t_ms, int) or not 0 <= t_ms <= duration_ms:
        return {}, f"t_ms: must be an integer from 0 to {duration_ms}"
    if not isinstance(playing, bool):
        return {}, "playing: must be true or false"
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed <= MAX_SPEED:
        return {}, f"speed: must be a number above 0 and at most {MAX_SPEED}"
    if focus is not None and not (isinstance(focus, str) and _FOCUS.match(focus)):
        return {}, "focus: must be null or a service id"
    if panel is not None and panel not in PANELS:
        return {}, f"panel: must be null or one of {', '.join(sorted(PANELS))}"
    for name in ("at_ms", "sent_ms"):
        value = message.get(name)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is not None and not (number and math.isfinite(value)):
            return {}, f"{name}: must be a number (ms)"
    state = {"t_ms": t_ms, "playing": playing, "speed": speed, "focus": focus, "panel": panel}
    # The presenter's estimate of the server clock; far off (a bad clock), the arrival.
    now = now_ms()
    state["at_ms"] = int(at_ms) if at_ms is not None and abs(at_ms - now) < 10_000 else now
    if message.get("sent_ms") is not None:
        state["sent_ms"] = message["sent_ms"]
    return state, ""
