import pytest
from django.core.exceptions import ImproperlyConfigured

from outage_replay.envvars import envbool, envint, envlist, envurl, origins


def test_it_parses_booleans(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert envbool("FLAG", True) is False


def test_it_refuses_a_malformed_boolean(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        envbool("DEBUG", True)


def test_it_refuses_a_malformed_or_out_of_range_integer(monkeypatch):
    monkeypatch.setenv("PORT", "80x")
    with pytest.raises(ImproperlyConfigured, match="PORT='80x': expected an integer"):
        envint("PORT", 8000)
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ImproperlyConfigured, match="must be ≤ 65535"):
        envint("PORT", 8000, minimum=1, maximum=65535)


def test_it_refuses_empty_list_items(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        envlist("ALLOWED_HOSTS", [])


def test_it_checks_url_schemes(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://db/x")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL: scheme 'mysql'"):
        envurl("DATABASE_URL", {"postgres", "sqlite"})
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert envurl("REDIS_URL", {"redis"}) == "redis://127.0.0.1:6379/0"


def test_it_checks_origins(monkeypatch):
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "example.com")
    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        origins("CSRF_TRUSTED_ORIGINS", [])
