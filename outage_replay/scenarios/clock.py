"""Scenario time: seconds from `start` ⇄ wall-clock in the scenario's time zone.

Authors type times the way postmortems write them. `Clock.parse` accepts:

    10500 · 10500s · +2h55m · 2h 55m 30s        seconds (or a duration) from start
    02:25 · 2:25:30                             the first such wall-clock time at/after start
    Oct 20 02:25 · Oct 20, 2:25 AM              a date in the start's year
    2025-10-20 02:25 · 2025-10-20T09:25:00Z     a full date (an explicit offset wins)
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_SECONDS = re.compile(r"^\+?(\d+)\s*s?$")
_DURATION = re.compile(
    r"^\+?(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$"
)
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?"
_CLOCK = re.compile(rf"^{_TIME}$", re.I)
_MONTH_DAY = re.compile(rf"^([a-z]{{3,9}})\.?\s+(\d{{1,2}}),?\s+(?:at\s+)?{_TIME}$", re.I)
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def format_duration(seconds: int | float) -> str:
    """1h 5m · 29h 30m · 45s · 2d 3h — compact, for humans."""
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days >= 2:
        parts = [f"{days}d", f"{hours}h" if hours else ""]
    else:
        hours += days * 24
        parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
        if not hours:
            parts.append(f"{secs}s" if secs else "")
    text = " ".join(p for p in parts if p) or "0s"
    return sign + text


class Clock:
    def __init__(self, start: datetime, tz: ZoneInfo) -> None:
        self.tz = tz
        self.start = start.astimezone(tz)

    @classmethod
    def for_values(cls, start: str | None, timezone: str | None) -> Clock | None:
        from simulation.validate import EARLIEST_START, LATEST_END

        try:
            tz = ZoneInfo(timezone or "UTC")
            value = datetime.fromisoformat(start or "")
            if not value.tzinfo or not EARLIEST_START <= value < LATEST_END:
                return None  # (a form shown again with a start the validator refuses)
        except (ValueError, KeyError, OSError, TypeError, OverflowError):
            return None
        return cls(value, tz)

    def at(self, at_s: int | float) -> datetime:
        return self.start + timedelta(seconds=at_s)

    def label(self, at_s: int | float, *, date: bool = True) -> str:
        """`Oct 20 02:25` (seconds shown only when not zero) — also valid `parse` input."""
        moment = self.at(at_s)
        time_text = moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
        return f"{moment.strftime('%b')} {moment.day} {time_text}" if date else time_text

    def utc_label(self, at_s: int | float) -> str:
        return self.at(at_s).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S UTC")

    def zone_name(self, at_s: int | float = 0) -> str:
        return self.at(at_s).tzname() or str(self.tz)

    def parse(self, text: str) -> int:
        """Seconds from start for `text`; ValueError with a readable message otherwise."""
        value = " ".join(str(text).strip().split())
        if not value:
            raise ValueError("enter a time")
        if m := _SECONDS.match(value):
            return int(m.group(1))
        if (m := _DURATION.match(value)) and any(m.groups()):
            d, h, mi, s = (int(g or 0) for g in m.groups())
            return ((d * 24 + h) * 60 + mi) * 60 + s
        if m := _CLOCK.match(value):
            return self._first_at_or_after(*self._hms(m.groups()))
        if m := _MONTH_DAY.match(value):
            month = self._month(m.group(1))
            moment = self._local(self.start.year, month, int(m.group(2)), m.groups()[2:])
            return self._seconds(moment)
        return self._seconds(self._iso(value))

    # -- helpers -------------------------------------------------------------------

    @staticmethod
    def _hms(groups: tuple[str | None, ...]) -> tuple[int, int, int]:
        hour, minute, second, ampm = groups
        h, mi, s = int(hour or 0), int(minute or 0), int(second or 0)
        if ampm:
            if not 1 <= h <= 12:
                raise ValueError("with AM/PM the hour must be 1–12")
            h = h % 12 + (12 if ampm.lower().startswith("p") else 0)
        if h > 23 or mi > 59 or s > 59:
            raise ValueError("not a valid time of day")
        return h, mi, s

    @staticmethod
    def _month(name: str) -> int:
        key = name[:3].lower()
        if key not in _MONTHS:
            raise ValueError(f"unknown month '{name}'")
        return _MONTHS.index(key) + 1

    def _local(self, year: int, month: int, day: int, time_groups: tuple) -> datetime:
        h, mi, s = self._hms(time_groups)
        try:
            return datetime(year, month, day, h, mi, s, tzinfo=self.tz)
        except ValueError as exc:
            raise ValueError(f"not a valid date ({exc})") from None

    def _first_at_or_after(self, h: int, mi: int, s: int) -> int:
        day = self.start.date()
        for offset in range(0, 60):
            d = day + timedelta(days=offset)
            moment = datetime(d.year, d.month, d.day, h, mi, s, tzinfo=self.tz)
            if moment >= self.start:
                return self._seconds(moment)
        raise ValueError("time out of range")  # pragma: no cover

    def _iso(self, value: str) -> datetime:
        try:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                "not a time: use seconds from start (10500), a duration (+2h55m), "
                "a wall-clock time (02:25, Oct 20 02:25) or a date (2025-10-20 02:25)"
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=self.tz)

    def _seconds(self, moment: datetime) -> int:
        delta = moment - self.start
        if delta.microseconds:
            raise ValueError("times are whole seconds")
        return int(delta.total_seconds())
