"""The run consumer in-process (WebsocketCommunicator) over the real Redis layer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from outage_replay.asgi import application
from outage_replay.replays import services
from outage_replay.replays.models import Run
from outage_replay.replays.notify import announce
from outage_replay.replays.wire import EncodedChunk, chunk_event

from .conftest import make_scenario

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def connect(path: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=ORIGIN)


async def receive(ws: WebsocketCommunicator) -> dict[str, Any]:
    return json.loads(await ws.receive_from(timeout=5))


async def receive_all(ws: WebsocketCommunicator, *, until: str) -> list[dict[str, Any]]:
    messages = [await receive(ws)]
    while messages[-1]["type"] != until:
        messages.append(await receive(ws))
    return messages


@database_sync_to_async
def finished_run(**kwargs: Any) -> Run:
    run, _ = services.run_create(scenario=make_scenario(**kwargs), fresh=True)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    return run


@database_sync_to_async
def running_run() -> tuple[Run, list[Any]]:
    """A computing run (no worker) and every chunk its simulation makes, none stored."""
    from simulation import Simulation, parse_document

    run, _ = services.run_create(scenario=make_scenario(), fresh=True)
    Run.objects.filter(pk=run.pk).update(status="running")
    run.refresh_from_db()
    return run, list(Simulation(parse_document(run.spec), run.seed).iter_chunks())


@database_sync_to_async
def store(run: Run, chunk: Any) -> bool:
    """Commit a chunk as the worker does (not announced)."""
    return services._chunk_store(run=run, chunk=chunk, encoded=EncodedChunk.of(chunk))


def chunks_of(messages: list[dict[str, Any]]) -> list[int]:
    return [m["index"] for m in messages if m["type"] == "chunk"]


async def test_it_sends_meta_then_every_stored_chunk_then_the_status():
    run = await finished_run()
    ws = connect(f"/ws/runs/{run.id}/")
    assert (await ws.connect())[0]
    messages = await receive_all(ws, until="status")
    assert messages[0]["type"] == "run" and messages[0]["run"]["status"] == "done"
    assert len(json.dumps(messages[0])) < 600 and "spec" not in messages[0]["run"]
    assert messages[0]["run"]["meta_url"] == f"/api/runs/{run.id}/"
    assert chunks_of(messages) == list(range(9))
    assert [m["seq"] for m in messages] == list(range(1, 12))
    assert messages[-1] == {
        "type": "status",
        "seq": 11,
        "status": "done",
        "progress": 1.0,
        "error": "",
        "stored_seq_to": 2000,
    }
    assert all(len(json.dumps(m)) < 256 * 1024 for m in messages)
    await ws.disconnect()


async def test_it_resumes_after_the_last_frame_the_client_has():
    run = await finished_run()
    ws = connect(f"/ws/runs/{run.id}/?after_seq=1499")
    await ws.connect()
    messages = await receive_all(ws, until="status")
    assert chunks_of(messages) == [6, 7, 8] and messages[1]["seq_from"] == 1275
    await ws.disconnect()


async def test_it_closes_with_4404_for_an_unknown_run():
    for path in ("/ws/runs/00000000-0000-0000-0000-000000000000/", "/ws/runs/not-a-uuid/"):
        ws = connect(path)
        connected, _ = await ws.connect()
        assert connected
        assert (await ws.receive_output(timeout=5))["code"] == 4404


async def test_it_requires_the_key_of_an_unlisted_scenario():
    run = await finished_run(visibility="unlisted")
    key = await database_sync_to_async(lambda: run.scenario.secret_key)()
    for query in ("", "?key=wrong"):
        ws = connect(f"/ws/runs/{run.id}/{query}")
        await ws.connect()
        assert (await ws.receive_output(timeout=5))["code"] == 4404
    ws = connect(f"/ws/runs/{run.id}/?key={key}")
    await ws.connect()
    assert (await receive(ws))["type"] == "run"
    await ws.disconnect()


async def test_it_seeks_to_the_nearest_keyframe_and_the_deltas_up_to_then():
    run = await finished_run()
    ws = connect(f"/ws/runs/{run.id}/?after_seq=2000")
    await ws.connect()
    await receive_all(ws, until="status")
    await ws.send_json_to({"type": "seek", "t_ms": 5_555_000})
    seek = await receive(ws)
    assert seek["type"] == "seek" and seek["t_ms"] == 5_555_000
    assert seek["keyframe"]["seq"] == 525 and seek["keyframe"]["t_ms"] == 5_250_000
    assert [d["seq"] for d in seek["deltas"]] == list(range(526, 556))
    await ws.send_json_to({"type": "seek", "t_ms": 10**12})
    last = await receive(ws)
    assert last["keyframe"]["seq"] == 1775 and last["deltas"][-1]["seq"] == 2000
    await ws.disconnect()


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        ("not json", "message is not valid JSON"),
        ("[1]", 'message must be a JSON object like {"type": "seek", "t_ms": 0}'),
        ('{"type": "play"}', "type: unknown message type 'play' (the only one is 'seek')"),
        ('{"type": "seek"}', "t_ms: must be an integer ≥ 0 (milliseconds from the start)"),
        (
            '{"type": "seek", "t_ms": "5"}',
            "t_ms: must be an integer ≥ 0 (milliseconds from the start)",
        ),
        (
            '{"type": "seek", "t_ms": -1}',
            "t_ms: must be an integer ≥ 0 (milliseconds from the start)",
        ),
        ("x" * 5000, "message too long (at most 4096 characters)"),
    ],
)
async def test_it_answers_a_malformed_message_with_an_error_and_stays(sent, error):
    run = await finished_run()
    ws = connect(f"/ws/runs/{run.id}/?after_seq=2000")
    await ws.connect()
    previous = (await receive_all(ws, until="status"))[-1]["seq"]
    await ws.send_to(text_data=sent)
    reply = await receive(ws)
    assert reply == {"type": "error", "seq": previous + 1, "message": error}
    await ws.send_json_to({"type": "seek", "t_ms": 0})
    assert (await receive(ws))["type"] == "seek"
    await ws.disconnect()


async def test_it_joins_a_live_run_without_gap_or_duplicate():
    """Stored before the join, announced twice, announced out of order, never announced."""

    run, chunks = await running_run()
    for chunk in chunks[:2]:
        await store(run, chunk)
    ws = connect(f"/ws/runs/{run.id}/")
    await ws.connect()
    joined = await receive_all(ws, until="status")
    assert chunks_of(joined) == [0, 1] and joined[-1]["status"] == "running"
    await store(run, chunks[2])
    await database_sync_to_async(announce)(run, chunk_event(chunks[1]))  # a duplicate
    await database_sync_to_async(announce)(run, chunk_event(chunks[2]))
    assert (await receive(ws))["index"] == 2
    await store(run, chunks[3])  # never announced
    await store(run, chunks[4])
    await database_sync_to_async(announce)(run, chunk_event(chunks[4]))
    assert [(await receive(ws))["index"] for _ in range(2)] == [3, 4]
    for chunk in chunks[5:]:
        await store(run, chunk)
    await database_sync_to_async(services._run_finish)(run=run, frame_digest="d", summary={})
    tail = await receive_all(ws, until="status")
    assert chunks_of(tail) == [5, 6, 7, 8] and tail[-1]["status"] == "done"
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()


async def test_it_sends_chunks_compressed_when_asked():
    import zlib

    run = await finished_run()
    plain, packed = connect(f"/ws/runs/{run.id}/"), connect(f"/ws/runs/{run.id}/?compress=deflate")
    await plain.connect()
    await packed.connect()
    expected = [m for m in await receive_all(plain, until="status") if m["type"] == "chunk"]
    assert (await receive(packed))["type"] == "run"
    for chunk in expected:
        message = await packed.receive_output(timeout=5)
        head, _, data = message["bytes"].partition(b"\n")
        header = json.loads(head)
        body = json.loads(zlib.decompress(data))
        assert header == {
            "type": "chunk",
            "seq": chunk["seq"],
            "encoding": "deflate",
            **{k: chunk[k] for k in ("index", "seq_from", "seq_to", "t_from_ms", "t_to_ms")},
        }
        assert {"type": "chunk", "seq": chunk["seq"], **body} == chunk
    assert (await receive(packed))["type"] == "status"
    await plain.disconnect()
    await packed.disconnect()


async def test_a_draft_run_shows_only_to_a_signed_in_staff_member():
    from django.contrib.auth import get_user_model
    from django.test import Client

    run = await finished_run(visibility="draft")

    @database_sync_to_async
    def session_cookie(staff: bool) -> bytes:
        user = get_user_model().objects.create_user(f"u{int(staff)}", is_staff=staff)
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    anonymous = connect(f"/ws/runs/{run.id}/")
    await anonymous.connect()
    assert (await anonymous.receive_output(timeout=5))["code"] == 4404
    for staff, expected in ((False, "closed"), (True, "run")):
        headers = [*ORIGIN, (b"cookie", await session_cookie(staff))]
        ws = WebsocketCommunicator(application, f"/ws/runs/{run.id}/", headers=headers)
        await ws.connect()
        message = await ws.receive_output(timeout=5)
        closed = message["type"] == "websocket.close"
        assert ("closed" if closed else json.loads(message["text"])["type"]) == expected, staff
        await ws.disconnect()


async def test_a_crowd_joining_a_finished_run_reads_its_row_once(monkeypatch):
    import asyncio

    from outage_replay.replays import selectors
    from outage_replay.replays.consumers import join_rows

    run = await finished_run()
    reads: list[str] = []
    real = selectors.run_row

    def counted(*, run_id: Any) -> Any:
        reads.append(str(run_id))
        return real(run_id=run_id)

    monkeypatch.setattr(selectors, "run_row", counted)
    monkeypatch.setattr(join_rows, "_items", {})
    crowd = [connect(f"/ws/runs/{run.id}/") for _ in range(20)]
    await asyncio.gather(*(ws.connect() for ws in crowd))
    for ws in crowd:
        messages = await receive_all(ws, until="status")
        assert chunks_of(messages) == list(range(9))
        await ws.disconnect()
    assert reads == [str(run.id)]


async def test_a_busy_viewer_does_not_hold_up_the_others():
    """The feed writes to viewers in step at once; a busy one (here: its lock held, as
    while it answers a seek) gets its chunks afterwards, in order, each exactly once."""
    from outage_replay.replays.feeds import feeds

    run, chunks = await running_run()
    await store(run, chunks[0])
    busy, free = connect(f"/ws/runs/{run.id}/"), connect(f"/ws/runs/{run.id}/")
    for ws in (busy, free):
        await ws.connect()
        assert chunks_of(await receive_all(ws, until="status")) == [0]
    first_viewer = next(iter(feeds._feeds[str(run.id)].viewers))  # join order: `busy`
    await first_viewer._lock.acquire()
    try:
        for chunk in chunks[1:4]:
            await store(run, chunk)
            await database_sync_to_async(announce)(run, chunk_event(chunk))
        assert [(await receive(free))["index"] for _ in range(3)] == [1, 2, 3]
        assert await busy.receive_nothing(timeout=0.2)
    finally:
        first_viewer._lock.release()
    assert [(await receive(busy))["index"] for _ in range(3)] == [1, 2, 3]
    assert await busy.receive_nothing(timeout=0.2)
    for ws in (busy, free):
        await ws.disconnect()


async def test_a_viewer_that_does_not_read_is_sent_nothing_more_until_it_does():
    """Backpressure: the catch-up writes only while the socket's write buffer has room
    (daphne's transport pauses a registered push producer when it is full; here it is
    full from the start, as for a client that never reads)."""
    import functools

    told: list[str] = []

    class HTTPChannel:  # the producer the upgraded socket's transport had: still told
        def pauseProducing(self) -> None:
            told.append("pause")

        def resumeProducing(self) -> None:
            told.append("resume")

    class Transport:
        producer: Any = HTTPChannel()
        streamingProducer = True

        def unregisterProducer(self) -> None:
            self.producer = None

        def registerProducer(self, producer: Any, streaming: bool) -> None:
            assert streaming and self.producer is None
            self.producer = producer
            producer.pauseProducing()

    class Protocol:
        transport = Transport()

    protocol = Protocol()

    async def daphne_like(scope: Any, receive: Any, send: Any) -> Any:
        async def handle_reply(_protocol: Any, message: Any) -> None:
            await send(message)

        return await application(scope, receive, functools.partial(handle_reply, protocol))

    run = await finished_run()
    ws = WebsocketCommunicator(daphne_like, f"/ws/runs/{run.id}/", headers=ORIGIN)
    await ws.connect()
    assert (await receive(ws))["type"] == "run"
    assert await ws.receive_nothing(timeout=0.3)  # paused: no chunk written
    protocol.transport.producer.resumeProducing()  # the client read its buffer
    messages = await receive_all(ws, until="status")
    assert chunks_of(messages) == list(range(9))
    assert told == ["pause", "resume"]
    await ws.disconnect()


async def test_a_public_run_is_joined_without_building_a_session(monkeypatch):
    """A public replay needs no session: a signed-in viewer's cookie is not turned into
    a session store (nor a user) for it; a draft run's visibility check still reads it."""
    from outage_replay import wssession

    built: list[object] = []
    real = wssession._store_of

    def counted(key: object) -> object:
        built.append(key)
        return real(key)

    monkeypatch.setattr(wssession, "_store_of", counted)
    headers = [*ORIGIN, (b"cookie", b"sessionid=abc123")]
    for visibility, sessions in (("public", []), ("draft", ["abc123"])):
        run = await finished_run(visibility=visibility, slug=f"tiny-{visibility}")
        ws = WebsocketCommunicator(application, f"/ws/runs/{run.id}/", headers=headers)
        await ws.connect()
        await ws.receive_output(timeout=5)
        await ws.disconnect()
        assert built == sessions, visibility
