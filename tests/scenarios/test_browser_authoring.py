"""A scenario written from scratch in the admin, in Chromium, against the live stack:
it validates, previews, appears in the gallery and round-trips through export/import."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from outage_replay.scenarios.models import Scenario

# Playwright's sync API runs an event loop in this thread; ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 20_000


@pytest.fixture
def page(django_user_model):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is not installed: run `make browser` (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    django_user_model.objects.create_superuser("author", "a@example.com", "author-pass-1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        yield context.new_page()
        browser.close()


def save_and_continue(page) -> None:
    page.click('input[name="_continue"]')
    page.wait_for_load_state()
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()


def add_row(page, prefix: str, label: str) -> int:
    index = int(page.input_value(f'input[name="{prefix}-TOTAL_FORMS"]'))
    page.click(f"text=Add another {label}")
    return index


def test_it_authors_previews_publishes_and_round_trips_a_scenario(live_url, page):
    page.goto(f"{live_url}/admin/login/")
    page.fill("#id_username", "author")
    page.fill("#id_password", "author-pass-1")
    page.click('input[type="submit"]')

    # 1. The scenario and its services.
    page.goto(f"{live_url}/admin/scenarios/scenario/add/")
    page.fill("#id_title", "Queue meltdown")
    page.dispatch_event("#id_title", "change")
    assert page.input_value("#id_slug") == "queue-meltdown"  # prepopulated from the title
    page.fill("#id_summary", "A database loses capacity; retries pile up; operators shed load.")
    page.fill("#id_timezone", "Europe/Dublin")
    page.fill("#id_start", "2025-06-01T09:00:00+01:00")
    page.fill("#id_duration_s", "7200")
    page.fill("#id_frame_interval_s", "30")
    page.fill("#id_seed", "3")
    page.select_option("#id_visibility", "public")
    for name, key in (("Web", "web"), ("Database", "db")):
        i = 0 if key == "web" else add_row(page, "services", "Service")
        page.fill(f'input[name="services-{i}-key"]', key)
        page.fill(f'input[name="services-{i}-name"]', name)
    save_and_continue(page)

    # 2. A cycle is refused with the cycle spelled out, and nothing is saved.
    for source, target in (("web", "db"), ("db", "web")):
        i = add_row(page, "dependencies", "Dependency")
        page.select_option(f'select[name="dependencies-{i}-source"]', source)
        page.select_option(f'select[name="dependencies-{i}-target"]', target)
    page.click('input[name="_continue"]')
    page.wait_for_load_state()
    assert "dependencies: cycle: db -> web -> db" in page.inner_text("#content")
    assert Scenario.objects.get().dependencies.count() == 0
    page.check('input[name="dependencies-1-DELETE"]') if page.locator(
        'input[name="dependencies-1-DELETE"]'
    ).count() else page.locator(".dynamic-dependencies .inline-deletelink").last.click()

    # 3. Mechanism, fault (wall-clock time), intervention, milestone.
    i = add_row(page, "mechanisms", "Mechanism")
    page.fill(f'input[name="mechanisms-{i}-key"]', "db-load")
    page.select_option(f'select[name="mechanisms-{i}-type"]', "retry_storm")
    page.check(f'input[name="mechanisms-{i}-services"][value="db"]')
    page.fill(f'textarea[name="mechanisms-{i}-params"]', '{"capacity_per_s": 100}')
    save_and_continue(page)
    i = add_row(page, "faults", "Fault")
    page.fill(f'input[name="faults-{i}-key"]', "drop")
    page.fill(f'input[name="faults-{i}-at_s"]', "09:10")
    page.select_option(f'select[name="faults-{i}-target"]', "db-load")
    page.fill(f'input[name="faults-{i}-type"]', "capacity_drop")
    page.fill(f'textarea[name="faults-{i}-params"]', '{"fraction": 0.6}')
    i = add_row(page, "interventions", "Intervention")
    page.fill(f'input[name="interventions-{i}-key"]', "shed")
    page.fill(f'input[name="interventions-{i}-at_s"]', "Jun 1 09:55")
    page.select_option(f'select[name="interventions-{i}-target"]', "db-load")
    page.fill(f'input[name="interventions-{i}-action"]', "shed_load")
    page.fill(f'input[name="interventions-{i}-label"]', "Operators shed load")
    i = add_row(page, "milestones", "Milestone")
    page.fill(f'input[name="milestones-{i}-key"]', "db-down")
    page.fill(f'input[name="milestones-{i}-at_s"]', "+11m")
    page.fill(f'input[name="milestones-{i}-label"]', "Database stops answering")
    page.select_option(f'select[name="milestones-{i}-kind"]', "emergent")
    page.select_option(f'select[name="milestones-{i}-service"]', "db")
    page.fill(
        f'textarea[name="milestones-{i}-match"]',
        '{"service": "db", "status": "down", "edge": "enter"}',
    )
    save_and_continue(page)
    scenario = Scenario.objects.get(slug="queue-meltdown")
    assert scenario.faults.get().at_s == 600 and scenario.interventions.get().at_s == 3300

    # 4. Validate & preview: the fidelity table and the down intervals.
    page.click("text=Validate & preview")
    assert "Valid" in page.inner_text("#preview-status")
    assert "Database stops answering" in page.inner_text("#fidelity")
    assert "Jun 1 09:10" in page.inner_text("#down-intervals")

    # 5. It is in the gallery, and its page has the Replay form.
    page.goto(f"{live_url}/")
    page.click("text=Queue meltdown")
    assert page.url.endswith("/s/queue-meltdown/")
    assert page.locator("form.replay-form button").inner_text().endswith("Replay")

    # 6. Export, then import under a new slug through the admin import page.
    exported = page.request.get(f"{live_url}/api/scenarios/queue-meltdown.json").json()
    assert exported == scenario.to_spec()
    copy = {**exported, "slug": "queue-meltdown-again"}
    page.goto(f"{live_url}/admin/scenarios/scenario/import/")
    page.set_input_files(
        "#id_file",
        {"name": "copy.json", "mimeType": "application/json", "buffer": json.dumps(copy).encode()},
    )
    page.click("text=Preview import")
    assert "New scenario" in page.inner_text("#content")
    page.click('input[name="apply"]')
    page.wait_for_load_state()
    imported = Scenario.objects.get(slug="queue-meltdown-again")
    assert imported.to_spec() == copy
