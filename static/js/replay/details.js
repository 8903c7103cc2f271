// Details of the selected service: status now and since when (the true onset, also
// after a deep link or a seek), error rate, "metastable since …" while a loop sustains
// its failure, what it depends on and what depends on it (each with its status), its
// real-world milestones.

import { h, fill, STATUS_ICON } from "./dom.js";
import { formatDuration } from "./clock.js";

export function createDetails(panel, { spec, timeline, clock, onSelect, onSeek, spans = () => [] }) {
  const byId = new Map(spec.services.map((s) => [s.id, s]));
  const deps = new Map(), dependents = new Map();
  for (const d of spec.dependencies) {
    if (!deps.has(d.from)) deps.set(d.from, []);
    deps.get(d.from).push(d);
    if (!dependents.has(d.to)) dependents.set(d.to, []);
    dependents.get(d.to).push(d);
  }
  let selected = null, lastKey = "";

  const chip = (st) => h("span", { class: `chip stat-${st || "none"}`, "aria-hidden": "true" }, STATUS_ICON[st] || "·");
  const svcLink = (id, state, kind) => {
    const st = state?.services[id]?.status || "none";
    return h("li", {}, h("button", { type: "button", class: "linklike", onclick: () => onSelect(id) },
      chip(st), ` ${byId.get(id)?.name || id}`), h("span", { class: "muted" }, ` ${st === "none" ? "" : st}${kind === "soft" ? " · soft" : ""}`));
  };

  const sinceOf = (view) => {
    const entry = view.state?.services[selected];
    return entry ? timeline.since(timeline.serviceIndex.get(selected), view.seq) : null;
  };
  const spanAt = (view) => {
    const t = view.t_ms / 1000;
    return spans().find((x) => x.service === selected && x.from_s <= t && t < x.to_s) || null;
  };

  function metastable(span, view) {
    const who = (span.triggers || []).map((id) => byId.get(id)?.name || id);
    const healthyFor = span.cleared_s != null ? formatDuration(view.t_ms - span.cleared_s * 1000) : "";
    const head = who.length ? `${who.join(", ")} ${who.length > 1 ? "have" : "has"} been healthy for ${healthyFor}; ` : "Its trigger is gone; ";
    return h("div", { class: "details-metastable" },
      h("p", {}, h("strong", {}, `Metastable since ${clock.info(span.from_s * 1000).time}`), ` · sustained by ${span.loop}`),
      h("p", {}, `${head}${byId.get(selected)?.name || selected} is still failing${span.explain ? `: ${span.explain}` : ""}.`));
  }

  function render(view) {
    const s = byId.get(selected);
    const state = view.state;
    const entry = state?.services[selected];
    const st = entry?.status || "none";
    const sinceAt = sinceOf(view);
    const since = sinceAt ? clock.info(sinceAt.ms) : null;
    const span = spanAt(view);
    const ms = (spec.milestones || []).filter((m) => m.service === selected);
    fill(panel,
      h("div", { class: "details-head" },
        h("h3", { id: "details-h" }, s.name || s.id),
        h("button", { type: "button", class: "btn btn-ghost close", "aria-label": "Clear selection", onclick: () => onSelect(null) }, "✕")),
      h("p", { class: `details-status stat-${st}` }, chip(st), ` ${st === "none" ? "no data yet" : st.toUpperCase()}`,
        since ? h("span", { class: "muted", title: `${since.date} ${since.time} ${since.zone} · ${since.utc}` },
          ` ${sinceAt.exact ? "since" : "since at least"} ${since.day !== clock.info(view.t_ms).day ? `${since.date} ` : ""}${since.time}`) : null,
        entry ? h("span", { class: "muted" }, ` · errors ${(entry.error_rate * 100).toFixed(entry.error_rate < 0.1 ? 1 : 0)} %`) : null),
      span ? metastable(span, view) : null,
      s.group ? h("p", { class: "muted" }, `Group: ${s.group}`) : null,
      s.description ? h("p", { class: "details-desc" }, s.description) : null,
      (deps.get(selected) || []).length ? h("div", {}, h("h4", {}, "Depends on"),
        h("ul", { class: "dep-list" }, deps.get(selected).map((d) => svcLink(d.to, state, d.kind)))) : null,
      (dependents.get(selected) || []).length ? h("div", {}, h("h4", {}, "Needed by"),
        h("ul", { class: "dep-list" }, dependents.get(selected).map((d) => svcLink(d.from, state, d.kind)))) : null,
      ms.length ? h("div", {}, h("h4", {}, "On the record"),
        h("ul", { class: "dep-list" }, ms.map((m) => h("li", {}, h("button", { type: "button", class: "linklike",
          onclick: () => onSeek(m.at_s * 1000) }, clock.info(m.at_s * 1000).time), ` ${m.label}`)))) : null,
    );
  }

  function update(view) {
    if (!selected || !byId.has(selected)) { if (!panel.hidden) panel.hidden = true; return; }
    panel.hidden = false;
    const state = view.state;
    const ids = [selected, ...(deps.get(selected) || []).map((d) => d.to), ...(dependents.get(selected) || []).map((d) => d.from)];
    const since = sinceOf(view), span = spanAt(view);
    const minute = span ? Math.floor(view.t_ms / 60000) : 0;  // "healthy for N min" moves
    const key = `${selected}|${ids.map((id) => state?.services[id]?.status).join(",")}|${state?.services[selected]?.error_rate}` +
      `|${since?.ms}|${since?.exact}|${span?.from_s}|${minute}`;
    if (key === lastKey) return;
    lastKey = key;
    render(view);
  }

  return { update, select(id) { selected = id; lastKey = ""; } };
}
