"""The field tables: every attribute of the scenario dataclasses is described once."""

from __future__ import annotations

import dataclasses

from simulation.fields import KINDS, NO_DEFAULT
from simulation.spec import ITEMS, TOP, Scenario, part_keys, row_id, table
from simulation.validate import TOP_KEYS


def test_every_dataclass_attribute_is_in_its_table() -> None:
    for key, cls in {TOP: Scenario, **ITEMS}.items():
        attrs = [f.name for f in dataclasses.fields(cls)]
        assert [f.attr for f in table(key)] == attrs, key
        for f in table(key):
            assert f.kind in KINDS
            if f.kind in ("ref", "refs"):
                assert f.ref in ITEMS, (key, f.name)
            if f.kind in ("list", "part"):
                assert ITEMS[f.item] is not None
            if f.nullable:
                assert f.default is None, (key, f.name)


def test_the_tables_give_the_documents_keys() -> None:
    assert {"format"} | {f.name for f in table(TOP)} == TOP_KEYS
    assert part_keys() == (
        "services",
        "dependencies",
        "mechanisms",
        "faults",
        "interventions",
        "milestones",
        "knobs",
        "presets",
    )
    assert [f.name for f in table("dependencies")][:2] == ["from", "to"]
    assert [f.attr for f in table("dependencies")][:2] == ["source", "target"]
    assert row_id("dependencies", {"from": "a", "to": "b"}) == "a->b"
    assert row_id("interventions", {"id": "shed"}) == "shed"
    required = {f.name for f in table("interventions") if f.default is NO_DEFAULT}
    assert required == {"id", "action", "target", "label"}
