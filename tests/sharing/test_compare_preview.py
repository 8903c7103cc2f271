"""The compare page's link preview: both runs at the shared moment, A over B."""

from __future__ import annotations

import io

from PIL import Image

from tests.replays.conftest import make_scenario
from tests.replays.test_compare import SLOW, SLOW_EARLY_FIX, executed

from .meta import head_tags
from .test_preview import ARTIFACTS, MAX_BYTES, fetch_image


def test_it_unfurls_a_comparison_with_both_runs_at_the_moment(client, db):
    scenario = make_scenario()
    a, b = executed(scenario, variant=SLOW), executed(scenario, variant=SLOW_EARLY_FIX)
    tags = head_tags(client.get(f"/compare/{a.id}/{b.id}/", {"t": "2400s"}).content.decode())
    assert tags.one("twitter:card") == "summary_large_image"
    image_url = tags.one("og:image")
    assert f"/compare/{a.id}/{b.id}/preview.png?at=2400" in image_url
    alt = tags.one("og:image:alt")
    assert alt.startswith("Both runs at 00:40 UTC: ") and alt.count("impaired") == 2, alt
    png, response = fetch_image(client, image_url)
    assert len(png) <= MAX_BYTES and Image.open(io.BytesIO(png)).size == (1200, 630)
    assert "max-age=86400" in response["Cache-Control"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "compare.png").write_bytes(png)
    other = make_scenario(slug="other-tiny")
    c = executed(other)
    assert client.get(f"/compare/{a.id}/{c.id}/preview.png").status_code == 404
