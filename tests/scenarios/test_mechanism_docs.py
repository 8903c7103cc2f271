"""The public mechanism reference: generated from the code, complete, escaped."""

from __future__ import annotations

import pytest

from outage_replay.scenarios import mechanism_docs as docs
from simulation import MECHANISM_TYPES

GENERIC = "A mechanism advanced in fixed steps"


def test_it_describes_every_mechanism_in_its_own_words() -> None:
    types = docs.mechanism_docs()
    assert [t["name"] for t in types] == sorted(MECHANISM_TYPES)
    summaries = [t["summary"] for t in types]
    assert len(set(summaries)) == len(summaries)
    for t in types:
        assert len(t["summary"]) >= 40 and GENERIC not in t["summary"], t["name"]
        assert t["statuses"], t["name"]
    examples = {t["name"]: t["example"] for t in types}
    assert examples["config_rollout"] and examples["restart_herd"]


def test_it_documents_every_parameter() -> None:
    for name, cls in MECHANISM_TYPES.items():
        specs = {"": cls.PARAMS, **cls.FAULTS, **cls.ACTIONS}
        for part, params in specs.items():
            for pname, param in params.items():
                assert param.doc.strip(), f"{name} {part} {pname}"


@pytest.mark.django_db
def test_it_serves_the_reference_with_state_machines_and_examples(client) -> None:
    response = client.get("/docs/mechanisms/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in MECHANISM_TYPES:
        assert f'id="{name}"' in html
    assert html.count('class="mech-diagram"') >= 8
    assert "--crash_when--&gt; crashed" in html  # restart_herd's state machine, escaped
    assert 'href="/s/azure-front-door-2025-10-29/"' in html


@pytest.mark.django_db
def test_it_escapes_what_comes_from_scenarios(client, monkeypatch) -> None:
    hostile = "<script>alert(1)</script>"
    real = docs._examples()
    monkeypatch.setattr(
        docs,
        "_examples",
        lambda: {k: {**v, "title": hostile, "description": hostile} for k, v in real.items()},
    )
    docs.mechanism_docs.cache_clear()
    try:
        html = client.get("/docs/mechanisms/").content.decode()
    finally:
        docs.mechanism_docs.cache_clear()
    assert hostile not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_is_linked_from_the_scenario_page_and_the_admin(client, small, staff_client) -> None:
    assert 'href="/docs/mechanisms/"' in client.get(f"/s/{small.slug}/").content.decode()
    html = staff_client.get("/admin/scenarios/scenario/add/").content.decode()
    assert 'href="/docs/mechanisms/"' in html
    assert "A mechanism advanced in fixed steps" not in html  # each type its own summary
