import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outage_replay.scenarios.models import Scenario
from outage_replay.scenarios.services import (
    scenario_diff,
    scenario_duplicate,
    scenario_export,
    scenario_import,
    scenario_preview,
)
from outage_replay.scenarios.validation import ScenarioError, validate_bytes
from simulation import parse_document

from .conftest import BAD_DIR, LIBRARY_DIR, SMALL, bad_cases, row_counts

pytestmark = pytest.mark.django_db
SHIPPED = [*sorted(LIBRARY_DIR.glob("*.json")), SMALL]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_it_round_trips_every_shipped_file(path):
    written = json.loads(path.read_bytes())
    scenario, outcome = scenario_import(data=path.read_bytes())
    assert outcome == "created"
    spec = scenario.to_spec()
    # Exactly what was written (nothing added: no `enabled: true`, no filled-in params).
    assert spec == written
    assert parse_document(spec).to_document() == parse_document(written).to_document()
    exported = scenario_export(scenario=scenario)
    assert json.loads(exported) == written
    Scenario.objects.all().delete()
    again, _ = scenario_import(data=exported)
    assert again.to_spec() == spec
    assert scenario_export(scenario=again) == exported


def test_it_refuses_an_existing_slug_without_replace(small):
    before = row_counts()
    with pytest.raises(ScenarioError, match="already exists"):
        scenario_import(data=SMALL.read_bytes())
    assert row_counts() == before


def test_it_replaces_atomically_and_bumps_the_version(small, small_doc):
    same, outcome = scenario_import(doc=small_doc, replace=True)
    assert (outcome, same.version) == ("unchanged", 1)
    small_doc["services"].append({"id": "cache", "name": "Cache"})
    small_doc["milestones"].pop()
    replaced, outcome = scenario_import(doc=small_doc, replace=True)
    assert (outcome, replaced.version, replaced.pk) == ("replaced", 2, small.pk)
    assert replaced.visibility == "public"
    assert [s.key for s in replaced.services.all()] == ["web", "api", "db", "cache"]


def test_it_leaves_the_stored_scenario_alone_when_a_replacement_is_bad(small, small_doc):
    before, spec = row_counts(), small.to_spec()
    small_doc["dependencies"].append({"from": "db", "to": "web"})
    with pytest.raises(ScenarioError, match="cycle"):
        scenario_import(doc=small_doc, replace=True)
    assert row_counts() == before
    assert Scenario.objects.get().to_spec() == spec


def test_it_describes_what_an_import_would_change(small, small_doc):
    small_doc["services"][0]["name"] = "Website"
    small_doc["services"].append({"id": "cache", "name": "Cache"})
    small_doc["milestones"].pop()
    small_doc["title"] = "Renamed"
    doc = validate_bytes(json.dumps(small_doc).encode())
    diff = scenario_diff(doc=doc)
    old_title = small.title
    assert diff.exists
    assert [(c.field, c.old, c.new) for c in diff.fields] == [("title", old_title, "Renamed")]
    assert diff.new == [("services", "cache")]
    assert [(c.part, c.ident, c.field, c.old, c.new) for c in diff.changed] == [
        ("services", "web", "name", "Web", "Website")
    ]
    assert diff.removed == [("milestones", "note")]
    assert diff.changed[0].new_text == '"Website"'
    # An explicit default where the stored file left the key out is a change too.
    small_doc["interventions"][0]["enabled"] = True
    diff = scenario_diff(doc=validate_bytes(json.dumps(small_doc).encode()))
    assert ("interventions", "enabled") in [(c.part, c.field) for c in diff.changed]


def test_it_duplicates_as_a_draft_with_a_fresh_slug(small):
    copy = scenario_duplicate(scenario=small)
    assert copy.slug == "small-db-overload-copy" and copy.visibility == "draft"
    assert copy.secret_key != small.secret_key
    assert {**copy.to_spec(), "slug": "x", "title": "x"} == {
        **small.to_spec(),
        "slug": "x",
        "title": "x",
    }
    assert scenario_duplicate(scenario=small).slug == "small-db-overload-copy-2"


def test_it_previews_with_fidelity_rows_and_intervals(small):
    preview = scenario_preview(scenario=small)
    assert preview.ok, preview.errors
    assert [row["id"] for row in preview.summary["milestones"]] == ["db-down", "note"]
    assert preview.summary["intervals"]["db"][1][0] == "down"


def test_it_stops_a_preview_at_the_time_limit(small):
    Scenario.objects.update(duration_s=49_000, frame_interval_s=1)  # many events to poll
    small.refresh_from_db()
    preview = scenario_preview(scenario=small, time_limit_s=-1)
    assert not preview.ok and preview.aborted
    assert "stopped" in preview.errors[0][1]


@pytest.mark.parametrize(("name", "expected"), bad_cases())
def test_it_rejects_each_bad_file_through_the_command(name, expected, small, capsys):
    before = row_counts()
    with pytest.raises(CommandError) as info:
        call_command("import_scenario", str(BAD_DIR / name), "--replace")
    assert info.value.returncode == 2
    assert expected in str(info.value)
    assert row_counts() == before


def test_it_imports_and_exports_through_commands(tmp_path, capsys):
    call_command("import_scenario", str(SMALL), "--visibility", "public")
    assert "small-db-overload: created (version 1)" in capsys.readouterr().out
    out = tmp_path / "out.json"
    call_command("export_scenario", "small-db-overload", "-o", str(out))
    assert json.loads(out.read_bytes()) == Scenario.objects.get().to_spec()
    call_command("export_scenario", "small-db-overload")
    assert json.loads(capsys.readouterr().out)["slug"] == "small-db-overload"
    with pytest.raises(CommandError) as info:
        call_command("export_scenario", "nope")
    assert info.value.returncode == 2


def test_it_loads_the_library_idempotently(tmp_path, capsys):
    (tmp_path / "small.json").write_bytes(SMALL.read_bytes())
    call_command("load_library", "--dir", str(tmp_path))
    assert "created" in capsys.readouterr().out
    assert Scenario.objects.get().visibility == "public"
    counts = row_counts()
    call_command("load_library", "--dir", str(tmp_path))
    assert "up to date" in capsys.readouterr().out
    assert row_counts() == counts
    Scenario.objects.update(title="Edited in the admin")
    call_command("load_library", "--dir", str(tmp_path))
    assert "kept" in capsys.readouterr().out
    call_command("load_library", "--dir", str(tmp_path), "--replace")
    assert Scenario.objects.get().title.startswith("Small")


def test_it_loads_the_shipped_library():
    call_command("load_library")
    assert Scenario.objects.count() == len(list(LIBRARY_DIR.glob("*.json")))


def test_an_import_in_an_older_format_is_upgraded_then_stored(monkeypatch, small_doc):
    from simulation import formats

    def step(doc):
        doc["title"] = doc.pop("name")
        doc["format"] = "outage-replay/1"
        return doc

    monkeypatch.setitem(formats.UPGRADES, "outage-replay/0", ("outage-replay/1", step))
    old = {k: v for k, v in small_doc.items() if k != "title"}
    old |= {"format": "outage-replay/0", "name": small_doc["title"]}
    scenario, outcome = scenario_import(data=json.dumps(old).encode())
    assert outcome == "created" and scenario.to_spec() == small_doc
