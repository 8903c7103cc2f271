"""Template helpers for the scenario admin: the mechanism reference table."""

from __future__ import annotations

import inspect
from typing import Any

from django import template

from simulation import MECHANISM_TYPES

register = template.Library()


def _range(param: Any) -> str:
    if param.choices:
        return " | ".join(param.choices)
    lo = "" if param.min is None else f"{param.min:g}"
    hi = "" if param.max is None else f"{param.max:g}"
    return f"{lo} … {hi}" if lo or hi else ""


def _named(specs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, "params": list(params)} for name, params in sorted(specs.items())]


@register.simple_tag
def mechanism_reference() -> list[dict[str, Any]]:
    types = []
    for name, cls in sorted(MECHANISM_TYPES.items()):
        doc = inspect.getdoc(cls) or ""
        types.append(
            {
                "name": name,
                "doc": doc.split("\n\n")[0],
                "params": [
                    {
                        "name": pname,
                        "kind": p.kind,
                        "default": p.default,
                        "range": _range(p),
                        "unit": p.unit,
                        "doc": p.doc,
                    }
                    for pname, p in cls.PARAMS.items()
                ],
                "faults": _named(cls.FAULTS),
                "actions": _named(cls.ACTIONS),
                "metrics": list(cls.METRICS),
            }
        )
    return types
