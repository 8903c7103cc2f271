"""Django model fields generated from simulation's field tables (`simulation.spec`).

The document's fields live in exactly one place, the tables; this module turns each
`Field` into a model field (`model_field`), the scenario's own fields into the abstract
`DocumentFields`, and every list of rows into a `Part` model (`part_models`). A row's
column is the field's attribute, except `id`, which Django reserves for the primary key:
it is stored as `key` (`column`). Adding a field to a table is therefore one edit plus
`manage.py makemigrations`.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from simulation.fields import NO_DEFAULT, Field
from simulation.spec import TOP, part_keys, table

PART_KEYS = part_keys()
INT32_MAX = 2**31 - 1


def column(f: Field) -> str:
    """The model attribute holding field `f` of a row."""
    return "key" if f.attr == "id" else f.attr


def columns(part: str) -> dict[str, str]:
    """Document key → model attribute, for one part."""
    return {f.name: column(f) for f in table(part)}


def omittable(f: Field, value: Any) -> bool:
    """Whether an optional field may be left out of a document: it holds its default."""
    if f.required:
        return False
    default = list(f.default) if isinstance(f.default, tuple) else f.default
    current = list(value) if isinstance(value, tuple) else value
    return bool(current == default or (f.nullable and current in (None, "")))


def model_default(f: Field) -> Any:
    """What a new row starts with (NO_DEFAULT: nothing declared)."""
    if f.kind in ("refs", "list", "params", "object", "condition"):
        return NO_DEFAULT  # JSON columns take a factory (below)
    value = f.initial if f.initial is not NO_DEFAULT else f.default
    return NO_DEFAULT if value is None or value == "" else value


def model_field(f: Field) -> models.Field:  # noqa: PLR0911, PLR0912
    default = model_default(f)
    # Optional and empty by default: the form may be left blank.
    blank = {"blank": True} if not f.required and default is NO_DEFAULT else {}
    named: dict[str, Any] = {}
    if f.label:
        named["verbose_name"] = f.label
    if f.help:
        named["help_text"] = f.help
    if default is not NO_DEFAULT:
        named["default"] = default
    if f.kind == "id":
        return models.CharField(max_length=64, **named)
    if f.kind == "slug":
        return models.SlugField(max_length=100, unique=True, **named)
    if f.kind == "text":
        return models.TextField(**blank, **named)
    if f.kind in ("str", "name", "timestamp", "timezone", "ref"):
        return models.CharField(max_length=f.max_length or 64, **blank, **named)
    if f.kind == "choice":
        choices = list(zip(f.choices, f.labels or f.choices, strict=True))
        return models.CharField(max_length=f.max_length, choices=choices, **named)
    if f.kind == "bool":
        return models.BooleanField(**named)
    if f.kind == "int":
        null = {"null": True, "blank": True} if f.nullable else {}
        if f.max is not None and f.max > INT32_MAX:
            return models.BigIntegerField(**null, **named)
        if f.time or f.min is None or f.min < 0:
            return models.IntegerField(**null, **named)
        return models.PositiveIntegerField(**null, **named)
    if f.kind in ("refs", "list"):
        return models.JSONField(default=list, blank=True, **named)
    if f.kind == "params":
        return models.JSONField(default=dict, blank=True, **named)
    if f.kind == "object":
        return models.JSONField(default=dict, **blank, **named)
    if f.kind == "condition":
        return models.JSONField(null=True, blank=True, **named)
    raise ValueError(f"no model field for kind {f.kind!r}")


def _absent_field() -> models.JSONField:
    return models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="optional document keys the author left out (kept out on export "
        "while they hold their default)",
    )


def _fields(part: str) -> dict[str, models.Field]:
    fields = {column(f): model_field(f) for f in table(part) if f.kind != "part"}
    return {**fields, "absent": _absent_field()} if part == TOP else fields


DocumentFields = type(
    "DocumentFields",
    (models.Model,),
    {
        "__module__": __name__,
        "__doc__": "The scenario's own document fields (its parts are rows of their own).",
        "Meta": type("Meta", (), {"abstract": True}),
        **_fields(TOP),
    },
)


class Part(models.Model):
    """A row that belongs to one scenario, kept in document order by `position`."""

    position = models.PositiveIntegerField(default=0)
    absent = _absent_field()

    class Meta:
        abstract = True
        ordering = ("position", "pk")

    def __str__(self) -> str:
        label = getattr(self, "label", "") or getattr(self, "name", "")
        key = getattr(self, "key", "")
        if not key:
            return f"{getattr(self, 'source', '')} → {getattr(self, 'target', '')}"
        return f"{label} ({key})" if label else key


def model_name(part: str) -> str:
    from simulation.spec import ITEMS

    return ITEMS[part].__name__.removesuffix("Spec")


def part_models(
    scenario: type[models.Model], module: str, meta: dict[str, dict[str, Any]] | None = None
) -> dict[str, type[models.Model]]:
    """One `Part` model per list of rows, with a `scenario` foreign key named by the list."""
    out: dict[str, type[models.Model]] = {}
    for key in PART_KEYS:
        name = model_name(key)
        options: dict[str, Any] = dict((meta or {}).get(key, {}))
        if f"{name.lower()}s" != key:
            options.setdefault("verbose_name_plural", key)
        out[key] = type(
            name,
            (Part,),
            {
                "__module__": module,
                "scenario": models.ForeignKey(scenario, on_delete=models.CASCADE, related_name=key),
                "Meta": type("Meta", (Part.Meta,), options),
                **_fields(key),
            },
        )
    return out
