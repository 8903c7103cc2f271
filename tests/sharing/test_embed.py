"""The embed route (framable from anywhere, no cookies) and oEmbed."""

from __future__ import annotations

import json

from .conftest import aws_run
from .meta import head_tags


def directives(response) -> dict[str, str]:
    """A response's Content-Security-Policy as {directive: value}."""
    policy = response.get("Content-Security-Policy", "")
    pairs = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {p[0].lower(): (p[1] if len(p) > 1 else "") for p in pairs}


def test_it_serves_a_framable_cookieless_embed_and_keeps_other_pages_unframable(client, db):
    run = aws_run()
    embed = client.get(f"/embed/{run.id}/", {"t": "1d02:25:00", "focus": "dynamodb"})
    assert embed.status_code == 200
    assert directives(embed)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in embed
    assert embed.cookies == {} and "Set-Cookie" not in embed  # no session, no CSRF cookie
    html = embed.content.decode()
    assert (
        'id="full-replay"' in html and f"/replay/{run.id}/?t=1d02:25:00&amp;focus=dynamodb" in html
    )
    config = json.loads(html.split('id="replay-config" type="application/json">')[1].split("<")[0])
    assert config["autoplay"] is False and config["embed_url"] == f"/embed/{run.id}/"
    # Every other page still refuses to be framed.
    for url in (f"/replay/{run.id}/", f"/s/{run.scenario_slug}/", "/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert directives(response).get("frame-ancestors", "'none'") == "'none'", url
    assert client.get(f"/embed/{run.id}/", {"autoplay": "1"}).status_code == 200
    assert client.get("/embed/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_it_answers_oembed_for_replay_and_embed_urls_and_is_discoverable(client, db):
    run = aws_run()
    page = client.get(f"/replay/{run.id}/", {"t": "23:48"})
    links = [
        link for link in head_tags(page.content.decode()).links
        if link.get("type") == "application/json+oembed"
    ]  # fmt: skip
    assert len(links) == 1
    discovery = links[0]["href"]
    assert discovery.startswith("http://testserver/oembed?url=")
    body = client.get(discovery.removeprefix("http://testserver")).json()
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert (body["width"], body["height"]) == (960, 540)
    assert f'src="http://testserver/embed/{run.id}/?t=23:48&amp;autoplay=0"' in body["html"]
    assert body["thumbnail_url"].endswith("preview.png?at=1080")

    small = client.get(
        "/oembed", {"url": f"http://testserver/embed/{run.id}/", "maxwidth": "480"}
    ).json()
    assert (small["width"], small["height"]) == (480, 270)
    assert (
        client.get(
            "/oembed", {"url": f"http://testserver/embed/{run.id}/", "format": "xml"}
        ).status_code
        == 501
    )
    assert (
        client.get("/oembed", {"url": f"http://evil.example/replay/{run.id}/"}).status_code == 404
    )
    assert client.get("/oembed", {"url": "http://testserver/admin/"}).status_code == 404
    assert client.get("/oembed").status_code == 404
    bad = client.get("/oembed", {"url": f"http://testserver/embed/{run.id}/", "maxwidth": "-1"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("maxwidth:")


def test_it_escapes_the_scenario_title_in_the_oembed_html(client, db):
    from outage_replay.scenarios.models import Scenario

    run = aws_run()
    run.spec = {**run.spec, "title": 'A "quoted" <b>title</b>'}
    run.save(update_fields=["spec"])
    Scenario.objects.filter(pk=run.scenario_id).update(title=run.spec["title"])
    body = client.get("/oembed", {"url": f"http://testserver/replay/{run.id}/"}).json()
    assert "<b>" not in body["html"] and "&lt;b&gt;" in body["html"]
    assert "&quot;quoted&quot;" in body["html"]
