"""The replay player as a person uses it, in Debian's Chromium, against the live stack
(daphne + a real Celery worker + Redis) and a real run of the AWS scenario.

Screenshots land in artifacts/browser/ (git-ignored)."""

from __future__ import annotations

import copy
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import aws_doc, create_run, import_scenario, wait_run_done

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

TINY = json.loads((Path(__file__).parents[1] / "replays" / "tiny.json").read_text())
START_MIN = 23 * 60 + 30  # the AWS scenario starts at 23:30 PDT

READ = """() => ({
  clock: document.getElementById('clock-time').textContent,
  ddb: document.querySelector('.lane-label[data-service="dynamodb"] .lane-now')?.dataset.st,
  state: document.getElementById('run-state').textContent,
  record: document.querySelector('.pn-card[data-mechanism="ddb-dns"]')?.textContent,
  playing: document.getElementById('btn-play').getAttribute('aria-pressed') === 'true',
})"""


def minutes_from_start(clock: str) -> int:
    """'02:40:00 PDT' → minutes since the scenario's 23:30 start."""
    h, m = (int(x) for x in clock.split(maxsplit=1)[0].split(":")[:2])
    return (h * 60 + m - START_MIN) % (24 * 60)


def wait_ready(page: Any, timeout_ms: int = 90_000) -> None:
    page.wait_for_function(
        "() => document.getElementById('run-state').textContent === 'Replay ready'",
        timeout=timeout_ms,
    )


def click_track_at(page: Any, service: str, t_s: float, duration_s: float) -> None:
    page.locator(f'.lane-label[data-service="{service}"]').scroll_into_view_if_needed()
    box = page.locator(".lane-track").bounding_box()
    row = page.locator(f'.lane-label[data-service="{service}"]').bounding_box()
    x = box["x"] + box["width"] * t_s / duration_s
    page.mouse.click(x, row["y"] + row["height"] / 2)


def test_it_replays_the_aws_outage_from_gallery_to_shared_link(live_url, open_page):
    import_scenario(aws_doc())
    viewer = open_page(1280, 800)
    page = viewer.page
    page.goto(f"{live_url}/")
    page.locator('a[href="/s/aws-us-east-1-2025-10-20/"]').first.click()
    page.wait_for_url(re.compile(r"/s/aws-us-east-1-2025-10-20/$"))
    page.get_by_role("button", name=re.compile("Replay")).first.click()
    page.wait_for_url(re.compile(r"/replay/[0-9a-f-]{36}/$"))
    og_title = page.locator('meta[property="og:title"]').get_attribute("content")
    assert og_title.startswith("Replay: AWS us-east-1")
    assert page.locator('meta[property="og:description"]').get_attribute("content")

    # The run is still computing: progress shows, then it is ready and plays.
    page.wait_for_function(
        "() => /Simulating/.test(document.getElementById('run-state').textContent)", timeout=10_000
    )
    assert page.locator("#loadbar").is_visible()
    assert page.locator("#btn-live").is_visible()
    viewer.shot("computing")
    wait_ready(page)
    assert not page.locator("#btn-live").is_visible()

    # Press play from the start and watch DynamoDB go down and come back.
    if page.evaluate(READ)["playing"]:
        page.locator("#btn-play").click()
    page.keyboard.press("Home")
    page.locator("#btn-play").click()
    samples = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        s = page.evaluate(READ)
        samples.append((minutes_from_start(s["clock"]), s["ddb"]))
        if samples[-1][0] > 4 * 60:  # past 03:30
            break
        page.wait_for_timeout(60)
    page.locator("#btn-play").click()  # pause
    viewer.shot("after-playing")
    down = next(m for m, st in samples if st == "down")
    back = next(m for m, st in samples if m > down and st == "healthy")
    assert abs(down - 18) <= 8, f"DynamoDB down at +{down} min, expected ~23:48 (+18)"
    assert abs(back - 190) <= 15, f"DynamoDB healthy at +{back} min, expected ~02:40 (+190)"

    # After the deletion the DNS panel shows the empty record, and the race's sequence
    # diagram (30 min before the playhead) the stale write and the clean-up deletion.
    click_track_at(page, "route53", 40 * 60, 106200)  # 00:10, on a row without markers
    page.wait_for_function(
        "() => /EMPTY/.test(document.querySelector('.pn-card[data-mechanism=\"ddb-dns\"]')"
        ".textContent)",
        timeout=5_000,
    )
    page.locator(".sq-window button", has_text="30 min").click()
    expect(page.locator(".sq-msg text", has_text="stale write")).to_have_count(1)
    tags = page.locator(".sq-msg text").all_text_contents()
    assert "stale write" in tags and "clean-up deletes active plan" in tags, tags
    assert "EMPTY" in tags and page.locator(".sq-caption").text_content()
    viewer.shot("race-empty")
    if os.environ.get("UPDATE_SCREENSHOT"):  # the README's screenshot, regenerated on purpose
        page.evaluate("() => window.scrollTo(0, 0)")
        page.mouse.move(5, 5)
        page.screenshot(path=str(Path(__file__).parents[2] / "docs" / "screenshot.png"))

    # Select DynamoDB, copy the link, open it in a fresh browser: same moment and focus.
    page.locator('.lane-label[data-service="dynamodb"]').click()
    assert page.locator("#details h3").text_content().startswith("DynamoDB")
    clock = page.locator("#clock-time").text_content()
    page.locator("#btn-copy").click()
    page.wait_for_function("() => document.getElementById('copy-status').dataset.url")
    link = page.evaluate("() => navigator.clipboard.readText()")
    assert re.search(r"\?t=1d00:\d{2}:\d{2}&focus=dynamodb$", link), link  # 00:1x on day 2
    viewer.shot("selected")
    viewer.assert_no_errors()

    fresh = open_page(1920, 1080)
    fresh.page.goto(link)
    fresh.page.wait_for_function(
        "() => /EMPTY/.test(document.querySelector('.pn-card[data-mechanism=\"ddb-dns\"]')"
        "?.textContent || '')"
    )
    assert fresh.page.locator("#clock-time").text_content() == clock
    label = fresh.page.locator('.lane-label[data-service="dynamodb"]')
    assert label.get_attribute("aria-pressed") == "true"
    assert fresh.page.locator("#details h3").text_content().startswith("DynamoDB")
    assert fresh.page.evaluate(READ)["playing"] is False
    fresh.shot("shared-link")
    fresh.assert_no_errors()


def test_it_opens_a_day_offset_link_at_the_recovery(live_url, open_page):
    run = create_run(import_scenario(aws_doc()))
    wait_run_done(run.pk)
    viewer = open_page(1920, 1080, color_scheme="dark")
    viewer.page.goto(f"{live_url}/replay/{run.pk}/?t=1d02:45:00&focus=ec2-dwfm")
    viewer.page.wait_for_function(
        "() => document.getElementById('clock-time').textContent.startsWith('02:45:00')"
    )
    wait_ready(viewer.page)
    s = viewer.page.evaluate(READ)
    assert s["ddb"] == "healthy"
    assert "EMPTY" not in s["record"]
    assert viewer.page.locator("#details h3").text_content().startswith("EC2")
    viewer.page.mouse.move(10, 10)
    viewer.shot("recovery")
    perf = viewer.page.evaluate("() => window.__perf")
    assert perf["firstFrameMs"] is not None
    viewer.assert_no_errors()


def test_it_works_from_the_keyboard_alone(live_url, open_page):
    run = create_run(import_scenario(copy.deepcopy(TINY)))
    wait_run_done(run.pk)
    viewer = open_page(1280, 800, reduced_motion="reduce")
    page = viewer.page
    page.goto(f"{live_url}/replay/{run.pk}/")
    wait_ready(page)
    assert page.evaluate(READ)["playing"] is False  # reduced motion: no autoplay

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => document.activeElement.matches({json.dumps(selector)})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#btn-play")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "focus must be visible"
    play = page.locator("#btn-play")
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#announcer")).to_contain_text("Playing at")
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-pressed", "false")

    clock = page.locator("#clock-time")
    tab_to("#scrubber")
    page.keyboard.press("Home")
    expect(clock).to_have_text(re.compile(r"^00:00:00"))
    page.keyboard.press("ArrowRight")
    expect(clock).to_have_text(re.compile(r"^00:01:00"))
    page.keyboard.press("Shift+ArrowRight")  # the next narrated event: the operators' action
    expect(clock).to_have_text(re.compile(r"^01:23:20"))
    expect(page.locator("#narration li.current")).to_contain_text("Operators add capacity")
    page.keyboard.press("ArrowLeft")
    expect(clock).to_have_text(re.compile(r"^01:22:20"))
    page.keyboard.press("End")
    expect(clock).to_have_text(re.compile(r"^05:33:20"))

    tab_to('.lane-label[data-service="api"]')
    page.keyboard.press("Enter")
    expect(page.locator('.lane-label[data-service="api"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#details h3")).to_have_text("API")
    page.keyboard.press("Escape")
    expect(page.locator("#details")).to_be_hidden()

    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    viewer.shot("help")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    viewer.assert_no_errors()


XSS = '<img src=x onerror="window.__xss=1">'


def test_it_inserts_author_strings_as_text_only(live_url, open_page):
    doc = copy.deepcopy(TINY)
    doc["slug"] = "tiny-xss"
    doc["title"] = f"<script>window.__xss=2</script>{XSS}"
    doc["summary"] = "<svg onload=window.__xss=3></svg>"
    doc["services"][0]["name"] = XSS
    doc["services"][0]["group"] = "<b onmouseover=window.__xss=4>grp</b>"
    doc["services"][0]["description"] = "<iframe srcdoc='<script>parent.__xss=5</script>'>"
    doc["interventions"][0]["label"] = "<script>window.__xss=6</script>"
    doc["milestones"] = [
        {
            "id": "m",
            "at_s": 600,
            "service": "db",
            "label": XSS,
            "source": '[Q] <a href="javascript:window.__xss=7">src</a>',
            "kind": "reference",
        }
    ]
    run = create_run(import_scenario(doc))
    wait_run_done(run.pk)
    viewer = open_page(1280, 800)
    page = viewer.page
    page.goto(f"{live_url}/replay/{run.pk}/?t=00:10:00&focus=db")
    wait_ready(page)
    page.locator(".marker").first.hover()
    page.locator(".marker").first.click()
    page.locator("#narration .story-item").first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None
    injected = page.evaluate(
        '() => document.querySelectorAll(\'img[src="x"], [onerror], [onload], [onmouseover],'
        ' iframe, a[href^="javascript"], #main script:not([type])\').length'
    )
    assert injected == 0
    assert page.locator('.lane-label[data-service="db"] .lane-name').text_content() == XSS
    assert page.locator("#replay-title").text_content() == f"Replay: {doc['title']}"
    assert XSS in page.locator("#details").text_content()
    viewer.shot("text-only")
    viewer.assert_no_errors()
