// Charts (uPlot): one small chart per chart group the run's mechanisms declare
// (declarations.js → chartPlan). Series are filled by the timeline as chunks arrive (null
// where not computed yet); the playhead is a DOM line moved over each plot, the legend
// shows the values under the playhead (under the pointer while hovering), and sustained
// spans of a chart's mechanism are drawn as labelled bands. Reusable: everything comes in
// as arguments (no page globals), so another page can draw the same charts.

import { h, cssVar } from "./dom.js";

const withUnit = (d) => (d.unit && d.unit !== "%" ? `${d.label} (${d.unit})` : d.label);

export function createCharts(root, { plan, timeline, clock, onSeek, spans = () => [] }) {
  const uPlot = window.uPlot;
  if (!uPlot || !plan.charts.length) {
    root.closest("section").hidden = !plan.charts.length;
    return { update() {} };
  }
  const frameS = timeline.frameMs / 1000, startS = clock.startMs / 1000;
  const xs = Float64Array.from({ length: timeline.framesTotal }, (_, i) => startS + i * frameS);
  const colors = [cssVar("--c1", "#0072b2"), cssVar("--c2", "#d55e00")];
  const axisColor = cssVar("--muted", "#5b6573"), grid = cssVar("--grid", "#8883");
  const fmtVal = (u, v) => (v == null ? "—" : Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : String(Math.round(v * 10) / 10));
  // Axis ticks get compact numbers (100K): a 52 px gutter clipped "100,000" to "0,000".
  const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
  const axisVal = (u, v) => (v == null ? "" : Math.abs(v) >= 1000 ? compact.format(v) : fmtVal(u, v));
  const ticks = [];  // each chart's time labels as last drawn (uPlot draws them on canvas)
  const items = plan.charts.map((c, k) => {
    const holder = h("figure", { class: "chart" }, h("figcaption", {}, c.title));
    root.append(holder);
    const twoScales = c.series.some((i) => plan.defs[i].scale === "y2");
    const opts = {
      width: 300, height: 150, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), clock.timeZone),
      legend: { show: true, live: true }, cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      scales: { x: { time: true }, y: c.range ? { range: c.range } : { range: (u, lo, hi) => [0, Math.max(hi || 1, 1) * 1.05] },
        y2: { range: (u, lo, hi) => [0, Math.max(hi || 1, 1) * 1.05] } },
      axes: [
        { stroke: axisColor, grid: { stroke: grid }, ticks: { stroke: grid }, space: 60,
          values: (u, splits) => (ticks[k] = splits.map((v) => clock.info((v - startS) * 1000).tick)) },
        { stroke: axisColor, grid: { stroke: grid }, ticks: { stroke: grid }, size: 52, values: (u, vals) => vals.map((v) => axisVal(u, v)) },
        ...(twoScales ? [{ scale: "y2", side: 1, stroke: colors[1], grid: { show: false }, size: 52, values: (u, vals) => vals.map((v) => axisVal(u, v)) }] : []),
      ],
      series: [
        { value: (u, v) => (v == null ? "—" : clock.info((v - startS) * 1000).time) },
        ...c.series.map((i, k) => ({ label: withUnit(plan.defs[i]), scale: plan.defs[i].scale || "y", stroke: colors[k % colors.length],
          width: 1.6, fill: k === 0 ? `${colors[0]}22` : undefined, dash: k === 1 ? [6, 3] : undefined,
          value: (u, v) => fmtVal(u, v), points: { show: false } })),
      ],
    };
    const u = new uPlot(opts, [xs, ...c.series.map((i) => timeline.series[i])], holder);
    const line = h("div", { class: "chart-playhead", "aria-hidden": "true" });
    const bands = h("div", { class: "chart-bands" });
    u.over.append(bands, line);
    let hovering = false;
    u.over.addEventListener("pointerenter", () => { hovering = true; });
    u.over.addEventListener("pointerleave", () => { hovering = false; lastIdx = -1; });
    u.over.addEventListener("click", (e) => {
      const v = u.posToVal(e.offsetX, "x");
      onSeek((v - startS) * 1000);
    });
    let lastIdx = -1;
    const follow = (idx) => { if (!hovering && idx !== lastIdx) { lastIdx = idx; u.setLegend({ idx }, false); } };
    return { u, c, line, bands, lastX: -1, follow, bandKey: "" };
  });

  function resize() {
    for (const it of items) {
      const w = Math.max(200, Math.floor(it.u.root.parentElement.clientWidth));
      // Never wider than its figure (the canvas would spill past the chart's box); grows in steps.
      if (w < it.u.width || w - it.u.width > 2) it.u.setSize({ width: w, height: 150 });
      it.lastX = -1;
    }
    if (lastView) update(lastView);
  }
  new ResizeObserver(resize).observe(root);

  let dataVersion = -1, lastPush = 0, lastView = null;
  function update(view) {
    lastView = view;
    const now = performance.now();
    if (dataVersion !== timeline.version && (now - lastPush > 400 || !timeline.computing)) {
      for (const it of items) it.u.setData([xs, ...it.c.series.map((i) => timeline.series[i])]);
      dataVersion = timeline.version;
      lastPush = now;
      for (const it of items) it.lastX = -1;
    }
    const x = startS + view.t_ms / 1000;
    const all = spans();
    for (const it of items) {
      const px = Math.round(it.u.valToPos(x, "x"));
      if (px !== it.lastX) { it.line.style.transform = `translateX(${px}px)`; it.lastX = px; }
      drawBands(it, all);
      it.follow(view.seq);
    }
  }

  /** Sustained spans of the chart's mechanism, as labelled bands over the plot. */
  function drawBands(it, all) {
    const mine = all.filter((s) => s.mechanism === it.c.mechanism);
    const key = `${it.u.width}|${mine.map((s) => `${s.from_s}-${s.to_s}`).join(",")}`;
    if (key === it.bandKey) return;
    it.bandKey = key;
    it.bands.replaceChildren(...mine.map((s) => {
      const x0 = it.u.valToPos(startS + s.from_s, "x"), x1 = it.u.valToPos(startS + s.to_s, "x");
      const band = h("div", { class: "sustained-band", title: `Sustained by ${s.loop} from ${clock.info(s.from_s * 1000).time}` },
        h("span", {}, `sustained: ${s.loop}`));
      band.style.left = `${x0}px`;
      band.style.width = `${Math.max(2, x1 - x0)}px`;
      return band;
    }));
  }
  return { update, ticks: () => ticks.map((t) => [...t]) };
}
