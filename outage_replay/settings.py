"""Django settings for Outage Replay.

Everything that differs between a laptop and production comes from the environment,
through the typed helpers in `envvars` (they refuse malformed values at start-up).
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .envvars import envbool, envint, envlist, envurl, origins

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = BASE_DIR / ".state"

DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105

DEBUG = envbool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY: with DEBUG=0 set a random secret of at least 50 characters "
        "(the development key is refused)"
    )

PORT = envint("PORT", 8000, minimum=1, maximum=65535)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = origins(
    "CSRF_TRUSTED_ORIGINS", [f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}"]
)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "outage_replay.staticstorage.StaticFiles",  # django.contrib.staticfiles
    "channels",
    "outage_replay.scenarios",
    "outage_replay.replays",
    "outage_replay.sharing",
]

MIDDLEWARE = [
    "outage_replay.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: compressed at collectstatic
    # Pages and API answers (a replay page embeds the run's spec; frames are JSON).
    # Django's gzip pads responses against BREACH.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "outage_replay.urls"
ASGI_APPLICATION = "outage_replay.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite by default, anything dj-database-url understands via DATABASE_URL.
_database_url = envurl("DATABASE_URL", {"sqlite", "postgres", "postgresql", "pgsql"})
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    STATE_DIR.mkdir(exist_ok=True)  # git-ignored home of the SQLite file and Redis data
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": STATE_DIR / "db.sqlite3",
            # A worker and the web process write concurrently: wait instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # also for sqlite:// URLs
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# Tests share their database with a daphne and a Celery worker in subprocesses, so the
# SQLite test database must be a file (in the test session's private folder).
_test_state = os.environ.get("OUTAGE_REPLAY_TEST_STATE")
if _test_state and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(Path(_test_state) / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: REDIS_URL, or the embedded server `make run` starts on a private socket.
REDIS_SOCKET = STATE_DIR / "redis" / "redis.sock"
REDIS_URL = envurl("REDIS_URL", {"redis", "rediss", "unix"}) or f"unix://{REDIS_SOCKET}"
_celery_redis_url = (
    REDIS_URL.replace("unix://", "redis+socket://", 1)
    if REDIS_URL.startswith("unix://")
    else REDIS_URL
)

# Redis pub/sub: one PUBLISH per announcement, fanned out inside each daphne process to
# its viewers (the core layer made it one Redis message per viewer, each popped back one
# at a time: 200 viewers waited on 200 round trips per chunk). Pub/sub has no storage:
# what is published while a process is disconnected (a Redis restart) is lost, and a
# slow viewer's notifications queue in its process. Both are fine here only because
# announcements are notifications: the database holds every chunk, and a viewer heals
# from it (its gap check, the consumer's periodic look at the run, a reconnect).
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "outage-replay"},
    }
}

# Longest allowed simulation: the visibility timeout must outlast it or Redis would
# redeliver a task that is still running.
RUN_HARD_TIME_LIMIT_S = envint("RUN_HARD_TIME_LIMIT_S", 300, minimum=10)
# A run whose worker dies this many times ends as failed instead of being redelivered.
RUN_MAX_ATTEMPTS = envint("RUN_MAX_ATTEMPTS", 3, minimum=1)
# The lease of a computing run: its worker renews it every third of RUN_LEASE_S; once
# it lapses (the worker died) the reaper, which every worker runs every
# RUN_REAP_EVERY_S, sends the run to a worker again. A queued run has
# RUN_QUEUED_GRACE_S to be picked up before it is sent again; one nobody picked up for
# RUN_QUEUED_GIVE_UP_S ends as failed.
RUN_LEASE_S = envint("RUN_LEASE_S", 10, minimum=2)
RUN_REAP_EVERY_S = envint("RUN_REAP_EVERY_S", 5, minimum=1)
RUN_QUEUED_GRACE_S = envint("RUN_QUEUED_GRACE_S", 60, minimum=5)
RUN_QUEUED_GIVE_UP_S = envint("RUN_QUEUED_GIVE_UP_S", 3600, minimum=60)
# Past this many MB of stored frames, new anonymous runs are refused with a 503.
RUN_STORAGE_CAP_MB = envint("RUN_STORAGE_CAP_MB", 2048, minimum=1)
# Retention: finished runs older than RUN_RETENTION_DAYS are deleted (every worker
# checks every RUN_EXPIRE_EVERY_S) unless kept: the latest done run of each scenario
# version, runs a comparison or a live presenter session shows, and each owner's
# RUN_RETENTION_KEEP_PER_OWNER most recent runs (services.runs_expire).
RUN_RETENTION_DAYS = envint("RUN_RETENTION_DAYS", 30, minimum=1)
RUN_RETENTION_KEEP_PER_OWNER = envint("RUN_RETENTION_KEEP_PER_OWNER", 10, minimum=0)
RUN_EXPIRE_EVERY_S = envint("RUN_EXPIRE_EVERY_S", 3600, minimum=60)
# Creating runs, per client: a bucket of RUN_CREATE_BURST, refilled RUN_CREATE_PER_MIN a minute.
RUN_CREATE_BURST = envint("RUN_CREATE_BURST", 20, minimum=1)
RUN_CREATE_PER_MIN = envint("RUN_CREATE_PER_MIN", 10, minimum=1)
# "Verify" (recomputing a finished run in a worker), per client: the same kind of bucket.
RUN_VERIFY_BURST = envint("RUN_VERIFY_BURST", 5, minimum=1)
RUN_VERIFY_PER_MIN = envint("RUN_VERIFY_PER_MIN", 2, minimum=1)
# Pause after each stored chunk (0 in production): demos and tests watch a run stay live.
RUN_CHUNK_PAUSE_MS = envint("RUN_CHUNK_PAUSE_MS", 0, minimum=0, maximum=10_000)


# Django's cache (the rate limits) on the same Redis, in the next database number so a
# cache clear never touches Celery's queue: unix sockets use db 1, redis://…/N uses N+1.
def _cache_url(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme == "unix":
        return url if "db=" in parts.query else f"{url}{'&' if parts.query else '?'}db=1"
    db = int(parts.path.strip("/") or 0) + 1
    return urlunsplit(parts._replace(path=f"/{db}"))


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", "").strip() or _cache_url(REDIS_URL),
        "KEY_PREFIX": "outage-replay",
    }
}
RATE_LIMIT_CACHE = "default"
# Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR
# networks, e.g. 127.0.0.1,10.0.0.0/8). Empty: the client is REMOTE_ADDR, always.
try:
    TRUSTED_PROXIES = tuple(
        ipaddress.ip_network(item, strict=False) for item in envlist("TRUSTED_PROXIES", [])
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None

CELERY_BROKER_URL = _celery_redis_url
CELERY_RESULT_BACKEND = _celery_redis_url
CELERY_RESULT_EXPIRES = 600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": RUN_HARD_TIME_LIMIT_S * 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# npm packages (pinned by package-lock.json) are served from their dist folders only.
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/cytoscape", _NODE / "cytoscape" / "dist"),
    ("vendor/cytoscape-dagre", _NODE / "cytoscape-dagre"),
    ("vendor/dagre", _NODE / "dagre" / "dist"),
    ("vendor/uplot", _NODE / "uplot" / "dist"),
]
# Development (DEBUG) serves straight from the finders. Without DEBUG, `collectstatic`
# (`make setup` runs it) writes hashed, gzip- and brotli-compressed copies to STATIC_ROOT
# and WhiteNoise serves those with long cache lifetimes (outage_replay/staticstorage.py).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or STATIC_ROOT)
# STATIC_MANIFEST=1 forces the production storage (collectstatic in `make setup`).
STATIC_MANIFEST = envbool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "outage_replay.staticstorage.StaticStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"

# Hardening that `manage.py check --deploy` asks for; off in DEBUG so plain-HTTP
# local runs work.
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"outage_replay": {"level": "INFO"}},
}
