import json

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils.html import escape

from outage_replay.scenarios.models import Scenario
from simulation import parse_document

from .conftest import BAD_DIR, SMALL, admin_post_data, bad_cases, management, row_counts

pytestmark = pytest.mark.django_db
ADD = reverse("admin:scenarios_scenario_add")
IMPORT = reverse("admin:scenarios_scenario_import")


def canonical(doc):
    return parse_document(doc).to_document()


def change_url(scenario):
    return reverse("admin:scenarios_scenario_change", args=[scenario.pk])


def test_it_creates_a_whole_scenario_in_one_submission(staff_client, small_doc):
    response = staff_client.post(ADD, admin_post_data(small_doc))
    assert response.status_code == 302, response.context["errors"]
    scenario = Scenario.objects.get()
    expected = json.loads(SMALL.read_text())
    # Stored as typed (parameters left out keep following their defaults).
    assert canonical(scenario.to_spec()) == canonical(expected)
    assert LogEntry.objects.filter(object_id=str(scenario.pk)).count() == 1


def test_it_accepts_wall_clock_times(staff_client, small_doc):
    data = admin_post_data(small_doc)
    data["faults-0-at_s"] = "Oct 19 23:40"
    data["interventions-0-at_s"] = "00:25"
    data["milestones-0-at_s"] = "+11m40s"
    assert staff_client.post(ADD, data).status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.faults.get().at_s == 600
    assert scenario.interventions.get(key="shed").at_s == 3300
    assert scenario.milestones.get(key="db-down").at_s == 700


def _errors(response) -> str:
    form = response.context["adminform"].form
    inline_errors = [
        str(e) for fs in response.context["inline_admin_formsets"] for e in fs.formset.errors
    ]
    return str(form.non_field_errors()) + " ".join(inline_errors)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "dependencies-2-source": "db",
                "dependencies-2-target": "web",
                "dependencies-2-kind": "hard",
                "dependencies-2-delay_s": "0",
            }
            | management("dependencies", 3),
            "dependencies: cycle: api -&gt; db -&gt; web -&gt; api",
        ),
        (
            {"mechanisms-0-params": '{"capacity_per_s": -1}'},
            "mechanisms[db-load].params.capacity_per_s: must be ≥",
        ),
        (
            {"mechanisms-0-params": '{"bogus": 1}'},
            "mechanisms[db-load].params.bogus: unknown parameter",
        ),
        ({"faults-0-at_s": "99999"}, "faults[drop].at_s: must be ≤ 7200"),
        ({"services-2-key": "api"}, "duplicate values"),
        ({"faults-0-type": "meteor"}, "faults[drop].type: unknown fault"),
        (
            {"interventions-1-when": '{"service": "ghost", "status": "down"}'},
            "interventions[flush].when",
        ),
    ],
)
def test_it_names_the_path_and_saves_nothing(staff_client, small_doc, change, expected):
    data = admin_post_data(small_doc) | change
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert expected in _errors(response)
    assert row_counts()["Scenario"] == 0
    # The user's input is still in the form.
    for name, value in change.items():
        if not name.endswith("FORMS"):
            assert escape(str(value)) in response.content.decode()


def test_it_puts_the_error_on_the_inline_field(staff_client, small_doc):
    data = admin_post_data(small_doc) | {"mechanisms-0-params": '{"capacity_per_s": -1}'}
    response = staff_client.post(ADD, data)
    mechanisms = next(
        fs for fs in response.context["inline_admin_formsets"] if fs.formset.prefix == "mechanisms"
    )
    assert "capacity_per_s" in str(mechanisms.formset.forms[0].errors["params"])


def test_it_rejects_unparseable_times_with_a_hint(staff_client, small_doc):
    data = admin_post_data(small_doc) | {"faults-0-at_s": "half past ten"}
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert "wall-clock time" in _errors(response)
    assert row_counts()["Scenario"] == 0


def test_it_edits_and_bumps_the_version_only_on_change(staff_client, small):
    page = staff_client.get(change_url(small))
    assert page.status_code == 200
    assert "Oct 19 23:40" in page.content.decode()  # times shown as wall-clock
    data = admin_post_data(small.to_spec(), visibility="public")
    for key in ("services", "dependencies", "mechanisms", "faults", "interventions", "milestones"):
        rows = list(getattr(small, key).all())
        data |= management(key, len(rows), len(rows))
        for i, row in enumerate(rows):
            data[f"{key}-{i}-id"] = row.pk
            data[f"{key}-{i}-scenario"] = small.pk
    assert staff_client.post(change_url(small), data).status_code == 302
    small.refresh_from_db()
    assert small.version == 1
    data["services-0-name"] = "Website"
    data["services-1-DELETE"] = "on"
    data["dependencies-0-DELETE"] = "on"
    data["dependencies-1-source"] = "web"
    assert staff_client.post(change_url(small), data).status_code == 302
    small.refresh_from_db()
    assert small.version == 2
    assert [s.name for s in small.services.all()] == ["Website", "Database"]
    assert [(p.position, p.key) for p in small.services.all()] == [(0, "web"), (1, "db")]


def test_it_lists_filters_and_searches(staff_client, small):
    url = reverse("admin:scenarios_scenario_changelist")
    assert small.title in staff_client.get(url + "?q=Database").content.decode()
    assert small.title not in staff_client.get(url + "?q=nothing-like-it").content.decode()
    assert small.title in staff_client.get(url + "?visibility__exact=public").content.decode()


def test_it_previews_with_the_fidelity_table(staff_client, small):
    page = staff_client.get(reverse("admin:scenarios_scenario_preview", args=[small.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="fidelity"' in html and "Database stops answering" in html
    assert "Oct 19 23:40 → Oct 20 01:30" in html  # db down from the fault to the end


def test_it_runs_the_actions(staff_client, small):
    url = reverse("admin:scenarios_scenario_changelist")
    post = {"_selected_action": [small.pk], "index": 0}
    exported = staff_client.post(url, post | {"action": "export_json"})
    assert json.loads(exported.content) == small.to_spec()
    staff_client.post(url, post | {"action": "duplicate"})
    assert Scenario.objects.filter(slug="small-db-overload-copy").exists()
    preview = staff_client.post(url, post | {"action": "validate_and_preview"})
    assert preview.status_code == 302 and "preview" in preview["Location"]
    replay = staff_client.post(url, post | {"action": "open_replay"})
    assert replay.status_code == 302
    page = staff_client.get(replay["Location"])
    assert f'action="/s/{small.slug}/replay"' in page.content.decode()


def test_it_imports_with_a_preview_then_applies(staff_client, small_doc):
    with SMALL.open("rb") as handle:
        preview = staff_client.post(IMPORT, {"file": handle, "visibility": "public"})
    html = preview.content.decode()
    assert "New scenario" in html and row_counts()["Scenario"] == 0
    document = preview.context["document_json"]
    applied = staff_client.post(
        IMPORT, {"apply": "1", "document": document, "base_version": "0", "visibility": "public"}
    )
    assert applied.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.visibility == "public"
    assert LogEntry.objects.filter(object_id=str(scenario.pk)).exists()


def test_it_shows_the_changes_before_replacing(staff_client, small, small_doc, tmp_path):
    small_doc["services"].append({"id": "cache", "name": "Cache"})
    small_doc["milestones"].pop()
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(small_doc))
    with path.open("rb") as handle:
        preview = staff_client.post(IMPORT, {"file": handle})
    html = preview.content.decode()
    assert "Replaces the stored scenario" in html
    assert "<td>new</td><td>services</td><td><code>cache</code>" in html
    assert "<td>removed</td><td>milestones</td><td><code>note</code>" in html
    stale = staff_client.post(
        IMPORT, {"apply": "1", "document": preview.context["document_json"], "base_version": "7"}
    )
    assert "changed since this preview" in stale.content.decode()
    staff_client.post(
        IMPORT, {"apply": "1", "document": preview.context["document_json"], "base_version": "1"}
    )
    small.refresh_from_db()
    assert small.version == 2 and small.services.count() == 4


@pytest.mark.parametrize(("name", "expected"), bad_cases())
def test_it_rejects_each_bad_file_on_the_import_page(staff_client, small, name, expected):
    before = row_counts()
    with (BAD_DIR / name).open("rb") as handle:
        response = staff_client.post(IMPORT, {"file": handle})
    assert response.status_code == 200
    assert "nothing was changed" in response.content.decode()
    assert expected in " ".join(f"{p}: {m}" for p, m in response.context["errors"])
    assert row_counts() == before


def test_it_rejects_a_tampered_apply(staff_client):
    response = staff_client.post(IMPORT, {"apply": "1", "document": "{nope", "base_version": "0"})
    assert response.status_code == 200 and row_counts()["Scenario"] == 0
    response = staff_client.post(
        IMPORT, {"apply": "1", "document": '{"format": "x"}', "base_version": "0"}
    )
    assert "format" in response.content.decode() and row_counts()["Scenario"] == 0


def test_it_keeps_non_staff_out(client, small):
    assert client.get(IMPORT).status_code == 302
    assert (
        client.get(reverse("admin:scenarios_scenario_preview", args=[small.pk])).status_code == 302
    )


def test_the_duplicate_button_makes_a_draft_copy(staff_client, small):
    url = reverse("admin:scenarios_scenario_duplicate", args=[small.pk])
    response = staff_client.post(url)
    assert response.status_code == 302
    copy = Scenario.objects.get(slug="small-db-overload-copy")
    assert response["Location"] == change_url(copy)
    assert copy.visibility == "draft" and copy.to_spec() | {"slug": small.slug} == (
        small.to_spec() | {"title": copy.title}
    )
    assert staff_client.get(url).status_code == 302  # GET only goes back to the form


def test_the_import_diff_names_fields_and_values_and_imports_as_a_copy(
    staff_client, small, small_doc, tmp_path
):
    small_doc["interventions"][0]["label"] = "Shed half the load"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(small_doc))
    with path.open("rb") as handle:
        preview = staff_client.post(IMPORT, {"file": handle})
    html = preview.content.decode()
    old_label = small.interventions.get(key="shed").label
    assert "<td><code>label</code></td>" in html
    assert escape(json.dumps(old_label)) in html and escape('"Shed half the load"') in html
    copied = staff_client.post(
        IMPORT,
        {"as_copy": "1", "document": preview.context["document_json"], "base_version": "1"},
    )
    assert copied.status_code == 302
    copy = Scenario.objects.get(slug="small-db-overload-copy")
    assert copy.visibility == "draft" and copy.interventions.get(key="shed").label == (
        "Shed half the load"
    )
    small.refresh_from_db()
    assert small.version == 1 and small.interventions.get(key="shed").label == old_label


def test_the_schema_is_served_and_linked_from_the_import_page(client, staff_client):
    from simulation import SCHEMA_PATH

    url = reverse("scenarios:schema")
    assert url == "/schema/outage-replay-1.schema.json"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/schema+json")
    assert response.content == SCHEMA_PATH.read_bytes()
    assert f'href="{url}"' in staff_client.get(IMPORT).content.decode()


def test_all_errors_come_back_in_one_round_named_by_row_id(staff_client, small_doc):
    data = admin_post_data(small_doc) | {
        "mechanisms-0-params": '{"capacity_per_s": 1,, }',  # a field error
        "interventions-1-when": '{"service": "ghost", "status": "down"}',  # a document error
        "milestones-0-at_s": "2025-09-30 00:00",  # 20 days before the start
    }
    response = staff_client.post(ADD, data)
    errors = _errors(response)
    assert "Expecting property name enclosed in double quotes at line 1 column 22" in errors
    assert "interventions[flush].when.service" in errors
    assert "milestones[db-down].at_s: must be ≥ -1209600 (at most 14 days before the start)" in (
        errors
    )
    assert row_counts()["Scenario"] == 0
