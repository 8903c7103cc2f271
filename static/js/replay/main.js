// The replay player: initSocket → handleMessage → render(state).
// One playhead (app.t, ms from the scenario start) drives every view; rendering is a
// function of (timeline, playhead) and runs at most once per animation frame.
//
// First frame first: the clock, swimlanes, race lane, narration and controls are plain
// DOM/canvas and are drawn from the chunk embedded in the page. The graph (Cytoscape +
// dagre, ~480 KB of script) and the charts (uPlot) are loaded after that frame is on
// screen, so they never delay it (docs/PERFORMANCE.md, "Player").

import { Timeline, STATUSES } from "./timeline.js";
import { makeClock } from "./clock.js";
import { api, initSocket } from "./socket.js";
import { createSwimlanes } from "./swimlanes.js";
import { createSequence } from "./sequence.js";
import { createCharts } from "./charts.js";  // no uPlot import: it is window.uPlot
import { mechanismsOf, chartPlan, sustainedSpans } from "./declarations.js";
import { createPanels } from "./panels.js";
import { createFidelity } from "./fidelity.js";
import { createNarration } from "./narration.js";
import { createDetails } from "./details.js";
import { createAnnouncer } from "./announce.js";
import { createControls } from "./controls.js";
import { prefersReducedMotion } from "./dom.js";

const perf = (window.__perf = {
  frames: [], parts: {}, firstFrameMs: null, firstPaintMs: null, graphReadyMs: null, chartsReadyMs: null,
  firstDataMs: null, moduleMs: performance.now(), chunks: 0,
});
const config = JSON.parse(document.getElementById("replay-config").textContent);
const meta = JSON.parse(document.getElementById("replay-meta").textContent);
const spec = meta.spec;
const clock = makeClock(spec);
const mechanisms = mechanismsOf(meta);
const plan = chartPlan(mechanisms);
const timeline = new Timeline(meta, plan.defs);
const http = api(config);
const $ = (id) => document.getElementById(id);

// Open the socket first: the network round trips overlap with building the views.
const inbox = [];
let handle = (msg) => inbox.push(msg);
const socket = initSocket(config, {
  onMessage: (msg) => handle(msg),
  onGap: () => fillGaps(timeline.storedSeqTo),
  afterSeq: () => timeline.coveredTo,
  onDown: () => { if (!pollTimer) poll(); },
  onFatal: (text) => controls.fatal(text),
});

const app = {
  t: 0, playing: false, speed: spec.duration_s / 120, selected: null, followLive: false,
  lastStatus: new Map(), dataVersion: -1,
};

// -- views -------------------------------------------------------------------------
const seek = (tMs, opts = {}) => controls.seek(tMs, opts);
const select = (id) => {
  app.selected = id && timeline.serviceIndex.has(id) ? id : null;
  graph.select(app.selected);
  lanes.select(app.selected);
  details.select(app.selected);
  narration.select(app.selected);
  if (app.selected) announcer.say(`${spec.services[timeline.serviceIndex.get(app.selected)].name} selected.`, { now: true });
  controls.urlChanged();
  invalidate();
};
// The embed (/embed/<run>/) has a subset of the panels: a view whose element is absent
// is a no-op, so both pages run this one module.
const NO_VIEW = { update() { return null; }, addEvents() {}, select() {}, scroll() {}, neighbour() { return null; } };
const view = (id, make) => ($(id) ? make($(id)) : NO_VIEW);
const announcer = createAnnouncer($("announcer"));
// Replaced by the Cytoscape graph once it is loaded (loadGraph, after the first frame).
let graph = { update() {}, select() {} };
// Sustained spans: the summary's (a finished run), else what the events so far say.
let spanCache = { version: -1, spans: [] };
const spans = () => {
  if (spanCache.version !== timeline.version) {
    spanCache = { version: timeline.version, spans: sustainedSpans(timeline.summary ? { summary: timeline.summary } : meta, timeline.events, spec.duration_s) };
  }
  return spanCache.spans;
};
const fidelityRows = () => timeline.summary?.milestones || meta.summary?.milestones || null;
const lanes = createSwimlanes($("lanes"), { spec, timeline, clock, onSeek: seek, onSelect: select, milestones: spec.milestones || [], spans, fidelityRows });
const sequenced = mechanisms.filter((m) => m.sequence);
const sequences = $("race") ? sequenced.map((m) => createSequence($("race"), { mechanism: m, clock, onSeek: seek, onChange: () => invalidate() })) : [];
if ($("race") && !sequences.length) { $("race").closest("section").hidden = true; $("race").closest(".stage")?.classList.add("no-race"); }
else if ($("race-h")) $("race-h").textContent = sequenced.map((m) => `${m.owner || m.title}: ${m.sequence.title || "sequence"}`).join(" · ");
const panels = view("panels", (el) => createPanels(el, { mechanisms, spans, clock }));
const fidelity = view("fidelity", (el) => createFidelity(el, { timeline }));
let charts = { update() {} };
const narration = view("narration", (el) => createNarration(el, { spec, mechanisms, clock, onSeek: seek, reducedMotion: prefersReducedMotion, filterBar: $("narration-filter") }));
const details = view("details", (el) => createDetails(el, { spec, timeline, clock, onSelect: select, onSeek: seek, spans }));
const controls = createControls({ app, timeline, clock, config, narration, announcer, invalidate, select });
perf.viewsMs = performance.now();

// -- render ------------------------------------------------------------------------
let raf = 0, lastNow = 0;
function invalidate() { if (!raf) raf = requestAnimationFrame(tick); }

function tick(now) {
  raf = 0;
  narration.scroll();  // reads layout left clean by the last frame, before this frame writes
  const dt = Math.min(now - (lastNow || now), 100);
  lastNow = now;
  if (app.playing) controls.advance(dt);
  render();
  if (app.playing) invalidate(); else lastNow = 0;
}

function render() {
  const t0 = performance.now();
  const seq = timeline.seqAt(app.t);
  const state = timeline.stateAt(seq);
  const view = { t_ms: app.t, seq, state, playing: app.playing };
  const parts = perf.parts;
  let m = performance.now();
  const mark = (name) => { const n = performance.now(); (parts[name] ||= []).push(n - m); m = n; };
  graph.update(state ? state.services : {}); mark("graph");
  lanes.update(view); mark("lanes");
  for (const sq of sequences) sq.update(view);
  mark("race");
  panels.update(view); mark("panels");
  charts.update(view); mark("charts");
  fidelity.update(); 
  details.update(view); mark("details");
  const item = narration.update(view); mark("narration");
  if (item) invalidate();  // the next frame scrolls it into view (narration.scroll)
  controls.update(view); mark("controls");
  presence?.frame(view);
  if (state) announceChanges(state, item);
  const dt = performance.now() - t0;
  if (state) {
    if (perf.firstFrameMs === null) firstFrameDrawn();
    if (perf.frames.length < 20000) perf.frames.push(dt);
  }
}

// A paused player redraws after a resize or a theme change too (an embed's frame is
// resized by its document): the views re-measure in their ResizeObservers, which run
// after this frame's render, so ask for one more frame shortly after.
const redrawSoon = () => { invalidate(); setTimeout(invalidate, 120); };
window.addEventListener("resize", redrawSoon);
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawSoon);

// -- after the first frame -------------------------------------------------------------
/** Run fn once the frame being prepared has been painted (rAF, then a task after it). */
function afterPaint(fn) {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

function firstFrameDrawn() {
  perf.firstFrameMs = performance.now();
  afterPaint(() => {
    perf.firstPaintMs = performance.now();
    loadLibraries();
  });
}

let librariesRequested = false;
function loadLibraries() {
  if (librariesRequested) return;
  librariesRequested = true;
  loadCharts(loadGraph());
}

async function loadGraph() {
  const el = $("graph");
  try {
    // graph.js's own imports, requested alongside it rather than after it has arrived.
    const [{ createGraph }] = await Promise.all([import("./graph.js"), import("cytoscape"), import("cytoscape-dagre")]);
    el.querySelector(".graph-loading")?.remove();
    graph = createGraph(el, spec, { onSelect: select });
    graph.select(app.selected);
    invalidate();
    await new Promise((resolve) => afterPaint(resolve));
    perf.graphReadyMs = performance.now();
  } catch (err) {
    console.warn("graph failed to load", err);
    el.querySelector(".graph-loading")?.replaceChildren("The graph could not be loaded; the list of services under Swimlanes has the same information.");
  }
}

function loadAsset(tag, attrs) {
  return new Promise((resolve, reject) => {
    const el = Object.assign(document.createElement(tag), attrs, { onload: resolve, onerror: () => reject(new Error(`${attrs.src || attrs.href} failed to load`)) });
    document.head.append(el);
  });
}

/** uPlot is fetched at once but the charts, mostly below the first screenful, are built
 * after the graph (`graphLoaded`): the two would otherwise share the main thread. */
async function loadCharts(graphLoaded) {
  if (!plan.charts.length || !$("charts")) { const panel = $("charts")?.closest("section"); if (panel) panel.hidden = true; perf.chartsReadyMs = performance.now(); return; }
  try {
    // uPlot's minified build ships as an IIFE only: it sets window.uPlot.
    await Promise.all([loadAsset("script", { src: config.uplot_js }), loadAsset("link", { rel: "stylesheet", href: config.uplot_css }), graphLoaded]);
    charts = createCharts($("charts"), { plan, timeline, clock, onSeek: seek, spans });
    invalidate();
    afterPaint(() => { perf.chartsReadyMs = performance.now(); });
  } catch (err) {
    console.warn("charts failed to load", err);
  }
}

function announceChanges(state, item) {
  const changes = [];
  for (const s of spec.services) {
    const st = state.services[s.id]?.status;
    const before = app.lastStatus.get(s.id);
    if (st && before && st !== before) changes.push(`${s.name} ${st}`);
    if (st) app.lastStatus.set(s.id, st);
  }
  if (changes.length) {
    const i = clock.info(app.t);
    announcer.say(`${i.time}: ${changes.slice(0, 4).join(", ")}${changes.length > 4 ? ` and ${changes.length - 4} more` : ""}.`);
  }
  if (item && item !== app.lastItem && !app.playing) announcer.say(item.text || "");
  app.lastItem = item;
}

// -- data --------------------------------------------------------------------------
const fetching = new Set();
async function fetchRange(from, to) {
  const key = `${from}-${to}`;
  if (fetching.has(key) || to < from) return;
  fetching.add(key);
  try {
    const body = await http.frames(from, to);
    for (const c of body.chunks || []) addChunk(c);
  } catch (err) {
    console.warn("frames fetch failed", err);
  } finally {
    fetching.delete(key);
  }
}

function fillGaps(upTo) {
  for (const [a, b] of timeline.gaps(upTo)) fetchRange(a, Math.min(b, a + 2499));
}

function addChunk(c) {
  if (!timeline.addChunk(c)) return;
  perf.chunks++;
  if (perf.firstDataMs === null) perf.firstDataMs = performance.now();
  const events = [c.keyframe, ...(c.deltas || [])].flatMap((f) => f.events || []);
  for (const sq of sequences) sq.addEvents(events);
  narration.addEvents(events);
  if (app.followLive) app.t = timeline.liveEdgeMs;
  invalidate();
}

function handleMessage(msg) {
  switch (msg.type) {
    case "run":
      timeline.setMeta(msg.run);
      break;
    case "chunk":
      if (msg.seq_from > timeline.coveredTo + 1) fillGaps(msg.seq_from - 1);
      addChunk(msg);
      break;
    case "status":
      timeline.setStatus(msg);
      if (!timeline.computing) fillGaps(timeline.storedSeqTo);
      break;
    case "error":
      console.info("server:", msg.message);
      break;
    default:
      break;
  }
  if (!timeline.computing && timeline.coveredTo >= timeline.framesTotal - 1 && socket) socket.close();
  invalidate();
}

// HTTP fallback: when the socket is down, poll the meta and fetch what is stored.
let pollTimer = 0;
async function poll() {
  pollTimer = 0;
  try {
    const m = await http.meta();
    timeline.setMeta(m);
    fillGaps(m.stored_seq_to);
    invalidate();
    if (timeline.computing || timeline.coveredTo < timeline.storedSeqTo) pollTimer = setTimeout(poll, 1500);
  } catch (err) {
    console.warn("meta fetch failed", err);
    pollTimer = setTimeout(poll, 3000);
  }
}

// Presenter sessions (/p/<code>/) load their module on demand.
let presence = null;
if (config.present) {
  import("./present.js").then(({ createPresence }) => {
    presence = createPresence({ config, app, controls, timeline, select, invalidate, clock });
  });
}

controls.applyUrl();
const firstChunk = JSON.parse(document.getElementById("replay-first-chunk").textContent);
if (firstChunk) addChunk(firstChunk);
// The chunk under the playhead, unless the page embeds it, comes at once over HTTP, in
// parallel with the socket's stream (which starts at the beginning).
const seqNow = timeline.seqAt(app.t);
if (timeline.storedSeqTo >= seqNow && !timeline.hasFrame(seqNow)) fetchRange(seqNow, seqNow);
handle = handleMessage;
inbox.splice(0).forEach(handleMessage);
render();
invalidate();
afterPaint(loadLibraries);  // also when the page had no frame to draw yet
window.__replay = { app, timeline, clock, seek, select, render, get graph() { return graph; }, get charts() { return charts; } };
void STATUSES;
