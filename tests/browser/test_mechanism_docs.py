"""The mechanism reference in Chromium: desktop and 390×844, light and dark; no page-wide
horizontal scroll, no console errors, axe-core finds nothing serious or critical."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text())  # evaluated, not injected: no inline script for a CSP
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result
        if v["impact"] in {"serious", "critical"}
    ]


def test_it_reads_well_on_desktop_and_phone(live_url, open_page) -> None:
    call_command("load_library")  # the examples link to the shipped scenarios' pages
    for width, height, scheme in (
        (1280, 800, "light"),
        (1280, 800, "dark"),
        (390, 844, "light"),
        (390, 844, "dark"),
    ):
        tab = open_page(width, height, color_scheme=scheme)
        page = tab.page
        page.goto(f"{live_url}/docs/mechanisms/")
        assert page.locator("section.mech").count() >= 12
        assert page.locator("#config_rollout pre.mech-diagram").count() >= 1
        overflow = page.evaluate(
            "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
        assert overflow <= 0, f"{width}px: page scrolls sideways by {overflow}px"
        tab.shot(f"{scheme}-top")
        page.locator("#config_rollout").scroll_into_view_if_needed()
        tab.shot(f"{scheme}-config-rollout")
        page.locator("#restart_herd pre.mech-example").scroll_into_view_if_needed()
        tab.shot(f"{scheme}-restart-herd-example")
        assert serious_violations(page) == []
        page.get_by_role("link", name="Azure Front Door 2025").first.click()
        page.wait_for_url("**/s/azure-front-door-2025-10-29/")
        tab.assert_no_errors()
