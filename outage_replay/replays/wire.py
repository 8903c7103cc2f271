"""The wire format: every message the WebSocket sends and every channel-layer event.

One module owns it (STYLE: "one function defines the wire format of broadcast
messages"), so the consumer, the worker and the HTTP API cannot drift apart.

Channel-layer events are notifications only (a few hundred bytes; `notify.announce`
adds the run's id, which is how a process's feed tells its runs apart): they name a chunk
that is already committed, and each consumer loads it from the database (through a
per-process cache). A chunk can weigh hundreds of kilobytes; the events stay far below
the channel layer's message limit however large a scenario is.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from simulation.frames import Chunk

CHUNK_EVENT = "run.chunk"
STATUS_EVENT = "run.status"
LOOK_EVENT = "run.look"  # in process only: a feed's periodic look at the run's status row


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- channel-layer events (worker → consumers) ---------------------------------------


def chunk_event(chunk: Chunk) -> dict[str, Any]:
    return {
        "type": CHUNK_EVENT,
        "index": chunk.index,
        "seq_from": chunk.seq_from,
        "seq_to": chunk.seq_to,
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


DEFLATE_LEVEL = 9


@dataclass
class EncodedChunk:
    """A chunk encoded for the wire once, shared by every viewer that is sent it.

    `deflated` is zlib of the chunk's JSON object (what a `?compress=deflate` viewer is
    sent after its header line, and what is stored); `text` is that JSON, inflated the
    first time a plain viewer needs it.
    """

    head: dict[str, int]
    deflated: bytes
    _text: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, chunk: Chunk) -> EncodedChunk:
        text = dumps(chunk.to_dict())
        return cls(chunk.head(), zlib.compress(text.encode(), DEFLATE_LEVEL), text)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = zlib.decompress(self.deflated).decode()
        return self._text

    @functools.cached_property
    def deflated_tail(self) -> bytes:
        """A binary chunk message after its `"seq":N,` (the same for every viewer)."""
        fields = b"".join(b'"%s":%d,' % (name.encode(), value) for name, value in self.head.items())
        return b'%s"encoding":"deflate"}\n%s' % (fields, self.deflated)

    @property
    def digest(self) -> str:
        """SHA-256 of the JSON text (the chunk's identity, whatever zlib's version)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def size(self) -> int:
        tail = self.__dict__.get("deflated_tail")
        text = self._text
        return len(self.deflated) + (len(tail) if tail else 0) + (len(text) if text else 0)


def chunk_message(seq: int, chunk: EncodedChunk) -> str:
    # Splicing the pre-serialised object keeps 200 viewers from re-encoding 200 copies.
    return f'{{"type":"chunk","seq":{int(seq)},{chunk.text[1:]}'


def chunk_message_deflated(seq: int, chunk: EncodedChunk) -> bytes:
    """A binary chunk message (`?compress=deflate`): a JSON header line, then zlib data.

    The header is `{"type":"chunk","seq":…,"index":…,"seq_from":…,"seq_to":…,
    "t_from_ms":…,"t_to_ms":…,"encoding":"deflate"}` and a newline; the rest inflates
    (zlib, `DecompressionStream("deflate")` in browsers) to the chunk's JSON object.
    """
    return b'{"type":"chunk","seq":%d,%s' % (int(seq), chunk.deflated_tail)


def frames_body(
    *, run_id: str, chunks: list[EncodedChunk], stored_seq_to: int, next_from_seq: int | None
) -> str:
    """`GET /api/runs/<id>/frames`: the chunks' stored JSON spliced in, not re-encoded."""
    rest = dumps({"stored_seq_to": stored_seq_to, "next_from_seq": next_from_seq})
    texts = ",".join(chunk.text for chunk in chunks)
    return f'{{"run":{dumps(run_id)},"chunks":[{texts}],{rest[1:]}'


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


def seek_message(seq: int, *, t_ms: int, chunk: Chunk) -> str:
    """The nearest keyframe at or before `t_ms` and the deltas up to it."""
    frames = {"keyframe": chunk.keyframe, "deltas": chunk.deltas}
    return dumps({"type": "seek", "seq": seq, "t_ms": t_ms, **frames})


def error_message(seq: int, message: str) -> str:
    return dumps({"type": "error", "seq": seq, "message": message})
