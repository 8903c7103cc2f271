"""The JSON Schema and the validator agree: on every shipped scenario, on the bad-input
corpus, and the checked-in schema is what the field tables generate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from simulation import SCHEMA_PATH, ScenarioError, formats, parse_bytes, parse_document
from simulation.schema import build_schema, schema_text
from tests.simulation.conftest import MINI

ROOT = Path(__file__).parent.parent.parent
LIBRARY = sorted((ROOT / "outage_replay" / "scenarios" / "library").glob("*.json"))
GOOD = [*LIBRARY, ROOT / "tests" / "scenarios" / "small.json", MINI]
BAD_DIR = ROOT / "tests" / "fixtures" / "bad_scenarios"
# What JSON Schema cannot express; only the validator rejects these (each for the reason
# given). The test fails if the schema starts accepting anything else, or rejects these.
BEYOND_SCHEMA = {
    "dangling_condition_service.json": "a reference to another row",
    "dangling_dependency.json": "a reference to another row",
    "dangling_fault_target.json": "a reference to another row",
    "dangling_intervention_target.json": "a reference to another row",
    "dangling_mechanism_service.json": "a reference to another row",
    "dangling_milestone_service.json": "a reference to another row",
    "dependency_cycle.json": "a cycle through several rows",
    "duplicate_dependency.json": "uniqueness of a pair of fields across rows",
    "duplicate_mechanism_ids.json": "uniqueness of one field across rows",
    "duplicate_service_ids.json": "uniqueness of one field across rows",
    "self_dependency.json": "two fields of a row compared",
    "time_after_end.json": "a bound given by another field (duration_s)",
    "too_many_frames.json": "a ratio of two fields",
    "too_big.json": "the file's size in bytes",
    "unknown_timezone.json": "the IANA time zone database",
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_checked_in_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "regenerate it: python -m simulation schema --write"
    )


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_both_accept_every_shipped_scenario(validator: Any, path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(doc)) == []
    canonical = parse_document(doc).to_document()
    assert list(validator.iter_errors(canonical)) == []


def _decoded(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


@pytest.mark.parametrize("path", sorted(BAD_DIR.glob("*.json")), ids=lambda p: p.name)
def test_both_reject_the_bad_input_corpus(validator: Any, path: Path) -> None:
    with pytest.raises(ScenarioError):
        parse_bytes(path.read_bytes())
    doc = _decoded(path)
    if doc is None:
        return  # not JSON at all: there is nothing for a schema to look at
    schema_errors = list(validator.iter_errors(doc))
    if path.name in BEYOND_SCHEMA:
        assert schema_errors == [], f"the schema now rejects {path.name}: drop it from the list"
    else:
        assert schema_errors, f"the schema accepts {path.name}"


def test_the_schema_describes_every_mechanism_parameter() -> None:
    from simulation import MECHANISM_TYPES

    branches = build_schema()["$defs"]["mechanisms"]["allOf"]
    by_type = {b["if"]["properties"]["type"]["const"]: b["then"] for b in branches}
    assert set(by_type) == set(MECHANISM_TYPES)
    for name, cls in MECHANISM_TYPES.items():
        assert set(by_type[name]["properties"]["params"]["properties"]) == set(cls.PARAMS)


def test_an_older_format_is_upgraded_before_validation(monkeypatch: Any) -> None:
    """A step registered for a (hypothetical) older format runs on read."""
    mini = json.loads((MINI).read_text())

    def rename(doc: dict[str, Any]) -> dict[str, Any]:
        doc["title"] = doc.pop("name")
        doc["format"] = "outage-replay/1"
        return doc

    monkeypatch.setitem(formats.UPGRADES, "outage-replay/0", ("outage-replay/1", rename))
    old = {k: v for k, v in mini.items() if k != "title"} | {
        "format": "outage-replay/0",
        "name": mini["title"],
    }
    upgraded, passed = formats.upgrade(old)
    assert passed == ("outage-replay/0",) and upgraded == mini
    assert old["format"] == "outage-replay/0"  # the caller's document is not changed
    assert parse_document(old) == parse_document(mini)
    with pytest.raises(ScenarioError, match=r"or an older format: outage-replay/0"):
        parse_document(mini | {"format": "outage-replay/9"})
