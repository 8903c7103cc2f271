"""The vocabulary of the scenario field tables (see `spec.py` for the tables themselves).

Every attribute of a scenario dataclass in `spec.py` is declared with `shape(kind, …)`,
which stores a `Field` in the dataclass field's metadata. `spec.table(part)` reads them
back, in document order, with the attribute name and default filled in. The validator,
the canonical document (`Scenario.to_document`), the JSON Schema, and the Django models,
converters and admin forms are all derived from these tables, so adding a field to the
format is one `shape(...)` line (plus a Django migration).

Kinds:

| kind | document value | notes |
|---|---|---|
| `id` | scenario-local id (`ID_PATTERN`) | unique within its list |
| `slug` | the scenario's URL name (`SLUG_PATTERN`) | |
| `str` | one-line string | `max_length` is the stored column's length (0: free text) |
| `text` | multi-line free text | |
| `int` | integer in [`min`, `max`] | `until_end`: at most the scenario's `duration_s` |
| `bool` | true / false | |
| `choice` | one of `choices` | `labels` are the admin's wording |
| `timestamp` | ISO 8601 with a UTC offset | |
| `timezone` | IANA time zone name | |
| `ref` | the id of a row of the `ref` list | `nullable`: may be left out |
| `refs` | list of ids of rows of the `ref` list | |
| `name` | a registered name (`names`: mechanism_types, faults, actions) | of its `target` |
| `condition` | a condition object (`conditions.py`) | `match`: milestone; `alarm`: an alarm |
| `params` | parameters of the row's mechanism type / fault / action (`params.py`) | |
| `object` | a JSON object, checked by the part's rule (a preset's variant) | |
| `list` | list of `item` records, stored inline | |
| `part` | list of `item` rows, each a row of their own when stored | `min`/`max` items |

`nullable` fields may be null or left out, and are left out of the canonical document
when null. `time` marks seconds from `start` (the admin takes wall-clock input).
`initial` is what a new row starts with in the admin when it differs from `default`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

KINDS = (
    "id",
    "slug",
    "str",
    "text",
    "int",
    "bool",
    "choice",
    "timestamp",
    "timezone",
    "ref",
    "refs",
    "name",
    "condition",
    "params",
    "object",
    "list",
    "part",
)
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"
ID_MAX_LENGTH = 64


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


NO_DEFAULT: Any = _Required()  # the `default` of a required field
META_KEY = "outage_replay_field"


@dataclass(frozen=True)
class Field:
    kind: str
    name: str = ""  # the document key; the attribute name unless that is a Python keyword
    attr: str = ""  # filled in by spec.table()
    default: Any = NO_DEFAULT  # filled in by spec.table(); NO_DEFAULT when required
    nullable: bool = False
    min: int | None = None
    max: int | None = None
    until_end: bool = False
    time: bool = False
    choices: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    ref: str = ""
    names: str = ""
    match: bool = False
    alarm: bool = False
    item: str = ""
    max_length: int = 0
    label: str = ""
    help: str = ""
    initial: Any = NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description (used by the admin and the docs)."""
        out = {k: v for k, v in dataclasses.asdict(self).items() if k not in ("default", "initial")}
        out["required"] = self.required
        if not self.required:
            out["default"] = self.default
        return out


def shape(kind: str, *, default: Any = NO_DEFAULT, factory: Any = None, **options: Any) -> Any:
    """A dataclass field carrying its `Field` description (see the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"unknown field kind {kind!r}")
    metadata = {META_KEY: Field(kind, **options)}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    if default is NO_DEFAULT:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def fields_of(cls: type) -> tuple[Field, ...]:
    """The `Field`s of a scenario dataclass, in declaration (= document) order."""
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(META_KEY)
        if meta is None:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = NO_DEFAULT
        name = meta.name or f.name
        out.append(dataclasses.replace(meta, attr=f.name, name=name, default=default))
    return tuple(out)
