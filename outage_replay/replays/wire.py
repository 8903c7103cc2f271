"""The wire format: every message the WebSocket sends and every channel-layer event.

One module owns it (STYLE: "one function defines the wire format of broadcast
messages"), so the consumer, the worker and the HTTP API cannot drift apart.

Channel-layer events are notifications only (a few hundred bytes): they name a chunk
that is already committed, and each consumer loads it from the database (through a
per-process cache). A chunk can weigh hundreds of kilobytes; the events stay far below
the channel layer's message limit however large a scenario is.
"""

from __future__ import annotations

import json
from typing import Any

CHUNK_EVENT = "run.chunk"
STATUS_EVENT = "run.status"


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- channel-layer events (worker → consumers) ---------------------------------------


def chunk_event(chunk: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": CHUNK_EVENT,
        "index": chunk["index"],
        "seq_from": chunk["seq_from"],
        "seq_to": chunk["seq_to"],
    }


def status_event(*, status: str, progress: float, error: str, stored_seq_to: int) -> dict[str, Any]:
    return {
        "type": STATUS_EVENT,
        "status": status,
        "progress": progress,
        "error": error,
        "stored_seq_to": stored_seq_to,
    }


# -- WebSocket messages (server → browser); `seq` counts per connection -------------


def chunk_body(chunk: dict[str, Any]) -> str:
    """A chunk serialised once, to be framed by `chunk_message` for each connection."""
    return dumps(
        {
            "index": chunk["index"],
            "seq_from": chunk["seq_from"],
            "seq_to": chunk["seq_to"],
            "t_from_ms": chunk["t_from_ms"],
            "t_to_ms": chunk["t_to_ms"],
            "keyframe": chunk["keyframe"],
            "deltas": chunk["deltas"],
        }
    )


def chunk_message(seq: int, body: str) -> str:
    # Splicing the pre-serialised body keeps 200 viewers from re-encoding 200 copies.
    return f'{{"type":"chunk","seq":{int(seq)},{body[1:]}'


def chunk_message_deflated(seq: int, head: bytes, deflated: bytes) -> bytes:
    """A binary chunk message (`?compress=deflate`): a JSON header line, then zlib data.

    The header is `{"type":"chunk","seq":…,"index":…,"seq_from":…,"seq_to":…,
    "t_from_ms":…,"t_to_ms":…,"encoding":"deflate"}` and a newline; the rest inflates
    (zlib, `DecompressionStream("deflate")` in browsers) to the chunk's JSON object.
    """
    return b'{"type":"chunk","seq":%d,%s,"encoding":"deflate"}\n%s' % (int(seq), head, deflated)


def run_message(seq: int, meta: dict[str, Any]) -> str:
    return dumps({"type": "run", "seq": seq, "run": meta})


def status_message(seq: int, event: dict[str, Any]) -> str:
    return dumps(
        {
            "type": "status",
            "seq": seq,
            "status": event["status"],
            "progress": event["progress"],
            "error": event["error"],
            "stored_seq_to": event["stored_seq_to"],
        }
    )


def seek_message(seq: int, *, t_ms: int, keyframe: dict[str, Any], deltas: list) -> str:
    return dumps({"type": "seek", "seq": seq, "t_ms": t_ms, "keyframe": keyframe, "deltas": deltas})


def error_message(seq: int, message: str) -> str:
    return dumps({"type": "error", "seq": seq, "message": message})
