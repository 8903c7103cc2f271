"""Link previews: the pages' meta tags (read with an HTML parser) and the PNG they name."""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from outage_replay.sharing.preview import HEIGHT, LABEL_W, PAD, STRIP_TOP, WIDTH, render_png
from simulation import Simulation, parse_document
from tests.browser.conftest import aws_doc

from .conftest import aws_run
from .meta import head_tags

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "previews"
MAX_BYTES = 100 * 1024


def fetch_image(client, url: str) -> tuple[bytes, object]:
    parts = urlsplit(url)
    response = client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return response.content, response


def playhead_is_white(png: bytes, at_s: int, duration_s: int) -> bool:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    left, right = PAD + LABEL_W, WIDTH - PAD
    x = round(left + (right - left) * at_s / duration_s)
    return image.getpixel((x, STRIP_TOP + 40)) == (255, 255, 255)


def test_it_unfurls_a_replay_link_with_a_picture_of_that_moment(client, db):
    run = aws_run()
    page = client.get(f"/replay/{run.id}/", {"t": "1d00:48:00", "focus": "dynamodb"})
    tags = head_tags(page.content.decode())
    assert tags.one("twitter:card") == "summary_large_image"
    image_url = tags.one("og:image")
    assert tags.one("twitter:image") == image_url
    assert image_url.startswith("http://testserver/replay/") and "at=4680" in image_url
    assert (tags.one("og:image:width"), tags.one("og:image:height")) == ("1200", "630")
    alt = tags.one("og:image:alt")
    assert "00:48 PDT · DynamoDB DNS automation DOWN · " in alt and "services dark" in alt

    png, response = fetch_image(client, image_url)
    assert len(png) <= MAX_BYTES
    assert Image.open(io.BytesIO(png)).size == (WIDTH, HEIGHT)
    assert playhead_is_white(png, 4680, run.spec["duration_s"])
    assert "max-age=86400" in response["Cache-Control"] and response["ETag"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "replay-0048.png").write_bytes(png)

    # Another second of the same minute is the same cached picture; a bad `at` is the start.
    same, _ = fetch_image(client, f"/replay/{run.id}/preview.png?at=4711")
    assert same == png
    start, _ = fetch_image(client, f"/replay/{run.id}/preview.png?at=x")
    assert playhead_is_white(start, 0, run.spec["duration_s"])


def test_it_unfurls_the_scenario_page_at_its_worst_moment(client, db):
    run = aws_run()
    tags = head_tags(client.get(f"/s/{run.scenario_slug}/").content.decode())
    assert tags.one("twitter:card") == "summary_large_image"
    image_url = tags.one("og:image")
    assert f"/replay/{run.id}/preview.png?at=1260" in image_url  # 23:51, 24 services down
    assert "23:51 PDT · DynamoDB DNS automation DOWN · 24 services dark" in tags.one("og:image:alt")
    png, _ = fetch_image(client, image_url)
    assert len(png) <= MAX_BYTES
    (ARTIFACTS / "scenario-peak.png").write_bytes(png)


def test_it_keeps_an_unlisted_scenarios_key_and_hides_it_without(client, db):
    run = aws_run(visibility="unlisted")
    key = run.scenario.secret_key
    tags = head_tags(client.get(f"/replay/{run.id}/", {"key": key}).content.decode())
    image_url = tags.one("og:image")
    assert f"key={key}" in image_url
    fetch_image(client, image_url)
    assert client.get(f"/replay/{run.id}/preview.png").status_code == 404


def test_it_draws_every_moment_in_time_and_size():
    """Cold renders of many moments (the bench prints the figures; this bounds them
    loosely so that a regression to seconds fails)."""
    document = aws_doc()
    result = Simulation(parse_document(document)).run()
    sizes, times = [], []
    for t_s in range(0, document["duration_s"], document["duration_s"] // 12):
        t0 = time.perf_counter()
        png = render_png(spec=document, intervals=result.intervals, t_s=t_s)
        times.append(time.perf_counter() - t0)
        sizes.append(len(png))
    assert max(sizes) <= MAX_BYTES, sizes
    assert max(times) < 3.0, times
