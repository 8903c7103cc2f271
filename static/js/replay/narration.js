// Narration: the simulation's events and operator actions as sentences with their times,
// interleaved with the real-world milestones (marked as the record). The current one is
// highlighted and kept in view; clicking one seeks there. Routine chatter (a Planner
// generation every few seconds, each Enactor pass) stays in the race lane.

import { h } from "./dom.js";
import { Timeline } from "./timeline.js";
import { describeMilestone } from "./milestones.js";

const ROUTINE = new Set(["planner.plan", "enactor.pick", "enactor.apply", "enactor.lock_busy", "cleanup.delete"]);
const ROUTINE_AFTER = 40;   // a kind seen more often than this is routine too

export function createNarration(list, { spec, timeline, clock, onSeek, reducedMotion }) {
  const names = new Map(spec.services.map((s) => [s.id, s.name || s.id]));
  const milestones = (spec.milestones || []).map((m) => ({
    t_ms: m.at_s * 1000, milestone: m, text: m.label, service: m.service, kind: `milestone.${m.kind || "reference"}`,
  }));
  let items = [];        // sorted by t_ms: {t_ms, text, kind, actor?, service?, milestone?, el}
  const candidates = [], counts = new Map();
  let lastCleanup = null, dirty = true, current = -1, pendingScroll = null;

  /** Called with each decoded chunk's events (outside rendering). */
  function addEvents(events) {
    for (const ev of events) {
      counts.set(ev.kind, (counts.get(ev.kind) || 0) + 1);
      if (ev.kind === "cleanup.delete") lastCleanup = ev;
      // Clean-ups are routine, except the one that empties a record.
      if (ev.kind === "dns.record_empty" && lastCleanup && ev.t_ms - lastCleanup.t_ms <= 1000 && !candidates.includes(lastCleanup)) candidates.push(lastCleanup);
      if (ROUTINE.has(ev.kind)) continue;
      candidates.push(ev);
      dirty = true;
    }
  }

  const source = (d) => h("span", { class: "source", title: [d.source, d.confidence].filter(Boolean).join(" · ") },
    ` ${d.tag || ""} ${d.source.replace(/\s*\(.*$/, "").slice(0, 40)}`.trimEnd());

  function rebuild() {
    dirty = false;
    const evs = candidates.filter((ev) => ev.kind === "cleanup.delete" || (counts.get(ev.kind) || 0) <= ROUTINE_AFTER);
    items = [...evs, ...milestones].sort((a, b) => a.t_ms - b.t_ms || (a.milestone ? 1 : 0) - (b.milestone ? 1 : 0));
    list.replaceChildren(...items.map((it) => {
      const i = clock.info(it.t_ms);
      const operator = it.actor === "operator" || /^operator|^intervention/.test(it.kind || "");
      const badge = it.milestone ? h("span", { class: "rp-badge badge-record", title: it.milestone.source || "" }, "record")
        : operator ? h("span", { class: "rp-badge badge-operator" }, "operator") : null;
      const svc = it.service && names.get(it.service);
      it.el = h("li", { class: it.milestone ? "is-record" : operator ? "is-operator" : "" },
        h("button", { type: "button", class: "story-item", title: `${i.date} ${i.time} ${i.zone} · ${i.utc}`,
          onclick: () => onSeek(it.t_ms) },
        h("time", { datetime: i.iso }, i.time), badge,
        h("span", { class: "story-text" }, svc && !it.milestone ? `${svc}: ` : "", it.text || it.kind || "",
          it.milestone ? source(describeMilestone(it.milestone)) : null)));
      return it.el;
    }));
    current = -1;
  }

  function update(view) {
    if (dirty) rebuild();
    const idx = Timeline.eventIndexAt(items, view.t_ms);
    if (idx === current) return null;
    if (current >= 0 && items[current]) { items[current].el.classList.remove("current"); items[current].el.removeAttribute("aria-current"); }
    current = idx;
    if (idx < 0) return null;
    const el = items[idx].el;
    el.classList.add("current");
    el.setAttribute("aria-current", "true");
    pendingScroll = { el, smooth: !(reducedMotion() || view.playing) };
    return items[idx];
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
    if (dir > 0) return items.find((it) => it.t_ms > tMs + 1)?.t_ms ?? null;
    for (let i = items.length - 1; i >= 0; i--) if (items[i].t_ms < tMs - 1) return items[i].t_ms;
    return null;
  }

  return { update, scroll, neighbour, addEvents, items: () => items };
}
