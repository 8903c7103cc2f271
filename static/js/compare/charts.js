// Both runs' signals on the same axes: for every chart of the player's plan
// (replay/declarations.js chartPlan), each series of run A solid and of run B dashed, in the
// same colour, so where the lines part is where the runs do.

import { h, cssVar } from "../replay/dom.js";

export function createOverlayCharts(root, { plan, a, b, clock, onSeek }) {
  const uPlot = window.uPlot;
  const frameS = a.frameMs / 1000, startS = clock.startMs / 1000;
  const xs = Float64Array.from({ length: a.framesTotal }, (_, i) => startS + i * frameS);
  const colors = [cssVar("--c1", "#0072b2"), cssVar("--c2", "#d55e00")];
  const axisColor = cssVar("--muted", "#5b6573"), grid = cssVar("--grid", "#8883");
  const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
  const fmt = (v) => (v == null ? "—" : Math.abs(v) >= 1000 ? compact.format(v) : String(Math.round(v * 10) / 10));
  const series = (c) => c.series.flatMap((i) => [a.series[i], b.series[i].length === xs.length ? b.series[i] : b.series[i].slice(0, xs.length)]);
  const items = plan.charts.map((c) => {
    const holder = h("figure", { class: "chart" }, h("figcaption", {}, c.title));
    root.append(holder);
    const twoScales = c.series.some((i) => plan.defs[i].scale === "y2");
    const range = (u, lo, hi) => [0, Math.max(hi || 1, 1) * 1.05];
    const opts = {
      width: 300, height: 160, legend: { show: true, live: true }, cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      scales: { x: { time: true }, y: c.range ? { range: c.range } : { range }, y2: { range } },
      axes: [
        { stroke: axisColor, grid: { stroke: grid }, ticks: { stroke: grid }, space: 60, values: (u, splits) => splits.map((v) => clock.info((v - startS) * 1000).tick) },
        { stroke: axisColor, grid: { stroke: grid }, ticks: { stroke: grid }, size: 52, values: (u, vals) => vals.map(fmt) },
        ...(twoScales ? [{ scale: "y2", side: 1, stroke: colors[1], grid: { show: false }, size: 52, values: (u, vals) => vals.map(fmt) }] : []),
      ],
      series: [
        { value: (u, v) => (v == null ? "—" : clock.info((v - startS) * 1000).time) },
        ...c.series.flatMap((i, k) => ["A", "B"].map((run) => ({
          label: `${run}: ${plan.defs[i].label}`, scale: plan.defs[i].scale || "y", stroke: colors[k % 2],
          width: run === "A" ? 1.6 : 2, dash: run === "B" ? [6, 4] : undefined, value: (u, v) => fmt(v), points: { show: false },
        }))),
      ],
    };
    const u = new uPlot(opts, [xs, ...series(c)], holder);
    const line = h("div", { class: "chart-playhead", "aria-hidden": "true" });
    u.over.append(line);
    u.over.addEventListener("click", (e) => onSeek((u.posToVal(e.offsetX, "x") - startS) * 1000));
    return { u, c, line, lastX: -1 };
  });
  new ResizeObserver(() => {
    for (const it of items) {
      const w = Math.max(200, Math.floor(it.u.root.parentElement.clientWidth));
      // Never wider than its figure (the canvas would spill past the chart's box); grows in steps.
      if (w < it.u.width || w - it.u.width > 2) it.u.setSize({ width: w, height: 160 });
      it.lastX = -1;
    }
  }).observe(root);

  let version = "", lastPush = 0;
  function update(view) {
    const v = `${a.version}|${b.version}`, now = performance.now();
    if (v !== version && (now - lastPush > 400 || !(a.computing || b.computing))) {
      for (const it of items) { it.u.setData([xs, ...series(it.c)]); it.lastX = -1; }
      version = v;
      lastPush = now;
    }
    const x = startS + view.t_ms / 1000;
    for (const it of items) {
      const px = Math.round(it.u.valToPos(x, "x"));
      if (px !== it.lastX) { it.line.style.transform = `translateX(${px}px)`; it.lastX = px; }
    }
  }
  return { update };
}
