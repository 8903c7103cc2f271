"""Link previews: a PNG of one moment of a run, for `og:image` / `twitter:image`.

The picture (text in Pillow's bundled font, which has no arrows or dashes) is the
status strip of every service (one row each, the run's whole span,
coloured by status) with the playhead at the moment, under the headline state at that
moment ("23:48 PDT · DynamoDB DOWN · 14 services dark"). It is drawn with Pillow from
the run's summary intervals only (no frames are loaded), as a 1200×630 palette PNG,
and kept in Django's cache per run and moment: moments are rounded down to the minute
(the headline's resolution), so one run has at most duration/60 entries and any
`at=` a client sends maps onto one of them.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from django.core.cache import cache as django_cache
from PIL import Image, ImageDraw, ImageFont

from outage_replay.scenarios.clock import Clock

from .moments import Headline, headline

WIDTH, HEIGHT = 1200, 630
MOMENT_STEP_S = 60
CACHE_TTL_S = 24 * 3600
PALETTE_COLOURS = 48

BG = (20, 24, 31)
PANEL = (31, 36, 44)
FG = (236, 240, 245)
MUTED = (154, 164, 178)
STATUS_RGB = {
    "healthy": (63, 191, 140),
    "degraded": (240, 180, 41),
    "recovering": (106, 167, 255),
    "down": (255, 107, 94),
}
NONE_RGB = (74, 82, 94)
PLAYHEAD = (255, 255, 255)

PAD = 48
LABEL_W = 190
STRIP_TOP = 200
STRIP_BOTTOM = HEIGHT - 78


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def round_moment(t_s: int) -> int:
    return max(0, int(t_s) // MOMENT_STEP_S * MOMENT_STEP_S)


def preview_png(*, run_id: str, spec: dict[str, Any], intervals: dict[str, Any], t_s: int) -> bytes:
    """The preview of `t_s` (rounded to the minute), from the cache or drawn now."""
    t_s = round_moment(t_s)
    key = f"og-png:1:{run_id}:{int(bool(intervals))}:{t_s}"
    png = django_cache.get(key)
    if png is None:
        png = render_png(spec=spec, intervals=intervals, t_s=t_s)
        django_cache.set(key, png, CACHE_TTL_S)
    return bytes(png)


def compare_preview_png(
    *,
    run_ids: tuple[str, str],
    spec: dict[str, Any],
    runs: list[tuple[str, dict[str, Any]]],
    t_s: int,
) -> bytes:
    """The preview of a comparison (`runs`: (label, intervals) of A and of B)."""
    t_s = round_moment(t_s)
    known = "".join(str(int(bool(intervals))) for _, intervals in runs)
    key = f"og-png:1:{run_ids[0]}:{run_ids[1]}:{known}:{t_s}"
    png = django_cache.get(key)
    if png is None:
        png = render_compare_png(spec=spec, runs=runs, t_s=t_s)
        django_cache.set(key, png, CACHE_TTL_S)
    return bytes(png)


def render_png(*, spec: dict[str, Any], intervals: dict[str, Any], t_s: int) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BG)
    draw = ImageDraw.Draw(image)
    _draw_heading(draw, spec, _headline_pieces(headline(spec, intervals, t_s)))
    _draw_strip(draw, spec, intervals, t_s, top=STRIP_TOP, bottom=STRIP_BOTTOM)
    _draw_legend(draw, spec)
    return _png(image)


def render_compare_png(
    *, spec: dict[str, Any], runs: list[tuple[str, dict[str, Any]]], t_s: int
) -> bytes:
    """Two strips, A over B, under one headline: the time and each run's dark count."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BG)
    draw = ImageDraw.Draw(image)
    states = [headline(spec, intervals, t_s) for _, intervals in runs]
    pieces: list[tuple[str, tuple[int, int, int]]] = [(states[0].time, FG)]
    for tag, state in zip("AB", states, strict=True):
        colour = STATUS_RGB["down" if state.dark else "degraded" if state.degraded else "healthy"]
        pieces += [
            (" · ", MUTED),
            (f"{tag}: ", FG),
            (state.short, colour if state.total >= 0 else MUTED),
        ]
    _draw_heading(draw, spec, pieces)
    middle = (STRIP_TOP + STRIP_BOTTOM) / 2
    boxes = [(STRIP_TOP, middle - 8), (middle + 8, STRIP_BOTTOM)]
    for (tag, (label, intervals)), (top, bottom) in zip(
        zip("AB", runs, strict=True), boxes, strict=True
    ):
        _draw_strip(draw, spec, intervals, t_s, top=top, bottom=bottom, tag=f"{tag} · {label}")
    _draw_legend(draw, spec)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Flat colours plus anti-aliased text: an adaptive palette keeps it well under 100 KB.
    image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT).save(
        out, format="PNG", optimize=True
    )
    return out.getvalue()


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> str:
    font = _font(size)
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _headline_pieces(state: Headline) -> list[tuple[str, tuple[int, int, int]]]:
    """The time, the lead service's status in its colour, the dark count."""
    pieces: list[tuple[str, tuple[int, int, int]]] = [(state.time, FG)]
    if state.lead:
        pieces += [(" · ", MUTED), (f"{state.lead} ", FG)]
        pieces += [(state.lead_status.upper(), STATUS_RGB.get(state.lead_status, FG))]
        for part in state.text.split(" · ")[2:]:
            pieces += [(" · ", MUTED), (part, FG)]
    else:
        colour = STATUS_RGB["healthy"] if state.total >= 0 else MUTED
        pieces += [(" · ", MUTED), (state.text.split(" · ", 1)[1], colour)]
    return pieces


def _draw_heading(
    draw: ImageDraw.ImageDraw, spec: dict[str, Any], pieces: list[tuple[str, tuple[int, int, int]]]
) -> None:
    draw.text((PAD, 34), "OUTAGE REPLAY", font=_font(20), fill=MUTED)
    title = _fit(draw, str(spec.get("title") or "Outage replay"), 30, WIDTH - 2 * PAD)
    draw.text((PAD, 64), title, font=_font(30), fill=FG)
    # The headline, at the largest size at which it fits on one line.
    size = 46
    while (
        size > 26 and sum(draw.textlength(t, font=_font(size)) for t, _ in pieces) > WIDTH - 2 * PAD
    ):
        size -= 2
    x, font = float(PAD), _font(size)
    for text, colour in pieces:
        draw.text(
            (x, 142), text, font=font, fill=colour, anchor="lm", stroke_width=1, stroke_fill=colour
        )
        x += draw.textlength(text, font=font)


def _draw_strip(
    draw: ImageDraw.ImageDraw,
    spec: dict[str, Any],
    intervals: dict[str, Any],
    t_s: int,
    *,
    top: float,
    bottom: float,
    tag: str = "",
) -> None:
    """One row per service between `top` and `bottom`, the playhead across them; `tag`
    (a comparison's run) stands in the label column instead of the service names."""
    services = spec.get("services", [])
    duration_s = max(1, int(spec.get("duration_s") or 1))
    left, right = PAD + LABEL_W, WIDTH - PAD
    span = right - left
    rows = max(1, len(services))
    pitch = min(44.0, max(2.0, (bottom - top) / rows))
    gap = 1 if pitch < 8 else 2
    label_font = _font(max(9, min(16, int(pitch) - 2)))
    show_labels = pitch >= 9 and not tag
    strip_top, bottom_y = top, top + rows * pitch
    draw.rectangle((left - 1, strip_top - 4, right, bottom_y + 2), fill=PANEL)
    if tag:
        text = _fit(draw, tag, 18, LABEL_W - 14)
        draw.text(
            (left - 10, (strip_top + bottom_y) / 2), text, font=_font(18), fill=FG, anchor="rm"
        )
    for i, service in enumerate(services):
        top = strip_top + i * pitch
        bottom = top + pitch - gap
        if show_labels:
            name = _fit(
                draw, str(service.get("name") or service.get("id")), label_font.size, LABEL_W - 14
            )
            draw.text(
                (left - 10, (top + bottom) / 2), name, font=label_font, fill=MUTED, anchor="rm"
            )
        segments = intervals.get(service.get("id"), [])
        if not segments:
            draw.rectangle((left, top, right, bottom), fill=NONE_RGB)
        for status, from_s, to_s in segments:
            x0 = left + span * float(from_s) / duration_s
            x1 = left + span * float(to_s) / duration_s
            draw.rectangle(
                (x0, top, max(x0 + 1, x1), bottom), fill=STATUS_RGB.get(status, NONE_RGB)
            )
    x = left + span * min(t_s, duration_s) / duration_s
    draw.rectangle((x - 1.5, strip_top - 12, x + 1.5, bottom_y + 8), fill=PLAYHEAD)
    draw.polygon(
        [(x - 8, strip_top - 20), (x + 8, strip_top - 20), (x, strip_top - 10)], fill=PLAYHEAD
    )


def _draw_legend(draw: ImageDraw.ImageDraw, spec: dict[str, Any]) -> None:
    font, x, y = _font(18), PAD + LABEL_W, HEIGHT - 48
    for status, colour in STATUS_RGB.items():
        draw.rectangle((x, y + 3, x + 16, y + 19), fill=colour)
        draw.text((x + 24, y), status, font=font, fill=MUTED)
        x += 40 + int(draw.textlength(status, font=font))
    clock = Clock.for_values(spec.get("start"), spec.get("timezone"))
    if clock is not None:
        duration_s = int(spec.get("duration_s") or 0)
        span = f"{clock.label(0)} to {clock.label(duration_s)} {clock.zone_name(0)}"
        draw.text((WIDTH - PAD, y), span, font=font, fill=MUTED, anchor="ra")
