"""Format versions. Every document names its format (`"format": "outage-replay/1"`);
a document in an older format is upgraded, one step at a time, before it is validated,
so files saved under an older version are never stranded.

`UPGRADES` maps an old format to (the next format, the step). A step takes a decoded
document of its format (a deep copy; it may change it in place) and returns the document
in the next format, `format` key included. When `outage-replay/2` comes, the step
`"outage-replay/1": ("outage-replay/2", _v1_to_v2)` goes here, and `FORMAT` in
`spec.py` moves on; tests/simulation/test_schema.py shows how a step is tested.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from simulation.spec import FORMAT

Step = Callable[[dict[str, Any]], dict[str, Any]]
UPGRADES: dict[str, tuple[str, Step]] = {}


def upgrade(doc: object) -> tuple[object, tuple[str, ...]]:
    """`doc` in the current format, and the older formats it went through (oldest first).

    Anything that is not a document of a known older format is returned unchanged (the
    validator then reports what is wrong with it)."""
    passed: list[str] = []
    while isinstance(doc, dict) and doc.get("format") in UPGRADES:
        old = doc["format"]
        if old in passed or len(passed) > len(UPGRADES):
            break  # a loop in the table; the validator reports the format
        target, step = UPGRADES[old]
        doc = step(copy.deepcopy(doc))
        passed.append(old)
        if not isinstance(doc, dict) or doc.get("format") != target:
            raise AssertionError(f"upgrade step from {old} did not produce {target}")
    return doc, tuple(passed)


def known_formats() -> tuple[str, ...]:
    return (*sorted(UPGRADES), FORMAT)
