"""The mechanism interface every model implements.

A mechanism is a small, parameterised model attached to one or more services. It
schedules its own events on the engine, may publish *signals* (immediate values other
mechanisms subscribe to, e.g. "the regional DNS record has addresses"), and on each
frame reports:

- `contribution(t_ms)`: {service id: (status, error_rate)} for the services it drives;
- `metrics(t_ms)`: a flat dict of JSON scalars (and small lists/dicts) for the player;
- optionally `state_key()`: equal keys promise equal contribution and metrics, so the
  world skips recomputing them (most fluid models sit still for hours).

Faults (`FAULTS`) and operator actions (`ACTIONS`) are declared with typed params, so the
validator checks them; `apply_fault` / `act` receive the filled-in params.

Class attributes naming other things, checked by the validator:
- `SERVICE_PARAMS`: params holding a service id;
- `SIGNAL_PARAMS`: params holding a signal name `<mechanism id>.<signal>`;
- `CONDITION_PARAMS`: params holding a state condition (see `conditions.py`).

What the player shows of it is declared in `SHOWS` (see `shows.py`): signals, charts,
panel, sequence-diagram actors and messages, and the loop that can sustain a failure.
A mechanism with a loop says when its own cause is gone (`cause_cleared`); one without
events of its own can report its phase (`phase()`), and the world narrates each change.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from simulation.conditions import Check
from simulation.engine import PRIO_TICK, Engine
from simulation.mechanisms.shows import Actor, Shows
from simulation.params import Param
from simulation.spec import MechanismSpec

Contribution = dict[str, tuple[str, float]]


class World(Protocol):
    engine: Engine
    rng: random.Random

    def emit(
        self,
        actor: str,
        kind: str,
        text: str,
        service: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None: ...

    def status_of(self, service_id: str) -> str: ...

    def error_rate_of(self, service_id: str) -> float: ...

    def metric(self, name: str) -> Any: ...

    def signal(self, name: str) -> float: ...

    def publish(self, name: str, value: float) -> None: ...

    def subscribe(self, name: str, fn: Callable[[float], None]) -> None: ...

    def compile(self, cond: dict[str, Any]) -> Check: ...

    def check(self, fn: Check) -> bool: ...


# Actions every mechanism accepts. `diagnose`: operators reach a conclusion about this
# mechanism; it changes nothing by itself, and later interventions can wait for it with
# {"intervention": id}.
COMMON_ACTIONS: dict[str, dict[str, Param]] = {"diagnose": {}}


class Mechanism:
    TYPE: ClassVar[str] = ""
    PARAMS: ClassVar[dict[str, Param]] = {}
    FAULTS: ClassVar[dict[str, dict[str, Param]]] = {}
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {}
    METRICS: ClassVar[tuple[str, ...]] = ()
    SIGNALS: ClassVar[tuple[str, ...]] = ()
    SERVICE_PARAMS: ClassVar[tuple[str, ...]] = ()
    SIGNAL_PARAMS: ClassVar[tuple[str, ...]] = ()
    CONDITION_PARAMS: ClassVar[tuple[str, ...]] = ()
    SHOWS: ClassVar[Shows] = Shows(title="")

    @classmethod
    def work_units(cls, params: dict[str, Any], duration_s: int) -> int:
        """About how many events this mechanism schedules beyond its per-frame update,
        from its parameters (the validator's bound on the work a document asks for)."""
        return 0

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        self.id = spec.id
        self.services = spec.services
        self.params = spec.params
        self.world = world
        self.engine = world.engine
        # Each mechanism draws from its own stream, seeded from the run's one RNG in
        # scenario order, so changing one mechanism does not reshuffle the others.
        self.rng = random.Random(world.rng.getrandbits(64))

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        """Mechanism-specific checks beyond param types (override when needed)."""

    def start(self) -> None:
        """Schedule the first events (called once, at t=0)."""

    def contribution(self, t_ms: int) -> Contribution:
        return {}

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {}

    def state_key(self) -> Any:
        """A value that changes whenever `contribution` or `metrics` could change.

        The world reuses the previous frame's contribution and metrics (the same
        objects) while it is equal; None (the default) means "always recompute".
        """
        return None

    def apply_fault(self, fault_type: str, params: dict[str, Any]) -> None:
        raise NotImplementedError(fault_type)

    def act(self, action: str, params: dict[str, Any]) -> None:
        raise NotImplementedError(action)

    @classmethod
    def actors(cls, params: dict[str, Any]) -> list[Actor]:
        """Lanes of this mechanism's sequence diagram (none by default)."""
        return []

    def cause_cleared(self) -> bool:
        """Whether the cause this mechanism reacts to is gone (beyond the services it
        names, which the world checks itself). Only asked of mechanisms with a loop."""
        return True

    def phase(self) -> tuple[str, str] | None:
        """(phase, sentence) for mechanisms that narrate their phases: the world emits the
        sentence whenever the phase changes (None: nothing to narrate)."""
        return None

    # helpers ---------------------------------------------------------------
    def signal_name(self, key: str) -> str:
        return f"{self.id}.{key}"

    def jitter_ms(self, mean_s: float, spread: float = 0.2) -> int:
        """A duration around `mean_s` seconds, uniformly ±`spread` of it, in ms."""
        factor = 1.0 + spread * (2.0 * self.rng.random() - 1.0)
        return max(1, int(mean_s * factor * 1000))

    def each_service(self, status: str, error_rate: float) -> Contribution:
        return {sid: (status, error_rate) for sid in self.services}


def status_from_error(
    error_rate: float, falling: bool, degraded_at: float = 0.01, down_at: float = 0.5
) -> str:
    """Map an error rate to a status; `falling` turns degraded into recovering."""
    if error_rate >= down_at:
        return "down"
    if error_rate >= degraded_at:
        return "recovering" if falling else "degraded"
    return "healthy"


class Ticking(Mechanism):
    """A mechanism advanced in fixed steps of `tick_s` (fluid models of large fleets).

    Subclasses implement `step(dt_s)`; it runs every `tick_s` at tick priority, after the
    discrete events of that millisecond and before the frame sampler.
    """

    TICK = Param("float", 10.0, "s", "model step", 0.01, 3600)

    def start(self) -> None:
        self._tick_ms = max(1, int(self.params["tick_s"] * 1000))
        self._dt_s = self._tick_ms / 1000.0
        self.engine.every(self._tick_ms, self._tick, PRIO_TICK)

    def _tick(self) -> None:
        self.step(self._dt_s)

    def step(self, dt_s: float) -> None:
        raise NotImplementedError


def r4(x: float) -> float:
    return round(x, 4)
