"""Nothing in static/ names a shipped scenario, one of its services or mechanisms: the
player is built from the run's meta (the mechanisms' declarations and the spec).

Compound ids (`ec2-dwfm`, `ddb-dns`) must not appear at all. One-word ids (`dynamodb`,
`edge`) are also ordinary words of code (a Cytoscape "edge"), so for them the test looks
for the ways code singles one out: a comparison with it, an index or property by it, a
regular expression matching it."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "outage_replay/scenarios/library").glob("*.json"))
SINGLED_OUT = (
    r"""[!=]==?\s*["'`]{n}["'`]""",  # x === "dynamodb"
    r"""["'`]{n}["'`]\s*[!=]==?""",
    r"""\[\s*["'`]{n}["'`]\s*\]""",  # metrics["dwfm"]
    r"""(?:^|[(,=:!&|?\s])/[^/\n*]*\b{n}\b[^/\n]*/[gimsuy]*(?=\s*[,;)]|\.test)""",  # /dwfm|ec2/i
    r"""id:\s*["'`]{n}["'`]""",
)
COMMENTS = re.compile(r"/\*.*?\*/|(?<![:\w\\])//[^\n]*", re.S)


def ids() -> set[str]:
    found = set()
    for path in LIBRARY:
        doc = json.loads(path.read_text(encoding="utf-8"))
        found.add(doc["slug"])
        found.update(s["id"] for s in doc["services"])
        found.update(m["id"] for m in doc["mechanisms"])
    return found


def test_it_names_no_scenario_service_or_mechanism_in_static() -> None:
    sources = [p for p in (ROOT / "static").rglob("*") if p.suffix in (".js", ".css", ".html")]
    assert len(sources) > 10
    hits = []
    for path in sources:
        text = COMMENTS.sub("", path.read_text(encoding="utf-8"))
        for name in sorted(ids()):
            n = re.escape(name)
            patterns = [rf"(?<![\w-]){n}(?![\w-])"] if re.search(r"[-_\d]", name) else SINGLED_OUT
            for pattern in patterns:
                match = re.search(pattern.replace("{n}", n), text, re.I)
                if match:
                    hits.append(f"{path.relative_to(ROOT)}: {name} in {match.group(0)!r}")
    assert hits == []


def test_it_catches_a_player_that_singles_out_a_service() -> None:
    bad = 'const root = spec.services.find((s) => s.id === "dynamodb"); mech(/dwfm|ec2/i)'
    found = [p for p in SINGLED_OUT if re.search(p.replace("{n}", "dynamodb"), bad)]
    assert found and re.search(SINGLED_OUT[3].replace("{n}", "dwfm"), bad)
