"""What if, timed in the browser: from pressing "Run" in the What-if panel to the
comparison on screen (the compare page with the server's diff drawn), p50/p95.

A private stack (bench/_runs_stack.py: Redis, SQLite, daphne, a Celery worker) and
Debian's Chromium. The AWS replay is opened once per try at its default run; each try
sets the DWFM hosts knob to a value not used before (so every try computes a new
variant run of the whole 29.5 h outage, nothing is reused), presses Run and waits for
the diff. Prints every try, p50/p95, and the size of the diff payload
(`GET /api/compare/<a>/<b>/`, JSON and gzip).

    .venv/bin/python bench/whatif_compare.py [--tries 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
import urllib.request

from _runs_stack import AWS, http_json, percentile, start

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOWN = "() => document.documentElement.dataset.diff === 'shown'"


def base_run(url: str) -> str:
    run = http_json(f"{url}/api/runs/", {"scenario": AWS})
    while http_json(f"{url}/api/runs/{run['id']}/")["status"] != "done":
        time.sleep(0.5)
    return str(run["id"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    stack, url = start(concurrency=1)
    try:
        base = base_run(url)
        times: list[float] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            for i in range(args.tries):
                page.goto(f"{url}/replay/{base}/?t=1d00:30:00")
                hosts = page.locator('.knob[data-path="mechanisms.dwfm.params.hosts"] input')
                hosts.fill(str(21 + i))
                started = time.perf_counter()
                page.locator("#whatif-run").click()
                page.wait_for_url("**/compare/**")
                page.wait_for_function(SHOWN, timeout=300_000)
                times.append(time.perf_counter() - started)
                print(f"try {i + 1:2d}: hosts={21 + i}: {times[-1]:.2f} s", flush=True)
            compare_url = page.url.split("?")[0].replace("/compare/", "/api/compare/")
            browser.close()
        with urllib.request.urlopen(compare_url, timeout=30) as response:  # noqa: S310
            body = response.read()
        diff = json.loads(body)["diff"]
        print(
            f"\nRun → comparison on screen over {len(times)} tries: "
            f"p50 {percentile(times, 50):.2f} s, p95 {percentile(times, 95):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s"
        )
        print(
            f"diff payload (GET /api/compare/…): {len(body):,} bytes JSON, "
            f"{len(gzip.compress(body)):,} bytes gzipped; {len(diff['services'])} services, "
            f"{len(diff['milestones'])} milestones"
        )
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
