"""Operators: interventions fire on what operators can observe.

An intervention's `when` is either a plain state condition (it fires at the first frame,
not before `at_s`, where the condition holds) or an ALARM:

    {"alarm": "DWFM goodput alarm",          # its name, for the narration
     "on": <state condition>,                # what the alarm watches (simulated signals)
     "detect_s": 600,                        # held this long before anyone is paged
     "respond_s": 5700}                      # diagnosis, decision and the change itself

The alarm is raised at the first frame where `on` has held for `detect_s ×
operators.detection_scale`; the action happens `respond_s × operators.response_scale`
later (and not before `at_s`, if given). Nothing else about an alarm is scripted: move
the cause and the alarm, and so the action, moves with it; remove the cause and nobody
acts. Each alarm is narrated as it is raised (`operator.alarm`: "DWFM goodput alarm
(held 10 min) → Engineers throttle incoming work to DWFM at 04:14"), each action as it
happens (`operator.<action>`).

`at_s` without `when` is a timed action (for an action planned in advance); with `when`
it means only "not before".

The scenario's `operators` object scales every alarm: `detection_scale` (default 1)
multiplies every `detect_s`, `response_scale` (default 1) every `respond_s`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from simulation import conditions
from simulation.conditions import Check, compile_state
from simulation.spec import Intervention, Scenario

ALARM_KEYS = frozenset({"alarm", "on", "detect_s", "respond_s"})
OPERATOR_KEYS = {"detection_scale": 1.0, "response_scale": 1.0}
MAX_SCALE = 100.0
Errors = list[tuple[str, str]]


def is_alarm(when: Any) -> bool:
    return isinstance(when, dict) and "alarm" in when


def validate_when(path: str, when: Any, ctx: conditions.Context, errors: Errors) -> None:
    """Validate an intervention's `when` (alarm or plain state condition)."""
    if not is_alarm(when):
        conditions.validate(path, when, ctx, errors)
        return
    for key in sorted(set(when) - ALARM_KEYS):
        errors.append((f"{path}.{key}", "unknown field"))
    name = when.get("alarm")
    if not isinstance(name, str) or not name.strip():
        errors.append((f"{path}.alarm", "must be a non-empty string (the alarm's name)"))
    if "on" not in when:
        errors.append((f"{path}.on", "is required: the condition the alarm watches"))
    else:
        conditions.validate(f"{path}.on", when["on"], ctx, errors)
    for key in ("detect_s", "respond_s"):
        value = when.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append((f"{path}.{key}", "must be an integer ≥ 0 (seconds)"))


def validate_operators(value: Any, errors: Errors) -> dict[str, float]:
    """The scenario's `operators` object as written (numbers as floats); a scale left
    out is 1."""
    out: dict[str, float] = {}
    if value is None:
        return out
    if not isinstance(value, dict):
        return out  # reported by the field's own kind check
    for key in sorted(set(value) - set(OPERATOR_KEYS)):
        errors.append((f"operators.{key}", "unknown field"))
    for key in OPERATOR_KEYS:
        if key not in value:
            continue
        number = value[key]
        if isinstance(number, bool) or not isinstance(number, int | float):
            errors.append((f"operators.{key}", "must be a number"))
        elif not 0 <= number <= MAX_SCALE:
            errors.append((f"operators.{key}", f"must be between 0 and {MAX_SCALE:g}"))
        else:
            out[key] = float(number)
    return out


@dataclass
class _Watch:
    item: Intervention
    check: Check
    alarm: dict[str, Any] | None
    detect_ms: int = 0
    respond_ms: int = 0
    since_ms: int | None = None


class Operators:
    """Watches the alarms of a run and fires interventions (owned by the world)."""

    def __init__(
        self,
        spec: Scenario,
        schedule: Callable[[int, Callable[[], None]], None],
        fire: Callable[[Intervention], None],
        emit: Callable[[str, str, str | None, dict[str, Any]], None],
        service_of: Callable[[str], str | None],
    ) -> None:
        self.spec = spec
        self._schedule = schedule
        self._fire = fire
        self._emit = emit
        self._service_of = service_of
        self._watches: list[_Watch] = []
        self.alarm_ms: dict[str, int] = {}

    def start(self) -> None:
        detect = self.spec.operators.get("detection_scale", 1.0)
        respond = self.spec.operators.get("response_scale", 1.0)
        for item in self.spec.interventions:
            if not item.enabled:
                continue
            if item.when is None:
                self._schedule((item.at_s or 0) * 1000, self._fire_fn(item))
            elif is_alarm(item.when):
                alarm = item.when
                self._watches.append(
                    _Watch(
                        item,
                        compile_state(alarm["on"]),
                        alarm,
                        round(alarm.get("detect_s", 0) * detect * 1000),
                        round(alarm.get("respond_s", 0) * respond * 1000),
                    )
                )
            else:
                self._watches.append(_Watch(item, compile_state(item.when), None))

    def _fire_fn(self, item: Intervention) -> Callable[[], None]:
        return lambda: self._fire(item)

    def on_frame(self, world: conditions.WorldView, t_ms: int) -> None:
        """Check every watch on a settled frame; raise alarms and fire plain conditions."""
        still: list[_Watch] = []
        for watch in self._watches:
            if not self._step(watch, world, t_ms):
                still.append(watch)
        self._watches = still

    def _step(self, watch: _Watch, world: conditions.WorldView, t_ms: int) -> bool:
        """True when the watch is done (its alarm raised or its action fired)."""
        item = watch.item
        floor_ms = (item.at_s or 0) * 1000
        if watch.alarm is None:
            if t_ms >= floor_ms and watch.check(world, t_ms):
                self._fire(item)
                return True
            return False
        if not watch.check(world, t_ms):
            watch.since_ms = None
            return False
        if watch.since_ms is None:
            watch.since_ms = t_ms
        if t_ms - watch.since_ms < watch.detect_ms:
            return False
        act_ms = max(t_ms + watch.respond_ms, floor_ms)
        self.alarm_ms[item.id] = t_ms
        self._narrate(watch, act_ms)
        if act_ms <= t_ms:
            self._fire(item)
        else:
            self._schedule(act_ms, self._fire_fn(item))
        return True

    def _narrate(self, watch: _Watch, act_ms: int) -> None:
        alarm = watch.alarm or {}
        held = f" (held {duration(watch.detect_ms)})" if watch.detect_ms else ""
        text = f"{alarm['alarm']}{held} → {watch.item.label} at {self.clock(act_ms)}"
        data = {
            "intervention": watch.item.id,
            "alarm": alarm["alarm"],
            "detect_s": watch.detect_ms / 1000,
            "respond_s": watch.respond_ms / 1000,
            "act_s": act_ms / 1000,
        }
        self._emit("operator.alarm", text, self._service_of(watch.item.target), data)

    def clock(self, t_ms: int) -> str:
        """Wall-clock HH:MM of a run time, in the scenario's time zone when known."""
        start = datetime.fromisoformat(self.spec.start)
        moment = start + timedelta(milliseconds=t_ms)
        try:
            moment = moment.astimezone(ZoneInfo(self.spec.timezone))
        except (KeyError, ValueError, OSError):
            pass  # no tz database: the start's own UTC offset
        return moment.strftime("%H:%M")


def duration(ms: int) -> str:
    """'5 min', '1 h 20 min', '45 s'."""
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"
