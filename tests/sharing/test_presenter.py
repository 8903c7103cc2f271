"""Presenter mode over two daphne processes sharing one Redis: a presenter and 20
followers (10 on each process) over real WebSockets."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from outage_replay.devstack import Stack, free_port
from tests.replays.conftest import make_scenario

from .presenter_client import Client, percentile, start_presentation

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]
FRAME_MS = 10_000  # the tiny scenario's frame interval


@pytest.fixture(scope="module")
def second_daphne(live_stack: dict[str, Any]) -> Iterator[str]:
    stack: Stack = live_stack["stack"]
    other = Stack(state_dir=stack.state_dir, env=dict(stack.env))
    other.log_dir = Path(os.environ.get("OUTAGE_REPLAY_TEST_STATE", "/tmp")) / "logs-daphne-b"
    port = free_port()
    other.start_daphne(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        other.stop()


def _run(scenario: Any = None) -> Any:
    from outage_replay.replays import services

    run, _ = services.run_create(scenario=scenario or make_scenario(), fresh=True)
    return run


ACTIONS = [
    {"t_ms": 600_000, "playing": False, "speed": 1, "focus": None, "panel": None},  # seek
    {"t_ms": 600_000, "playing": True, "speed": 60, "focus": None, "panel": None},  # play
    {"t_ms": 900_000, "playing": True, "speed": 600, "focus": None, "panel": None},  # speed
    {"t_ms": 1_200_000, "playing": False, "speed": 600, "focus": None, "panel": None},  # pause
    {"t_ms": 1_200_000, "playing": False, "speed": 600, "focus": "db", "panel": None},  # focus
    {"t_ms": 1_200_000, "playing": False, "speed": 600, "focus": "db", "panel": "lanes"},
    {"t_ms": 0, "playing": False, "speed": 1, "focus": None, "panel": None},  # seek home
]


def test_it_has_twenty_followers_follow_the_presenter_across_two_processes(live_url, second_daphne):
    run = _run()
    duration_ms = run.duration_ms
    code, cookie = start_presentation(live_url, str(run.id), name="Ada <b>Lovelace</b>", t="600s")
    figures = asyncio.run(_scenario(live_url, second_daphne, code, cookie, duration_ms))
    print(
        f"\nfollow lag over {figures['n']} deliveries (20 followers × {len(ACTIONS)} actions,"
        f" 2 daphne processes): p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms,"
        f" max {figures['max']:.1f} ms"
    )

    # The page: the presenter's name escaped; the token never in the page.
    with urllib.request.urlopen(f"{second_daphne}/p/{code}/", timeout=30) as response:
        html = response.read().decode()
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;</strong> is presenting" in html
    assert "<b>Lovelace" not in html
    assert "presenter_tokens" not in html and '"role": "follower"' in html


async def _scenario(url_a: str, url_b: str, code: str, cookie: str, duration_ms: int) -> dict:
    presenter = Client(url_a, code, cookie)
    await presenter.connect()
    assert (
        presenter.hello["role"] == "presenter" and presenter.hello["name"] == "Ada <b>Lovelace</b>"
    )
    assert presenter.hello["state"]["t_ms"] == 600_000  # the moment Present was pressed at
    followers = [Client(url_a if i % 2 else url_b, code) for i in range(20)]
    await asyncio.gather(*(f.connect() for f in followers))
    assert all(f.hello["role"] == "follower" for f in followers)
    await presenter.wait(
        lambda c: c.presence["followers"] == 20 and c.presence["presenter_connected"],
        what="20 followers counted",
    )

    for action in ACTIONS:
        before = presenter.version
        await presenter.control(**action)
        await asyncio.gather(
            *(f.wait(lambda c, v=before: c.version > v, what=f"{action}") for f in followers)
        )
        expected = followers[0].position_ms(duration_ms)
        for f in followers:
            assert {k: f.state[k] for k in action} == action
            # Every follower is where the presenter is (within one frame while playing).
            assert abs(f.position_ms(duration_ms) - expected) <= FRAME_MS, action

    # A follower's forged control is refused, and nobody moves.
    forger = followers[3]
    version = forger.version
    await forger.control(t_ms=5_000_000, playing=True, speed=3600, focus=None, panel=None)
    await forger.wait(lambda c: c.errors, what="forged control refused")
    assert forger.errors[-1] == "control: only the presenter can drive this session"
    await presenter.control(**{**ACTIONS[0], "t_ms": 42_000})  # the next thing anyone sees
    await asyncio.gather(*(f.wait(lambda c: c.version > version, what="marker") for f in followers))
    assert all(f.version == version + 1 and f.state["t_ms"] == 42_000 for f in followers)

    # Bad messages get an error naming the problem; the sockets stay open.
    await presenter.ws.send("not json")
    await presenter.ws.send(
        json.dumps({"type": "control", "t_ms": -5, "playing": False, "speed": 1})
    )
    await presenter.ws.send(json.dumps({"type": "seek"}))
    await presenter.wait(lambda c: len(c.errors) == 3, what="three errors")
    assert presenter.errors[0] == "message is not valid JSON"
    assert presenter.errors[1].startswith("t_ms: must be an integer from 0 to")
    assert presenter.errors[2].startswith("type: unknown message type 'seek'")

    # The presenter leaves: followers are told and keep their state; back, followed again.
    lags = [lag for f in followers for lag in f.lags_ms]
    await presenter.close()
    await asyncio.gather(
        *(
            f.wait(lambda c: not c.presence["presenter_connected"], what="presenter gone")
            for f in followers
        )
    )
    assert all(f.state["t_ms"] == 42_000 for f in followers)
    back = Client(url_b, code, cookie)  # on the other process this time
    await back.connect()
    assert back.hello["role"] == "presenter" and back.hello["state"]["t_ms"] == 42_000
    await asyncio.gather(
        *(
            f.wait(lambda c: c.presence["presenter_connected"], what="presenter back")
            for f in followers
        )
    )
    await back.control(**{**ACTIONS[0], "t_ms": 77_000})
    await asyncio.gather(
        *(f.wait(lambda c: c.state["t_ms"] == 77_000, what="followed again") for f in followers)
    )

    # WebSockets from another origin are refused outright.
    with pytest.raises(InvalidStatus):
        await Client(url_a, code).connect(origin="http://evil.example")
    await asyncio.gather(back.close(), *(f.close() for f in followers))
    return {
        "n": len(lags),
        "p50": percentile(lags, 50),
        "p99": percentile(lags, 99),
        "max": max(lags),
    }


def test_it_ends_a_session_that_expired(live_url):
    import redis
    from django.conf import settings

    run = _run()
    code, cookie = start_presentation(live_url, str(run.id), name="Grace")
    redis.Redis.from_url(settings.REDIS_URL).delete(f"present:{code}")
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(f"{live_url}/p/{code}/", timeout=30)
    assert gone.value.code == 404 and b"This presentation has ended" in gone.value.read()

    async def closed() -> int:
        client = Client(live_url, code, cookie)
        import websockets

        url = live_url.replace("http://", "ws://") + f"/ws/present/{code}/"
        async with websockets.connect(url, origin=live_url) as ws:
            try:
                await asyncio.wait_for(ws.recv(), timeout=10)
            except websockets.ConnectionClosed as exc:
                return exc.rcvd.code
        del client
        return 0

    assert asyncio.run(closed()) == 4404


def test_it_presents_a_comparison(live_url):
    a = _run()
    b = _run(a.scenario)
    code, cookie = start_presentation(live_url, str(a.id), name="Edsger", run_b=str(b.id))
    with urllib.request.urlopen(f"{live_url}/p/{code}/", timeout=30) as response:
        follower_html = response.read().decode()
    assert 'id="compare-data"' in follower_html and "Edsger</strong> is presenting" in follower_html
    assert f'"ws_url": "/ws/present/{code}/"' in follower_html

    async def both() -> tuple[str, str]:
        presenter, follower = Client(live_url, code, cookie), Client(live_url, code)
        await presenter.connect()
        await follower.connect()
        await presenter.control(t_ms=30_000, playing=False, speed=10, focus="api", panel=None)
        await follower.wait(lambda c: c.state["t_ms"] == 30_000, what="followed")
        await asyncio.gather(presenter.close(), follower.close())
        return presenter.hello["role"], follower.hello["role"]

    assert asyncio.run(both()) == ("presenter", "follower")
