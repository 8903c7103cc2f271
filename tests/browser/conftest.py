"""Browser fixtures: Debian's Chromium through Playwright, pages that record console
errors, screenshots under artifacts/browser/, and scenarios/runs on the live stack."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body are still plain synchronous calls (Playwright's own documented workaround).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
LIBRARY = Path(__file__).resolve().parents[2] / "outage_replay" / "scenarios" / "library"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Module scope: Playwright's sync API keeps an event loop alive in this thread, which
    # must be gone again before the suite's asyncio tests (and other browser modules) run.
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is not installed: run `make browser` (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A Playwright page plus what a test checks on every page: console errors."""

    def __init__(self, context: Any, name: str) -> None:
        self.context = context
        self.name = name
        self.page = context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"http {response.status}: {response.url}")

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(f"console: {msg.text}")

    def shot(self, label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def assert_no_errors(self) -> None:
        assert self.errors == [], self.errors


@pytest.fixture
def open_page(chromium: Any, request: Any) -> Iterator[Callable[..., Page]]:
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800, **options: Any) -> Page:
        context = chromium.new_context(viewport={"width": width, "height": height}, **options)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        return Page(context, f"{request.node.name}-{width}x{height}")

    yield make
    for context in contexts:
        context.close()


def import_scenario(doc: dict[str, Any]) -> Any:
    from outage_replay.scenarios.services import scenario_import

    scenario, _ = scenario_import(doc=doc, visibility="public")
    return scenario


def aws_doc() -> dict[str, Any]:
    return json.loads((LIBRARY / "aws-us-east-1-2025-10-20.json").read_text())


def create_run(scenario: Any) -> Any:
    from outage_replay.replays.services import run_create

    run, _ = run_create(scenario=scenario, fresh=True)
    return run


def wait_run_done(run_id: Any, timeout_s: float = 90) -> Any:
    from outage_replay.replays.models import Run

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = Run.objects.get(pk=run_id)
        if run.status in {"done", "failed", "cancelled"}:
            assert run.status == "done", (run.status, run.error)
            return run
        time.sleep(0.1)
    raise TimeoutError(f"run {run_id} not done after {timeout_s} s")
