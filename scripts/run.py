"""`make run`: start Redis (unless REDIS_URL is set), daphne and a Celery worker.

Ctrl-C or SIGTERM stops every child; an flock on .state/run.lock keeps a second copy
from sharing this checkout's Redis, and is released by the kernel however we exit.
"""

import fcntl
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outage_replay.devstack import BASE_DIR, Stack, _die_with_parent, port_is_free


class Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def main() -> int:
    port = int(os.environ.get("PORT", "8000") or "8000")
    state_dir = BASE_DIR / ".state"
    state_dir.mkdir(exist_ok=True)
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
    try:
        if not os.environ.get("REDIS_URL"):
            stack.start_redis()
        stack.start_worker()
        stack.start_daphne(port)
        print(f"\n  Outage Replay is running at http://127.0.0.1:{port}/")
        print("  Admin: create a staff user with `make superuser`, then open /admin/")
        print("  Press Ctrl-C to stop.\n", flush=True)
        while True:
            for name, proc in stack.children:
                if proc.poll() is not None:
                    print(f"make run: {name} exited with code {proc.returncode}; stopping.")
                    return 1
            time.sleep(0.5)
    except Stop as stop:
        print(f"\nmake run: {stop}: stopping…", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
