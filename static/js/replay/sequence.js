// Sequence diagram of a mechanism that declares actors and messages (its `sequence`):
// one lane per actor over a window of time ending at the playhead, an arrow per declared
// message at the moment it happened (from its sender's lane to its receiver's), a mark
// where a message has no receiver. Routine messages are thin and untagged; the others are
// tagged (e.g. the stale write and the clean-up deletion of the DNS race). Reusable:
// declaration, container and callbacks in; no page globals.

import { h, setText } from "./dom.js";
import { Timeline } from "./timeline.js";

const SVG = "http://www.w3.org/2000/svg";
const LANE = 24, TOP = 60, LEFT = 112, RIGHT = 10, LEVELS = 3;
const WINDOWS = [60, 300, 1800];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function createSequence(root, { mechanism, clock, onSeek, onChange = () => {} }) {
  const seq = mechanism.sequence;
  const lanes = new Map();
  seq.actors.forEach((a, i) => { lanes.set(a.id, i); for (const al of a.aliases || []) lanes.set(al, i); });
  const byKind = new Map(seq.messages.map((m) => [m.kind, m]));
  const events = [];
  const seen = new Set();
  let windowS = WINDOWS[1];

  const svg = s("svg", { class: "sq-svg", role: "img", "aria-labelledby": `${mechanism.id}-sq-cap` });
  const caption = h("p", { class: "sq-caption", id: `${mechanism.id}-sq-cap`, "aria-live": "off" }, "");
  const picker = h("div", { class: "sq-window", role: "group", "aria-label": "Time window" },
    WINDOWS.map((w) => h("button", { type: "button", class: "btn btn-small", "aria-pressed": String(w === windowS),
      onclick: (e) => { windowS = w; for (const b of picker.children) b.setAttribute("aria-pressed", String(b === e.currentTarget)); key = ""; onChange(); } },
    w < 120 ? `${w} s` : `${w / 60} min`)));
  const box = h("div", { class: "sq" }, h("div", { class: "sq-head" }, h("span", { class: "muted" }, "Window before the playhead"), picker), svg, caption);
  root.append(box);

  function addEvents(list) {
    let added = false;
    for (const ev of list) {
      if (!byKind.has(ev.kind)) continue;
      const k = `${ev.seq}|${ev.t_ms}`;
      if (seen.has(k)) continue;
      seen.add(k);
      events.push(ev);
      added = true;
    }
    if (added) { events.sort((a, b) => a.t_ms - b.t_ms || (a.seq ?? 0) - (b.seq ?? 0)); key = ""; }
  }

  let width = 0, key = "";
  new ResizeObserver(() => { width = box.clientWidth; key = ""; onChange(); }).observe(box);

  function update(view) {
    if (!width) width = box.clientWidth;
    const spanMs = windowS * 1000, t1 = view.t_ms, t0 = t1 - spanMs;
    const plotW = Math.max(60, width - LEFT - RIGHT);
    const pxMs = spanMs / plotW;
    const hi = Timeline.eventIndexAt(events, t1);
    const k = `${width}|${windowS}|${Math.floor(t1 / pxMs)}|${hi}`;
    if (k === key) return;
    key = k;
    const x = (t) => LEFT + ((t - t0) / spanMs) * plotW;
    const height = TOP + seq.actors.length * LANE + 8;
    const parts = [];
    seq.actors.forEach((a, i) => {
      const y = TOP + i * LANE + LANE / 2;
      parts.push(s("line", { class: "sq-lane", x1: LEFT, x2: LEFT + plotW, y1: y, y2: y }),
        s("text", { class: "sq-actor", x: LEFT - 6, y: y + 4, "text-anchor": "end" }, a.label));
    });
    parts.push(s("text", { class: "sq-time", x: LEFT, y: 12 }, clock.info(Math.max(0, t0)).time),
      s("text", { class: "sq-time", x: LEFT + plotW, y: 12, "text-anchor": "end" }, clock.info(t1).time));
    // Tags sit on up to LEVELS rows above the lanes; walking right to left, a tag takes
    // the first row where it ends before the last tag placed there begins.
    const levels = new Array(LEVELS).fill(Infinity);
    let latest = null;
    for (let i = hi; i >= 0 && events[i].t_ms >= t0; i--) {
      const ev = events[i], m = byKind.get(ev.kind);
      const from = lanes.get(m.from || ev.actor), to = lanes.get(m.to || ev.actor);
      if (from == null || to == null) continue;
      if (!m.routine && !latest) latest = { ev, m };
      const xx = x(ev.t_ms), y0 = TOP + from * LANE + LANE / 2, y1 = TOP + to * LANE + LANE / 2;
      const cls = `sq-msg tone-${m.tone}${m.routine ? " routine" : ""}`;
      const g = s("g", { class: cls, tabindex: m.routine ? null : "0", role: m.routine ? null : "button" });
      g.append(s("title", {}, `${clock.info(ev.t_ms).time} ${ev.text || m.label}`));
      if (from === to) g.append(s("circle", { cx: xx, cy: y0, r: m.routine ? 2 : 4 }));
      else {
        const dir = y1 > y0 ? 1 : -1;
        g.append(s("line", { x1: xx, x2: xx, y1: y0, y2: y1 - dir * 4 }),
          s("path", { d: `M${xx - 4},${y1 - dir * 7} L${xx + 4},${y1 - dir * 7} L${xx},${y1} Z` }));
      }
      if (!m.routine) {
        const w = m.label.length * 6 + 8, atEnd = xx + w > LEFT + plotW;
        const a = atEnd ? xx - w : xx, b = atEnd ? xx : xx + w;
        let lv = levels.findIndex((left) => b + 4 < left);
        if (lv < 0) lv = LEVELS - 1;
        levels[lv] = Math.min(levels[lv], a);
        const ly = 26 + lv * 12;
        g.append(s("line", { class: "sq-leader", x1: xx, x2: xx, y1: ly + 3, y2: Math.min(y0, y1) }),
          s("text", { x: xx, y: ly, "text-anchor": atEnd ? "end" : "start" }, m.label));
        g.addEventListener("click", () => onSeek(ev.t_ms));
        g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSeek(ev.t_ms); } });
      }
      parts.push(g);
    }
    parts.push(s("line", { class: "sq-playhead", x1: LEFT + plotW, x2: LEFT + plotW, y1: TOP - 6, y2: height - 4 }));
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.replaceChildren(...parts);
    setText(caption, latest ? `${clock.info(latest.ev.t_ms).time} — ${latest.ev.text || latest.m.label}`
      : `No ${seq.title || "sequence"} messages in the ${windowS < 120 ? `${windowS} s` : `${windowS / 60} min`} before the playhead.`);
  }

  return { update, addEvents, kinds: byKind };
}
