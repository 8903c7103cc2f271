"""Template helpers for the scenario admin: the mechanism reference table."""

from __future__ import annotations

import inspect
import sys
from typing import Any

from django import template

from simulation import MECHANISM_TYPES

from ..mechanism_docs import mechanism_summary, param_range

register = template.Library()


def _named(specs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": name, "params": list(params)} for name, params in sorted(specs.items())]


@register.simple_tag
def mechanism_reference() -> list[dict[str, Any]]:
    types = []
    for name, cls in sorted(MECHANISM_TYPES.items()):
        module = sys.modules[cls.__module__]
        doc = mechanism_summary(name, inspect.getdoc(module) or "")
        types.append(
            {
                "name": name,
                "doc": doc,
                "params": [
                    {
                        "name": pname,
                        "kind": p.kind,
                        "default": p.default,
                        "range": param_range(p),
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
