"""kill -9 of each child of `make run` mid-run: the supervisor brings it back, the run
completes with the clean run's digest and its viewer ends with every frame.

`scripts/run.py` runs as a subprocess with a state folder of its own (so its own
embedded Redis, which the test kills too), on the test database. The lease is
shortened (RUN_LEASE_S) to keep the suite quick; the reaper and the supervisor are
the real ones. Each kill prints how long the run took to move again.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outage_replay.devstack import BASE_DIR, free_port
from outage_replay.replays.models import Run
from tests.replays.client import Viewer, http_json
from tests.replays.conftest import make_scenario
from tests.replays.test_live import assert_complete, in_thread, run_of, wait_for

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

LEASE_S = int(os.environ.get("RELIABILITY_LEASE_S", "3"))
REAP_EVERY_S = int(os.environ.get("RELIABILITY_REAP_EVERY_S", "1"))


class Supervised:
    """`scripts/run.py` in a subprocess; its output lines collected by a thread."""

    def __init__(self, env: dict[str, str], state_dir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        child_env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        child_env.update(
            env,
            PORT=str(self.port),
            OUTAGE_REPLAY_STATE_DIR=str(state_dir),
            RUN_CHUNK_PAUSE_MS="400",
            RUN_LEASE_S=str(LEASE_S),
            RUN_REAP_EVERY_S=str(REAP_EVERY_S),
        )
        child_env.pop("REDIS_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "scripts/run.py"],
            cwd=BASE_DIR,
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.pids = self._wait_started()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def wait_line(self, pattern: str, *, timeout_s: float, start: int = 0) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if match := re.search(pattern, line):
                    return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line like {pattern!r}:\n" + "\n".join(self.lines[-40:]))

    def _wait_started(self) -> dict[str, int]:
        match = self.wait_line(r"is running at .*\((.*)\)", timeout_s=90)
        return {name: int(pid) for name, pid in (p.split() for p in match[1].split(", "))}

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def supervised(stack_env: dict[str, str], tmp_path: Path) -> Iterator[Supervised]:
    stack = Supervised(stack_env, tmp_path / "state")
    try:
        yield stack
    finally:
        stack.stop()


def kill_mid_run(stack: Supervised, child: str, slug: str, seed: int) -> dict[str, Any]:
    """Start a run (its own seed: runs of equal spec and seed share one frame stream, so
    a second would adopt the first's frames without computing), kill `child` mid-run."""
    created = http_json(
        f"{stack.base_url}/api/runs/", data={"scenario": slug, "fresh": True, "seed": seed}
    )
    run_id = created["id"]

    async def scenario() -> tuple[Viewer, float]:
        viewer = Viewer(stack.base_url, run_id)
        watching = asyncio.ensure_future(viewer.follow(timeout_s=90))
        await wait_for(lambda: run_of(run_id).stored_seq_to >= 274, timeout_s=30, what="2 chunks")
        before = (await in_thread(run_of, run_id)).stored_seq_to
        mark = len(stack.lines)
        killed_at = time.monotonic()
        os.kill(stack.pids[child], signal.SIGKILL)
        back = await asyncio.to_thread(
            stack.wait_line, rf"{child} is back \(pid (\d+)\)", timeout_s=30, start=mark
        )
        stack.pids[child] = int(back[1])
        await wait_for(
            lambda: run_of(run_id).stored_seq_to > before + 250,
            timeout_s=60,
            what=f"the run moving again after the {child} was killed",
        )
        healed_s = time.monotonic() - killed_at
        await watching
        return viewer, healed_s

    viewer, healed_s = asyncio.run(scenario())
    run = run_of(run_id)
    assert_complete(viewer, run)
    print(f"kill -9 {child}: run moved again after {healed_s:.1f} s, attempts {run.attempts}")
    return {"run": run, "healed_s": healed_s, "viewer": viewer}


def test_make_run_survives_kill_9_of_each_child_and_every_run_completes(supervised):
    slug = make_scenario().slug
    lines = supervised.lines

    worker = kill_mid_run(supervised, "worker", slug, seed=101)
    assert worker["run"].attempts == 2  # the reaper (or the broker) sent it again
    assert worker["healed_s"] < 30

    daphne = kill_mid_run(supervised, "daphne", slug, seed=102)
    assert daphne["run"].attempts == 1 and daphne["viewer"].connections >= 2

    redis = kill_mid_run(supervised, "redis", slug, seed=103)
    assert redis["run"].status == "done"

    deaths = [line for line in lines if "killed by SIGKILL; restarting it in" in line]
    assert [d.split(" (pid")[0] for d in deaths] == [
        "make run: worker",
        "make run: daphne",
        "make run: redis",
    ]
    assert supervised.proc.poll() is None  # still supervising
    assert_healthy_soon(supervised.base_url)


def assert_healthy_soon(base_url: str, timeout_s: float = 20) -> None:
    """/healthz answers ok again (each part reconnects to the new Redis on its own)."""
    import urllib.error

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            body = http_json(f"{base_url}/healthz")
        except urllib.error.HTTPError as exc:
            body = exc.read().decode()
        if isinstance(body, dict) and body["status"] == "ok":
            return
        assert time.monotonic() < deadline, body
        time.sleep(0.5)


# Not transactional (unlike the module): its rows stay in its own transaction, so the
# reaper of a worker left running by an earlier test cannot re-queue the stuck run first.
@pytest.mark.django_db
def test_a_run_nobody_computes_is_not_handed_out_as_identical_and_is_reaped(monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from outage_replay.replays import housekeeping, services
    from outage_replay.replays.tasks import simulate_run

    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(simulate_run, "apply_async", lambda args, *_, **__: sent.append(args))

    scenario = make_scenario()
    stuck, _ = services.run_create(scenario=scenario)
    sent.clear()  # its first delivery
    lapsed = timezone.now() - timedelta(seconds=1)
    Run.objects.filter(pk=stuck.pk).update(
        status="running", progress=0.026, lease_token="dead", lease_expires_at=lapsed
    )
    again, created = services.run_create(scenario=scenario)
    assert created and again.pk != stuck.pk  # not the stuck one
    sent.clear()

    assert housekeeping.reap_stalled_runs() == [str(stuck.pk)]
    assert sent == [(str(stuck.pk),)]
    stuck.refresh_from_db()
    assert stuck.status == "queued" and stuck.lease_token == ""
    assert stuck.lease_expires_at > timezone.now()
    assert housekeeping.reap_stalled_runs() == []  # reaped once, not every tick
