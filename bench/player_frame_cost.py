"""Replay player cost in Debian's Chromium, against a running stack.

    .venv/bin/python bench/player_frame_cost.py [--base-url http://127.0.0.1:8000]
        [--run RUN_ID] [--scenario aws-us-east-1-2025-10-20] [--speed 3600] [--loads 7]

Without --base-url it starts a private stack (bench/_runs_stack.py: temporary SQLite,
Redis, a worker, daphne, the shipped library). Without --run it asks the API for the
scenario's default run (reusing a finished one) and waits for it. It then opens
/replay/<id>/?t=0s --loads times, each in a fresh browser context (empty cache), and
prints the median, min and max of (all from navigation start, window.__perf):

- first rendered frame: the clock, swimlanes, race lane, narration and controls showing
  the first frame's state *on screen* — the first task after the animation frame that
  follows the first render() with data (`firstPaintMs`; `firstFrameMs` is when that
  render() returned);
- graph ready: the Cytoscape graph created and drawn (it is imported after the first
  frame), and charts ready (uPlot, likewise);

then, for the last load:
- transferred bytes: HTTP (CDP encodedDataLength, all requests of the page, including
  the libraries loaded after the first frame) and the WebSocket payloads, separately;
  and what was transferred before the first frame (Resource Timing transferSize);
- the time until the whole run is loaded;
- frame cost while playing the whole run at --speed: the player's render() script time
  per animation frame (window.__perf, p50/p95/max) and all requestAnimationFrame script
  in that frame (render + Cytoscape's and uPlot's own redraws), measured by wrapping
  requestAnimationFrame before the page loads.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Sum the script time of every rAF callback per frame (callbacks of one frame share
# the timestamp argument).
RAF_PATCH = """
(() => {
  const orig = window.requestAnimationFrame.bind(window);
  const perFrame = new Map();
  window.__rafFrames = perFrame;
  window.requestAnimationFrame = (cb) => orig((ts) => {
    const t0 = performance.now();
    try { cb(ts); } finally {
      perFrame.set(ts, (perFrame.get(ts) || 0) + performance.now() - t0);
    }
  });
})();
"""


def http_json(url: str, data: dict | None = None) -> dict:
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - a URL the user gave
        return json.loads(resp.read())


def find_run(base: str, scenario: str, timeout_s: float = 300) -> str:
    created = http_json(f"{base}/api/runs/", {"scenario": scenario})
    run_id = created["id"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        meta = http_json(f"{base}/api/runs/{run_id}/")
        if meta["status"] == "done":
            return run_id
        if meta["status"] in {"failed", "cancelled"}:
            sys.exit(f"run {run_id} {meta['status']}: {meta['error']}")
        time.sleep(0.5)
    sys.exit(f"run {run_id} not done after {timeout_s} s")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", default=None, help="a running stack (default: start one)")
    ap.add_argument("--run", default=None)
    ap.add_argument("--scenario", default="aws-us-east-1-2025-10-20")
    ap.add_argument("--speed", type=int, default=3600)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--loads", type=int, default=7, help="page loads for the startup times")
    args = ap.parse_args()
    stack = None
    if args.base_url:
        base = args.base_url.rstrip("/")
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import _runs_stack

        stack, base = _runs_stack.start()
    try:
        measure(args, base)
    finally:
        if stack is not None:
            stack.stop()


STARTUP = """() => new Promise((resolve, reject) => {
  const until = performance.now() + 60000;
  const done = () => {
    const p = window.__perf;
    if (p && p.firstPaintMs !== null && p.graphReadyMs !== null && p.chartsReadyMs !== null) {
      const early = performance.getEntriesByType("resource")
        .filter((r) => r.responseEnd <= p.firstPaintMs);
      const nav = performance.getEntriesByType("navigation")[0];
      resolve({first: p.firstPaintMs, rendered: p.firstFrameMs, graph: p.graphReadyMs,
               charts: p.chartsReadyMs, module: p.moduleMs, views: p.viewsMs,
               earlyBytes: early.reduce((n, r) => n + r.transferSize, nav.transferSize),
               earlyRequests: early.length + 1});
    } else if (performance.now() > until) reject(new Error(JSON.stringify(p)));
    else setTimeout(done, 20);
  };
  done();
})"""


def startup_sample(browser: object, args: argparse.Namespace, url: str) -> dict:
    context = browser.new_context(viewport={"width": args.width, "height": args.height})
    page = context.new_page()
    page.goto(url)
    sample = page.evaluate(STARTUP)
    context.close()
    return sample


def spread(samples: list[dict], key: str) -> str:
    values = [s[key] for s in samples]
    return (
        f"median {statistics.median(values):.0f} ms (min {min(values):.0f}, "
        f"max {max(values):.0f}, n={len(values)})"
    )


def measure(args: argparse.Namespace, base: str) -> None:
    run_id = args.run or find_run(base, args.scenario)
    url = f"{base}/replay/{run_id}/?t=0s"  # a moment: no autoplay

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        startup_sample(browser, args, url)  # warm-up: the server's first page, disk caches
        samples = [startup_sample(browser, args, url) for _ in range(max(1, args.loads - 1))]
        context = browser.new_context(viewport={"width": args.width, "height": args.height})
        context.add_init_script(RAF_PATCH)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes = {"http": 0, "ws": 0, "requests": 0}

        def loaded(ev: dict) -> None:
            sizes["http"] += int(ev.get("encodedDataLength", 0))
            sizes["requests"] += 1

        def ws_frame(ev: dict) -> None:
            data = ev["response"]["payloadData"]
            # Binary frames (opcode 2: deflated chunks) arrive base64-encoded.
            binary = ev["response"].get("opcode") == 2
            sizes["ws"] += len(base64.b64decode(data)) if binary else len(data.encode())

        cdp.on("Network.loadingFinished", loaded)
        cdp.on("Network.webSocketFrameReceived", ws_frame)
        page.goto(url)
        samples.append(page.evaluate(STARTUP))
        marks = page.evaluate(
            "() => ({module: __perf.moduleMs, views: __perf.viewsMs, "
            "'first render()': __perf.firstFrameMs, wsOpen: __perf.wsOpenMs, "
            "firstMessage: __perf.firstMessageMs})"
        )
        page.wait_for_function(
            "() => window.__replay.timeline.coveredTo >= window.__replay.timeline.framesTotal - 1"
            " && !window.__replay.timeline.computing",
            timeout=120_000,
        )
        all_loaded_ms = page.evaluate("() => performance.now()")
        page.wait_for_timeout(500)
        http_bytes, ws_bytes = sizes["http"], sizes["ws"]

        page.evaluate(
            """(speed) => {
                 window.__perf.frames.length = 0; window.__perf.parts = {};
                 window.__rafFrames.clear();
                 const sel = document.getElementById('speed');
                 if (![...sel.options].some((o) => o.value === String(speed))) {
                   sel.append(new Option(speed + '×', String(speed)));
                 }
                 sel.value = String(speed); sel.dispatchEvent(new Event('change'));
                 window.__replay.seek(0, {quiet: true});
                 document.getElementById('btn-play').click(); }""",
            args.speed,
        )
        duration_s = page.evaluate("() => window.__replay.timeline.durationMs / 1000")
        page.wait_for_function(
            "() => document.getElementById('btn-play').getAttribute('aria-pressed') === 'false'",
            timeout=int((duration_s / args.speed + 30) * 1000),
        )
        render = page.evaluate("() => window.__perf.frames")
        parts = page.evaluate("() => window.__perf.parts")
        raf = page.evaluate("() => [...window.__rafFrames.values()]")
        browser.close()

    last = samples[-1]
    print(f"run {run_id} at {base}, viewport {args.width}x{args.height}")
    print("from navigation start, fresh browser context each load:")
    print(f"  first rendered frame on screen: {spread(samples, 'first')}")
    print(f"  graph ready:                    {spread(samples, 'graph')}")
    print(f"  charts ready:                   {spread(samples, 'charts')}")
    print("  last load: " + ", ".join(f"{k} {v:.0f}" for k, v in marks.items() if v is not None))
    print(f"  whole run loaded (last load):   {all_loaded_ms:.0f} ms")
    print(
        f"transferred: HTTP {http_bytes / 1024:.0f} KiB in {sizes['requests']} requests "
        f"({last['earlyBytes'] / 1024:.0f} KiB in {last['earlyRequests']} before the first "
        f"frame); WebSocket payloads {ws_bytes / 1024 / 1024:.1f} MiB"
    )
    print(f"playback at {args.speed}×: {len(render)} frames")
    r50, r95 = pct(render, 0.5), pct(render, 0.95)
    print(
        f"  render() script per frame: p50 {r50:.2f} ms, p95 {r95:.2f} ms, "
        f"max {max(render):.2f} ms, mean {statistics.fmean(render):.2f} ms"
    )
    print(
        f"  all rAF script per frame:  p50 {pct(raf, 0.5):.2f} ms, p95 {pct(raf, 0.95):.2f} ms, "
        f"max {max(raf):.2f} ms"
    )
    print("  p95 by view: " + ", ".join(f"{k} {pct(v, 0.95):.2f}" for k, v in parts.items()))


if __name__ == "__main__":
    main()
