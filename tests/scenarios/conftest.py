"""Fixtures for the scenarios app: the small scenario, staff users, row counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from outage_replay.scenarios.documents import PART_KEYS
from outage_replay.scenarios.models import (
    Dependency,
    Fault,
    Intervention,
    Mechanism,
    Milestone,
    Scenario,
    Service,
)
from outage_replay.scenarios.services import scenario_import

HERE = Path(__file__).parent
SMALL = HERE / "small.json"
BAD_DIR = HERE.parent / "fixtures" / "bad_scenarios"
LIBRARY_DIR = HERE.parent.parent / "outage_replay" / "scenarios" / "library"
MODELS = (Scenario, Service, Dependency, Mechanism, Fault, Intervention, Milestone)


def bad_cases() -> list[tuple[str, str]]:
    lines = (BAD_DIR / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line.strip()]


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def small_doc() -> dict[str, Any]:
    return json.loads(SMALL.read_text())


@pytest.fixture
def small(db) -> Scenario:
    scenario, _ = scenario_import(data=SMALL.read_bytes(), visibility="public")
    return scenario


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        "editor", "e@example.com", None
    )  # no hashing: fast


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value)


ROW_FIELDS = {
    "services": lambda s: (
        {
            "key": s["id"],
            "name": s["name"],
            "group": s.get("group", ""),
            "description": s.get("description", ""),
        }
        | ({"illustrative": "on"} if s.get("illustrative") else {})
    ),
    "dependencies": lambda d: {
        "source": d["from"],
        "target": d["to"],
        "kind": d.get("kind", "hard"),
        "delay_s": d.get("delay_s", 0),
        "description": d.get("description", ""),
    },
    "mechanisms": lambda m: {
        "key": m["id"],
        "type": m["type"],
        "services": m["services"],
        "params": _json(m.get("params", {})),
        "description": m.get("description", ""),
    },
    "faults": lambda f: {
        "key": f["id"],
        "at_s": f["at_s"],
        "target": f["target"],
        "type": f["type"],
        "params": _json(f.get("params", {})),
        "description": f.get("description", ""),
    },
    "interventions": lambda i: (
        {
            "key": i["id"],
            "at_s": i.get("at_s", ""),
            "when": _json(i.get("when")),
            "target": i["target"],
            "action": i["action"],
            "params": _json(i.get("params", {})),
            "label": i["label"],
        }
        | ({"enabled": "on"} if i.get("enabled", True) else {})
    ),
    "milestones": lambda m: {
        "key": m["id"],
        "at_s": m["at_s"],
        "label": m["label"],
        "kind": m.get("kind", "reference"),
        "service": m.get("service", ""),
        "match": _json(m.get("match")),
        "source": m.get("source", ""),
        "tolerance_s": m.get("tolerance_s") or "",
    },
}


def admin_post_data(doc: dict[str, Any], visibility: str = "draft") -> dict[str, Any]:
    """The admin add form's POST for a whole document (every inline filled in)."""
    data: dict[str, Any] = {
        "title": doc["title"],
        "slug": doc["slug"],
        "summary": doc.get("summary", ""),
        "sources": json.dumps(doc.get("sources", [])),
        "timezone": doc["timezone"],
        "start": doc["start"],
        "duration_s": doc["duration_s"],
        "frame_interval_s": doc["frame_interval_s"],
        "seed": doc["seed"],
        "visibility": visibility,
    }
    for key in PART_KEYS:
        rows = doc.get(key, [])
        data |= management(key, len(rows))
        for i, row in enumerate(rows):
            for name, value in ROW_FIELDS[key](row).items():
                data[f"{key}-{i}-{name}"] = value
    return data
