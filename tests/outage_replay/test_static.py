"""Static files without DEBUG: hashed names, compressed copies, long cache lifetimes."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# Runs in a DEBUG=0 process: what a production daphne's WhiteNoise answers.
PROBE = """
import json
from django.templatetags.static import static
from django.test import Client
client = Client()
out = {}
for encoding in ("br, gzip", "gzip", ""):
    url = static("js/replay/main.js")
    r = client.get(url, headers={"Accept-Encoding": encoding} if encoding else {})
    out[encoding] = {"url": url, "status": r.status_code, "encoding": r.get("Content-Encoding"),
                     "cache": r.get("Cache-Control"), "body": b"".join(r).decode("latin-1")}
print(json.dumps(out))
"""


def _env(static_root: Path) -> dict[str, str]:
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    return {
        **clean,
        "DEBUG": "0",
        "SECRET_KEY": "s" * 20 + "static-files-test-secret-only-0123456789abcdef",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": str(static_root),
    }


def _manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_it_serves_hashed_compressed_static_files_without_debug(tmp_path):
    built = Path(settings.STATIC_ROOT)  # `make setup` collects there
    root = built if (built / "staticfiles.json").exists() else tmp_path
    env = _env(root)
    if root == tmp_path:
        _manage("collectstatic", "--noinput", "-v", "0", env=env)
    answers = json.loads(_manage("shell", "-c", PROBE, env=env).splitlines()[-1])
    brotli, gzip, plain = answers["br, gzip"], answers["gzip"], answers[""]
    assert brotli["url"].startswith("/static/js/replay/main.") and brotli["url"] != (
        "/static/js/replay/main.js"
    )  # a content-hashed name
    assert (brotli["status"], brotli["encoding"]) == (200, "br")
    assert (gzip["status"], gzip["encoding"]) == (200, "gzip")
    assert plain["encoding"] is None and "max-age=315360000" in plain["cache"]
    assert "immutable" in plain["cache"]
    # The relative ES-module imports point at hashed names too (the import map does the
    # bare ones), so a module is never served stale under a one-year cache lifetime.
    assert 'from "./timeline.' in plain["body"] and 'from "./timeline.js"' not in plain["body"]
    assert 'import("./graph.js")' not in plain["body"] and 'import("cytoscape")' in plain["body"]
