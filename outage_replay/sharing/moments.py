"""Moments of a run: a share link's `t` parameter, the status of every service at a
moment (from the run's summary intervals) and the headline a preview states.

`t` has the player's share-link format (see `outage_replay/replays/player.py`):
`[Nd]HH:MM[:SS]` wall-clock in the scenario's zone on day N after the start date, or
`4500s` seconds from the start. This is the server's reading of the same format the
player's `clock.js` parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from outage_replay.scenarios.clock import Clock

_SECONDS = re.compile(r"^(\d{1,7})s$")
_WALL = re.compile(r"^(?:(\d{1,3})d)?(\d{1,2}):(\d{2})(?::(\d{2}))?$")
# A dark service is down; the others are shown but not counted as dark.
BAD_RANK = {"down": 3, "degraded": 2, "recovering": 1, "healthy": 0}


def parse_share_t(spec: dict[str, Any], value: str | None) -> int | None:
    """Seconds from the start for a share link's `t`, clamped to the run; None if absent
    or malformed (the caller then picks its default moment)."""
    if not value:
        return None
    text = value.strip()
    duration_s = int(spec.get("duration_s") or 0)
    if m := _SECONDS.match(text):
        return min(int(m.group(1)), duration_s)
    m = _WALL.match(text)
    clock = Clock.for_values(spec.get("start"), spec.get("timezone"))
    if m is None or clock is None:
        return None
    day_text, h, mi, s = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    start = clock.start

    def at(days: int) -> int:
        d = start.date() + timedelta(days=days)
        moment = datetime(d.year, d.month, d.day, h, mi, s, tzinfo=clock.tz)
        return int((moment - start).total_seconds())

    t_s = at(int(day_text or 0))
    if day_text is None and t_s < 0:
        t_s = at(1)
    return max(0, min(t_s, duration_s))


def statuses_at(intervals: dict[str, Any], t_s: float) -> dict[str, tuple[str, float]]:
    """service id → (status at t_s, when that status began)."""
    out: dict[str, tuple[str, float]] = {}
    for sid, rows in intervals.items():
        if not rows:
            continue
        status, from_s = rows[-1][0], rows[-1][1]  # at or past the end: the last status
        for row in rows:
            if row[1] <= t_s < row[2]:
                status, from_s = row[0], row[1]
                break
        out[sid] = (status, float(from_s))
    return out


def peak_moment(intervals: dict[str, Any], duration_s: int) -> int:
    """The earliest moment with the most services down (what a scenario's preview shows)."""
    starts = sorted({0, *(int(r[1]) for rows in intervals.values() for r in rows)})
    best_t, best = 0, -1
    for t_s in (t for t in starts if t < duration_s):
        down = sum(1 for status, _ in statuses_at(intervals, t_s).values() if status == "down")
        if down > best:
            best_t, best = t_s, down
    return best_t


@dataclass(frozen=True)
class Headline:
    time: str  # "23:48 PDT"
    lead: str  # "DynamoDB" — the service whose trouble began first
    lead_status: str  # "down"
    dark: int  # services down
    degraded: int  # degraded or recovering ("impaired")
    total: int  # services; -1 while the run has no summary yet

    @property
    def short(self) -> str:
        """`14 services dark` · `2 impaired` · `all healthy` · `still simulating`."""
        if self.total < 0:
            return "still simulating"
        if self.dark:
            return f"{self.dark} service{'s' if self.dark != 1 else ''} dark"
        return f"{self.degraded} impaired" if self.degraded else "all healthy"

    @property
    def text(self) -> str:
        """`23:48 PDT · DynamoDB DOWN · 14 services dark`."""
        if self.total < 0:
            return f"{self.time} · still simulating"
        if not self.lead:
            return f"{self.time} · all {self.total} services healthy"
        parts = [self.time, f"{self.lead} {self.lead_status.upper()}"]
        if self.dark:
            parts.append(f"{self.dark} service{'s' if self.dark != 1 else ''} dark")
        elif self.degraded:
            parts.append(f"{self.degraded} impaired")
        return " · ".join(parts)


def headline(spec: dict[str, Any], intervals: dict[str, Any], t_s: int) -> Headline:
    clock = Clock.for_values(spec.get("start"), spec.get("timezone"))
    time = f"{clock.label(t_s, date=False)[:5]} {clock.zone_name(t_s)}" if clock else f"+{t_s}s"
    if not intervals:  # an unfinished run has no summary yet
        return Headline(time=time, lead="", lead_status="", dark=0, degraded=0, total=-1)
    now = statuses_at(intervals, t_s)
    order = {s["id"]: i for i, s in enumerate(spec.get("services", []))}
    names = {s["id"]: s["name"] for s in spec.get("services", [])}
    troubled = [(sid, st, since) for sid, (st, since) in now.items() if st != "healthy"]
    # Down first, then the trouble that began earliest (the cascade's origin), then order.
    troubled.sort(key=lambda x: (-BAD_RANK.get(x[1], 0), x[2], order.get(x[0], 1 << 30)))
    lead_id, lead_status = (troubled[0][0], troubled[0][1]) if troubled else ("", "healthy")
    return Headline(
        time=time,
        lead=names.get(lead_id, lead_id),
        lead_status=lead_status,
        dark=sum(1 for _, st, _ in troubled if st == "down"),
        degraded=sum(1 for _, st, _ in troubled if st != "down"),
        total=len(spec.get("services", [])),
    )
