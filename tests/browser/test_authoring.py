"""The authoring standard, in Chromium against the live stack: a new outage written from
nothing in the admin with typed forms and one save (rows naming rows added in the same
submission, an id renamed before saving), then previewed, replayed, duplicated, exported
and imported again as a copy. Timed; submissions counted; screenshots at 1400 px and
390×844, light and dark; axe-core on the form and the preview.

The outage is Roblox's of 2021-10-28 (Consul streaming + BoltDB contention, 73 hours,
per Roblox's public postmortem). Only the 73 hours and the sequence come from it; the
start time, the other milestone times and every parameter are this test's own,
illustrative values, and the scenario says so.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from outage_replay.scenarios.models import Scenario

from .conftest import ARTIFACTS
from .test_mechanism_docs import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.stack, pytest.mark.django_db(transaction=True)]
ADD = "/admin/scenarios/scenario/add/"
SLUG = "roblox-2021-consul-streaming-and-boltdb-authoring-test"
SERVICES = [
    ("consul", "Consul (service discovery, KV)"),
    ("boltdb", "BoltDB write-ahead log"),
    ("nomad", "Nomad (scheduling)"),
    ("vault", "Vault (secrets)"),
    ("dns", "Internal DNS"),
    ("game-servers", "Game servers"),
    ("api", "API"),
    ("auth", "Sign-in"),
    ("web", "Website and apps"),
    ("players", "Players"),
]
DEPENDENCIES = [
    ("consul", "boltdb"),
    ("nomad", "consul"),
    ("vault", "consul"),
    ("dns", "consul"),
    ("game-servers", "nomad"),
    ("api", "dns"),
    ("auth", "vault"),
    ("web", "api"),
    ("players", "web"),
    ("players", "game-servers"),
]
H = 3600
MILESTONES = [
    # id, at, label, kind, service, match (kind, values), tolerance (s), source
    ("begins", "+0s", "Outage begins", "reference", "", None, None, "Roblox postmortem"),
    (
        "consul-down",
        "+1h10m",
        "Consul cluster stops answering",
        "emergent",
        "consul",
        ("service", {"service": "consul", "status": "down"}),
        900,
        "illustrative",
    ),
    (
        "players-out",
        "+1h15m",
        "Players cannot join",
        "emergent",
        "players",
        ("service", {"service": "players", "status": "down"}),
        900,
        "illustrative",
    ),
    (
        "streaming-off",
        "+55h",
        "Streaming disabled on every Consul node",
        "operator",
        "consul",
        ("intervention", {"intervention": "disable-streaming"}),
        1800,
        "illustrative",
    ),
    (
        "fleet-back",
        "+55h",
        "Game server fleet restored",
        "operator",
        "game-servers",
        ("intervention", {"intervention": "restore-fleet"}),
        1800,
        "illustrative",
    ),
    (
        "consul-up",
        "+56h",
        "Consul answers again",
        "emergent",
        "consul",
        ("service", {"service": "consul", "status": "down", "edge": "exit"}),
        3600,
        "illustrative",
    ),
    (
        "players-back",
        "+70h",
        "Players back",
        "emergent",
        "players",
        ("service", {"service": "players", "status": "down", "edge": "exit"}),
        3600,
        "illustrative",
    ),
    (
        "resolved",
        "+73h",
        "Fully resolved, 73 hours after it began",
        "reference",
        "",
        None,
        None,
        "Roblox postmortem: the outage lasted 73 hours",
    ),
]


def row(page: Any, prefix: str, label: str) -> int:
    """Add a row to an inline and return its index."""
    index = int(page.input_value(f'input[name="{prefix}-TOTAL_FORMS"]'))
    page.locator(f"#{prefix}-group").get_by_text(f"Add another {label}").click()
    page.wait_for_selector(
        f'[name="{prefix}-{index}-{"source" if prefix == "dependencies" else "key"}"]'
    )
    return index


def in_row(page: Any, prefix: str, i: int) -> Any:
    return page.locator(f"#{prefix}-{i}")


def build_condition(page: Any, prefix: str, i: int, name: str, spec: tuple | None) -> None:
    """Fill a condition through its dropdowns (not its raw JSON)."""
    if spec is None:
        return
    kind, values = spec
    holder = page.locator(f'[name="{prefix}-{i}-{name}"]').locator("xpath=../..")
    holder.locator("select.sc-cond-kind").select_option(kind)
    for part, value in values.items():
        holder.locator(f'[data-part="{part}"]').select_option(value)


def test_an_outage_is_authored_from_nothing_in_one_save(live_url, open_page, django_user_model):
    django_user_model.objects.create_superuser("author", "a@example.com", "author-pass-1")
    tab = open_page(1400, 1000)
    page = tab.page
    posts: list[str] = []
    bodies: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.on("request", lambda r: bodies.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(f"{live_url}/admin/login/")
    page.fill("#id_username", "author")
    page.fill("#id_password", "author-pass-1")
    page.click('input[type="submit"]')
    page.wait_for_url("**/admin/")
    posts.clear()

    started = time.monotonic()
    page.goto(f"{live_url}{ADD}")
    page.fill("#id_title", "Roblox 2021: Consul streaming and BoltDB (authoring test)")
    page.dispatch_event("#id_title", "change")
    assert page.input_value("#id_slug") == SLUG  # prepopulated from the title
    page.fill(
        "#id_summary",
        "Consul's new streaming feature under high load plus a BoltDB pathology; 73 hours "
        "(Roblox postmortem). Times other than the 73 hours and all parameters are illustrative.",
    )
    page.fill("#id_timezone", "America/Los_Angeles")
    page.fill("#id_start", "2021-10-28T12:00:00-07:00")
    page.fill("#id_duration_s", str(76 * H))
    page.fill("#id_frame_interval_s", "300")
    page.fill("#id_seed", "7")
    page.select_option("#id_visibility", "public")

    for n, (key, name) in enumerate(SERVICES):
        i = 0 if n == 0 else row(page, "services", "Service")
        page.fill(f'[name="services-{i}-key"]', key)
        page.fill(f'[name="services-{i}-name"]', name)
        page.dispatch_event(f'[name="services-{i}-key"]', "change")
    # Dependencies choose among the services typed above (nothing is saved yet).
    for source, target in DEPENDENCIES:
        i = row(page, "dependencies", "Dependency")
        page.select_option(f'[name="dependencies-{i}-source"]', source)
        page.select_option(f'[name="dependencies-{i}-target"]', target)

    # Mechanism 1, first with a typo in its id (renamed below, once a fault names it).
    m = row(page, "mechanisms", "Mechanism")
    page.fill(f'[name="mechanisms-{m}-key"]', "consul-lod")
    page.dispatch_event(f'[name="mechanisms-{m}-key"]', "change")
    page.select_option(f'[name="mechanisms-{m}-type"]', "retry_storm")
    mech = in_row(page, "mechanisms", m)
    assert "queue" in mech.locator(".sc-mech-doc").inner_text()  # what it models, its metrics
    mech.locator('input[type="checkbox"][value="consul"]').check()
    mech.locator('[data-param="capacity_per_s"]').fill("100")
    assert mech.locator('[data-param="timeout_s"]').get_attribute("placeholder") == "10"
    # Mechanism 2: its conditions name a service and an intervention not yet written.
    m2 = row(page, "mechanisms", "Mechanism")
    page.fill(f'[name="mechanisms-{m2}-key"]', "fleet")
    page.dispatch_event(f'[name="mechanisms-{m2}-key"]', "change")
    page.select_option(f'[name="mechanisms-{m2}-type"]', "capacity_pool")
    fleet = in_row(page, "mechanisms", m2)
    fleet.locator('input[type="checkbox"][value="game-servers"]').check()
    fleet.locator('[data-param="erode_per_s"]').fill("0.0002")

    f = row(page, "faults", "Fault")
    fault = in_row(page, "faults", f)
    page.fill(f'[name="faults-{f}-key"]', "streaming-on")
    page.fill(f'[name="faults-{f}-at_s"]', "+1h")
    page.select_option(f'[name="faults-{f}-target"]', "consul-lod")
    page.select_option(f'[name="faults-{f}-type"]', "capacity_drop")
    fault.locator('[data-param="fraction"]').fill("0.8")
    fault.locator('[data-param="duration_s"]').fill(str(54 * H))

    # The rename carries into the fault's target.
    page.fill(f'[name="mechanisms-{m}-key"]', "consul-load")
    page.dispatch_event(f'[name="mechanisms-{m}-key"]', "change")
    assert page.input_value(f'[name="faults-{f}-target"]') == "consul-load"
    assert "Renamed consul-lod → consul-load" in page.inner_text(".sc-live")

    iv = row(page, "interventions", "Intervention")
    page.fill(f'[name="interventions-{iv}-key"]', "disable-streaming")
    page.dispatch_event(f'[name="interventions-{iv}-key"]', "change")
    page.fill(f'[name="interventions-{iv}-at_s"]', "+55h")
    page.select_option(f'[name="interventions-{iv}-target"]', "consul-load")
    page.select_option(f'[name="interventions-{iv}-action"]', "shed_load")
    in_row(page, "interventions", iv).locator('[data-param="fraction"]').fill("0.5")
    page.fill(f'[name="interventions-{iv}-label"]', "Disable Consul streaming everywhere")
    iv2 = row(page, "interventions", "Intervention")
    page.fill(f'[name="interventions-{iv2}-key"]', "restore-fleet")
    page.dispatch_event(f'[name="interventions-{iv2}-key"]', "change")
    build_condition(
        page, "interventions", iv2, "when", ("intervention", {"intervention": "disable-streaming"})
    )
    page.select_option(f'[name="interventions-{iv2}-target"]', "fleet")
    page.select_option(f'[name="interventions-{iv2}-action"]', "restore_full")
    page.fill(f'[name="interventions-{iv2}-label"]', "Bring the game server fleet back")

    # The fleet erodes while Consul is down (a condition built from dropdowns).
    erode = fleet.locator('[data-param="erode_when"]').locator("xpath=../..")
    erode.locator("select.sc-cond-kind").select_option("service")
    erode.locator('[data-part="service"]').select_option("consul")
    erode.locator('[data-part="status"]').select_option("down")

    for key, at, label, kind, service, match, tolerance, source in MILESTONES:
        i = row(page, "milestones", "Milestone")
        page.fill(f'[name="milestones-{i}-key"]', key)
        page.fill(f'[name="milestones-{i}-at_s"]', at)
        page.fill(f'[name="milestones-{i}-label"]', label)
        page.select_option(f'[name="milestones-{i}-kind"]', kind)
        if service:
            page.select_option(f'[name="milestones-{i}-service"]', service)
        build_condition(page, "milestones", i, "match", match)
        if tolerance:
            page.fill(f'[name="milestones-{i}-tolerance_s"]', str(tolerance))
        page.fill(f'[name="milestones-{i}-source"]', source)

    violations = serious_violations(page)
    assert violations == [], json.dumps(violations)[:3000]
    for scheme in ("dark", "light"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shot_path(f"form-1400-{scheme}")), full_page=True)
    wide = page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    widest = page.evaluate(WIDEST)
    assert wide <= 0, f"the form is {wide}px wider than a 1400px window: {widest}"

    page.click('input[name="_continue"]')
    page.wait_for_load_state()
    authoring_s = time.monotonic() - started
    submissions = sum(1 for url in posts if url.endswith(ADD))
    errors = page.locator(".errornote, .errorlist").all_inner_texts()
    assert errors == [], errors
    if "/change/" not in page.url:
        (ARTIFACTS / "authoring-failure.html").write_text(page.content())
        (ARTIFACTS / "authoring-failure-post.txt").write_text("\n".join(bodies))
    assert "/change/" in page.url, (page.url, tab.errors)
    assert submissions == 1
    scenario = Scenario.objects.get(title__startswith="Roblox 2021")
    assert scenario.slug == SLUG
    spec = scenario.to_spec()
    assert len(spec["services"]) == 10 and len(spec["milestones"]) == 8
    assert "service" not in spec["milestones"][0]  # left blank: no service
    assert [m["id"] for m in spec["mechanisms"]] == ["consul-load", "fleet"]
    assert spec["faults"][0]["target"] == "consul-load"
    assert spec["mechanisms"][1]["params"]["erode_when"] == {"service": "consul", "status": "down"}
    assert spec["interventions"][1]["when"] == {"intervention": "disable-streaming"}
    report = {"authoring_s": round(authoring_s, 1), "submissions": submissions}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "authoring.json").write_text(json.dumps(report) + "\n")
    print(f"authoring: {report}")

    # Preview: it judges.
    page.get_by_role("link", name="Validate & preview").first.click()
    assert "Valid" in page.inner_text("#preview-status")
    summary = page.inner_text("#fidelity-summary")
    assert "within tolerance" in summary and "median |Δ|" in summary
    assert page.locator("#fidelity th", has_text="tolerance").count() == 1
    page.screenshot(path=str(shot_path("preview-1400-light")), full_page=True)
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations)[:3000]

    # Replay the previewed version.
    with page.expect_navigation():  # to the admin's replay page (or straight to the run)
        page.click("#replay-previewed")
    if page.locator("#replay-form").count():
        assert "version 1" in page.inner_text("#content-main")
        page.click('#replay-form input[type="submit"]')
    page.wait_for_url("**/replay/*-*/")

    # Duplicate (was a 500), export, import again as a copy.
    page.goto(f"{live_url}/admin/scenarios/scenario/{scenario.pk}/change/")
    page.get_by_role("button", name="Duplicate").click()
    page.wait_for_load_state()
    assert Scenario.objects.filter(slug=f"{SLUG}-copy").exists()
    exported = page.request.get(f"{live_url}/admin/scenarios/scenario/{scenario.pk}/export/")
    assert json.loads(exported.body()) == spec
    page.goto(f"{live_url}/admin/scenarios/scenario/import/")
    page.set_input_files(
        "#id_file",
        {"name": "roblox.json", "mimeType": "application/json", "buffer": exported.body()},
    )
    page.click("text=Preview import")
    assert "applying changes nothing" in page.inner_text("#content")
    page.click('input[name="as_copy"]')
    page.wait_for_load_state()
    again = Scenario.objects.get(slug=f"{SLUG}-copy-2")
    assert {**again.to_spec(), "slug": spec["slug"]} == spec

    phone = open_page(390, 844)
    for scheme in ("light", "dark"):
        phone.page.emulate_media(color_scheme=scheme)
        login(phone.page, live_url)
        phone.page.goto(f"{live_url}/admin/scenarios/scenario/{scenario.pk}/change/")
        phone.page.screenshot(path=str(shot_path(f"form-390-{scheme}")))
    tab.assert_no_errors()


# The outermost elements that stick out to the right of the window (to say what is wide).
WIDEST = """() => {
  const limit = document.documentElement.clientWidth, out = [];
  const sticks = (el) => el && el.getBoundingClientRect().right > limit + 1;
  for (const el of document.querySelectorAll("body *")) {
    if (!sticks(el) || sticks(el.parentElement)) continue;
    const where = (el.parentElement.closest("[id]") || {}).id;
    out.push(`${el.tagName.toLowerCase()}.${el.className} in #${where}`);
  }
  return out.slice(0, 8);
}"""


def login(page: Any, live_url: str) -> None:
    page.goto(f"{live_url}/admin/login/")
    if page.locator("#id_username").count():
        page.fill("#id_username", "author")
        page.fill("#id_password", "author-pass-1")
        page.click('input[type="submit"]')
        page.wait_for_url("**/admin/")


def shot_path(label: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"authoring-{label}.png"
