"""What a mechanism shows: the declarations the player is built from.

Each mechanism class declares, next to its `METRICS`, a `SHOWS = Shows(...)`:

- `signals`: the metrics worth reading, each with a label, a unit and a kind
  (`level`, `rate`, `count`, `boolean`, or `text`); `scale` turns a stored fraction into
  the unit shown (0.25 × 100 = 25 %); `per` marks a list or mapping (one value per PoP,
  per endpoint, …) and names its items; `empty` says what a null value means;
- `charts`: groups of signals drawn on one chart (at most two units per chart);
- `panel`: the signals that make a readable panel of the mechanism's state;
- `actors` and `messages`: lanes and arrows of a sequence diagram over the trace
  (`messages` name event kinds; an arrow runs from the event's actor to `to`);
- `loop`: the feedback that can keep a service failing after its trigger is gone
  (see `simulation/sustained.py`), with a sentence saying how.

Actors can depend on the instance's params (one lane per Enactor), so a class may
override `Mechanism.actors(params)`. `declare(mechanism spec)` gives the JSON the run's
meta carries; nothing in the player names a scenario, a service or a mechanism instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("level", "rate", "count", "boolean", "text")


@dataclass(frozen=True)
class Signal:
    name: str
    label: str
    unit: str = ""
    kind: str = "level"
    scale: float = 1.0
    per: str = ""
    empty: str = ""  # what a null value means ("none" for no limit)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "label": self.label, "unit": self.unit}
        out["kind"] = self.kind
        if self.scale != 1.0:
            out["scale"] = self.scale
        if self.per:
            out["per"] = self.per
        if self.empty:
            out["empty"] = self.empty
        return out


@dataclass(frozen=True)
class Chart:
    title: str
    signals: tuple[str, ...]
    max: float | None = None  # fixed top of the scale (in shown units), e.g. 100 %

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "signals": list(self.signals), "max": self.max}


@dataclass(frozen=True)
class Actor:
    id: str
    label: str
    aliases: tuple[str, ...] = ()  # other event actors drawn on this lane

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "aliases": list(self.aliases)}


@dataclass(frozen=True)
class Message:
    """An event kind drawn as an arrow from `frm` (default: the event's actor) to `to`
    (default: the event's actor); with neither, a mark on the event actor's lane."""

    kind: str  # the trace event kind
    label: str  # short tag on the arrow
    frm: str = ""
    to: str = ""
    tone: str = "plain"  # plain | warn | bad | good
    routine: bool = False  # drawn small, without a tag

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "from": self.frm,
            "to": self.to,
            "tone": self.tone,
            "routine": self.routine,
        }


@dataclass(frozen=True)
class Loop:
    name: str  # "retries", "lease re-establishment work", …
    explain: str  # "each retry adds to the queue faster than it drains"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "explain": self.explain}


@dataclass(frozen=True)
class Shows:
    title: str
    signals: tuple[Signal, ...] = ()
    charts: tuple[Chart, ...] = ()
    panel: tuple[str, ...] = ()
    messages: tuple[Message, ...] = ()
    loop: Loop | None = None
    sequence_title: str = ""

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)


def declaration(shows: Shows, actors: list[Actor], mechanism: dict[str, Any]) -> dict[str, Any]:
    """The JSON one mechanism instance contributes to the run's meta."""
    return {
        "id": mechanism["id"],
        "type": mechanism["type"],
        "services": list(mechanism.get("services") or []),
        "title": shows.title,
        "signals": [s.to_dict() for s in shows.signals],
        "charts": [c.to_dict() for c in shows.charts],
        "panel": list(shows.panel),
        "sequence": {
            "title": shows.sequence_title,
            "actors": [a.to_dict() for a in actors],
            "messages": [m.to_dict() for m in shows.messages],
        }
        if actors
        else None,
        "loop": shows.loop.to_dict() if shows.loop else None,
    }
