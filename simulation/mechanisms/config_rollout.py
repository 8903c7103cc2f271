"""config_rollout — a configuration or data change pushed to a fleet whose binaries read it.

Models the most common shape of large outage since 2024: a configuration or data file
(a feature file, a channel file, a tenant configuration, a rule set) is published and
reaches every binary that reads it, often globally within seconds; a bad version makes
those binaries crash-loop or serve errors; and the fix (a rollback or a kill switch)
reaches them only as fast as the same distribution carries it.

The fleet is split into `cells` equal shares, assigned in order to `waves`. A version
published at t opens to wave w at t + w × `wave_interval_s` (one wave: a global push);
each cell of an open wave picks it up after a delay drawn uniformly from
[`propagation_min_s`, `propagation_s`], and always takes the newest version open to it
then (a poll: a cell that checks in after a rollback gets the rollback). Emergency
versions (`rollback`, `kill_switch`) skip the waves.

With `validation` on, a bad version is rejected before it is published (the counterfactual
of every outage of this shape). With `regenerate_every_s` > 0 the file is generated again
on that period from the moment of the fault, each generation bad with a chance that
rises from `bad_share` to 1 over `ramp_s` (a source being changed gradually, so the fleet
flaps between good and bad before it settles in the bad state).

A cell (binaries reading the file):

      +------------------------------ restart_s ------------------------------+
      v                                                                       |
     ok --bad version--> failing --good version, picked up--------------> restarting
                           |  ^      (chance crashed_pickup)               |   ^
                           |  +-------------- bad version -----------------+   |
                           +--good version missed (crash_loop)--> stuck --repair+
    kill_switch: a cell that loads it stops reading the file and never fails on it again.

`failure` = `crash_loop`: a failing cell serves nothing, and while it crash-loops it may
miss a newer version (`crashed_pickup` < 1: hosts in a boot loop that cannot fetch the
fix stay stuck until an operator repairs them by hand). `error`: a failing cell keeps
running, serves `bad_error_rate` errors and reloads the next version without a restart.

Error rate of the services = the fleet's share of failed requests (failing and
restarting cells); down at ≥ `down_error_rate`; recovering while the newest published
version is good.

Params: cells, waves (counts); wave_interval_s, propagation_s, propagation_min_s,
regenerate_every_s, restart_s (s); validation (bool); failure (crash_loop|error);
bad_error_rate, crashed_pickup, down_error_rate (fractions); label (narration).
Fault `bad_push` {bad_share (chance each version is bad), ramp_s (s)}.
Actions: `stop_pushes` (no new versions; waves not yet open stay closed),
`rollback` {stop_pushes} (publish the last known good version to every
cell), `kill_switch` (publish "stop reading the file" to every cell),
`repair` {per_h} (operators fix stuck cells by hand, a share of the fleet per hour).
Metrics: serving (share of cells serving normally), failing (share running a bad version,
stuck included), stuck (share that needs repair), restarting (share), latest_bad (the
newest published version is bad), bad_streak (consecutive bad versions published),
published, rejected (counts), pushing (the generator runs), killed (share that stopped
reading the file). Signal `<id>.serving`.
Events: rollout.rejected, rollout.failing (first cell fails), rollout.all_failing
(every cell), rollout.recovered (no cell failing again), rollout.stuck (first cell
stuck), rollout.stopped, rollout.rollback, rollout.killed, rollout.repaired (last
stuck cell fixed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from simulation.mechanisms.base import Contribution, Mechanism, World, r4, status_from_error
from simulation.mechanisms.shows import Chart, Loop, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec

OK, FAILING, STUCK, RESTARTING = "ok", "failing", "stuck", "restarting"


@dataclass
class Version:
    published_ms: int
    bad: bool
    emergency: bool = False
    kill: bool = False


@dataclass
class Cell:
    wave: int
    version: int = -1  # index into versions; -1 = the version running before the run
    state: str = OK
    killed: bool = False
    token: int = 0  # invalidates a pending end of restart


class ConfigRollout(Mechanism):
    TYPE = "config_rollout"
    PARAMS: ClassVar[dict[str, Param]] = {
        "cells": Param(
            "int", 100, "", "equal shares the fleet is split into (resolution)", 1, 1000
        ),
        "waves": Param(
            "int", 1, "", "rollout waves a version goes through; 1 = global push", 1, 1000
        ),
        "wave_interval_s": Param(
            "float", 0.0, "s", "time between one wave opening and the next", 0, 604800
        ),
        "propagation_s": Param(
            "float",
            30.0,
            "s",
            "longest time for a cell of an open wave to pick a version up",
            0,
            604800,
        ),
        "propagation_min_s": Param("float", 1.0, "s", "shortest pick-up time", 0, 604800),
        "validation": Param(
            "bool", False, "", "the pipeline checks each version; a bad one is rejected unpublished"
        ),
        "failure": Param(
            "choice",
            "crash_loop",
            "",
            "what a bad version does to the binaries reading it",
            choices=("crash_loop", "error"),
        ),
        "bad_error_rate": Param(
            "float", 1.0, "fraction", "errors a failing cell serves (failure = error)", 0, 1
        ),
        "restart_s": Param(
            "float",
            30.0,
            "s",
            "time a crash-looped cell needs to serve again on a good version",
            0,
            86400,
        ),
        "crashed_pickup": Param(
            "float",
            1.0,
            "fraction",
            "chance a crash-looping cell picks a newer version up by itself (the rest get stuck)",
            0,
            1,
        ),
        "regenerate_every_s": Param(
            "float",
            0.0,
            "s",
            "the file is generated and published again this often (0: once)",
            0,
            86400,
        ),
        "down_error_rate": Param(
            "float", 0.5, "fraction", "fleet error rate counted as down", 0, 1
        ),
        "label": Param("str", "", "", "what is pushed, for narration (e.g. 'the feature file')"),
    }
    FAULTS: ClassVar[dict[str, dict[str, Param]]] = {
        "bad_push": {
            "bad_share": Param(
                "float", 1.0, "fraction", "chance each generated version is bad", 0, 1
            ),
            "ramp_s": Param(
                "float",
                0.0,
                "s",
                "the chance rises linearly to 1 over this time (0: stays)",
                0,
                604800,
            ),
        }
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {
        "stop_pushes": {},
        "rollback": {
            "stop_pushes": Param("bool", True, "", "also stop generating new versions"),
        },
        "kill_switch": {},
        "repair": {
            "per_h": Param(
                "float",
                0.1,
                "fraction/h",
                "share of the fleet operators repair per hour",
                0.0001,
                1000,
            )
        },
    }
    METRICS = (
        "serving",
        "failing",
        "stuck",
        "restarting",
        "latest_bad",
        "bad_streak",
        "published",
        "rejected",
        "pushing",
        "killed",
    )
    SHOWS = Shows(
        title="config rollout",
        signals=(
            Signal("serving", "fleet serving", "%", "level", 100),
            Signal("failing", "fleet failing", "%", "level", 100),
            Signal("stuck", "stuck, needing repair", "%", "level", 100),
            Signal("restarting", "restarting", "%", "level", 100),
            Signal("killed", "feature switched off", "%", "level", 100),
            Signal("latest_bad", "newest version is bad", "", "boolean"),
            Signal("published", "versions published", "versions", "count"),
            Signal("rejected", "versions rejected by validation", "versions", "count"),
            Signal("pushing", "still publishing", "", "boolean"),
        ),
        charts=(Chart("fleet serving and failing", ("serving", "failing"), max=100),),
        panel=("serving", "failing", "stuck", "restarting", "latest_bad", "published", "pushing"),
        loop=Loop(
            "crash loop",
            "hosts in a boot loop cannot fetch the fixed version, so they stay down until "
            "they are repaired by hand",
        ),
    )
    SIGNALS = ("serving",)

    @classmethod
    def check_spec(
        cls,
        path: str,
        params: dict[str, Any],
        services: tuple[str, ...],
        errors: list[tuple[str, str]],
    ) -> None:
        lo, hi = params.get("propagation_min_s"), params.get("propagation_s")
        if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
            errors.append((f"{path}.propagation_min_s", "must be ≤ propagation_s"))
        cells, waves = params.get("cells"), params.get("waves")
        if isinstance(cells, int) and isinstance(waves, int) and waves > cells:
            errors.append((f"{path}.waves", "must be ≤ cells"))

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        p = self.params
        n, waves = p["cells"], p["waves"]
        self.cells = [Cell(wave=i * waves // n) for i in range(n)]
        self.counts: dict[str, int] = {OK: n, FAILING: 0, STUCK: 0, RESTARTING: 0}
        self.versions: list[Version] = []
        self.last_good = -1
        self.killed = 0
        self.pushing = False
        self.halted_ms: int | None = None
        self.rejected = 0
        self.bad_streak = 0
        self.fault_ms = 0
        self.bad_share = 1.0
        self.ramp_ms = 0
        self.repairing = False
        self.repair_gap_ms = 0
        self.label = p["label"] or "the configuration"

    def start(self) -> None:
        self._publish_signal()

    # -- versions --------------------------------------------------------------
    def apply_fault(self, fault_type: str, params: dict[str, Any]) -> None:
        self.fault_ms = self.engine.now_ms
        self.bad_share = params["bad_share"]
        self.ramp_ms = int(params["ramp_s"] * 1000)
        self.pushing, self.halted_ms = True, None
        self._generate()

    def _generate(self) -> None:
        if not self.pushing:
            return
        self._offer(self.rng.random() < self._bad_chance())
        every_ms = int(self.params["regenerate_every_s"] * 1000)
        if every_ms > 0:
            self.engine.after(every_ms, self._generate)

    def _bad_chance(self) -> float:
        if self.ramp_ms <= 0:
            return self.bad_share
        share = min(1.0, (self.engine.now_ms - self.fault_ms) / self.ramp_ms)
        return self.bad_share + (1.0 - self.bad_share) * share

    def _offer(self, bad: bool) -> None:
        if bad and self.params["validation"]:
            self.rejected += 1
            self._emit("rollout.rejected", f"Validation rejects a bad version of {self.label}")
            return
        latest = self.versions[-1] if self.versions else None
        if latest is not None and latest.bad == bad and not latest.kill:
            self.bad_streak += 1 if bad else 0
            return  # same effect as the version every cell is already moving to
        self.bad_streak = 1 if bad else 0
        self._publish(Version(self.engine.now_ms, bad))

    def _publish(self, version: Version) -> None:
        self.versions.append(version)
        index = len(self.versions) - 1
        if not version.bad:
            self.last_good = index
        p = self.params
        interval_ms = int(p["wave_interval_s"] * 1000)
        lo_ms, hi_ms = int(p["propagation_min_s"] * 1000), int(p["propagation_s"] * 1000)
        for i, cell in enumerate(self.cells):
            wave_ms = 0 if version.emergency else cell.wave * interval_ms
            delay = wave_ms + self.rng.randint(lo_ms, max(lo_ms, hi_ms))
            self.engine.after(max(1, delay), self._pick_up_fn(i))

    def _open(self, version: Version, wave: int) -> bool:
        if version.emergency:
            return True
        opens_ms = version.published_ms + wave * int(self.params["wave_interval_s"] * 1000)
        if self.halted_ms is not None and opens_ms > self.halted_ms:
            return False
        return opens_ms <= self.engine.now_ms

    def _newest_for(self, cell: Cell) -> int:
        for index in range(len(self.versions) - 1, cell.version, -1):
            if self._open(self.versions[index], cell.wave):
                return index
        return cell.version

    # -- cells -----------------------------------------------------------------
    def _pick_up_fn(self, i: int) -> Callable[[], None]:
        return lambda: self._pick_up(i)

    def _pick_up(self, i: int) -> None:
        cell = self.cells[i]
        newest = self._newest_for(cell)
        if newest == cell.version:
            return
        version = self.versions[newest]
        crashed = cell.state in (FAILING, STUCK) and self.params["failure"] == "crash_loop"
        if crashed and self.rng.random() >= self.params["crashed_pickup"]:
            if not version.bad and cell.state == FAILING:
                self._set(cell, STUCK)
            return
        cell.version = newest
        if version.kill and not cell.killed:
            cell.killed, self.killed = True, self.killed + 1
        if version.bad and not cell.killed:
            self._set(cell, FAILING)
        elif cell.state in (FAILING, STUCK) or cell.state == RESTARTING:
            self._heal(cell)

    def _heal(self, cell: Cell) -> None:
        restart_ms = int(self.params["restart_s"] * 1000)
        if self.params["failure"] == "error" or restart_ms <= 0:
            self._set(cell, OK)
            return
        if cell.state == RESTARTING:
            return
        self._set(cell, RESTARTING)
        cell.token += 1
        token = cell.token
        self.engine.after(restart_ms, lambda: self._restarted(cell, token))

    def _restarted(self, cell: Cell, token: int) -> None:
        if cell.token == token and cell.state == RESTARTING:
            self._set(cell, OK)

    def _set(self, cell: Cell, state: str) -> None:
        before = dict(self.counts)
        self.counts[cell.state] -= 1
        self.counts[state] += 1
        cell.state = state
        self._narrate(before)
        self._publish_signal()

    def _narrate(self, before: dict[str, int]) -> None:
        n = len(self.cells)
        failing = self.counts[FAILING] + self.counts[STUCK]
        was = before[FAILING] + before[STUCK]
        if was == 0 and failing > 0:
            self._emit("rollout.failing", f"Binaries reading {self.label} start to fail")
        if was < n and failing == n:
            self._emit("rollout.all_failing", f"Every binary reading {self.label} is failing")
        if was > 0 and failing == 0:
            self._emit("rollout.recovered", f"No binary fails on {self.label} any more")
        if before[STUCK] == 0 and self.counts[STUCK] > 0:
            self._emit(
                "rollout.stuck",
                "Crash-looping hosts cannot fetch the fix by themselves: they need repair by hand",
            )
        if before[STUCK] > 0 and self.counts[STUCK] == 0 and self.repairing:
            self._emit("rollout.repaired", "The last stuck host is repaired")

    def _emit(self, kind: str, text: str) -> None:
        svc = self.services[0] if self.services else None
        data = {"failing": self.counts[FAILING] + self.counts[STUCK], "cells": len(self.cells)}
        self.world.emit(self.id, kind, text, svc, data)

    def _publish_signal(self) -> None:
        self.world.publish(self.signal_name("serving"), self._serving())

    # -- operators ---------------------------------------------------------------
    def act(self, action: str, params: dict[str, Any]) -> None:
        if action == "stop_pushes" or (action == "rollback" and params["stop_pushes"]):
            self._stop()
        if action == "rollback":
            self._emit(
                "rollout.rollback", f"Operators push the last known good version of {self.label}"
            )
            self._publish(Version(self.engine.now_ms, False, emergency=True))
        elif action == "kill_switch":
            self._emit(
                "rollout.killed", f"Operators switch off the feature that reads {self.label}"
            )
            self._publish(Version(self.engine.now_ms, False, emergency=True, kill=True))
        elif action == "repair":
            self._start_repair(params["per_h"])

    def _stop(self) -> None:
        if self.pushing or self.halted_ms is None:
            self._emit("rollout.stopped", f"Operators stop publishing {self.label}")
        self.pushing = False
        self.halted_ms = self.engine.now_ms

    def _start_repair(self, per_h: float) -> None:
        cells_per_h = per_h * len(self.cells)
        self.repair_gap_ms = max(1, int(3600_000 / cells_per_h))
        if not self.repairing:
            self.repairing = True
            self.engine.after(self.repair_gap_ms, self._repair_one)

    def _repair_one(self) -> None:
        cell = next((c for c in self.cells if c.state == STUCK), None)
        if cell is None:
            cell = next((c for c in self.cells if c.state == FAILING), None)
            if cell is not None and self.versions[self._newest_for(cell)].bad:
                cell = None  # nothing good to repair it to yet
        if cell is not None:
            cell.version = max(cell.version, self.last_good)
            self._heal(cell)
        if self.counts[STUCK] or self.counts[FAILING]:
            self.engine.after(self.repair_gap_ms, self._repair_one)
        else:
            self.repairing = False

    # -- sampling --------------------------------------------------------------
    def _serving(self) -> float:
        return self.counts[OK] / len(self.cells)

    def error_rate(self) -> float:
        n = len(self.cells)
        failing = self.counts[FAILING] + self.counts[STUCK]
        if self.params["failure"] == "error":
            return failing * float(self.params["bad_error_rate"]) / n
        return (failing + self.counts[RESTARTING]) / n

    def state_key(self) -> Any:
        c = self.counts
        return (c[OK], c[FAILING], c[STUCK], c[RESTARTING], len(self.versions), self.rejected,
                self.pushing, self.killed, self.bad_streak)  # fmt: skip

    def cause_cleared(self) -> bool:
        return bool(self.versions) and not self.versions[-1].bad

    def contribution(self, t_ms: int) -> Contribution:
        error = r4(self.error_rate())
        falling = bool(self.versions) and not self.versions[-1].bad
        status = status_from_error(error, falling, down_at=self.params["down_error_rate"])
        return self.each_service(status, error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        n = len(self.cells)
        return {
            "serving": r4(self._serving()),
            "failing": r4((self.counts[FAILING] + self.counts[STUCK]) / n),
            "stuck": r4(self.counts[STUCK] / n),
            "restarting": r4(self.counts[RESTARTING] / n),
            "latest_bad": bool(self.versions) and self.versions[-1].bad,
            "bad_streak": self.bad_streak,
            "published": len(self.versions),
            "rejected": self.rejected,
            "pushing": self.pushing,
            "killed": r4(self.killed / n),
        }
