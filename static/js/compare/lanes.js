// Paired swimlanes: per service, run A's status strip over run B's, with the spans where
// they differ marked by a band behind the pair and a bar above it (so the difference is
// shown by shape, not colour alone). One playhead; clicking the track seeks, a row's name
// selects the service. Redrawn only when either run's data changes.

import { h, setText, cssVar, STATUS_ICON } from "../replay/dom.js";
import { STATUSES, NO_DATA } from "../replay/timeline.js";

const ROW = 30, STRIP = 10;

export function createPairedLanes(root, { spec, a, b, onSeek, onSelect }) {
  const services = spec.services;
  const labels = new Map(), nows = new Map();
  const list = h("ul", { class: "lane-labels", "aria-label": "Services (select one); each row is run A over run B" },
    services.map((s) => {
      const now = h("span", { class: "lane-now pair-now" }, "");
      nows.set(s.id, now);
      const btn = h("button", { type: "button", class: "lane-label", "aria-pressed": "false", dataset: { service: s.id },
        onclick: () => onSelect(btn.getAttribute("aria-pressed") === "true" ? null : s.id) },
      h("span", { class: "lane-name" }, s.name || s.id), now);
      labels.set(s.id, btn);
      return h("li", { style: { height: `${ROW}px` } }, btn);
    }));
  const canvas = h("canvas", { class: "lane-canvas", "aria-hidden": "true" });
  const playhead = h("div", { class: "playhead", "aria-hidden": "true" });
  const track = h("div", { class: "lane-track", style: { height: `${services.length * ROW}px` } }, canvas, playhead);
  root.append(h("div", { class: "lane-grid pair-grid" }, h("div", { class: "lane-corner" }),
    h("div", { class: "lane-axis pair-key", "aria-hidden": "true" }, h("span", {}, "upper strip: A · lower strip: B · ▬ marks where they differ")),
    list, track));
  track.addEventListener("pointerdown", (e) => {
    const r = track.getBoundingClientRect();
    onSeek(((e.clientX - r.left) / r.width) * a.durationMs);
  });

  let width = 0, dpr = 1, drawn = "", lastX = -1;
  function layout() {
    width = track.clientWidth;
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(width * dpr));
    canvas.height = Math.round(services.length * ROW * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${services.length * ROW}px`;
    drawn = ""; lastX = -1;
  }

  /** Frame spans [from, to] where the two runs' statuses of service i differ. */
  function differs(i) {
    const out = [], n = Math.min(a.framesTotal, b.framesTotal);
    let start = -1;
    for (let s = 0; s <= n; s++) {
      const ca = s < n ? a.codeAt(i, s) : NO_DATA, cb = s < n ? b.codeAt(i, s) : NO_DATA;
      const diff = s < n && ca !== NO_DATA && cb !== NO_DATA && ca !== cb;
      if (diff && start < 0) start = s;
      if (!diff && start >= 0) { out.push([start, s - 1]); start = -1; }
    }
    return out;
  }

  function strip(ctx, tl, i, y, colors, fw) {
    for (const [code, from, to] of tl.intervals(i)) {
      if (code === NO_DATA) continue;
      ctx.fillStyle = colors[STATUSES[code]];
      ctx.fillRect(from * fw, y, Math.max((to - from + 1) * fw, 1), STRIP);
    }
  }

  const diffCount = new Map();
  function draw() {
    const ctx = canvas.getContext("2d");
    const colors = Object.fromEntries(STATUSES.map((s) => [s, cssVar(`--st-${s}`, "#888")]));
    const band = cssVar("--diff-bg", "#7b3fe433"), bar = cssVar("--accent", "#7b3fe4");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, services.length * ROW);
    const fw = width / a.framesTotal;
    services.forEach((s, i) => {
      const y = i * ROW;
      const spans = differs(i);
      diffCount.set(s.id, spans.length);
      for (const [from, to] of spans) {
        const x = from * fw, w = Math.max((to - from + 1) * fw, 2);
        ctx.fillStyle = band; ctx.fillRect(x, y + 1, w, ROW - 2);
        ctx.fillStyle = bar; ctx.fillRect(x, y + 1, w, 3);
      }
      strip(ctx, a, i, y + 5, colors, fw);
      strip(ctx, b, i, y + 6 + STRIP, colors, fw);
    });
    drawn = `${a.version}|${b.version}`;
  }

  let selected = null;
  function select(id) {
    if (selected) labels.get(selected)?.setAttribute("aria-pressed", "false");
    selected = id;
    if (id) labels.get(id)?.setAttribute("aria-pressed", "true");
  }

  function update(view) {
    if (!width) layout();
    if (drawn !== `${a.version}|${b.version}`) draw();
    const x = Math.round((view.t_ms / a.durationMs) * width * 2) / 2;
    if (x !== lastX) { playhead.style.transform = `translateX(${x}px)`; lastX = x; }
    for (const s of services) {
      const sa = view.stateA?.services[s.id]?.status || "none", sb = view.stateB?.services[s.id]?.status || "none";
      const key = `${sa}|${sb}`;
      const el = nows.get(s.id);
      if (el.dataset.key === key) continue;
      el.dataset.key = key;
      el.className = `lane-now pair-now${sa !== sb ? " is-diff" : ""}`;
      setText(el, sa === sb ? `${STATUS_ICON[sa] || "·"} ${sa === "none" ? "" : sa}` : `A ${STATUS_ICON[sa] || "·"} ${sa} · B ${STATUS_ICON[sb] || "·"} ${sb}`);
    }
  }

  new ResizeObserver(() => { if (track.clientWidth !== width) layout(); }).observe(track);
  return { update, select, diffCount };
}
