"""Command line: `python -m simulation run FILE` and `python -m simulation explore`.

    run FILE [--seed N] [--set PATH=VALUE]... [--json]
        Simulate the scenario; print the fidelity table (or, with --json, one object:
        scenario, seed, digest, events, frames, wall_ms, milestones, intervals).
    explore FILE [--enactors N] [--plans N] [--endpoints N] [--set version_check=per_write]
            [--set cleanup_protects_active=true] [--json] [--replay K]
        Enumerate every interleaving of the scenario's DNS automation steps (its own
        parameters; sizes overridable) and count the schedules that end with an empty
        record. --replay K runs the scenario with bad schedule K as its DNS automation
        (the fault switched off) and prints the fidelity table of that run.
    schema [--write]
        Print the format's JSON Schema (generated from the field tables); with --write,
        write it to simulation/schema/outage-replay-1.schema.json.

Bad files and bad --set paths exit with status 2 and the validator's message.
This module and `__main__` are the only places in `simulation/` that read files, print
or read the wall clock.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from simulation.errors import ScenarioError
from simulation.explore import config_from_spec, explore, replay_variant
from simulation.loader import decode_bytes, read_bytes
from simulation.simulation import Simulation
from simulation.spec import Scenario
from simulation.validate import parse_document
from simulation.variants import apply_variant, parse_assignment


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "schema":
            return _schema(args)
        return _explore(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulation")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a scenario and print the fidelity table")
    run.add_argument("file")
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE")
    run.add_argument("--json", action="store_true")
    exp = sub.add_parser("explore", help="enumerate DNS Enactor interleavings")
    exp.add_argument("file")
    exp.add_argument("--enactors", type=int, default=None)
    exp.add_argument("--plans", type=int, default=3)
    exp.add_argument("--endpoints", type=int, default=2)
    exp.add_argument("--replay", type=int, default=None, metavar="K")
    exp.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    exp.add_argument("--json", action="store_true")
    schema = sub.add_parser("schema", help="print (or --write) the format's JSON Schema")
    schema.add_argument("--write", action="store_true")
    return parser


def _schema(args: argparse.Namespace) -> int:
    from simulation import SCHEMA_PATH
    from simulation.schema import schema_text

    text = schema_text()
    if args.write:
        SCHEMA_PATH.parent.mkdir(exist_ok=True)
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
    else:
        sys.stdout.write(text)
    return 0


def load_spec(path: str, assignments: list[str]) -> Scenario:
    doc = decode_bytes(read_bytes(path))
    if assignments:
        overrides = dict(parse_assignment(a) for a in assignments)
        if not isinstance(doc, dict):
            raise ScenarioError([("$", "must be a JSON object")])
        doc = apply_variant(doc, overrides)
    return parse_document(doc)


def _run(args: argparse.Namespace) -> int:
    spec = load_spec(args.file, args.set)
    started = time.perf_counter()
    result = Simulation(spec, args.seed).run()
    wall_ms = round((time.perf_counter() - started) * 1000)
    summary = result.to_summary()
    summary["wall_ms"] = wall_ms
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(format_table(spec, summary))
    return 0


def _clock(spec: Scenario, t_s: float | None) -> str:
    if t_s is None:
        return "—"
    start = datetime.fromisoformat(spec.start)
    return (start + timedelta(seconds=t_s)).strftime("%a %H:%M")


def _delta(delta_s: float | None) -> str:
    if delta_s is None:
        return ""
    sign = "+" if delta_s >= 0 else "-"
    minutes, seconds = divmod(round(abs(delta_s)), 60)
    return f"{sign}{minutes}m{seconds:02d}s"


def _fit(m: dict[str, Any]) -> str:
    if m["kind"] == "reference":
        return ""
    return "F" if m.get("fitted") else "P"


def format_table(spec: Scenario, summary: dict[str, Any]) -> str:
    rows = [("real", "simulated", "Δ", "kind", "fit", "service", "milestone")]
    for m in summary["milestones"]:
        sim = _clock(spec, m["sim_s"]) if m["kind"] != "reference" else ""
        if m["kind"] != "reference" and m["sim_s"] is None:
            sim = "never"
        rows.append(
            (
                _clock(spec, m["real_s"]),
                sim,
                _delta(m["delta_s"]),
                m["kind"],
                _fit(m),
                m["service"] or "",
                m["label"],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:6], widths, strict=True)) + "  " + r[6]
        for r in rows
    ]
    emergent = [
        abs(m["delta_s"])
        for m in summary["milestones"]
        if m["kind"] == "emergent" and m["delta_s"] is not None
    ]
    missing = sum(
        1 for m in summary["milestones"] if m["kind"] == "emergent" and m["sim_s"] is None
    )
    median = f"{statistics.median(emergent) / 60:.1f} min" if emergent else "n/a"
    timed = [m for m in summary["milestones"] if m["kind"] != "reference"]
    predicted = sum(1 for m in timed if not m.get("fitted"))
    lines.append("")
    lines.append(
        f"{spec.title} — seed {summary['seed']}, {summary['frames']} frames, "
        f"{summary['events']} events, {summary['wall_ms']} ms"
    )
    lines.append(
        f"emergent milestones: {len(emergent)} happened, {missing} never; median |Δ| {median}"
    )
    lines.append(
        f"fitted {len(timed) - predicted}, predicted {predicted} of {len(timed)} simulated "
        "milestones (fit: F = a parameter was chosen to reproduce it, P = a prediction)"
    )
    lines.append(f"digest {summary['digest']}")
    return "\n".join(lines)


def _explore(args: argparse.Namespace) -> int:
    settings: dict[str, object] = dict(parse_assignment(a) for a in args.set)
    spec = load_spec(args.file, [])
    config = config_from_spec(spec, args.enactors, args.plans, args.endpoints, settings)
    report = explore(config)
    if args.replay is None:
        print(json.dumps(report.to_dict(), sort_keys=True) if args.json else report.format())
        return 0
    steps = report.schedule(args.replay)
    fault = next((f for f in spec.faults if f.target == config.mechanism), None)
    doc = apply_variant(
        spec.to_document(), replay_variant(config, steps, fault.at_s if fault else 0)
    )
    # The interleaving is the cause: the scenario's own fault on the automation goes.
    doc["faults"] = [f for f in doc["faults"] if f["target"] != config.mechanism]
    replayed = parse_document(doc)
    started = time.perf_counter()
    result = Simulation(replayed).run()
    summary = result.to_summary()
    summary["wall_ms"] = round((time.perf_counter() - started) * 1000)
    summary["schedule"] = steps
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(f"replaying schedule {args.replay} of {report.first_empty}: " + "; ".join(steps))
        print(format_table(replayed, summary))
    return 0
