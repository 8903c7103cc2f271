// Charts (uPlot): one small chart per mechanism the scenario has — the error rate of the
// service at the root of the outage, DWFM leases and queue, the propagation backlog and
// its latency, healthy NLB capacity. Series are filled by the timeline as chunks arrive
// (null where not computed yet); the playhead is a DOM line moved over each plot.

import { h, cssVar } from "./dom.js";

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Series definitions for the timeline and chart layouts, from the scenario spec. */
export function chartPlan(spec) {
  const defs = [], charts = [];
  const mech = (type, hint) => {
    const all = spec.mechanisms.filter((m) => m.type === type);
    return all.find((m) => hint.test(`${m.id} ${m.services.join(" ")}`)) || all[0];
  };
  const add = (id, label, get, opts = {}) => { defs.push({ id, label, get, ...opts }); return defs.length - 1; };
  const dns = spec.mechanisms.find((m) => m.type === "dns_automation");
  const root = spec.services.find((s) => s.id === "dynamodb") || (dns && spec.services.find((s) => s.id === dns.services[0]));
  if (root) {
    charts.push({ title: `${root.name} error rate`, units: ["%"], series: [
      add("err", "error rate", (st) => { const v = num(st.services[root.id]?.error_rate); return v == null ? null : v * 100; }, { unit: "%" }),
    ], range: [0, 100] });
  }
  const fleet = mech("lease_fleet", /dwfm|ec2/i);
  if (fleet) {
    charts.push({ title: "DWFM: active leases and lease-job queue", units: ["leases", "jobs"], series: [
      add("leases", "active leases", (st) => num(st.metrics[fleet.id]?.active_leases)),
      add("queue", "queued jobs", (st) => num(st.metrics[fleet.id]?.queue), { scale: "y2" }),
    ] });
  }
  const wq = mech("work_queue", /network|netm|propag/i);
  if (wq) {
    charts.push({ title: "Network Manager: backlog and latency", units: ["items", "s"], series: [
      add("backlog", "backlog", (st) => num(st.metrics[wq.id]?.backlog)),
      add("latency", "latency (s)", (st) => num(st.metrics[wq.id]?.latency_s), { scale: "y2" }),
    ] });
  }
  const hc = mech("health_check_failover", /nlb|health/i);
  if (hc) {
    charts.push({ title: "NLB: healthy capacity in service", units: ["%"], series: [
      add("healthy", "healthy capacity", (st) => { const v = num(st.metrics[hc.id]?.healthy_fraction); return v == null ? null : v * 100; }),
    ], range: [0, 100] });
  }
  return { defs, charts };
}

export function createCharts(root, { plan, timeline, clock, onSeek }) {
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
  const items = plan.charts.map((c) => {
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
          values: (u, splits) => splits.map((v) => clock.info((v - startS) * 1000).short) },
        { stroke: axisColor, grid: { stroke: grid }, ticks: { stroke: grid }, size: 52, values: (u, vals) => vals.map((v) => axisVal(u, v)) },
        ...(twoScales ? [{ scale: "y2", side: 1, stroke: colors[1], grid: { show: false }, size: 52, values: (u, vals) => vals.map((v) => axisVal(u, v)) }] : []),
      ],
      series: [
        { value: (u, v) => (v == null ? "—" : clock.info((v - startS) * 1000).time) },
        ...c.series.map((i, k) => ({ label: plan.defs[i].label, scale: plan.defs[i].scale || "y", stroke: colors[k],
          width: 1.6, fill: k === 0 ? `${colors[k]}22` : undefined, dash: k === 1 ? [6, 3] : undefined,
          value: (u, v) => fmtVal(u, v), points: { show: false } })),
      ],
    };
    const u = new uPlot(opts, [xs, ...c.series.map((i) => timeline.series[i])], holder);
    const line = h("div", { class: "chart-playhead", "aria-hidden": "true" });
    u.over.append(line);
    u.over.addEventListener("click", (e) => {
      const v = u.posToVal(e.offsetX, "x");
      onSeek((v - startS) * 1000);
    });
    return { u, c, line, lastX: -1 };
  });

  function resize() {
    for (const it of items) {
      const w = Math.max(200, Math.floor(it.u.root.parentElement.clientWidth));
      if (Math.abs(w - it.u.width) > 2) it.u.setSize({ width: w, height: 150 });
      it.lastX = -1;
    }
  }
  new ResizeObserver(resize).observe(root);

  let dataVersion = -1, lastPush = 0;
  function update(view) {
    const now = performance.now();
    if (dataVersion !== timeline.version && (now - lastPush > 400 || !timeline.computing)) {
      for (const it of items) it.u.setData([xs, ...it.c.series.map((i) => timeline.series[i])]);
      dataVersion = timeline.version;
      lastPush = now;
      for (const it of items) it.lastX = -1;
    }
    const x = startS + view.t_ms / 1000;
    for (const it of items) {
      const px = Math.round(it.u.valToPos(x, "x"));
      if (px !== it.lastX) { it.line.style.transform = `translateX(${px}px)`; it.lastX = px; }
    }
  }
  return { update };
}
