// Swimlanes: a row per service with its status segments over the whole run (drawn once
// per data change on a canvas, with a hatch pattern per status so colour is never the
// only cue), sustained (metastable) spans as labelled bands, the real-world milestones
// as focusable markers (on their service's row; above the rows when they name none) whose
// tooltip compares real and simulated time, one playhead across all rows. Clicking
// anywhere on the track seeks; a row's name selects the service.

import { h, setText, cssVar, STATUS_ICON } from "./dom.js";
import { STATUSES, NO_DATA } from "./timeline.js";
import { describeMilestone } from "./milestones.js";
import { fidelityLines } from "./fidelity.js";

const ROW = 18;

function pattern(ctx, kind, color) {
  const c = document.createElement("canvas");
  c.width = c.height = 8;
  const g = c.getContext("2d");
  g.strokeStyle = color; g.fillStyle = color; g.lineWidth = 1.5;
  if (kind === "down") { g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke(); }
  if (kind === "degraded") { g.fillRect(3, 3, 2, 2); }
  if (kind === "recovering") { g.beginPath(); g.moveTo(0, 0); g.lineTo(8, 8); g.stroke(); }
  return ctx.createPattern(c, "repeat");
}

export function createSwimlanes(root, { spec, timeline, clock, onSeek, onSelect, milestones, spans = () => [], fidelityRows = () => null }) {
  const services = spec.services;
  const labels = new Map(), nows = new Map();
  const list = h("ul", { class: "lane-labels", "aria-label": "Services (select one)" },
    services.map((s) => {
      const now = h("span", { class: "lane-now stat-none" }, "·");
      nows.set(s.id, now);
      const btn = h("button", { type: "button", class: "lane-label", "aria-pressed": "false", dataset: { service: s.id }, title: s.name || s.id,
        onclick: () => onSelect(labels.get(s.id).getAttribute("aria-pressed") === "true" ? null : s.id) },
      h("span", { class: "lane-name" }, s.name || s.id), now);
      labels.set(s.id, btn);
      return h("li", { style: { height: `${ROW}px` } }, btn);
    }));
  const canvas = h("canvas", { class: "lane-canvas", "aria-hidden": "true" });
  const mask = h("div", { class: "lane-mask", "aria-hidden": "true" }, h("span", {}, "computing…"));
  const playhead = h("div", { class: "playhead", "aria-hidden": "true" });
  const tip = h("div", { class: "tooltip", role: "tooltip", id: "lane-tip", hidden: true });
  const axis = h("div", { class: "lane-axis", "aria-hidden": "true" });
  const rowOf = new Map(services.map((s, i) => [s.id, i]));
  const markers = milestones.map((m) => {
    const row = rowOf.has(m.service) ? rowOf.get(m.service) : -1;
    const t = m.at_s * 1000;
    const info = clock.info(t);
    const d = describeMilestone(m);
    const lines = () => {
      const fid = fidelityRows()?.find((r) => r.id === m.id) || null;
      return [d.label, m.service ? "" : "Not tied to one service", ...fidelityLines(m, fid, clock), `UTC: ${info.utc}`,
        d.source ? `Source: ${d.source}` : "", d.confidence ? `Source confidence: ${d.confidence}` : "", `Kind: ${d.kind}`].filter(Boolean);
    };
    const btn = h("button", { type: "button", class: `marker kind-${m.kind || "reference"}${row < 0 ? " no-service" : ""}`,
      "aria-label": `Milestone at ${info.time}: ${d.label}`, "aria-describedby": "lane-tip",
      style: { top: row < 0 ? `${-ROW / 2 - 2}px` : `${row * ROW + ROW / 2}px` }, dataset: { t: String(t), id: m.id || "" } }, "◆");
    const show = () => {
      tip.replaceChildren(...lines().map((l, i) => h(i ? "div" : "strong", {}, l)));
      tip.hidden = false;
      const r = btn.getBoundingClientRect(), tr = track.getBoundingClientRect();
      // Kept inside the viewport (a phone's track is narrower than the tooltip).
      const tipW = Math.min(320, window.innerWidth - 16);
      tip.style.maxWidth = `${tipW}px`;
      const left = Math.min(Math.max(r.left - tr.left - 40, 8 - tr.left), window.innerWidth - 8 - tr.left - tipW);
      tip.style.left = `${left}px`;
      tip.style.top = `${r.bottom - tr.top + 4}px`;
    };
    btn.addEventListener("mouseenter", show);
    btn.addEventListener("focus", show);
    btn.addEventListener("mouseleave", () => { tip.hidden = true; });
    btn.addEventListener("blur", () => { tip.hidden = true; });
    btn.addEventListener("click", (e) => { e.stopPropagation(); onSeek(t); });
    return { btn, t };
  });
  const bands = h("div", { class: "lane-bands" });
  const track = h("div", { class: "lane-track", style: { height: `${services.length * ROW}px` } },
    canvas, bands, mask, markers.map((m) => m.btn), playhead, tip);
  root.append(h("div", { class: "lane-grid" }, h("div", { class: "lane-corner" }), axis, list, track));

  track.addEventListener("pointerdown", (e) => {
    if (e.target.closest(".marker")) return;
    const r = track.getBoundingClientRect();
    onSeek(((e.clientX - r.left) / r.width) * timeline.durationMs);
  });

  let width = 0, drawnVersion = -1, dpr = 1, pats = null, lastX = -1, lastMask = -1;
  const colors = () => Object.fromEntries([...STATUSES, "none"].map((s) => [s, cssVar(`--st-${s}`, "#888")]));

  function layout() {
    tip.hidden = true;
    width = track.clientWidth;
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(width * dpr));
    canvas.height = Math.round(services.length * ROW * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${services.length * ROW}px`;
    for (const m of markers) m.btn.style.left = `${(m.t / timeline.durationMs) * 100}%`;
    drawAxis();
    drawnVersion = -1; lastMask = -1;
    movePlayhead(lastT);
  }

  function drawAxis() {
    const total = timeline.durationMs;
    const hourPx = (width / total) * 3600000;
    // Whole days are labelled with a date ("Sat, Jul 20"), which needs more room.
    const step = [1, 2, 3, 4, 6, 12, 24, 48, 72, 168].find((s) => s * hourPx >= (s >= 24 ? 90 : 64)) || 168;
    const first = clock.info(0);
    const [hh, mm, ss] = first.time.split(":").map(Number);
    let t = ((60 - mm) % 60) * 60000 - ss * 1000;
    if (t < 0) t += 3600000;
    let hour = (hh + (mm || ss ? 1 : 0)) % 24;
    while (hour % step) { t += 3600000; hour = (hour + 1) % 24; }
    const ticks = [];
    for (; t <= total; t += step * 3600000) {
      const i = clock.info(t);
      ticks.push(h("span", { class: "tick", style: { left: `${(t / total) * 100}%` } }, i.day > 0 && i.short === "00:00" ? i.date : i.short));
    }
    axis.replaceChildren(...ticks);
    // A label centred on a tick near either end would be cut by the axis's edge: it is
    // pulled inside instead (its start or end on the tick).
    for (const tick of ticks) {
      const x = (parseFloat(tick.style.left) / 100) * width, half = tick.offsetWidth / 2;
      if (x - half < 0) tick.style.transform = `translateX(${-x}px)`;
      else if (x + half > width) tick.style.transform = `translateX(${width - x - 2 * half}px)`;
    }
  }

  function draw() {
    const ctx = canvas.getContext("2d");
    const c = colors();
    if (!pats) pats = Object.fromEntries(["down", "degraded", "recovering"].map((k) => [k, pattern(ctx, k, cssVar("--hatch", "#0006"))]));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, services.length * ROW);
    const fw = width / timeline.framesTotal;
    services.forEach((s, i) => {
      const y = i * ROW + 2, hgt = ROW - 4;
      for (const [code, from, to] of timeline.intervals(i)) {
        if (code === NO_DATA) continue;
        const st = STATUSES[code];
        const x0 = from * fw, w = Math.max((to - from + 1) * fw, 1);
        ctx.fillStyle = c[st];
        ctx.fillRect(x0, y, w, hgt);
        if (pats[st]) { ctx.fillStyle = pats[st]; ctx.fillRect(x0, y, w, hgt); }
      }
    });
    drawnVersion = timeline.version;
  }

  let selected = null;
  function select(id) {
    if (id === selected) return;
    if (selected) labels.get(selected)?.setAttribute("aria-pressed", "false");
    selected = id;
    if (id) labels.get(id)?.setAttribute("aria-pressed", "true");
  }

  let lastT = 0;
  function movePlayhead(tMs) {
    lastT = tMs;
    const x = Math.round((tMs / timeline.durationMs) * width * 2) / 2;
    if (x !== lastX) { playhead.style.transform = `translateX(${x}px)`; lastX = x; }
  }

  let drawnSpans = null;
  function drawBands() {
    const all = spans();
    if (all === drawnSpans) return;
    drawnSpans = all;
    const total = timeline.durationMs / 1000;
    bands.replaceChildren(...all.filter((x) => rowOf.has(x.service)).map((x) => {
      const from = clock.info(x.from_s * 1000).time;
      const band = h("div", { class: "sustained-band lane-band", role: "note",
        "aria-label": `${services[rowOf.get(x.service)].name}: sustained by ${x.loop} from ${from}`,
        title: `Sustained by ${x.loop} from ${from}: failing while every trigger is healthy` },
      h("span", {}, `sustained: ${x.loop}`));
      band.style.top = `${rowOf.get(x.service) * ROW}px`;
      band.style.height = `${ROW}px`;
      band.style.left = `${(x.from_s / total) * 100}%`;
      band.style.width = `${Math.max(0.2, ((x.to_s - x.from_s) / total) * 100)}%`;
      return band;
    }));
  }

  function update(view) {
    if (!width) layout();
    if (drawnVersion !== timeline.version) draw();
    drawBands();
    movePlayhead(view.t_ms);
    const edge = Math.min(1, (timeline.coveredTo + 1) / timeline.framesTotal);
    if (edge !== lastMask) {
      mask.hidden = edge >= 1;
      setText(mask.firstChild, timeline.computing ? "computing…" : "loading…");
      mask.style.left = `${edge * 100}%`;
      lastMask = edge;
    }
    for (const s of services) {
      const st = view.state?.services[s.id]?.status || "none";
      const el = nows.get(s.id);
      if (el.dataset.st !== st) {
        el.dataset.st = st;
        el.className = `lane-now stat-${st}`;
        el.replaceChildren(h("span", { "aria-hidden": "true" }, STATUS_ICON[st] || "·"), h("span", { class: "lane-word" }, st === "none" ? "" : ` ${st}`));
      }
    }
  }

  new ResizeObserver(() => { if (track.clientWidth !== width) { layout(); } }).observe(track);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { pats = null; drawnVersion = -1; });
  return { update, select, forceRedraw: () => { drawnVersion = -1; } };
}
