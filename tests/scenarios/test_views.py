import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from outage_replay.replays.models import Run
from outage_replay.scenarios.models import Scenario
from outage_replay.scenarios.selectors import scenario_get_visible, status_strip
from outage_replay.scenarios.services import scenario_import

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


def detail(slug):
    return reverse("scenarios:detail", kwargs={"slug": slug})


def test_it_shows_public_scenarios_in_the_gallery(client, small):
    Scenario.objects.create(slug="secret", title="Hidden draft", start=small.start, duration_s=60)
    html = client.get("/").content.decode()
    assert small.title in html and "3 services" in html and "2h" in html
    assert "20 Oct 2025" not in html and "19 Oct 2025" in html  # the date in its own zone
    assert "Hidden draft" not in html


def test_it_shows_the_scenario_page(client, small):
    html = client.get(detail(small.slug)).content.decode()
    assert (
        '<meta property="og:title" content="Small: a database overload and a retry storm">' in html
    )
    assert 'action="/s/small-db-overload/replay"' in html and "csrfmiddlewaretoken" in html
    assert "Oct 19 23:41:40" in html  # a milestone in scenario wall-clock time
    assert 'title="2025-10-20 06:41:40 UTC"' in html
    assert "Operators shed half the load" in html and "Flush the queue" in html
    assert "When Database is down for 10m" in html
    assert 'href="https://example.com/postmortem"' in html


def test_it_applies_visibility_rules_with_404s(client, small, staff):
    Scenario.objects.filter(pk=small.pk).update(visibility="unlisted")
    small.refresh_from_db()
    assert client.get(detail(small.slug)).status_code == 404
    assert client.get(detail(small.slug) + "?key=wrong").status_code == 404
    page = client.get(detail(small.slug) + f"?key={small.secret_key}")
    assert page.status_code == 200
    assert f'name="key" value="{small.secret_key}"' in page.content.decode()
    Scenario.objects.filter(pk=small.pk).update(visibility="draft")
    assert client.get(detail(small.slug) + f"?key={small.secret_key}").status_code == 404
    assert client.get(detail("no-such-thing")).status_code == 404
    client.force_login(staff)
    assert client.get(detail(small.slug)).status_code == 200


def test_it_selects_visible_scenarios(small, staff):
    anonymous = AnonymousUser()
    assert scenario_get_visible(slug=small.slug, user=anonymous) == small
    Scenario.objects.filter(pk=small.pk).update(visibility="unlisted")
    assert scenario_get_visible(slug=small.slug, user=anonymous) is None
    assert scenario_get_visible(slug=small.slug, user=anonymous, key=small.secret_key) == small
    assert scenario_get_visible(slug=small.slug, user=staff) == small
    Scenario.objects.filter(pk=small.pk).update(visibility="draft")
    assert scenario_get_visible(slug=small.slug, user=anonymous, key=small.secret_key) is None
    assert scenario_get_visible(slug="nope", user=staff) is None


def test_it_escapes_html_in_every_text_field(client, small_doc):
    """HTML in text fields is accepted (it is data) and always rendered escaped."""
    doc = json.loads(json.dumps(small_doc))
    doc["title"] = doc["summary"] = XSS
    doc["sources"] = [{"title": XSS, "url": "javascript:alert(1)"}]
    for key in ("services",):
        for item in doc[key]:
            item.update(name=XSS, group=XSS, description=XSS)
    for item in doc["dependencies"] + doc["mechanisms"] + doc["faults"] + doc["interventions"]:
        item["description"] = XSS
    for item in doc["interventions"]:
        item["label"] = XSS
    for item in doc["milestones"]:
        item.update(label=XSS, source=XSS)
    scenario, _ = scenario_import(doc=doc, visibility="public")
    for url in ("/", detail(scenario.slug)):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in client.get(detail(scenario.slug)).content.decode()


def test_it_lists_and_exports_through_the_api(client, small):
    listing = client.get(reverse("scenarios:api-list")).json()
    assert [s["slug"] for s in listing["scenarios"]] == [small.slug]
    exported = client.get(reverse("scenarios:api-export", kwargs={"slug": small.slug}))
    assert exported.json() == small.to_spec()
    Scenario.objects.filter(pk=small.pk).update(visibility="draft")
    missing = client.get(reverse("scenarios:api-export", kwargs={"slug": small.slug}))
    assert missing.status_code == 404 and "error" in missing.json()


def _done_run(scenario, intervals):
    return Run.objects.create(
        scenario=scenario,
        scenario_slug=scenario.slug,
        scenario_version=scenario.version,
        spec=scenario.to_spec(),
        spec_digest="x",
        seed=scenario.seed,
        variant_digest="x",
        status="done",
        frames_total=1,
        summary={"intervals": intervals, "milestones": []},
        finished_at=timezone.now(),
    )


def test_it_draws_the_latest_runs_status_strip(client, small):
    _done_run(small, {"db": [["healthy", 0, 600], ["down", 600, 7200]]})
    html = client.get("/").content.decode()
    # Patterned as well as coloured, and said in words; no inline style (strict CSP).
    svg = html[html.index('<svg class="strip') : html.index("</svg>")]
    assert (
        '<rect x="8.333" width="91.667" height="10" fill="url(#strip-small-db-overload-down)">'
        in svg
    ), svg
    assert "Worst status: down 1h 50m, healthy 10m" in html and 'style="' not in html
    strip = status_strip(run=None, duration_s=100)
    assert strip == []


def test_it_ranks_statuses_as_the_engine_does(client, small):
    # degraded is worse than recovering (simulation/world.py SEVERITY).
    _done_run(small, {"db": [["degraded", 0, 3600]], "api": [["recovering", 0, 7200]]})
    html = client.get("/").content.decode()
    assert "Worst status: degraded 1h, recovering 1h" in html


def test_it_never_changes_a_run_when_its_scenario_is_edited_or_deleted(small, small_doc):
    run = _done_run(small, {})
    frozen = run.spec
    small_doc["services"].append({"id": "cache", "name": "Cache"})
    scenario_import(doc=small_doc, replace=True)
    run.refresh_from_db()
    assert run.spec == frozen and run.scenario_id == small.pk
    Scenario.objects.all().delete()
    run.refresh_from_db()
    assert run.spec == frozen and run.scenario_id is None
