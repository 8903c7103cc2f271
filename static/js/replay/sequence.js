// Sequence diagrams: one lane per actor, an arrow per message from its sender's lane to
// its receiver's, a mark where a message has no receiver; tags on up to LEVELS rows above
// the lanes. Two uses, one drawing:
// - `createSequence`: a mechanism that declares actors and messages (its `sequence`),
//   over a window of time ending at the playhead, each message at the moment it happened.
//   Routine messages are thin and untagged; the others are tagged (e.g. the stale write
//   and the clean-up deletion of the DNS race) and seek the player when activated.
// - `createSchedule`: an ordered list of steps (the race explorer's schedule), one column
//   per step, tagged with its number, and the steps as a numbered list below.
// Reusable: declarations, container and callbacks in; no page globals.

import { h, setText } from "./dom.js";
import { Timeline } from "./timeline.js";

const SVG = "http://www.w3.org/2000/svg";
const LANE = 24, LEFT = 112, RIGHT = 10, LEVELS = 6, TAG_Y = 26, TOP = TAG_Y + (LEVELS - 1) * 12 + 10;
const WINDOWS = [60, 300, 1800];
const STEP_W = 44, STEP_TAG_Y = 12, STEP_TOP = STEP_TAG_Y + 22;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const laneY = (top, i) => top + i * LANE + LANE / 2;

function laneParts(actors, top, right) {
  return actors.flatMap((a, i) => [
    s("line", { class: "sq-lane", x1: LEFT, x2: right, y1: laneY(top, i), y2: laneY(top, i) }),
    s("text", { class: "sq-actor", x: LEFT - 6, y: laneY(top, i) + 4, "text-anchor": "end" }, a.label),
  ]);
}

// A tag's row and side: walking right to left, a tag takes the first of `levels` rows
// where it ends before the last tag placed there begins, to the right of its message if
// it fits there, else to the left; null when no row has room (the message keeps its
// title, and overlapping text would be unreadable).
function placeTag(levels, x, w, right, center) {
  const sides = center ? [["middle", x - w / 2, x + w / 2]]
    : [...(x + w <= right ? [["start", x, x + w]] : []), ["end", x - w, x]];
  for (let lv = 0; lv < levels.length; lv++) {
    for (const [anchor, a, b] of sides) {
      if (b + 4 < levels[lv]) { levels[lv] = a; return { lv, anchor }; }
    }
  }
  return null;
}

// One message at x from lane `from` to lane `to` (the same lane: a mark), its tag on the
// rows from `tagY` down (see placeTag); `right` is the plot's right edge.
function messagePart({ x, from, to, top, tagY, tone, routine, label, title, levels, right, center }) {
  const y0 = laneY(top, from), y1 = laneY(top, to);
  const g = s("g", { class: `sq-msg tone-${tone}${routine ? " routine" : ""}` });
  g.append(s("title", {}, title));
  if (from === to) g.append(s("circle", { cx: x, cy: y0, r: routine ? 2 : 4 }));
  else {
    const dir = y1 > y0 ? 1 : -1;
    g.append(s("line", { x1: x, x2: x, y1: y0, y2: y1 - dir * 4 }),
      s("path", { d: `M${x - 4},${y1 - dir * 7} L${x + 4},${y1 - dir * 7} L${x},${y1} Z` }));
  }
  const tag = label ? placeTag(levels, x, label.length * 6 + 8, right, center) : null;
  if (tag) {
    const ly = tagY + tag.lv * 12;
    g.append(s("line", { class: "sq-leader", x1: x, x2: x, y1: ly + 3, y2: Math.min(y0, y1) }),
      s("text", { x, y: ly, "text-anchor": tag.anchor }, label));
  }
  return g;
}

function sizeSvg(svg, width, height, parts) {
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.replaceChildren(...parts);
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
    const right = LEFT + plotW, height = TOP + seq.actors.length * LANE + 8;
    const parts = laneParts(seq.actors, TOP, right);
    parts.push(s("text", { class: "sq-time", x: LEFT, y: 12 }, clock.info(Math.max(0, t0)).time),
      s("text", { class: "sq-time", x: right, y: 12, "text-anchor": "end" }, clock.info(t1).time));
    const levels = new Array(LEVELS).fill(Infinity);
    let latest = null;
    for (let i = hi; i >= 0 && events[i].t_ms >= t0; i--) {
      const ev = events[i], m = byKind.get(ev.kind);
      const from = lanes.get(m.from || ev.actor), to = lanes.get(m.to || ev.actor);
      if (from == null || to == null) continue;
      if (!m.routine && !latest) latest = { ev, m };
      const g = messagePart({ x: x(ev.t_ms), from, to, top: TOP, tagY: TAG_Y, tone: m.tone, routine: m.routine,
        label: m.routine ? "" : m.label, title: `${clock.info(ev.t_ms).time} ${ev.text || m.label}`, levels, right });
      if (!m.routine) {
        g.setAttribute("tabindex", "0");
        g.setAttribute("role", "button");
        g.addEventListener("click", () => onSeek(ev.t_ms));
        g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onSeek(ev.t_ms); } });
      }
      parts.push(g);
    }
    parts.push(s("line", { class: "sq-playhead", x1: right, x2: right, y1: TOP - 6, y2: height - 4 }));
    sizeSvg(svg, width, height, parts);
    setText(caption, latest ? `${clock.info(latest.ev.t_ms).time} — ${latest.ev.text || latest.m.label}`
      : `Nothing from ${seq.title || "this sequence"} in the ${windowS < 120 ? `${windowS} s` : `${windowS / 60} min`} before the playhead.`);
  }

  return { update, addEvents, kinds: byKind };
}

// An ordered schedule: `actors` [{id, label}], `steps` [{from, to, tone, text, final}]
// (actor ids; `to` null or equal to `from`: a mark). Returns the diagram's element.
export function createSchedule({ id, title, actors, steps }) {
  const lanes = new Map(actors.map((a, i) => [a.id, i]));
  const right = LEFT + steps.length * STEP_W, height = STEP_TOP + actors.length * LANE + 8;
  const parts = laneParts(actors, STEP_TOP, right);
  const levels = [Infinity];
  for (let i = steps.length - 1; i >= 0; i--) {
    const st = steps[i], from = lanes.get(st.from) ?? 0;
    parts.push(messagePart({ x: LEFT + (i + 0.5) * STEP_W, from, to: lanes.get(st.to) ?? from, top: STEP_TOP, tagY: STEP_TAG_Y,
      tone: st.tone, routine: false, label: String(i + 1), title: `${i + 1}. ${st.text}`, levels, right, center: true }));
  }
  const svg = s("svg", { class: "sq-svg", role: "img", "aria-labelledby": `${id}-cap` });
  sizeSvg(svg, right + RIGHT, height, parts);
  return h("div", { class: "sq sq-schedule" },
    h("h3", { class: "sq-title" }, title),
    h("div", { class: "sq-scroll", tabindex: "0", role: "group", "aria-label": `${title} (scrolls sideways)` }, svg),
    h("p", { class: "sq-note muted", id: `${id}-cap` }, `Sequence diagram: one lane per actor, one numbered arrow per step; the list below has the same ${steps.length} steps.`),
    h("ol", { class: "sq-steps" }, steps.map((st) => h("li", { class: `tone-${st.tone}${st.final ? " final" : ""}` }, st.text))));
}
