"""A hostile-input corpus: every case gets a 4xx with a message (never a 5xx or an
exception), and no case changes a row, a session or a stored run.

Four doors: the runs API, the admin (change form and import preview/apply), the import
service and management command, and the WebSocket. Cases run in-process (Django's test
client raises any server error; Channels' communicator for the socket).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tests.replays.conftest import make_scenario, tiny_doc
from tests.scenarios.conftest import BAD_DIR, SMALL, admin_post_data

pytestmark = pytest.mark.django_db(transaction=True)

DEEP_VARIANT = {"variant": {"seed": json.loads("[" * 900 + "]" * 900)}}
DEEP_33 = json.loads("[" * 33 + "]" * 33)
SURROGATE = '{"scenario": "tiny", "variant": {"x": "\\ud800"}}'
HUGE = b'{"scenario": "' + b"x" * (10 * 1024 * 1024) + b'"}'


def api_cases(slug: str) -> list[tuple[str, Any, str]]:
    """(label, body, content type) for POST /api/runs/."""
    j = "application/json"
    return [
        ("30,000 [", "[" * 30_000, j),
        ("30,000 {", '{"a":' * 30_000, j),
        ("900-deep variant", json.dumps({"scenario": slug, **DEEP_VARIANT}), j),
        ("33-deep object", json.dumps({"scenario": slug, "variant": {"a": DEEP_33}}), j),
        ("10 MB body", HUGE, j),
        ("65 KB body", json.dumps({"scenario": "x" * 66_000}), j),
        ("lone surrogate value", SURROGATE.replace("tiny", slug), j),
        ("lone surrogate key", '{"\\udfff": 1}', j),
        ("invalid UTF-8", b'{"scenario": "\xff\xfe"}', j),
        ("UTF-16 body", json.dumps({"scenario": slug}).encode("utf-16"), j),
        ("not JSON", "{nope", j),
        ("JSON array", "[1, 2]", j),
        ("JSON string", '"scenario"', j),
        ("JSON null", "null", j),
        ("NaN seed", '{"scenario": "' + slug + '", "seed": NaN}', j),
        ("huge integer", '{"scenario": "' + slug + '", "seed": ' + "9" * 5000 + "}", j),
        ("float seed", json.dumps({"scenario": slug, "seed": 1.5}), j),
        ("negative seed", json.dumps({"scenario": slug, "seed": -1}), j),
        ("seed 2**64", json.dumps({"scenario": slug, "seed": 2**64}), j),
        ("bool seed", json.dumps({"scenario": slug, "seed": True}), j),
        ("unknown field", json.dumps({"scenario": slug, "drop": "tables"}), j),
        ("no scenario", json.dumps({}), j),
        ("scenario not a string", json.dumps({"scenario": ["x"]}), j),
        ("unknown scenario", json.dumps({"scenario": "no-such-thing"}), j),
        ("path-like slug", json.dumps({"scenario": "../../etc/passwd"}), j),
        ("NUL in slug", json.dumps({"scenario": slug + "\u0000"}), j),
        ("variant a list", json.dumps({"scenario": slug, "variant": [1]}), j),
        ("variant title", json.dumps({"scenario": slug, "variant": {"title": "pwned"}}), j),
        ("variant duration", json.dumps({"scenario": slug, "variant": {"duration_s": 1209600}}), j),
        (
            "variant frame interval",
            json.dumps({"scenario": slug, "variant": {"frame_interval_s": 1}}),
            j,
        ),
        (
            "variant unknown path",
            json.dumps({"scenario": slug, "variant": {"mechanisms[99].params.x": 1}}),
            j,
        ),
        (
            "variant 51 entries",
            json.dumps({"scenario": slug, "variant": {f"k{i}": 1 for i in range(51)}}),
            j,
        ),
        ("fresh not bool", json.dumps({"scenario": slug, "fresh": "yes"}), j),
        ("key not a string", json.dumps({"scenario": slug, "key": 5}), j),
        ("form content type", f"scenario={slug}", "application/x-www-form-urlencoded"),
        ("text/plain", json.dumps({"scenario": slug}), "text/plain"),
        ("multipart", "--x--", "multipart/form-data; boundary=x"),
    ]


def api_get_cases(slug: str) -> list[tuple[str, str]]:
    return [
        ("run id not a uuid", "/api/runs/not-a-uuid/"),
        ("unknown run", "/api/runs/00000000-0000-0000-0000-000000000000/"),
        ("frames of unknown run", "/api/runs/00000000-0000-0000-0000-000000000000/frames"),
        ("export unknown scenario", "/api/scenarios/nope.json"),
        ("NUL in path", "/s/a%00b/"),
        ("surrogate in query", f"/s/{slug}/?key=%ED%A0%80"),
        ("overlong query", f"/s/{slug}/?key=" + "k" * 20_000),
        ("replay of unknown run", "/replay/00000000-0000-0000-0000-000000000000/"),
        ("frames bad from_seq", "/api/runs/00000000-0000-0000-0000-000000000000/frames?from_seq=x"),
    ]


def ws_cases(run_id: str) -> list[tuple[str, str, Any]]:
    """(label, path, message to send after connecting, or None)."""
    ok = f"/ws/runs/{run_id}/"
    return [
        ("unknown run", "/ws/runs/00000000-0000-0000-0000-000000000000/", None),
        ("bad after_seq", ok + "?after_seq=NaN", None),
        ("huge after_seq", ok + "?after_seq=" + "9" * 4000, None),
        ("negative after_seq", ok + "?after_seq=-99", None),
        ("binary message", ok, b"\x00\x01"),
        ("4 KB+ message", ok, "x" * 5000),
        ("not JSON", ok, "{nope"),
        ("array message", ok, "[1]"),
        ("deep message", ok, "[" * 3000),
        ("unknown type", ok, '{"type": "drop"}'),
        ("seek without t_ms", ok, '{"type": "seek"}'),
        ("seek negative", ok, '{"type": "seek", "t_ms": -1}'),
        ("seek float", ok, '{"type": "seek", "t_ms": 1.5}'),
        ("seek huge", ok, '{"type": "seek", "t_ms": 1e400}'),
        ("seek surrogate", ok, '{"type": "seek\\ud800", "t_ms": 0}'),
    ]


def bad_import_files() -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(BAD_DIR.glob("*.json"))]
    base = tiny_doc(slug="hostile-import")
    files += [
        (
            "year 1 in New York",
            dumps({**base, "start": "0001-01-01T00:00:00+00:00", "timezone": "America/New_York"}),
        ),
        ("year 9999", dumps({**base, "start": "9999-12-31T23:00:00+00:00"})),
        ("year 9999 end", dumps({**base, "start": "2199-12-31T23:59:00+00:00"})),
        ("NUL in title", dumps({**base, "title": "A\u0000B"})),
        (
            "surrogate in title",
            json.dumps({**base, "title": "x"}).replace('"x"', '"\\ud800"').encode(),
        ),
        ("30,000 [", b"[" * 30_000),
        ("droplets=1e6 batch 1", dumps(with_fleet(base))),
        ("14 days at 7 s frames", dumps({**base, "duration_s": 1209600, "frame_interval_s": 7})),
    ]
    return files


def with_fleet(doc: dict[str, Any]) -> dict[str, Any]:
    fleet = {
        "id": "fleet",
        "type": "lease_fleet",
        "service": doc["services"][0]["id"],
        "params": {"droplets": 1_000_000, "batch_size": 1},
    }
    return {**doc, "mechanisms": [*doc.get("mechanisms", []), fleet]}


def dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def all_rows() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def test_the_hostile_corpus_gets_4xx_everywhere_and_changes_nothing(django_user_model, settings):
    settings.RUN_CREATE_BURST = 10_000  # the corpus measures answers, not the rate limit
    scenario = make_scenario()
    from outage_replay.replays.services import run_create

    run, _ = run_create(scenario=scenario, fresh=True)
    staff = django_user_model.objects.create_superuser("hostile", "h@example.com", None)
    admin = Client()
    admin.force_login(staff)
    before = all_rows()
    results: list[tuple[str, str, int]] = []

    anonymous = Client()
    for label, body, content_type in api_cases(scenario.slug):
        response = anonymous.post("/api/runs/", data=body, content_type=content_type)
        results.append(("api", label, response.status_code))
        assert "error" in response.json(), label
    for label, path in api_get_cases(scenario.slug):
        status = anonymous.get(path).status_code
        assert status < 500, (label, status)
        results.append(("page", label, status))

    import_url = reverse("admin:scenarios_scenario_import")
    for name, data in bad_import_files():
        upload = io.BytesIO(data)
        upload.name = "bad.json"
        page = admin.post(import_url, {"file": upload, "visibility": "public"})
        results.append(("admin import", name, _form_outcome(page)))
        text = data.decode("utf-8", "surrogatepass") if _decodes(data) else "{}"
        applied = admin.post(
            import_url, {"apply": "1", "document": text, "base_version": "0", "visibility": "draft"}
        )
        results.append(("admin apply", name, _form_outcome(applied)))

    change = reverse("admin:scenarios_scenario_change", args=[scenario.pk])
    add = reverse("admin:scenarios_scenario_add")
    doc = {**json.loads(SMALL.read_text()), "slug": "hostile-admin"}
    for label, changes in [
        ("NUL in title", {"title": "A\x00B"}),
        ("year 1 start", {"start": "0001-01-01T00:00:00+00:00", "timezone": "America/New_York"}),
        ("year 9999 start", {"start": "9999-12-31T23:59:59+00:00"}),
        ("14 days at 7 s", {"duration_s": 1209600, "frame_interval_s": 7}),
        ("bad time zone", {"timezone": "Mars/Olympus"}),
        ("sources not JSON", {"sources": "[" * 5000}),
    ]:
        data = admin_post_data({**doc, **changes})
        if label == "sources not JSON":
            data["sources"] = changes["sources"]
        for url in (add, change):
            response = admin.post(url, data)
            results.append(("admin form", label, _form_outcome(response)))

    for name, data in bad_import_files()[-8:]:  # (the fixture corpus has its own tests)
        try:
            call_command("import_scenario", _tmp_file(name, data), stdout=io.StringIO())
        except CommandError:
            results.append(("import command", name, 400))
        else:
            results.append(("import command", name, 200))

    results += _websocket(str(run.id))

    # Pages may answer 200 (a key that is not needed is ignored); every other door refuses.
    accepted = [r for r in results if r[0] != "page" and r[2] < 400]
    assert not [r for r in results if r[2] >= 500]
    assert accepted == [], accepted
    assert all_rows() == before
    assert len(results) >= 60
    print(f"hostile corpus: {len(results)} cases, {len(accepted)} accepted, 0 server errors")


def _form_outcome(response: Any) -> int:
    """A form page shown again with errors counts as refused (400); anything else as
    its status (a redirect after saving: accepted)."""
    if response.status_code == 200 and response.context is not None:
        context = response.context
        if context.get("errors") or (context.get("errors") is None and _admin_errors(context)):
            return 400
    return response.status_code


def _admin_errors(context: Any) -> bool:
    form = context.get("adminform")
    return bool(form and (form.form.errors or context.get("errors")))


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _tmp_file(name: str, data: bytes) -> str:
    import tempfile

    handle = tempfile.NamedTemporaryFile(suffix=".json", delete=False)  # noqa: SIM115
    handle.write(data)
    handle.close()
    return handle.name


def _websocket(run_id: str) -> list[tuple[str, str, int]]:
    import asyncio

    from outage_replay.asgi import application

    async def one(path: str, message: Any) -> int:
        communicator = WebsocketCommunicator(
            application, path, headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
        )
        connected, _ = await communicator.connect(timeout=10)
        code = 400
        if connected and message is not None:
            if isinstance(message, bytes):
                await communicator.send_to(bytes_data=message)
            else:
                await communicator.send_to(text_data=message)
            while True:
                reply = await communicator.receive_output(timeout=10)
                if reply["type"] == "websocket.close":
                    break
                text = reply.get("text")
                if text and json.loads(text)["type"] == "error":
                    break
                if text and json.loads(text)["type"] == "seek":
                    code = 200
                    break
        await communicator.disconnect()
        return code

    async def every() -> list[tuple[str, str, int]]:
        out = []
        for label, path, message in ws_cases(run_id):
            out.append(("websocket", label, await one(path, message)))
        return out

    return asyncio.run(every())
