"""The page's <head> as a link unfurler reads it: meta tags and link tags, through the
standard library's HTML parser (not a regular expression)."""

from __future__ import annotations

from html.parser import HTMLParser


class HeadTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and "content" in values:
            name = values.get("property") or values.get("name")
            if name:
                self.meta.setdefault(name, []).append(values["content"])
        elif tag == "link":
            self.links.append(values)

    def one(self, name: str) -> str:
        values = self.meta.get(name, [])
        assert len(values) == 1, (name, values)
        return values[0]


def head_tags(html: str) -> HeadTags:
    parser = HeadTags()
    parser.feed(html)
    parser.close()
    return parser
