// The diff summary (computed once per pair on the server, simulation/compare.py): the
// outage avoided or shortened as a sentence, the first divergence and the event causing
// it, per-service minutes down / degraded in A, B and the difference, and every
// milestone's shift. Times are links that move the playhead.

import { h, fill } from "../replay/dom.js";
import { formatDuration } from "../replay/clock.js";

const mins = (s) => (s ? formatDuration(s * 1000) : "0");
function delta(s) {
  if (!s) return "±0";
  return `${s > 0 ? "+" : "−"}${formatDuration(Math.abs(s) * 1000)}`;
}

export function createSummary(root, { clock, onSeek, onSelect, spec, focus }) {
  const timeLink = (tMs, text) => h("button", { type: "button", class: "linklike", onclick: () => onSeek(tMs) }, text || clock.info(tMs).time);
  const svcName = (id) => spec.services.find((s) => s.id === id)?.name || id;

  function divergence(d) {
    if (!d) return h("p", {}, "The two runs are identical, frame for frame.");
    const i = clock.info(d.t_ms);
    const parts = [h("strong", {}, "First divergence: "), timeLink(d.t_ms, `${i.time} ${i.zone}`), ". "];
    if (d.event) {
      const side = d.event.side === "b" ? "In B only" : "In A only";
      parts.push(`${side}: `, h("q", { class: "event-text" }, d.event.text || d.event.kind), ` (${d.event.kind}).`);
    } else if (d.changed.length) {
      parts.push(`The state of ${d.changed.slice(0, 3).join(", ")} differs.`);
    }
    return h("p", { class: "divergence", dataset: { tMs: String(d.t_ms) } }, parts);
  }

  function serviceTable(rows) {
    const shown = rows.filter((r) => r.down_a_s || r.down_b_s || r.degraded_a_s || r.degraded_b_s || r.differs.length)
      .sort((x, y) => (y.id === focus) - (x.id === focus) || Math.abs(y.down_delta_s) - Math.abs(x.down_delta_s) || Math.abs(y.degraded_delta_s) - Math.abs(x.degraded_delta_s));
    if (!shown.length) return h("p", {}, "No service is down or degraded in either run.");
    const FIRST = 6;
    if (shown.length <= FIRST + 2) return table(shown, "Time each service spends down, and degraded or recovering");
    return h("div", {}, table(shown.slice(0, FIRST), `Time down, and degraded or recovering: the ${FIRST} services that change most`),
      h("details", { class: "diff-more" }, h("summary", {}, `The other ${shown.length - FIRST} services`),
        table(shown.slice(FIRST), "Time down, and degraded or recovering: the other services")));
  }

  function table(shown, caption) {
    const down = (r) => (r.down_b_s === 0 && r.down_a_s > 0 ? "never down" : mins(r.down_b_s));
    return h("table", { class: "diff-table" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Service"),
        h("th", { scope: "col" }, "Down in A"), h("th", { scope: "col" }, "Down in B"), h("th", { scope: "col" }, "Difference"),
        h("th", { scope: "col" }, "Degraded in A"), h("th", { scope: "col" }, "Degraded in B"), h("th", { scope: "col" }, "Difference"))),
      h("tbody", {}, shown.map((r) => h("tr", { dataset: { service: r.id }, class: r.differs.length ? "is-diff" : "" },
        h("th", { scope: "row" }, h("button", { type: "button", class: "linklike", onclick: () => onSelect(r.id) }, r.name)),
        h("td", {}, mins(r.down_a_s)), h("td", { class: "cell-b" }, down(r)), h("td", { class: deltaClass(r.down_delta_s) }, delta(r.down_delta_s)),
        h("td", {}, mins(r.degraded_a_s)), h("td", { class: "cell-b" }, mins(r.degraded_b_s)), h("td", { class: deltaClass(r.degraded_delta_s) }, delta(r.degraded_delta_s))))));
  }

  function milestoneTable(rows) {
    if (!rows.length) return null;
    const at = (s) => (s == null ? "never" : timeLink(s * 1000));
    const shift = (m) => (m.a_s == null && m.b_s == null ? "in neither" : m.b_s == null ? "never in B" : m.a_s == null ? "only in B" : delta(m.shift_s));
    return h("details", { class: "diff-milestones" }, h("summary", {}, `Every milestone's shift (${rows.length})`),
      h("table", { class: "diff-table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Milestone"), h("th", { scope: "col" }, "Service"),
          h("th", { scope: "col" }, "A"), h("th", { scope: "col" }, "B"), h("th", { scope: "col" }, "Shift"))),
        h("tbody", {}, rows.map((m) => h("tr", {}, h("th", { scope: "row" }, m.label), h("td", {}, m.service ? svcName(m.service) : ""),
          h("td", {}, at(m.a_s)), h("td", {}, at(m.b_s)), h("td", {}, shift(m)))))));
  }

  function show(diff) {
    fill(root,
      h("h2", { id: "diff-h" }, "What changed"),
      h("p", { class: `outage outage-${diff.outage.kind}`, id: "diff-outage" }, diff.outage.sentence),
      divergence(diff.first_divergence),
      serviceTable(diff.services),
      milestoneTable(diff.milestones));
  }

  function fail(text) {
    fill(root, h("h2", { id: "diff-h" }, "What changed"), h("p", { class: "muted" }, `No difference to show: ${text}`));
    root.setAttribute("aria-busy", "false");
  }

  return { show, fail, update() {} };
}

function deltaClass(s) { return s < 0 ? "delta less" : s > 0 ? "delta more" : "delta"; }
