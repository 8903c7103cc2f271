"""Settings come from the environment; production refuses the development secret."""

import os
import subprocess
import sys

from django.conf import settings

PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "production-secret-for-the-deploy-check-only-1234567890",
    "ALLOWED_HOSTS": "replay.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://replay.example.com",
    "DATABASE_URL": "postgres://user:pw@db.example.com:5432/replay",
    "REDIS_URL": "redis://cache.example.com:6379/0",
}


def _manage(*args: str, env: dict[str, str]):
    # Only what a fresh shell has: other tests may leave variables behind (Playwright
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly rejects).
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_the_development_secret_without_debug():
    result = _manage("check", env={**PROD_ENV, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY: with DEBUG=0" in result.stderr


def test_it_names_a_malformed_variable():
    result = _manage("check", env={"PORT": "eighty"})
    assert result.returncode != 0
    assert "PORT='eighty': expected an integer" in result.stderr


def test_it_passes_the_deploy_check_in_a_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
