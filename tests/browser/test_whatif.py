"""What if, as a person uses it in Debian's Chromium against the live stack: open the AWS
replay, refuse a bad knob value next to its field, run the preset "AWS's fix", read the
comparison, share its link and open it in a fresh browser at the same moment; axe-core
on the compare page in light and dark. Screenshots land in artifacts/browser/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import aws_doc, create_run, import_scenario, wait_run_done
from .geometry import axis_problems

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
HOSTS = "mechanisms.dwfm.params.hosts"
DIFF_SHOWN = "() => document.documentElement.dataset.diff === 'shown'"


def field_error(page: Any, path: str) -> Any:
    return page.locator(f'.knob[data-path="{path}"] .field-error')


def axe_serious(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
          .filter((v) => ['serious', 'critical'].includes(v.impact))
          .flatMap((v) => v.nodes.slice(0, 3).map((n) =>
            `${v.id}: ${n.target.join(' ')}: ${n.any.map((a) => a.message).join('; ')}`))"""
    )
    return list(found)


def test_what_if_from_the_replay_to_a_shared_comparison(live_url, open_page):
    from outage_replay.replays.models import Run

    base = wait_run_done(create_run(import_scenario(aws_doc())).id)
    viewer = open_page(1440, 900, bypass_csp=True)
    page = viewer.page
    page.goto(f"{live_url}/replay/{base.id}/?t=1d00:30:00&focus=dynamodb")
    panel = page.locator("#whatif")
    expect(
        panel.get_by_role("button", name="AWS's fix: version check on every write")
    ).to_be_visible()
    hosts = panel.get_by_label(re.compile("^Hosts"))
    expect(page.locator(f'.knob[data-path="{HOSTS}"] .knob-help')).to_contain_text("1–1000000")

    # A bad knob value: the error sits next to its field, names the path, nothing runs.
    runs_before = Run.objects.count()
    hosts.fill("0")
    panel.get_by_role("button", name="Run").click()
    expect(field_error(page, HOSTS)).to_have_text(f"variant.{HOSTS}: must be ≥ 1")
    expect(hosts).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("() => document.activeElement.id") == hosts.get_attribute("id")
    viewer.shot("bad-knob")
    assert Run.objects.count() == runs_before and "/replay/" in page.url

    # The preset fills the form; Run opens the comparison.
    panel.get_by_role("button", name="AWS's fix: version check on every write").click()
    expect(field_error(page, HOSTS)).to_be_hidden()
    expect(panel.get_by_label(re.compile("^Version check"))).to_have_value("per_write")
    panel.get_by_role("button", name="Run").click()
    page.wait_for_url(
        re.compile(rf"/compare/{base.id}/[0-9a-f-]{{36}}/\?t=1d00:30:00&focus=dynamodb$")
    )
    page.wait_for_function(DIFF_SHOWN, timeout=120_000)
    expect(page.locator("#compare-title")).to_have_text(
        "What if: AWS's fix: version check on every write"
    )
    expect(page.locator("#diff-outage")).to_contain_text("Outage avoided: no service is down in B.")
    ddb = page.locator('#diff tr[data-service="dynamodb"]')
    expect(ddb.locator(".cell-b").first).to_have_text("never down")
    expect(page.locator("#diff .divergence")).to_contain_text("In B only")
    variant_run = Run.objects.exclude(pk=base.pk).get()
    assert variant_run.variant == {"mechanisms.ddb-dns.params.version_check": "per_write"}
    viewer.shot("compare")

    # Both runs on one playhead, opened at the replay's moment (00:30): at 02:00 PDT
    # DynamoDB is down in A and healthy in B.
    expect(page.locator("#clock-time")).to_have_text("00:30:00 PDT")
    page.locator("#clock-time").focus()
    for _ in range(90):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#clock-time")).to_have_text("02:00:00 PDT")
    now = page.locator('.lane-label[data-service="dynamodb"] .lane-now')
    expect(now).to_have_text(re.compile(r"A ✕ down · B ✓ healthy"))

    # Share: the copied link opens the same comparison at the same moment.
    page.locator("#btn-copy").click()
    page.wait_for_function("() => document.getElementById('copy-status').dataset.url")
    link = page.evaluate("() => document.getElementById('copy-status').dataset.url")
    assert re.search(r"/compare/.+\?t=1d02:00:00&focus=dynamodb$", link), link
    assert axe_serious(page) == []
    page.wait_for_function("() => document.querySelectorAll('.chart canvas').length > 0")
    assert axis_problems(page) == []
    viewer.assert_no_errors()

    fresh = open_page(1440, 900, bypass_csp=True)
    fresh.page.goto(link)
    fresh.page.wait_for_function(DIFF_SHOWN)
    expect(fresh.page.locator("#clock-time")).to_have_text("02:00:00 PDT")
    expect(
        fresh.page.locator('.lane-label[data-service="dynamodb"][aria-pressed="true"]')
    ).to_be_visible()
    fresh.assert_no_errors()

    dark = open_page(1440, 900, color_scheme="dark", bypass_csp=True)
    dark.page.goto(link)
    dark.page.wait_for_function(DIFF_SHOWN)
    dark.page.wait_for_timeout(500)
    dark.shot("compare-dark")
    assert axe_serious(dark.page) == []
    phone = open_page(390, 844, bypass_csp=True)
    phone.page.goto(link)
    phone.page.wait_for_function(DIFF_SHOWN)
    phone.shot("compare-phone")
    assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_a_rerun_is_verified_identical_and_the_race_explored(live_url, open_page):
    from outage_replay.replays.services import run_create

    scenario = import_scenario(aws_doc())
    first = wait_run_done(create_run(scenario).id)
    again, _ = run_create(scenario=scenario, seed=first.seed, fresh=True)
    again = wait_run_done(again.id)
    viewer = open_page(1440, 900, bypass_csp=True)
    page = viewer.page
    page.goto(f"{live_url}/replay/{again.id}/?t=1d00:30:00")
    expect(page.locator("#run-seed")).to_have_text(str(first.seed))
    expect(page.locator("#run-digest")).to_have_text(again.frame_digest[:12])
    # The badge waits for this run to be recomputed in a worker, not for a copied digest.
    expect(page.locator("#run-verified")).to_have_text("✓ verified identical", timeout=120_000)
    expect(page.locator("#run-verified")).to_have_attribute("href", f"/replay/{first.id}/")
    expect(page.locator("#verify-status")).to_contain_text("the digest matches")

    # The race explorer: every schedule of 2 Enactors, 3 plans, 2 endpoints.
    explorer = page.locator("#explorer")
    explorer.get_by_role("button", name="Explore the race").click()
    expect(page.locator("#explore-counts")).to_contain_text("159,494 schedules", timeout=60_000)
    expect(page.locator("#explore-counts")).to_contain_text("1,048 end with an EMPTY record")
    expect(explorer.locator(".sq-steps li.final")).to_contain_text("EMPTY")
    explorer.scroll_into_view_if_needed()
    viewer.shot("verified-and-explored")
    assert axe_serious(page) == []
    # On a phone the answer comes from the stored exploration, with the same button.
    phone = open_page(390, 844, bypass_csp=True)
    phone.page.goto(f"{live_url}/replay/{again.id}/")
    phone.page.get_by_role("button", name="Explore the race").click()
    expect(phone.page.locator("#btn-replay-interleaving")).to_be_visible(timeout=30_000)
    phone.page.locator("#btn-replay-interleaving").scroll_into_view_if_needed()
    phone.shot("explored-phone")
    # "Replay this interleaving": a run of that schedule, compared with this one.
    explorer.get_by_role("button", name="Replay this interleaving").click()
    page.wait_for_url(re.compile(rf"/compare/{again.id}/[0-9a-f-]{{36}}/"), timeout=30_000)
    viewer.assert_no_errors()
    phone.assert_no_errors()
