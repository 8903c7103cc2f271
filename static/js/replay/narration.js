// Narration: what the simulation says happened — every service status change, every
// mechanism phase, sustained (metastable) spans, operator actions — as sentences with
// their times, interleaved with the real-world milestones (marked as the record). The
// current one is highlighted and kept in view; clicking one seeks there. A filter shows
// all, operators only, the record only, or what concerns the selected service. Messages
// a mechanism declares routine (each Enactor pass) stay in its sequence diagram.

import { h, setText } from "./dom.js";
import { Timeline } from "./timeline.js";
import { describeMilestone } from "./milestones.js";

const ROUTINE_AFTER = 40;   // a mechanism event kind seen more often than this is routine
const NEVER_ROUTINE = /^(service\.status|sustained\.|operator\.)/;
export const FILTERS = [["all", "All"], ["operators", "Operators"], ["record", "Record"], ["service", "This service"]];

export function createNarration(list, { spec, mechanisms = [], clock, onSeek, reducedMotion, filterBar = null }) {
  const names = new Map(spec.services.map((s) => [s.id, s.name || s.id]));
  const routine = new Set(mechanisms.flatMap((m) => (m.sequence?.messages || []).filter((x) => x.routine).map((x) => x.kind)));
  // The services each mechanism drives: its events concern them.
  const drives = new Map(mechanisms.map((m) => [m.id, new Set(m.services || [])]));
  const milestones = (spec.milestones || []).map((m) => ({
    t_ms: m.at_s * 1000, milestone: m, text: m.label, service: m.service, kind: `milestone.${m.kind || "reference"}`,
  }));
  let items = [], shown = [];
  const candidates = [], counts = new Map();
  let dirty = true, prev = null, pendingScroll = null, filter = "all", selected = null;

  const buttons = new Map();
  if (filterBar) {
    filterBar.replaceChildren(...FILTERS.map(([key, label]) => {
      const b = h("button", { type: "button", class: "btn btn-small", "aria-pressed": String(key === "all"), dataset: { filter: key },
        onclick: () => setFilter(key) }, label);
      buttons.set(key, b);
      return b;
    }));
  }

  function setFilter(key) {
    filter = key;
    for (const [k, b] of buttons) b.setAttribute("aria-pressed", String(k === key));
    dirty = true;
  }

  function select(id) {
    selected = id;
    const b = buttons.get("service");
    if (b) { b.disabled = !id; setText(b, id ? `${names.get(id)} only` : "This service"); }
    if (!id && filter === "service") setFilter("all");
    if (filter === "service") dirty = true;
  }
  select(null);

  /** Called with each decoded chunk's events (outside rendering). */
  function addEvents(events) {
    for (const ev of events) {
      counts.set(ev.kind, (counts.get(ev.kind) || 0) + 1);
      if (routine.has(ev.kind)) continue;
      candidates.push(ev);
      dirty = true;
    }
  }

  const source = (d) => h("span", { class: "source", title: [d.source, d.confidence].filter(Boolean).join(" · ") },
    ` ${d.tag || ""} ${d.source.replace(/\s*\(.*$/, "").slice(0, 40)}`.trimEnd());
  const isOperator = (it) => it.actor === "operator" || /^operator|^intervention/.test(it.kind || "");
  const concerns = (it, id) => it.service === id || drives.get(it.actor)?.has(id) || it.data?.cause === id;

  function passes(it) {
    if (filter === "operators") return isOperator(it);
    if (filter === "record") return !!it.milestone;
    if (filter === "service") return !!selected && concerns(it, selected);
    return true;
  }

  function element(it) {
    if (it.el) return it.el;
    const i = clock.info(it.t_ms);
    const operator = isOperator(it);
    const sustained = /^sustained\./.test(it.kind || "");
    const badge = it.milestone ? h("span", { class: "rp-badge badge-record", title: it.milestone.source || "" }, "record")
      : operator ? h("span", { class: "rp-badge badge-operator" }, "operator")
        : sustained ? h("span", { class: "rp-badge badge-sustained" }, "sustained") : null;
    const svc = it.service && names.get(it.service);
    const text = String(it.text || it.kind || "");
    const prefix = svc && !it.milestone && !text.startsWith(svc) ? `${svc}: ` : "";
    const cls = [it.milestone ? "is-record" : "", operator ? "is-operator" : "", sustained ? "is-sustained" : "",
      it.kind === "service.status" ? `is-status to-${it.data?.to}` : ""].filter(Boolean).join(" ");
    it.el = h("li", { class: cls, dataset: { kind: it.kind || "" } },
      h("button", { type: "button", class: "story-item", title: `${i.date} ${i.time} ${i.zone} · ${i.utc}`,
        onclick: () => onSeek(it.t_ms) },
      h("time", { datetime: i.iso }, i.time), badge,
      h("span", { class: "story-text" }, prefix, text, it.milestone ? source(describeMilestone(it.milestone)) : null)));
    return it.el;
  }

  function rebuild() {
    dirty = false;
    const evs = candidates.filter((ev) => NEVER_ROUTINE.test(ev.kind) || (counts.get(ev.kind) || 0) <= ROUTINE_AFTER);
    items = [...evs, ...milestones].sort((a, b) => a.t_ms - b.t_ms || (a.milestone ? 1 : 0) - (b.milestone ? 1 : 0));
    shown = items.filter(passes);
    list.replaceChildren(...shown.map(element));
    if (!shown.length) list.append(h("li", { class: "muted empty" }, "Nothing to show with this filter."));
  }

  function update(view) {
    if (dirty) { rebuild(); prev?.el?.classList.remove("current"); prev = null; }
    const idx = Timeline.eventIndexAt(shown, view.t_ms);
    const it = idx >= 0 ? shown[idx] : null;
    if (it === prev) return null;
    if (prev) { prev.el.classList.remove("current"); prev.el.removeAttribute("aria-current"); }
    prev = it;
    if (!it) return null;
    it.el.classList.add("current");
    it.el.setAttribute("aria-current", "true");
    pendingScroll = { el: it.el, smooth: !(reducedMotion() || view.playing) };
    return it;
  }

  /** Keep the current item in view. Called at the start of the next animation frame, so
   * measuring it does not force a layout between the writes of one render. */
  function scroll() {
    if (!pendingScroll) return;
    const { el, smooth } = pendingScroll;
    pendingScroll = null;
    if (!el.isConnected) return;
    const top = el.offsetTop - list.clientHeight / 3;
    list.scrollTo({ top: Math.max(0, top), behavior: smooth ? "smooth" : "auto" });
  }

  /** Time of the next / previous narrated moment relative to tMs. */
  function neighbour(tMs, dir) {
    if (dirty) rebuild();
    if (dir > 0) return shown.find((it) => it.t_ms > tMs + 1)?.t_ms ?? null;
    for (let i = shown.length - 1; i >= 0; i--) if (shown[i].t_ms < tMs - 1) return shown[i].t_ms;
    return null;
  }

  return { update, scroll, neighbour, addEvents, select, setFilter, items: () => shown };
}
