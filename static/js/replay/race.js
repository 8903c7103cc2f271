// Race lane for a `dns_automation` mechanism: the Planner's newest generation, each
// Enactor's plan and progress through the endpoints, the regional record (plan id or
// EMPTY), a sequence log of the DNS events up to the playhead and a sentence saying what
// is going on. Metric names: simulation/mechanisms/dns_automation.py (module docstring).

import { h, setText } from "./dom.js";
import { Timeline } from "./timeline.js";

export const DNS_KINDS = /^(planner\.|enactor\.|cleanup\.|dns\.)/;
const MARK = {
  "enactor.overwrite": ["OVERWRITE", "bad"], "cleanup.delete": ["CLEAN-UP", "warn"],
  "dns.record_empty": ["EMPTY", "bad"], "enactor.blocked": ["BLOCKED", "bad"],
  "dns.restored": ["RESTORED", "good"], "enactor.delayed": ["DELAYED", "warn"],
  "enactor.stale_skip": ["STALE SKIP", "good"], "enactor.lock_busy": ["RETRY", "warn"],
};
const LOG_ROWS = 7;

export function findDnsMechanism(spec) {
  return spec.mechanisms.find((m) => m.type === "dns_automation") || null;
}

export function createRace(root, { mech, clock, onSeek, spec }) {
  const section = root.closest("section");
  if (!mech) {
    section.hidden = true;
    section.parentElement.classList.add("no-race");
    return { update() {}, addEvents() {} };
  }
  const owner = spec.services.find((s) => s.id === mech.services[0]);
  setText(section.querySelector("h2"), `${(owner?.name || mech.id).split(" (")[0]}: the race`);
  const endpoints = mech.params?.endpoints || ["regional", "fips", "ipv6", "account"];
  const nEnactors = mech.params?.enactors || 3;
  const names = Array.from({ length: nEnactors }, (_, i) => String.fromCharCode(97 + i));

  const gen = h("span", { class: "race-gen" }, "—");
  const record = h("div", { class: "record", role: "group", "aria-label": "Regional endpoint record" });
  const recordValue = h("strong", { class: "record-value" }, "—");
  const recordNote = h("span", { class: "record-note" }, "");
  record.append(h("span", { class: "record-name" }, `${endpoints[0]} endpoint record`), recordValue, recordNote);
  const rows = new Map();
  const table = h("div", { class: "enactors" }, names.map((n) => {
    const plan = h("span", { class: "en-plan" }, "—");
    const state = h("span", { class: "en-state" }, "idle");
    const steps = endpoints.map((ep) => h("span", { class: "en-step", title: ep }, ep));
    const row = h("div", { class: "enactor", dataset: { enactor: n } },
      h("span", { class: "en-name" }, `Enactor ${n.toUpperCase()}`), plan, h("span", { class: "en-steps" }, steps), state);
    rows.set(n, { row, plan, state, steps, key: "" });
    return row;
  }));
  const explain = h("p", { class: "race-explain", "aria-live": "off" }, "");
  const log = h("ol", { class: "race-log", "aria-label": "DNS automation events up to the playhead" });
  root.append(
    h("div", { class: "race-top" }, h("div", { class: "planner" }, h("span", {}, "Planner: newest "), gen), record),
    table, explain, log);

  const events = [];     // DNS events, sorted by t_ms
  const notable = [];    // the subset worth a tag in the log
  const keyOf = (ev) => `${ev.seq}|${ev.t_ms}`;
  const seen = new Set();
  function addEvents(list) {
    for (const ev of list) {
      if (!DNS_KINDS.test(ev.kind || "") || seen.has(keyOf(ev))) continue;
      seen.add(keyOf(ev));
      events.push(ev);
    }
    const order = (a, b) => a.t_ms - b.t_ms || (a.seq ?? 0) - (b.seq ?? 0);
    events.sort(order);
    notable.length = 0;
    events.forEach((ev, i) => {
      if (!MARK[ev.kind] || ev.kind === "enactor.lock_busy") return;
      // Clean-ups run after every pass; only the one that empties a record is news.
      if (ev.kind === "cleanup.delete") {
        const next = events[i + 1];
        if (!next || next.kind !== "dns.record_empty" || next.t_ms - ev.t_ms > 1000) return;
      }
      notable.push(ev);
    });
  }

  function lastOf(kind, before) {
    for (let i = before; i >= 0; i--) if (notable[i].kind === kind) return notable[i];
    return null;
  }

  function explanation(m, n, tMs) {
    const empty = m.record === "EMPTY" || m.empty;
    const over = lastOf("enactor.overwrite", n), del = lastOf("cleanup.delete", n);
    const restored = lastOf("dns.restored", n), delayed = lastOf("enactor.delayed", n);
    const emptied = lastOf("dns.record_empty", n);
    const E = (ev) => `Enactor ${String(ev?.data?.enactor || "?").toUpperCase()}`;
    const recent = (ev, mins) => ev && tMs - ev.t_ms <= mins * 60000;
    if (empty && over) {
      const plan = over.data?.plan, by = del && del.t_ms >= over.t_ms ? E(del) : "another Enactor";
      return `${E(over)}'s stale plan-${plan} overwrote the newer plan-${over.data?.previous} on ${over.data?.endpoint}; ` +
        `then ${by}'s clean-up deleted plan-${plan} as “many generations old” — but it was the active plan. ` +
        `The record is EMPTY: it resolves to no addresses, and every Enactor now fails because the current plan no longer exists. ` +
        `Only operators can restore it.`;
    }
    if (empty) return "The record is EMPTY: its active plan was deleted, so the endpoint resolves to no addresses and no Enactor can repair it.";
    if (restored && emptied && restored.t_ms >= emptied.t_ms && recent(restored, 45)) {
      return `Operators restored the records at ${clock.info(restored.t_ms).time} (plan-${restored.data?.plan}). ` +
        "Clients recover as their cached empty answers expire; the Enactors apply new plans again.";
    }
    if (recent(over, 3)) return `${E(over)} has just written its OLD plan-${over.data?.plan} over plan-${over.data?.previous}: its “is my plan newer?” check ran once, long ago. A clean-up that deletes old plans now would empty the record.`;
    if (delayed && !emptied && recent(delayed, 15)) return `${E(delayed)} is slowed acquiring endpoint locks, so it still holds an old plan while the Planner keeps producing new generations — the setup for the race.`;
    return "The Planner produces plan generations; each Enactor checks once that its plan is newer, writes it endpoint by endpoint, then cleans up much older plans.";
  }

  let lastM = null, lastLog = -2;
  const rowsOf = new WeakMap();   // event -> its <li>, built once
  function update(view) {
    const m = view.state?.metrics?.[mech.id];
    if (!m) return;
    const idx = Timeline.eventIndexAt(events, view.t_ms);
    // Metric entries are replaced whole when they change, so identity is enough.
    if (m === lastM && idx === lastLog) return;
    lastM = m;
    setText(gen, m.generation != null ? `plan-${m.generation}` : "—");
    const empty = m.record === "EMPTY";
    record.classList.toggle("is-empty", empty);
    setText(recordValue, empty ? "⚠ EMPTY" : (m.record || "—"));
    setText(recordNote, empty ? "no IP addresses: DNS lookups return nothing" : (m.plans != null ? `${m.plans} plans stored` : ""));
    const byId = new Map((m.enactors || []).map((e) => [String(e.id), e]));
    for (const [name, r] of rows) {
      const e = byId.get(name) || {};
      const k = `${e.plan}|${e.endpoint}|${e.state}`;
      if (k === r.key) continue;
      r.key = k;
      setText(r.plan, e.plan || "—");
      setText(r.state, e.state || "idle");
      r.row.dataset.state = e.state || "idle";
      r.steps.forEach((s, i) => {
        const done = e.endpoint != null ? i < e.endpoint : e.state === "cleanup";
        s.className = `en-step${done ? " done" : ""}${e.endpoint === i ? " now" : ""}`;
      });
    }
    const n = Timeline.eventIndexAt(notable, view.t_ms);
    setText(explain, explanation(m, n, view.t_ms));
    if (idx !== lastLog) {
      lastLog = idx;
      // The last few notable steps (overwrite, clean-up, EMPTY, …) and the latest routine ones.
      const picked = new Set();
      if (m.record === "EMPTY") {
        // While the record is empty, the steps that emptied it stay in view.
        for (const kind of ["enactor.overwrite", "cleanup.delete", "dns.record_empty"]) {
          const ev = lastOf(kind, n);
          if (ev) picked.add(ev);
        }
      }
      for (let i = n; i >= 0 && picked.size < LOG_ROWS - 1; i--) picked.add(notable[i]);
      if (idx >= 0) picked.add(events[idx]);
      const shown = [...picked].sort((a, b) => a.t_ms - b.t_ms || (a.seq ?? 0) - (b.seq ?? 0));
      log.replaceChildren(...shown.map(logRow));
    }
  }

  function logRow(ev) {
    let li = rowsOf.get(ev);
    if (li) return li;
    const [tag, tone] = MARK[ev.kind] || ["", ""];
    const i = clock.info(ev.t_ms);
    li = h("li", { class: `tone-${tone || "plain"}` },
      h("button", { type: "button", class: "linklike", title: i.utc, onclick: () => onSeek(ev.t_ms) }, i.time),
      h("span", { class: "actor" }, ev.actor || ""),
      tag ? h("span", { class: `tag tag-${tone}` }, tag) : null,
      h("span", { class: "text", title: ev.text || ev.kind }, ev.text || ev.kind));
    rowsOf.set(ev, li);
    return li;
  }

  return { update, addEvents };
}
