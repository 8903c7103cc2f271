"""The public mechanism reference (/docs/mechanisms/), generated from the code.

For every registered mechanism type: its module docstring (what it models, split into
paragraphs and the indented ASCII state machine), its `PARAMS` with kind, unit, default,
range and meaning, its `FAULTS` and `ACTIONS` with their params, `METRICS`, `SIGNALS`,
the statuses its code can report, and an example from a shipped library scenario.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from simulation import MECHANISM_TYPES
from simulation.params import Param
from simulation.spec import STATUSES

LIBRARY_DIR = Path(__file__).resolve().parent / "library"


def param_range(param: Param) -> str:
    if param.choices:
        return " | ".join(param.choices)
    lo = "" if param.min is None else f"{param.min:g}"
    hi = "" if param.max is None else f"{param.max:g}"
    return f"{lo} … {hi}" if lo or hi else ""


def _params(spec: dict[str, Param]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "kind": p.kind,
            "default": json.dumps(p.default, ensure_ascii=False),
            "range": param_range(p),
            "unit": p.unit,
            "doc": p.doc,
        }
        for name, p in spec.items()
    ]


def _segments(text: str) -> list[dict[str, Any]]:
    """`name` spans become code segments (the template escapes every segment)."""
    return [{"code": i % 2 == 1, "text": part} for i, part in enumerate(text.split("`")) if part]


def _blocks(doc: str) -> list[dict[str, Any]]:
    """Paragraphs of a docstring; indented ones (state machines, examples) stay verbatim."""
    blocks: list[dict[str, Any]] = []
    for chunk in doc.strip().split("\n\n"):
        lines = chunk.split("\n")
        if all(line.startswith("    ") or not line.strip() for line in lines):
            blocks.append({"kind": "pre", "text": "\n".join(line[4:] for line in lines)})
        else:
            text = " ".join(line.strip() for line in lines)
            blocks.append({"kind": "p", "segments": _segments(text)})
    return blocks


def _statuses(module: Any) -> list[str]:
    source = inspect.getsource(module)
    if "status_from_error(" in source:
        return list(STATUSES)
    return [s for s in STATUSES if f'"{s}"' in source]


def mechanism_summary(name: str, doc: str) -> str:
    first = " ".join(doc.strip().split("\n\n")[0].split())
    prefix = f"{name} — "
    return first[len(prefix) :] if first.startswith(prefix) else first


def _examples() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(LIBRARY_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for m in doc.get("mechanisms", []):
            if m["type"] in out:
                continue
            out[m["type"]] = {
                "slug": doc["slug"],
                "title": doc["title"],
                "id": m["id"],
                "services": m["services"],
                "params": json.dumps(m.get("params", {}), indent=2, ensure_ascii=False),
                "description": m.get("description", ""),
            }
    return out


def _shown(cls: Any) -> list[dict[str, str]]:
    """The metrics the player shows, with label, unit and kind (the mechanism's SHOWS)."""
    shows = getattr(cls, "SHOWS", None)
    return [
        {"name": s.name, "label": s.label, "unit": s.unit, "kind": s.kind}
        for s in getattr(shows, "signals", ())
    ]


@functools.cache
def mechanism_docs() -> tuple[dict[str, Any], ...]:
    examples = _examples()
    types = []
    for name, cls in sorted(MECHANISM_TYPES.items()):
        module = sys.modules[cls.__module__]
        doc = inspect.getdoc(module) or ""
        types.append(
            {
                "name": name,
                "summary": mechanism_summary(name, doc),
                "blocks": _blocks(doc)[1:],
                "params": _params(cls.PARAMS),
                "faults": [
                    {"name": k, "params": _params(v)} for k, v in sorted(cls.FAULTS.items())
                ],
                "actions": [
                    {"name": k, "params": _params(v)} for k, v in sorted(cls.ACTIONS.items())
                ],
                "metrics": list(cls.METRICS),
                "shown": _shown(cls),
                "signals": list(cls.SIGNALS),
                "statuses": _statuses(module),
                "example": examples.get(name),
            }
        )
    return tuple(types)


@functools.cache
def authoring_catalog() -> dict[str, Any]:
    """What the admin's typed forms need, per mechanism type: what it models, its
    statuses, signals and metrics, and every parameter table (PARAMS, FAULTS, ACTIONS)."""
    from django.urls import reverse

    from simulation.conditions import OPS

    url = reverse("scenarios:mechanisms")
    types = {}
    for entry in mechanism_docs():
        cls = MECHANISM_TYPES[entry["name"]]
        types[entry["name"]] = {
            "summary": entry["summary"],
            "statuses": entry["statuses"],
            "signals": entry["signals"],
            "metrics": entry["metrics"],
            "url": f"{url}#{entry['name']}",
            "params": {k: p.to_dict() for k, p in cls.PARAMS.items()},
            "faults": {
                f: {k: p.to_dict() for k, p in ps.items()} for f, ps in sorted(cls.FAULTS.items())
            },
            "actions": {
                a: {k: p.to_dict() for k, p in ps.items()} for a, ps in sorted(cls.ACTIONS.items())
            },
        }
    return {"types": types, "statuses": list(STATUSES), "ops": list(OPS)}
