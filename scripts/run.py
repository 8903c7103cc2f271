"""`make run`: start Redis (unless REDIS_URL is set), daphne and a Celery worker, and
keep them running.

A child that dies is started again after a backoff (0.5 s, doubling to 8 s), with one
line saying which, how it ended and when it comes back. `make run` stops on Ctrl-C or
SIGTERM, or when one child died `MAX_RESTARTS` times within `WINDOW_S` (it says so).
Runs whose worker died are healed by the workers' lease reaper, not by this script, so
production (systemd or any process manager restarting daphne and the worker) heals the
same way. An flock on the state folder's run.lock keeps a second copy from sharing this
checkout's Redis, and is released by the kernel however we exit.

OUTAGE_REPLAY_STATE_DIR moves the state folder (default .state; the tests use it).
"""

import fcntl
import os
import signal
import sys
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outage_replay.devstack import BASE_DIR, Stack, _die_with_parent, port_is_free

MAX_RESTARTS = 5
WINDOW_S = 60.0
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0


class Stop(Exception):
    pass


class GiveUp(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


class Supervisor:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.deaths: dict[str, deque[float]] = {}

    def say(self, text: str) -> None:
        print(f"make run: {text}", flush=True)

    def watch(self) -> None:
        while True:
            for name, proc in list(self.stack.children):
                if proc.poll() is not None:
                    self.revive(name, how_it_ended(proc.returncode), proc.pid)
            time.sleep(0.5)

    def revive(self, name: str, ended: str, pid: int) -> None:
        now = time.monotonic()
        deaths = self.deaths.setdefault(name, deque())
        deaths.append(now)
        while deaths and now - deaths[0] > WINDOW_S:
            deaths.popleft()
        if len(deaths) > MAX_RESTARTS:
            raise GiveUp(
                f"{name} (pid {pid}) {ended}: it died {len(deaths)} times within "
                f"{WINDOW_S:.0f} s, so it will not start; stopping everything (its output "
                "is above)."
            )
        backoff = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (len(deaths) - 1))
        self.say(
            f"{name} (pid {pid}) {ended}; restarting it in {backoff:g} s "
            f"(restart {len(deaths)} of at most {MAX_RESTARTS} a minute)"
        )
        time.sleep(backoff)
        try:
            self.stack.restart(name)
        except (RuntimeError, TimeoutError, OSError) as exc:
            self.say(f"{name} did not come back: {exc}")  # the next pass counts it again
            return
        self.say(f"{name} is back (pid {self.stack.pid(name)})")


def main() -> int:
    port = int(os.environ.get("PORT", "8000") or "8000")
    state_dir = Path(os.environ.get("OUTAGE_REPLAY_STATE_DIR") or BASE_DIR / ".state")
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = open(state_dir / "run.lock", "w")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("make run: another `make run` is already running in this checkout; stop it first.")
        return 1
    if not port_is_free("127.0.0.1", port):
        print(f"make run: port {port} is busy; free it or choose another: make run PORT=8001")
        return 1
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stop)
    _die_with_parent()  # `make` killed with SIGTERM: we get SIGTERM too and stop the children
    stack = Stack(state_dir=state_dir, log_dir=None)
    supervisor = Supervisor(stack)
    try:
        if not os.environ.get("REDIS_URL"):
            stack.start_redis()
        stack.start_worker()
        stack.start_daphne(port)
        pids = ", ".join(f"{name} {proc.pid}" for name, proc in stack.children)
        print(f"\n  Outage Replay is running at http://127.0.0.1:{port}/  ({pids})")
        print("  Admin: create a staff user with `make superuser`, then open /admin/")
        print("  Press Ctrl-C to stop.\n", flush=True)
        supervisor.watch()
    except Stop as stop:
        print(f"\nmake run: {stop}: stopping…", flush=True)
        return 0
    except GiveUp as give_up:
        supervisor.say(str(give_up))
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
