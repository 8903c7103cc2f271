// The compare page: two runs of one scenario on one playhead (app.t). Built from the
// player's modules (static/js/replay): each run has its own Timeline fed like the
// player's; one set of controls drives both; two synchronised dependency graphs, paired
// swimlanes, overlaid charts, and the server's stored diff (summary.js).

import { Timeline } from "../replay/timeline.js";
import { makeClock } from "../replay/clock.js";
import { chartPlan, mechanismsOf } from "../replay/declarations.js";
import { createAnnouncer } from "../replay/announce.js";
import { createControls } from "../replay/controls.js";
import { feedRun } from "./feed.js";
import { createPairedLanes } from "./lanes.js";
import { createOverlayCharts } from "./charts.js";
import { createSummary } from "./summary.js";

const perf = (window.__perf = { frames: [], firstFrameMs: null, diffShownMs: null, moduleMs: performance.now() });
const data = JSON.parse(document.getElementById("compare-data").textContent);
const config = data.config;
const spec = data.a.spec;
const clock = makeClock(spec);
const plan = chartPlan(mechanismsOf(data.a));
const a = new Timeline(data.a, plan.defs), b = new Timeline(data.b, plan.defs);
const $ = (id) => document.getElementById(id);
const RANK = { failed: 5, cancelled: 4, running: 3, queued: 2, done: 1 };

// What the player's controls need of "the timeline", for the pair.
const pair = {
  durationMs: a.durationMs, framesTotal: a.framesTotal, serviceIndex: a.serviceIndex,
  get computing() { return a.computing || b.computing; },
  get liveEdgeMs() { return Math.min(a.liveEdgeMs, b.liveEdgeMs); },
  get coveredTo() { return Math.min(a.coveredTo, b.coveredTo); },
  get status() { return (RANK[a.status] || 0) >= (RANK[b.status] || 0) ? a.status : b.status; },
  get error() { return a.error || b.error; },
};
// Previous / next event of either run.
const moments = {
  neighbour(tMs, dir) {
    const ts = [...a.events, ...b.events].map((e) => e.t_ms);
    const found = dir > 0 ? ts.filter((t) => t > tMs + 1).reduce((m, t) => Math.min(m, t), Infinity)
      : ts.filter((t) => t < tMs - 1).reduce((m, t) => Math.max(m, t), -Infinity);
    return Number.isFinite(found) ? found : null;
  },
};

const app = { t: 0, playing: false, speed: 1, selected: null, followLive: false };
const announcer = createAnnouncer($("announcer"));
let graphs = [];
const seek = (tMs, opts) => controls.seek(tMs, opts);
function select(id) {
  app.selected = id && a.serviceIndex.has(id) ? id : null;
  for (const g of graphs) g.select(app.selected);
  lanes.select(app.selected);
  if (app.selected) announcer.say(`${spec.services[a.serviceIndex.get(app.selected)].name} selected.`, { now: true });
  controls.urlChanged();
  invalidate();
}
const lanes = createPairedLanes($("lanes"), { spec, a, b, onSeek: seek, onSelect: select });
let charts = { update() {} };
const focus = new URLSearchParams(location.search).get("focus");
const summary = createSummary($("diff"), { clock, onSeek: seek, onSelect: select, spec, focus });
const controls = createControls({ app, timeline: pair, clock, config, narration: moments, announcer, invalidate, select });

let raf = 0, lastNow = 0;
function invalidate() { if (!raf) raf = requestAnimationFrame(tick); }
function tick(now) {
  raf = 0;
  const dt = Math.min(now - (lastNow || now), 100);
  lastNow = now;
  if (app.playing) controls.advance(dt);
  render();
  if (app.playing) invalidate(); else lastNow = 0;
}

function render() {
  const t0 = performance.now();
  const seq = a.seqAt(app.t);
  const stateA = a.stateAt(seq), stateB = b.stateAt(Math.min(seq, b.framesTotal - 1));
  const view = { t_ms: app.t, seq, state: stateA, stateA, stateB, playing: app.playing };
  if (graphs.length) { graphs[0].update(stateA ? stateA.services : {}); graphs[1].update(stateB ? stateB.services : {}); }
  lanes.update(view);
  presence?.frame(view);
  charts.update(view);
  controls.update(view);
  summary.update(view);
  if (stateA && stateB) {
    if (perf.firstFrameMs === null) { perf.firstFrameMs = performance.now(); requestAnimationFrame(() => setTimeout(loadLibraries, 0)); }
    if (perf.frames.length < 20000) perf.frames.push(performance.now() - t0);
  }
}

// -- libraries after the first frame (as in the player) -------------------------------
let requested = false;
function loadLibraries() {
  if (requested) return;
  requested = true;
  loadGraphs().then(loadCharts);
}
async function loadGraphs() {
  try {
    const [{ createGraph }] = await Promise.all([import("../replay/graph.js"), import("cytoscape"), import("cytoscape-dagre")]);
    graphs = ["graph-a", "graph-b"].map((id) => {
      const el = $(id);
      el.querySelector(".graph-loading")?.remove();
      return createGraph(el, spec, { onSelect: select });
    });
    for (const g of graphs) g.select(app.selected);
    invalidate();
  } catch (err) {
    console.warn("graphs failed to load", err);
  }
}
function loadAsset(tag, attrs) {
  return new Promise((resolve, reject) => {
    const el = Object.assign(document.createElement(tag), attrs, { onload: resolve, onerror: reject });
    document.head.append(el);
  });
}
async function loadCharts() {
  if (!plan.charts.length) { $("charts").closest("section").hidden = true; return; }
  try {
    await Promise.all([loadAsset("script", { src: config.uplot_js }), loadAsset("link", { rel: "stylesheet", href: config.uplot_css })]);
    charts = createOverlayCharts($("charts"), { plan, a, b, clock, onSeek: seek });
    invalidate();
  } catch (err) {
    console.warn("charts failed to load", err);
  }
}

// -- the diff: stored on the server, asked for once both runs are done -------------------
let diffTimer = 0, diffAsked = false;
function showDiff(diff) {
  summary.show(diff);
  $("diff").setAttribute("aria-busy", "false");
  perf.diffShownMs = performance.now();
  document.documentElement.dataset.diff = "shown";
  invalidate();
}
async function askDiff() {
  diffTimer = 0;
  try {
    const r = await fetch(config.diff_url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await r.json();
    if (r.status === 200) { showDiff(body.diff); return; }
    if (r.status !== 202) { summary.fail(body.error || `error ${r.status}`); return; }
  } catch (err) {
    console.warn("diff fetch failed", err);
  }
  diffTimer = setTimeout(askDiff, 1000);
}
function maybeAskDiff() {
  if (diffAsked || data.diff || a.computing || b.computing) return;
  if (a.status !== "done" || b.status !== "done") { summary.fail("One of the runs did not finish, so there is nothing to compare."); diffAsked = true; return; }
  diffAsked = true;
  askDiff();
}

// A presented comparison (/p/<code>/): the player's presenter module, on demand.
let presence = null;
if (config.present) {
  import("../replay/present.js").then(({ createPresence }) => {
    presence = createPresence({ config, app, controls, timeline: pair, select, invalidate, clock });
  });
}

const onChange = () => { maybeAskDiff(); invalidate(); };
feedRun(a, config.a, { onChange });
feedRun(b, config.b, { onChange });
if (data.diff) showDiff(data.diff);
controls.applyUrl();
maybeAskDiff();
render();
invalidate();
window.__compare = { app, a, b, seek, select, render, get diffTimer() { return diffTimer; } };
