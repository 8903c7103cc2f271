"""Limits that hold across processes: the rate limit lives in Redis (so a second
process, or a restart, sees the same bucket), X-Forwarded-For counts only from a
trusted proxy, refused requests are charged, and cookie-less requests make no session."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from outage_replay.replays.ratelimit import RateLimited, rate_limit_take
from tests.replays.conftest import make_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_buckets():
    cache.clear()


def post(client: Client, body: object, **extra: str):
    return client.post(
        "/api/runs/", data=json.dumps(body), content_type="application/json", **extra
    )


def test_the_bucket_is_in_redis_so_every_process_shares_it():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    assert isinstance(caches["default"], RedisCache)
    rate_limit_take(client="ip:10.1.1.1", burst=1, per_min=1, now=1000.0)
    cache.close()  # as if another process (a fresh connection) asked
    with pytest.raises(RateLimited):
        rate_limit_take(client="ip:10.1.1.1", burst=1, per_min=1, now=1001.0)


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings):
    import ipaddress

    settings.RUN_CREATE_BURST, settings.RUN_CREATE_PER_MIN = 1, 1
    slug = make_scenario().slug
    proxy = Client(REMOTE_ADDR="10.0.0.5")
    # Untrusted: two different X-Forwarded-For values are still one client.
    assert (
        post(proxy, {"scenario": slug, "fresh": True}, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code
        == 201
    )
    assert (
        post(proxy, {"scenario": slug, "fresh": True}, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code
        == 429
    )
    cache.clear()
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    assert (
        post(proxy, {"scenario": slug, "fresh": True}, HTTP_X_FORWARDED_FOR="3.3.3.3").status_code
        == 201
    )
    # Another user behind the same proxy has a bucket of their own; a forged left-most
    # entry does not help the first one.
    assert (
        post(proxy, {"scenario": slug, "fresh": True}, HTTP_X_FORWARDED_FOR="4.4.4.4").status_code
        == 201
    )
    forged = post(proxy, {"scenario": slug, "fresh": True}, HTTP_X_FORWARDED_FOR="9.9.9.9, 3.3.3.3")
    assert forged.status_code == 429


def test_refused_requests_are_charged_and_make_no_session(settings):
    settings.RUN_CREATE_BURST, settings.RUN_CREATE_PER_MIN = 3, 1
    slug = make_scenario().slug
    client = Client(REMOTE_ADDR="10.9.9.9")
    sessions = Session.objects.count()
    answers = [
        post(client, {"scenario": slug, "variant": {"title": "x"}}).status_code for _ in range(4)
    ]
    assert answers == [400, 400, 400, 429]
    assert Session.objects.count() == sessions
    for _ in range(20):  # reading runs and pages never makes a session either
        Client().get(f"/s/{slug}/")
    assert Session.objects.count() == sessions


def test_past_the_storage_cap_new_anonymous_runs_get_a_clear_503(settings, admin_client):
    from outage_replay.replays import selectors
    from outage_replay.replays.services import run_create

    slug = make_scenario().slug
    settings.RUN_STORAGE_CAP_MB = 1
    run, _ = run_create(scenario=make_scenario(slug="stored"), fresh=True)
    from outage_replay.replays.services import run_execute

    run_execute(run_id=str(run.id))
    assert selectors.stored_bytes() > 0
    cache.set("replays:stored-bytes", 2 * 2**20)  # as if 2 MB were stored
    refused = post(Client(), {"scenario": slug, "fresh": True})
    assert refused.status_code == 503 and "Storage for replays is full" in refused.json()["error"]
    assert post(Client(), {"scenario": "stored"}).status_code == 200  # an existing run: fine
    assert post(admin_client, {"scenario": slug, "fresh": True}).status_code == 201  # staff
