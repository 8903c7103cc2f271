// Mechanism panels: for each mechanism, the state it declares readable (`panel`: capacity,
// demand and restoring rate of a capacity pool; routes per PoP of a route announcement;
// …), as labelled values at the playhead. Lists and mappings (`per`) become one cell per
// item. A mechanism sustaining a failure at the playhead says so. Reusable: data and a
// container in, no page globals.

import { h, setText } from "./dom.js";
import { formatSignal } from "./declarations.js";

export function createPanels(root, { mechanisms, spans = () => [], clock }) {
  const cards = mechanisms.filter((m) => (m.panel || []).length).map((m) => {
    const rows = m.panel.map((name) => m.signal(name)).filter(Boolean).map((sig) => {
      const value = h("dd", {}, "—");
      const row = h("div", { class: `pn-row kind-${sig.kind}` }, h("dt", {}, sig.label), value);
      return { sig, value, row, last: undefined };
    });
    const flag = h("p", { class: "pn-sustained", hidden: true });
    const card = h("section", { class: "pn-card", "aria-label": m.heading, dataset: { mechanism: m.id } },
      h("h3", {}, m.owner ? h("span", { class: "pn-owner" }, m.owner) : null, h("span", { class: "pn-type" }, m.title)),
      h("dl", {}, rows.map((r) => r.row)), flag);
    root.append(card);
    return { m, rows, flag, card, lastEntry: undefined, lastSpan: null };
  });
  if (!cards.length) root.closest("section").hidden = true;

  function cells(sig, raw) {
    const entries = Array.isArray(raw) ? raw.map((v, i) => [`${sig.per} ${i + 1}`, v]) : Object.entries(raw || {});
    return h("span", { class: "pn-cells" }, entries.map(([k, v]) => {
      const bad = sig.kind === "boolean" ? !v : /EMPTY/.test(String(v));
      return h("span", { class: `pn-cell${bad ? " is-bad" : ""}`, title: `${k}: ${formatSignal({ ...sig, per: "" }, v)}` },
        h("span", { class: "pn-k" }, k), " ", sig.kind === "boolean" ? (v ? "✓ up" : "✕ down") : String(v));
    }));
  }

  function update(view) {
    const metrics = view.state?.metrics || {};
    const t = view.t_ms / 1000;
    const open = spans().filter((s) => s.from_s <= t && t < s.to_s);
    for (const c of cards) {
      const entry = metrics[c.m.id];
      if (entry !== c.lastEntry) {
        c.lastEntry = entry;
        for (const r of c.rows) {
          const raw = entry?.[r.sig.name];
          if (raw === r.last) continue;
          r.last = raw;
          if (r.sig.per && raw != null && typeof raw === "object") r.value.replaceChildren(cells(r.sig, raw));
          else setText(r.value, formatSignal(r.sig, raw));
          r.row.classList.toggle("is-on", r.sig.kind === "boolean" && !!raw);
        }
      }
      const span = open.find((s) => s.mechanism === c.m.id) || null;
      if (span !== c.lastSpan) {
        c.lastSpan = span;
        c.flag.hidden = !span;
        c.card.classList.toggle("is-sustained", !!span);
        if (span) setText(c.flag, `Sustaining a failure since ${clock.info(span.from_s * 1000).time}: ${span.loop}`);
      }
    }
  }
  return { update };
}
