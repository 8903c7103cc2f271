"""The embeddable player in Chromium: framed by a page on another origin (a second local
port), pinned to a moment, playable, with no cookies; a non-embed page refuses the same
frame. Screenshots (desktop, 390×844, light and dark) and axe-core on the embed."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outage_replay.devstack import free_port

from .conftest import aws_doc, create_run, import_scenario, wait_run_done

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static file server on a second local port: a document that embeds the player."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


# The lanes' canvas is laid out for the current width and painted (a resize clears it).
LANES_DRAWN = """() => {
  const c = document.querySelector('#lanes canvas');
  if (!c || c.width !== Math.round(c.clientWidth * devicePixelRatio)) return false;
  return c.getContext('2d').getImageData(c.width - 4, 4, 1, 1).data[3] > 0;
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text())  # evaluated, not injected: no inline script for a CSP
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {
            "id": v["id"],
            "nodes": [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"]],
        }
        for v in result
        if v["impact"] in {"serious", "critical"}
    ]


def test_it_plays_the_embed_inside_another_origins_page(live_url, open_page, other_origin):
    run = create_run(import_scenario(aws_doc()))
    wait_run_done(run.pk)
    origin, folder = other_origin
    embed = f"{live_url}/embed/{run.pk}/?t=1d00:48:00&focus=dynamodb"
    (folder / "doc.html").write_text(
        "<!doctype html><title>A postmortem</title><h1>Our review</h1>"
        f'<iframe id="embed" src="{embed}" width="960" height="540" title="replay"></iframe>'
        f'<iframe id="full" src="{live_url}/replay/{run.pk}/" width="400" height="300"'
        ' title="full"></iframe>'
    )
    doc = open_page(1280, 1000)
    refused: list[str] = []
    doc.page.on("console", lambda m: refused.append(m.text) if "frame" in m.text else None)
    embed_responses: list[Any] = []
    doc.page.on("response", lambda r: embed_responses.append(r) if "/embed/" in r.url else None)
    doc.page.goto(f"{origin}/doc.html")
    frame = doc.page.frame_locator("#embed")
    frame.locator("#run-state").filter(has_text="Replay ready").wait_for()
    assert frame.locator("#clock-time").text_content() == "00:48:00 PDT"
    assert frame.locator('.lane-label[data-service="dynamodb"]').count() == 1
    back = frame.locator("#full-replay").get_attribute("href")
    assert back.startswith(f"{live_url}/replay/{run.pk}/?t=1d00:48:00")
    assert frame.locator("#btn-play").get_attribute("aria-pressed") == "false"  # autoplay=0
    frame.locator("#btn-play").click()
    embedded = next(f for f in doc.page.frames if "/embed/" in f.url)
    embedded.wait_for_function(
        "() => !document.getElementById('clock-time').textContent.startsWith('00:48:00')"
    )
    frame.locator("#btn-play").click()
    # The full replay in the other frame was refused: Chromium shows its error page.
    others = [f for f in doc.page.frames if f not in (doc.page.main_frame, embedded)]
    assert len(others) == 1, [f.url for f in doc.page.frames]
    assert others[0].locator("#replay").count() == 0, others[0].url
    assert any("frame" in text.lower() for text in refused), refused
    # The embed page sets no cookie (the refused full page may: its
    # Present form has a CSRF token).
    assert embed_responses and all("set-cookie" not in r.all_headers() for r in embed_responses)
    assert all(c["name"] != "sessionid" for c in doc.context.cookies())
    doc.shot("document")

    # One page, resized and re-themed in place (a load per screenshot costs ~10 s here).
    viewer = open_page(1280, 720)
    viewer.page.goto(embed)
    viewer.page.locator("#run-state").filter(has_text="Replay ready").wait_for()
    viewer.page.locator("#graph canvas").first.wait_for()
    for scheme in ("light", "dark"):
        viewer.page.emulate_media(color_scheme=scheme)
        for width, height in ((1280, 720), (390, 844)):
            viewer.page.set_viewport_size({"width": width, "height": height})
            viewer.page.wait_for_function(LANES_DRAWN)
            viewer.name = f"embed-{width}x{height}"
            viewer.shot(scheme)
        assert axe_violations(viewer.page) == [], scheme
    viewer.assert_no_errors()
