"""The whole pipeline through real parts: daphne, a Celery worker subprocess, Redis.

No eager mode: runs are created over HTTP (or by the service), computed by the worker,
stored in the test database and streamed to `websockets` clients. The worker pauses
after each chunk (RUN_CHUNK_PAUSE_MS) so a run stays live long enough to join it, kill
its worker or restart Redis under it. Every wait polls a condition with a deadline.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import signal
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from outage_replay.replays.models import Run, StreamChunk
from tests import embedded_redis

from .client import Viewer, http_json
from .conftest import make_scenario, worker_log

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT_S = 45


def clean_digest(run: Run) -> str:
    from simulation import Simulation, parse_document

    return Simulation(parse_document(run.spec), run.seed).run().digest


def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ORM code off the event loop, closing that thread's connection after."""

    def call() -> Any:
        try:
            return fn(*args)
        finally:
            connection.close()

    return asyncio.to_thread(call)


async def wait_for(predicate: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await in_thread(predicate):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{what}: not after {timeout_s} s")


def stored_chunks(run_id: str) -> int:
    return StreamChunk.objects.filter(stream__runs=run_id).count()


def run_of(run_id: str) -> Run:
    return Run.objects.get(pk=run_id)


def start_run(base_url: str, slug: str, **extra: Any) -> dict[str, Any]:
    return http_json(f"{base_url}/api/runs/", data={"scenario": slug, "fresh": True, **extra})


def assert_complete(viewer: Viewer, run: Run) -> None:
    assert run.status == "done", (run.status, run.error)
    assert viewer.status is not None and viewer.status["status"] == "done"
    assert viewer.frames == run.frames_total == run.stored_seq_to + 1
    assert viewer.duplicates == 0
    assert viewer.digest() == run.frame_digest == clean_digest(run)


def test_it_streams_a_run_from_post_to_done(paced_stack):
    base = paced_stack["base_url"]
    scenario = make_scenario()
    created = start_run(base, scenario.slug)
    assert created["status"] == "queued"
    assert created["ws_url"] == f"/ws/runs/{created['id']}/"
    viewer = Viewer(base, created["id"])
    asyncio.run(viewer.follow(timeout_s=RUN_TIMEOUT_S))
    run = run_of(created["id"])
    assert_complete(viewer, run)
    assert viewer.healed_from_http == 0 and viewer.connections == 1
    assert viewer.meta["status"] in {"queued", "running"}  # it watched the run live
    assert run.summary["intervals"].keys() == {"db", "api", "web"}
    assert run.attempts == 1


def test_it_gives_a_late_joiner_the_stored_frames_then_the_live_tail(paced_stack):
    base = paced_stack["base_url"]
    created = start_run(base, make_scenario().slug)
    run_id = created["id"]

    async def scenario() -> tuple[Viewer, Viewer]:
        first = Viewer(base, run_id)
        watching = asyncio.ensure_future(first.follow(timeout_s=RUN_TIMEOUT_S))
        await wait_for(lambda: stored_chunks(run_id) >= 3, timeout_s=20, what="3 chunks")
        late = Viewer(base, run_id)
        await late.follow(timeout_s=RUN_TIMEOUT_S)
        await watching
        return first, late

    first, late = asyncio.run(scenario())
    run = run_of(run_id)
    assert late.meta["status"] == "running" and late.meta["stored_seq_to"] >= 25 + 2 * 250 - 1
    assert late.meta["stored_seq_to"] < run.stored_seq_to  # so some of it came live
    for viewer in (first, late):
        assert_complete(viewer, run)
        assert viewer.healed_from_http == 0


def test_it_lets_a_client_that_missed_chunks_heal_over_http(paced_stack):
    base = paced_stack["base_url"]
    created = start_run(base, make_scenario().slug)
    viewer = Viewer(base, created["id"], drop={2, 3})
    asyncio.run(viewer.follow(timeout_s=RUN_TIMEOUT_S))
    run = run_of(created["id"])
    assert viewer.healed_from_http >= 1
    assert_complete(viewer, run)


def test_it_finishes_a_run_whose_worker_process_was_killed(paced_stack):
    base = paced_stack["base_url"]
    created = start_run(base, make_scenario().slug)
    run_id = created["id"]

    async def scenario() -> Viewer:
        viewer = Viewer(base, run_id)
        watching = asyncio.ensure_future(viewer.follow(timeout_s=RUN_TIMEOUT_S))
        await wait_for(lambda: stored_chunks(run_id) >= 3, timeout_s=20, what="3 chunks")
        pid = int((await in_thread(run_of, run_id)).worker.rsplit(":", 1)[1])
        os.kill(pid, signal.SIGKILL)  # the pool process computing the run, mid-run
        await watching
        return viewer

    viewer = asyncio.run(scenario())
    run = run_of(run_id)
    assert run.attempts == 2, worker_log(paced_stack)
    assert_complete(viewer, run)


@pytest.mark.skipif(embedded_redis.STACK is None, reason="needs the embedded Redis")
def test_it_finishes_a_run_and_its_viewer_across_a_redis_restart(paced_stack):
    base = paced_stack["base_url"]
    created = start_run(base, make_scenario().slug)
    run_id = created["id"]

    async def scenario() -> Viewer:
        viewer = Viewer(base, run_id)
        watching = asyncio.ensure_future(viewer.follow(timeout_s=RUN_TIMEOUT_S))
        await wait_for(lambda: stored_chunks(run_id) >= 2, timeout_s=20, what="2 chunks")
        # From the main thread: Redis dies with the thread that started it (PDEATHSIG).
        embedded_redis.STACK.restart_redis()
        await watching
        return viewer

    viewer = asyncio.run(scenario())
    run = run_of(run_id)
    assert_complete(viewer, run)


def test_it_cancels_a_running_run(paced_stack):
    base = paced_stack["base_url"]
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def post(url: str, data: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(url, data=json.dumps(data).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        with opener.open(request, timeout=10) as response:
            return json.loads(response.read())

    created = post(f"{base}/api/runs/", {"scenario": make_scenario().slug, "fresh": True})
    run_id = created["id"]

    async def scenario() -> Viewer:
        viewer = Viewer(base, run_id)
        watching = asyncio.ensure_future(viewer.follow(timeout_s=RUN_TIMEOUT_S))
        await wait_for(lambda: stored_chunks(run_id) >= 2, timeout_s=20, what="2 chunks")
        cancelled = await asyncio.to_thread(post, f"{base}/api/runs/{run_id}/cancel", {})
        assert cancelled["status"] == "cancelled"
        await watching
        return viewer

    viewer = asyncio.run(scenario())
    assert viewer.status["status"] == "cancelled"
    run = run_of(run_id)
    # The worker stops at its next chunk and never marks the run done.
    assert run.status == "cancelled" and run.stored_seq_to < run.frames_total - 1
    assert viewer.last_seq_to <= run.stored_seq_to


def test_it_ends_a_failing_simulation_as_failed_with_a_readable_error(paced_stack):
    from django.db import transaction

    from outage_replay.replays.services import run_create, stream_for
    from simulation.frames import sha256_of

    base = paced_stack["base_url"]
    # One transaction: the run's task is sent on commit, so the worker never sees the
    # valid spec (it used to race the update below and sometimes finished the run).
    with transaction.atomic():
        run, _ = run_create(scenario=make_scenario(), fresh=True)
        # A frozen spec the engine refuses (as if written by an older version). It has
        # its own digest, so it cannot adopt the frame stream of the valid spec.
        bad_spec = {**run.spec, "duration_s": -5}
        bad_digest = sha256_of(bad_spec)
        Run.objects.filter(pk=run.pk).update(
            spec=bad_spec, spec_digest=bad_digest, stream=stream_for(bad_digest, run.seed)
        )
    from outage_replay.replays.tasks import simulate_run

    simulate_run.delay(str(run.id))
    viewer = Viewer(base, str(run.id))
    asyncio.run(viewer.follow(timeout_s=RUN_TIMEOUT_S))
    run.refresh_from_db()
    assert run.status == "failed" and viewer.status["status"] == "failed"
    assert "duration_s" in run.error and run.error.startswith("The run's scenario is invalid")
    assert (
        run.frame_digest == "" and not StreamChunk.objects.filter(stream_id=run.stream_id).exists()
    )
