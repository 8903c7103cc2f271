"""Shared fixtures: a live stack (daphne + a real Celery worker) on the test database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from outage_replay.devstack import Stack, free_port


def _flush_through_a_deadlock() -> None:
    """A transactional test's teardown truncates every table while the live stack's
    worker may still be writing a run an earlier test started; on PostgreSQL the two can
    deadlock, and PostgreSQL then aborts one of them. When it is the flush, try again
    (the worker's side has been rolled back or has finished) instead of failing the test
    and the next one, which would find the tables full."""
    import time

    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    handle = flush.Command.handle

    def retrying(self, **options):
        for attempt in range(3):
            try:
                return handle(self, **options)
            except CommandError as exc:
                if attempt == 2 or "deadlock" not in str(exc.__cause__).lower():
                    raise
                time.sleep(0.2)
        return None

    flush.Command.handle = retrying


_flush_through_a_deadlock()


def _database_url() -> str:
    """The URL of the database the tests use, for the subprocesses to share it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


@pytest.fixture(scope="session")
def stack_env(django_db_setup, django_db_blocker) -> dict[str, str]:
    with django_db_blocker.unblock():
        connection.ensure_connection()
        url = _database_url()
    return {"DATABASE_URL": url, "REDIS_URL": os.environ["REDIS_URL"], "DEBUG": "1"}


def _state_dir() -> Path:
    return Path(os.environ.get("OUTAGE_REPLAY_TEST_STATE", "/tmp/outage-replay-test"))


def wait_for_worker(timeout_s: float = 60) -> None:
    """Block until a worker has consumed a ping task (it is ready for real work)."""
    from outage_replay.tasks import ping

    result = ping.delay()
    assert result.get(timeout=timeout_s) == "pong"


@pytest.fixture(scope="session")
def live_stack(stack_env) -> Iterator[dict[str, object]]:
    """daphne + one Celery worker, sharing the test database and the test Redis."""
    stack = Stack(state_dir=_state_dir(), env={**os.environ, **stack_env})
    stack.log_dir = _state_dir() / "logs"
    port = free_port()
    try:
        stack.start_worker(concurrency=1)
        stack.start_daphne(port)
        wait_for_worker()
        yield {"stack": stack, "base_url": f"http://127.0.0.1:{port}", "port": port}
    finally:
        stack.stop()


@pytest.fixture
def live_url(live_stack) -> str:
    return str(live_stack["base_url"])


UNCONSUMED_QUEUE = "tests-without-a-worker"


@pytest.fixture(autouse=True)
def _runs_stay_off_the_live_worker(request, monkeypatch) -> None:
    """A test without the live stack computes (or fakes) its runs in-process; once an
    earlier test has started the session's live worker, that worker would otherwise pick
    the same runs up from Redis and race the test. Such tests still enqueue for real, on
    commit, but to a queue no worker consumes."""
    if "live_stack" in request.fixturenames:
        return
    from django.db import transaction

    from outage_replay.replays.tasks import simulate_run

    def delay_on_commit(*args: object, **kwargs: object) -> None:
        transaction.on_commit(
            lambda: simulate_run.apply_async(args, kwargs, queue=UNCONSUMED_QUEUE)
        )

    monkeypatch.setattr(simulate_run, "delay_on_commit", delay_on_commit)
