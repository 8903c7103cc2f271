"""`/healthz` over real HTTP: all parts green with a worker, 503 naming Celery without."""

import json
import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_it_reports_every_part_healthy(live_url):
    status, body = _get(f"{live_url}/healthz")
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "celery"}
    assert all(part["ok"] for part in body["checks"].values())


def test_it_names_the_failing_part_when_no_worker_consumes(client, settings, monkeypatch):
    from outage_replay import health

    monkeypatch.setattr(health, "CELERY_TIMEOUT_S", 0.5)
    # A queue no worker listens to: the ping is never consumed.
    from outage_replay.tasks import ping

    original = ping.apply_async
    monkeypatch.setattr(ping, "apply_async", lambda **kw: original(queue="nobody-listens", **kw))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["celery"]
    assert body["checks"]["database"]["ok"] and body["checks"]["channel_layer"]["ok"]


def test_it_leaves_no_channel_subscription_behind(live_url):
    import os

    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    _get(f"{live_url}/healthz")  # warm: the layer's own connections are in place
    before = len(client.pubsub_channels())
    for _ in range(5):
        assert _get(f"{live_url}/healthz")[0] == 200
    assert len(client.pubsub_channels()) == before
