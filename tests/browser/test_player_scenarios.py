"""The player on every shipped scenario (the library is iterated, so new ones are
covered): charts and panels from the mechanisms' declarations, narration of simulated
transitions, sustained bands where the model has them, fidelity tooltips, the true
"since" after a deep link, the phone layout, and axe-core (light and dark) on the
gallery, scenario and replay pages. One browser per module, one page load per scenario.
Screenshots (1280×800, 1920×1080 dark, 390×844) land in artifacts/browser/."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from simulation.mechanisms import declare_mechanisms

from .axe import assert_accessible, check_both_schemes
from .conftest import LIBRARY, create_run, import_scenario, wait_run_done
from .geometry import axis_problems, graph_problems

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]

SCENARIOS = sorted(LIBRARY.glob("*.json"))
ALL_LOADED = """() => { const r = window.__replay, p = window.__perf;
  return !!r && r.timeline.coveredTo >= r.timeline.framesTotal - 1
    && p.chartsReadyMs !== null && p.graphReadyMs !== null; }"""

WIDER_THAN_SCREEN = """() => { const d = document.documentElement, w = d.clientWidth;
  const out = [...document.querySelectorAll('body *')].filter((el) => {
    const r = el.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; })
    .slice(0, 8).map((el) => `${el.tagName}.${el.getAttribute('class')}`);
  return { over: d.scrollWidth - w, elements: out }; }"""


def clock_text(doc: dict[str, Any], at_s: float) -> str:
    """HH:MM:SS of a scenario moment in the scenario's zone (what the player prints)."""
    start = datetime.fromisoformat(doc["start"])
    return (
        (start + timedelta(seconds=at_s)).astimezone(ZoneInfo(doc["timezone"])).strftime("%H:%M:%S")
    )


def delta_text(s: float) -> str:
    """The player's Δ: "+6 min 10 s", "−1 h 2 min", "0 s"."""
    sign = "+" if s > 0 else "−" if s < 0 else ""
    rest = round(abs(s))
    hh, rest = divmod(rest, 3600)
    mm, ss = divmod(rest, 60)
    parts = [f"{hh} h" if hh else "", f"{mm} min" if mm else "", f"{ss} s" if not hh and ss else ""]
    return sign + (" ".join(p for p in parts if p) or "0 s")


def deep_link_target(doc: dict[str, Any], summary: dict[str, Any]) -> tuple[str, float, float]:
    """(service, t_s, onset_s): a moment well inside a sustained span if the run has one,
    else inside the longest non-healthy interval, far from its onset (an earlier chunk)."""
    intervals = summary["intervals"]
    if summary["sustained"]:
        span = max(summary["sustained"], key=lambda s: s["to_s"] - s["from_s"])
        sid, t_s = span["service"], span["from_s"] + (span["to_s"] - span["from_s"]) * 0.6
    else:
        rows = [(sid, r) for sid, rs in intervals.items() for r in rs if r[0] != "healthy"]
        sid, row = max(rows, key=lambda x: x[1][2] - x[1][1])
        t_s = row[1] + (row[2] - row[1]) * 0.8
    t_s -= t_s % doc["frame_interval_s"]
    onset = next(
        r[1] for r in intervals[sid] if r[1] <= t_s < r[2] or r[2] == t_s == doc["duration_s"]
    )
    return sid, t_s, onset


def check_player(path: Path, doc: dict[str, Any], run: Any, live_url: str, open_page: Any) -> None:
    declared = declare_mechanisms(doc)
    sid, t_s, onset_s = deep_link_target(doc, run.summary)
    viewer = open_page(1280, 800, bypass_csp=True)
    page = viewer.page
    page.goto(f"{live_url}/replay/{run.pk}/?t={int(t_s)}s&focus={sid}")
    page.wait_for_function(ALL_LOADED, timeout=60_000)
    page.wait_for_timeout(200)

    # Charts and panels: one per declared chart / panel, values shown, legend at the playhead.
    assert page.locator(".chart .u-over").count() == sum(len(m["charts"]) for m in declared)
    assert page.locator(".pn-card").count() == sum(1 for m in declared if m["panel"])
    assert page.locator(".pn-row dd", has_text="—").count() == 0
    clock = page.locator("#clock-time").text_content()
    assert clock.startswith(clock_text(doc, t_s))
    legend_times = page.locator(
        ".chart .u-legend .u-series:first-child .u-value"
    ).all_text_contents()
    assert legend_times and all(t == clock_text(doc, t_s) for t in legend_times), legend_times
    # Time ticks tell their moments apart (an 8-day run's daily ticks are dates, not 00:00).
    for ticks in page.evaluate("() => window.__replay.charts.ticks()"):
        assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks

    # Narration: the simulation's own transitions, every status change of the run.
    changes = sum(len(rs) - 1 for rs in run.summary["intervals"].values())
    assert page.locator('#narration li[data-kind="service.status"]').count() >= min(changes, 1)
    narrated = page.locator('#narration li[data-kind="service.status"]').count()
    assert narrated == sum(
        1
        for e in page.evaluate("() => window.__replay.timeline.events")
        if e["kind"] == "service.status"
    )

    # "since" is the true onset after a deep link; "metastable since" inside a sustained span.
    details = page.locator("#details").text_content()
    assert f"since {clock_text(doc, onset_s)}" in details, (details, onset_s)
    spans = run.summary["sustained"]
    assert page.locator(".lane-band").count() == len(spans)
    if spans:
        span = next(s for s in spans if s["service"] == sid and s["from_s"] <= t_s < s["to_s"])
        assert f"Metastable since {clock_text(doc, span['from_s'])}" in details
        if span["triggers"]:
            assert "has been healthy for" in details or "have been healthy for" in details
        else:
            assert "Its trigger is gone" in details
        assert page.locator(".chart-bands .sustained-band").count() >= 1
        assert page.locator('#narration li[data-kind="sustained.start"]').count() == len(spans)

    # Fidelity: the summary line, and a milestone's tooltip with real vs simulated time.
    rows = [r for r in run.summary["milestones"] if r["service"] and r["matched"]]
    row = next((r for r in rows if r["sim_s"] is not None), rows[0])
    marker = page.locator(f'.marker[data-id="{row["id"]}"]')
    marker.scroll_into_view_if_needed()
    marker.focus()  # the tooltip shows on focus as on hover (markers can overlap)
    tip = page.locator("#lane-tip").text_content()
    assert "Real: " in tip and clock_text(doc, row["real_s"]) in tip, tip
    if row["sim_s"] is None:
        assert "Simulated: did not happen" in tip
    else:
        assert clock_text(doc, row["sim_s"]) in tip and f"Δ {delta_text(row['delta_s'])}" in tip, (
            tip
        )
    if row.get("tolerance_s") is not None:
        assert "Tolerance: ± " in tip
    assert "Confidence ±" not in page.content()
    assert "real milestones happened" in page.locator("#fidelity").text_content()
    viewer.shot(f"{path.stem}-1280x800")
    # Edges clear of other nodes, labels inside their node, no axis label cut off.
    assert graph_problems(page) == []
    assert axis_problems(page) == []

    # axe-core, light and dark, then the two other looks.
    found = check_both_schemes(page)
    assert found == {"light": [], "dark": []}, found
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(300)
    viewer.shot(f"{path.stem}-1920x1080-dark")
    assert axis_problems(page) == []
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    wide = page.evaluate(WIDER_THAN_SCREEN)
    assert wide["over"] <= 0, f"sideways scroll at 390×844: {wide}"
    viewer.shot(f"{path.stem}-390x844")
    assert axis_problems(page) == []
    page.evaluate("() => window.__replay.select(null)")  # the phone graph, nothing selected
    assert graph_problems(page) == []
    viewer.assert_no_errors()
    viewer.context.close()


def test_every_scenario_gets_a_rich_player_and_accessible_pages(live_url, open_page):
    """One test (the runs are computed once): each scenario's player, then the gallery
    and the scenario pages."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in SCENARIOS]
    runs = [create_run(import_scenario(doc)) for doc in docs]
    for path, doc, run in zip(SCENARIOS, docs, runs, strict=True):
        check_player(path, doc, wait_run_done(run.pk), live_url, open_page)
    check_gallery_and_scenario_pages(live_url, open_page)


def check_gallery_and_scenario_pages(live_url: str, open_page: Any) -> None:
    viewer = open_page(1280, 800, bypass_csp=True)
    page = viewer.page
    page.goto(f"{live_url}/")
    assert_accessible(page, "gallery")
    strips = page.locator(".strip[role=img]")
    assert strips.count() == len(SCENARIOS)
    assert all("down" in (s.get_attribute("aria-label") or "") for s in strips.all())
    for path in SCENARIOS:
        page.goto(f"{live_url}/s/{path.stem}/")
        assert_accessible(page, path.stem)
        offsets = page.locator(".timeline .offset").all_text_contents()
        assert offsets and not [o for o in offsets if "+-" in o or o[:1] not in "+−"], offsets
        assert "real milestones happened" in page.locator(".fidelity").text_content()
    viewer.assert_no_errors()
