"""Benchmark of the link-preview images (a script that prints figures, not a test).

    .venv/bin/python bench/og_preview.py

For every shipped scenario, simulates it once, then draws its preview PNG at 24 moments
spread over the run, each cold (nothing cached; the first one in the process also loads
the font). Prints bytes, wall and CPU time per render per scenario (on a loaded machine
wall exceeds CPU) and the very first render. Targets: ≤ 100 KB and < 300 ms cold.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outage_replay.settings")

import django  # noqa: E402

django.setup()

from outage_replay.sharing.preview import render_png  # noqa: E402
from simulation import Simulation, parse_document  # noqa: E402

LIBRARY = ROOT / "outage_replay/scenarios/library"
MOMENTS = 24


def main() -> None:
    first_ms: float | None = None
    print(
        f"{'scenario':34} {'services':>8} {'KB min/med/max':>18} {'wall ms min/med/max':>20}"
        f" {'CPU ms med/max':>15}"
    )
    for path in sorted(LIBRARY.glob("*.json")):
        doc = json.loads(path.read_text())
        intervals = Simulation(parse_document(doc)).run().intervals
        sizes, times, cpu = [], [], []
        for i in range(MOMENTS):
            t_s = doc["duration_s"] * i // MOMENTS
            t0, c0 = time.perf_counter(), time.process_time()
            png = render_png(spec=doc, intervals=intervals, t_s=t_s)
            ms = (time.perf_counter() - t0) * 1000
            cpu.append((time.process_time() - c0) * 1000)
            first_ms = ms if first_ms is None else first_ms
            sizes.append(len(png) / 1024)
            times.append(ms)
        kb = f"{min(sizes):.1f}/{statistics.median(sizes):.1f}/{max(sizes):.1f}"
        ms_text = f"{min(times):.0f}/{statistics.median(times):.0f}/{max(times):.0f}"
        cpu_text = f"{statistics.median(cpu):.0f}/{max(cpu):.0f}"
        print(
            f"{doc['slug'][:34]:34} {len(doc['services']):>8} {kb:>18} {ms_text:>20} {cpu_text:>15}"
        )
    print(f"first render in the process (font load included): {first_ms:.0f} ms")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
