"""Typed mechanism parameters and their validation.

Every mechanism class declares `PARAMS: dict[str, Param]`; faults and operator actions
declare theirs the same way. `check_params` fills defaults and reports each bad value
with its path (e.g. `mechanisms[2].params.enactors: must be ≥ 1`).

Kinds: `int`, `float`, `bool`, `choice` (one of `choices`), `str`, `str_list`,
`condition` (a state condition, see `conditions.py`; validated by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("int", "float", "bool", "choice", "str", "str_list", "condition")


@dataclass(frozen=True)
class Param:
    kind: str
    default: Any
    unit: str = ""
    doc: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "default": self.default,
            "unit": self.unit,
            "doc": self.doc,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) if self.choices else None,
        }


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def check_value(param: Param, value: Any) -> tuple[Any, str | None]:  # noqa: PLR0911, PLR0912
    """Return (normalised value, error message or None)."""
    kind = param.kind
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (value, "must be true or false")
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value, "must be a number"
        if kind == "int" and not (isinstance(value, int) or float(value).is_integer()):
            return value, "must be an integer"
        value = int(value) if kind == "int" else float(value)
        if param.min is not None and value < param.min:
            return value, f"must be ≥ {_fmt(param.min)}"
        if param.max is not None and value > param.max:
            return value, f"must be ≤ {_fmt(param.max)}"
        return value, None
    if kind == "choice":
        if value not in (param.choices or ()):
            return value, "must be one of " + ", ".join(param.choices or ())
        return value, None
    if kind == "str":
        return (value, None) if isinstance(value, str) else (value, "must be a string")
    if kind == "str_list":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok:
            return value, "must be a list of strings"
        if param.min is not None and len(value) < param.min:
            return value, f"must have at least {_fmt(param.min)} items"
        return list(value), None
    if kind == "condition":
        return (value, None) if isinstance(value, dict) else (value, "must be an object")
    raise ValueError(f"unknown param kind {kind}")


def check_params(
    path: str, given: Any, spec: dict[str, Param], errors: list[tuple[str, str]]
) -> dict[str, Any]:
    """Validate `given` against `spec`, append errors, return params with defaults filled."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        errors.append((path, "must be an object"))
        return {name: p.default for name, p in spec.items()}
    out: dict[str, Any] = {}
    for name in sorted(given):
        if name not in spec:
            errors.append((f"{path}.{name}", "unknown parameter"))
    for name, param in spec.items():
        if name not in given:
            out[name] = param.default
            continue
        value, message = check_value(param, given[name])
        if message:
            errors.append((f"{path}.{name}", message))
        out[name] = value
    return out
