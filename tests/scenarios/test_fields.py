"""The Django side is derived from simulation's field tables."""

from __future__ import annotations

from outage_replay.scenarios.admin import INLINES
from outage_replay.scenarios.model_fields import PART_KEYS, column
from outage_replay.scenarios.models import PART_MODELS, Scenario
from simulation.spec import TOP, table


def test_every_table_field_is_a_column_and_an_inline_field() -> None:
    names = {f.name for f in Scenario._meta.get_fields()}
    assert {column(f) for f in table(TOP)} <= names
    assert [inline.model for inline in INLINES] == [PART_MODELS[key] for key in PART_KEYS]
    for key, inline in zip(PART_KEYS, INLINES, strict=True):
        model = PART_MODELS[key]
        assert model._meta.get_field("scenario").remote_field.related_name == key
        for f in table(key):
            assert model._meta.get_field(column(f)) is not None
        flat = [n for item in inline.fields for n in (item if isinstance(item, tuple) else (item,))]
        assert sorted(flat) == sorted(column(f) for f in table(key))
    assert column(table("services")[0]) == "key"  # Django keeps `id` for the primary key
