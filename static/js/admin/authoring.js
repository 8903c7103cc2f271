// The scenario change form: references offered from the rows on the page (saved or
// just added), renamed ids carried into what refers to them, typed parameter fields
// generated from each mechanism's PARAMS, and conditions built from dropdowns. Every
// widget writes the plain form fields the server validates; with JS off they still work.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const catalogNode = document.getElementById("sc-catalog");
  const form = document.getElementById("scenario_form");
  if (!catalogNode || !form) return;
  const CATALOG = JSON.parse(catalogNode.textContent);
  const TYPES = CATALOG.types;

  // -- the rows on the page ------------------------------------------------------------
  const field = (prefix, i, name) => form.querySelector(`[name="${prefix}-${i}-${name}"]`);
  function indices(prefix) {
    const out = [];
    form.querySelectorAll(`[name^="${prefix}-"]`).forEach((el) => {
      const m = el.name.match(new RegExp(`^${prefix}-(\\d+)-`));
      if (m && !out.includes(m[1])) out.push(m[1]);
    });
    return out;
  }
  const deleted = (prefix, i) => {
    const box = field(prefix, i, "DELETE");
    const row = document.getElementById(`${prefix}-${i}`);
    return (box && box.checked) || (row && row.classList.contains("sc-removed"));
  };
  function ids(prefix) {
    const out = [];
    for (const i of indices(prefix)) {
      const key = field(prefix, i, "key");
      const value = key ? key.value.trim() : "";
      if (value && !deleted(prefix, i) && !out.includes(value)) out.push(value);
    }
    return out;
  }
  function mechanismType(id) {
    for (const i of indices("mechanisms")) {
      const key = field("mechanisms", i, "key");
      if (key && key.value.trim() === id) {
        const type = field("mechanisms", i, "type");
        return type ? type.value : "";
      }
    }
    return "";
  }
  const make = (tag, attrs = {}, text = "") => {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== null && v !== undefined && v !== false) el.setAttribute(k, v === true ? "" : v);
    }
    if (text) el.textContent = text;
    return el;
  };
  function setOptions(select, values, { blank = false, labels = {} } = {}) {
    const current = select.value;
    if (select.dataset.blank === undefined) {
      select.dataset.blank = [...select.options].some((o) => o.value === "") ? "1" : "0";
    }
    const wanted = [...values];
    if (current && !wanted.includes(current)) wanted.push(current);
    const have = [...select.options].map((o) => o.value);
    const next = (blank || select.dataset.blank === "1" ? [""] : []).concat(wanted);
    if (have.join("\n") === next.join("\n")) return;
    select.replaceChildren(
      ...next.map((v) => {
        const o = make("option", { value: v }, v === "" ? "—" : labels[v] || v);
        if (v === current) o.selected = true;
        return o;
      }),
    );
  }

  // -- references: selects that name rows of another list ------------------------------
  const REFS = [
    ["dependencies", "source", "services"],
    ["dependencies", "target", "services"],
    ["faults", "target", "mechanisms"],
    ["interventions", "target", "mechanisms"],
    ["milestones", "service", "services"],
    ["knobs", "mechanism", "mechanisms"],
  ];
  function refreshRefs() {
    const known = { services: ids("services"), mechanisms: ids("mechanisms") };
    for (const [prefix, name, source] of REFS) {
      for (const i of indices(prefix)) {
        const select = field(prefix, i, name);
        if (select && select.tagName === "SELECT") setOptions(select, known[source]);
      }
    }
    for (const i of indices("mechanisms")) refreshServiceChecks(i, known.services);
  }
  function refreshServiceChecks(i, services) {
    const boxes = [...form.querySelectorAll(`input[name="mechanisms-${i}-services"]`)];
    if (!boxes.length && !form.querySelector(`#id_mechanisms-${i}-services`)) return;
    const holder = form.querySelector(`#id_mechanisms-${i}-services`) || boxes[0].closest("div,ul");
    const checked = boxes.filter((b) => b.checked).map((b) => b.value);
    const values = [...services, ...checked.filter((v) => !services.includes(v))];
    if (boxes.map((b) => b.value).join("\n") === values.join("\n")) return;
    holder.replaceChildren(
      ...values.map((v, n) => {
        const id = `id_mechanisms-${i}-services_${n}`;
        const box = make("input", { type: "checkbox", name: `mechanisms-${i}-services`, value: v, id });
        box.checked = checked.includes(v);
        const label = make("label", { for: id });
        label.append(box, ` ${v}`);
        return make("div").appendChild(label).parentNode;
      }),
    );
  }

  // -- renaming an id carries the new id into everything that named the old one ---------
  function rename(prefix, oldId, newId) {
    let count = 0;
    const sources = prefix === "services" ? ["services"] : [prefix];
    for (const [p, name, source] of REFS) {
      if (!sources.includes(source)) continue;
      for (const i of indices(p)) {
        const select = field(p, i, name);
        if (select && select.value === oldId) {
          setOptions(select, [newId]);
          select.value = newId;
          count += 1;
        }
      }
    }
    if (prefix === "services") {
      form.querySelectorAll('input[type="checkbox"][name$="-services"]').forEach((box) => {
        if (box.value === oldId) {
          box.value = newId;
          box.parentNode.lastChild.textContent = ` ${newId}`;
          count += 1;
        }
      });
    }
    const quoted = new RegExp(`"${oldId.replace(/[-]/g, "\\-")}(?=[".])`, "g");
    form.querySelectorAll("textarea.json-input").forEach((area) => {
      const next = area.value.replace(quoted, `"${newId}`);
      if (next !== area.value) {
        area.value = next;
        area.dispatchEvent(new Event("sc:external"));
        count += 1;
      }
    });
    refreshAll();
    announce(count ? `Renamed ${oldId} → ${newId}: ${count} reference${count === 1 ? "" : "s"} updated.` : "");
  }
  const status = make("p", { class: "sc-live", role: "status", "aria-live": "polite" });
  form.prepend(status);
  const announce = (text) => { status.textContent = text; };

  // -- typed parameters ---------------------------------------------------------------------
  function paramSpec(prefix, i) {
    if (prefix === "mechanisms") {
      const t = TYPES[(field(prefix, i, "type") || {}).value];
      return t ? t.params : null;
    }
    const target = (field(prefix, i, "target") || {}).value;
    const t = TYPES[mechanismType(target)];
    if (!t) return null;
    const name = (field(prefix, i, prefix === "faults" ? "type" : "action") || {}).value;
    const table = prefix === "faults" ? t.faults : t.actions;
    return table[name] || null;
  }
  function parseJSON(text) {
    if (!text.trim()) return { ok: true, value: null };
    try { return { ok: true, value: JSON.parse(text) }; } catch (e) { return { ok: false, error: e.message }; }
  }
  function rawBox(area, label) {
    if (area.closest("details.sc-raw")) return area.closest("details.sc-raw");
    const details = make("details", { class: "sc-raw" });
    details.append(make("summary", {}, label));
    area.parentNode.insertBefore(details, area);
    details.append(area);
    return details;
  }
  function paramInput(name, p, value, onChange) {
    const id = `sc-p-${Math.random().toString(36).slice(2)}`;
    const wrap = make("div", { class: "sc-param" });
    const unit = p.unit ? ` (${p.unit})` : "";
    wrap.append(make("label", { for: id }, `${name}${unit}`));
    let input;
    const given = value !== undefined;
    if (p.kind === "bool" || p.kind === "choice") {
      input = make("select", { id, "data-param": name });
      const options = p.kind === "bool" ? ["true", "false"] : p.choices || [];
      input.append(make("option", { value: "" }, `default (${JSON.stringify(p.default)})`));
      for (const o of options) input.append(make("option", { value: o }, o));
      input.value = given ? String(value) : "";
    } else if (p.kind === "int" || p.kind === "float") {
      input = make("input", {
        id, type: "number", "data-param": name, step: p.kind === "int" ? "1" : "any",
        min: p.min ?? null, max: p.max ?? null, placeholder: String(p.default),
      });
      input.value = given ? String(value) : "";
    } else if (p.kind === "condition") {
      input = make("textarea", { id, rows: "2", class: "json-input sc-cond-param", "data-param": name, placeholder: "a condition" });
      input.value = given ? JSON.stringify(value) : "";
    } else {
      input = make("input", {
        id, type: "text", "data-param": name,
        placeholder: p.kind === "str_list" ? `comma-separated; default ${JSON.stringify(p.default)}` : String(p.default ?? ""),
      });
      input.value = given ? (Array.isArray(value) ? value.join(", ") : String(value)) : "";
    }
    input.addEventListener("input", onChange);
    input.addEventListener("change", onChange);
    wrap.append(input);
    const range = p.choices ? "" : [p.min, p.max].some((x) => x !== null && x !== undefined) ? ` Range ${p.min ?? "…"} to ${p.max ?? "…"}.` : "";
    wrap.append(make("div", { class: "help" }, `${p.doc ? `${p.doc}.` : ""}${range}`));
    if (p.kind === "condition") conditionBuilder(input);
    return wrap;
  }
  function readParam(input, p) {
    const raw = input.value.trim();
    if (raw === "") return undefined;
    if (p.kind === "bool") return raw === "true";
    if (p.kind === "int" || p.kind === "float") return Number(raw);
    if (p.kind === "str_list") return raw.split(",").map((s) => s.trim()).filter(Boolean);
    if (p.kind === "condition") { const r = parseJSON(raw); return r.ok ? r.value : raw; }
    return raw;
  }
  function typedParams(prefix, i) {
    const area = field(prefix, i, "params");
    if (!area) return;
    const spec = paramSpec(prefix, i);
    let box = area.scParams;
    const raw = rawBox(area, "raw JSON (advanced)");
    if (!box) {
      box = area.scParams = make("div", { class: "sc-params" });
      raw.parentNode.insertBefore(box, raw);
    }
    const key = JSON.stringify(spec ? Object.keys(spec) : null);
    if (box.dataset.key === key && !box.dataset.dirty) return;
    box.dataset.key = key;
    delete box.dataset.dirty;
    box.replaceChildren();
    if (!spec) {
      box.append(make("p", { class: "help" }, prefix === "mechanisms" ? "Choose a type to see its parameters." : "Choose the target and the type to see its parameters."));
      return;
    }
    if (!Object.keys(spec).length) { box.append(make("p", { class: "help" }, "No parameters.")); return; }
    const parsed = parseJSON(area.value);
    const values = parsed.ok && parsed.value && typeof parsed.value === "object" ? parsed.value : {};
    if (!parsed.ok) box.append(make("p", { class: "errornote" }, `The raw JSON is not valid (${parsed.error}); fix it below or fill in the fields.`));
    const write = () => {
      const out = {};
      for (const [name, p] of Object.entries(spec)) {
        const input = box.querySelector(`[data-param="${name}"]`);
        const v = input ? readParam(input, p) : undefined;
        if (v !== undefined) out[name] = v;
      }
      for (const [name, v] of Object.entries(values)) if (!(name in spec)) out[name] = v; // unknown: the server names it
      area.value = Object.keys(out).length ? JSON.stringify(out) : "{}";
    };
    for (const [name, p] of Object.entries(spec)) box.append(paramInput(name, p, values[name], write));
  }

  // -- what a mechanism models, beside its type ---------------------------------------------
  function describeType(i) {
    const select = field("mechanisms", i, "type");
    if (!select) return;
    let note = select.parentNode.querySelector(".sc-mech-doc");
    if (!note) { note = make("div", { class: "sc-mech-doc help" }); select.after(note); }
    const t = TYPES[select.value];
    note.replaceChildren();
    if (!t) return;
    note.append(make("p", {}, t.summary));
    if (t.statuses.length) note.append(make("p", {}, `Statuses: ${t.statuses.join(", ")}`));
    if (t.signals.length) note.append(make("p", {}, `Signals: ${t.signals.join(", ")}`));
    if (t.metrics.length) note.append(make("p", {}, `Metrics: ${t.metrics.join(", ")}`));
    const link = make("a", { href: t.url }, `${select.value} in the mechanism reference`);
    note.append(link);
  }
  function typeChoices(prefix, i) {
    const select = field(prefix, i, prefix === "faults" ? "type" : "action");
    if (!select || select.tagName !== "SELECT") return;
    const t = TYPES[mechanismType((field(prefix, i, "target") || {}).value)];
    const names = t ? Object.keys(prefix === "faults" ? t.faults : t.actions) : [];
    select.dataset.blank = "1";
    setOptions(select, names);
  }

  // -- conditions from dropdowns ------------------------------------------------------------
  function conditionBuilder(area) {
    if (area.dataset.builder) return;
    area.dataset.builder = "1";
    const isMatch = /-match$/.test(area.name || "");
    const raw = rawBox(area, "raw JSON (advanced: all / any / not, events)");
    const ui = make("div", { class: "sc-cond" });
    raw.parentNode.insertBefore(ui, raw);
    const kind = make("select", { "aria-label": "condition kind", class: "sc-cond-kind" });
    const KINDS = [["", "— none —"], ["service", "a service's status"], ["metric", "a mechanism signal"], ["intervention", "an intervention happened"], ["raw", "other (raw JSON)"]];
    for (const [v, l] of KINDS) kind.append(make("option", { value: v }, l));
    const parts = make("span", { class: "sc-cond-parts" });
    ui.append(kind, parts);
    let state = {};
    const write = () => {
      const k = kind.value;
      let cond = null;
      if (k === "service" && state.service) {
        cond = { service: state.service, status: state.status || "down" };
        if (isMatch && state.edge && state.edge !== "enter") cond.edge = state.edge;
        if (!isMatch && state.for_s) cond.for_s = Number(state.for_s);
      } else if (k === "metric" && state.metric) {
        cond = { metric: state.metric, op: state.op || ">", value: Number(state.value || 0) };
        if (!isMatch && state.for_s) cond.for_s = Number(state.for_s);
      } else if (k === "intervention" && state.intervention) {
        cond = { intervention: state.intervention };
      }
      if (k === "raw") return;
      if (isMatch && cond && state.after_s) cond.after_s = Number(state.after_s);
      area.value = cond ? JSON.stringify(cond) : "";
      area.dispatchEvent(new Event("input", { bubbles: false }));
    };
    const pick = (name, values, label) => {
      const s = make("select", { "aria-label": label, "data-part": name });
      setOptions(s, values, { blank: true });
      if (state[name]) { setOptions(s, [...values, state[name]], { blank: true }); s.value = state[name]; }
      s.addEventListener("change", () => { state[name] = s.value; write(); });
      return s;
    };
    const num = (name, label) => {
      const n = make("input", { type: "number", "aria-label": label, placeholder: label, "data-part": name, class: "sc-small" });
      n.value = state[name] ?? "";
      n.addEventListener("input", () => { state[name] = n.value; write(); });
      return n;
    };
    const draw = () => {
      parts.replaceChildren();
      const k = kind.value;
      raw.open = k === "raw";
      if (k === "service") {
        parts.append(pick("service", ids("services"), "service"), pick("status", CATALOG.statuses, "status"));
        if (isMatch) parts.append(pick("edge", ["enter", "exit"], "edge"));
        else parts.append(num("for_s", "held for (s)"));
      } else if (k === "metric") {
        const metrics = [];
        for (const id of ids("mechanisms")) {
          const t = TYPES[mechanismType(id)];
          if (t) for (const m of t.metrics) metrics.push(`${id}.${m}`);
        }
        parts.append(pick("metric", metrics, "signal"), pick("op", CATALOG.ops, "operator"), num("value", "value"));
        if (!isMatch) parts.append(num("for_s", "held for (s)"));
      } else if (k === "intervention") {
        parts.append(pick("intervention", ids("interventions"), "intervention"));
      }
      if (isMatch && ["service", "metric", "intervention"].includes(k)) parts.append(num("after_s", "after (s)"));
    };
    const load = () => {
      const parsed = parseJSON(area.value);
      const c = parsed.ok ? parsed.value : undefined;
      state = {};
      let k = "raw";
      if (c === null) k = "";
      else if (c && typeof c === "object" && !Array.isArray(c)) {
        const keys = Object.keys(c).sort().join(",");
        const extra = (allowed) => Object.keys(c).every((x) => allowed.includes(x));
        if ("service" in c && typeof c.status === "string" && extra(["service", "status", "edge", "for_s", "after_s"])) { k = "service"; state = { ...c }; }
        else if ("metric" in c && extra(["metric", "op", "value", "for_s", "after_s"])) { k = "metric"; state = { ...c }; }
        else if (keys === "intervention" || (isMatch && extra(["intervention", "after_s"]) && "intervention" in c)) { k = "intervention"; state = { ...c }; }
      }
      kind.value = k;
      draw();
    };
    kind.addEventListener("change", () => { state = {}; draw(); write(); });
    area.addEventListener("change", load);
    area.addEventListener("sc:external", load);
    ui.refresh = () => { if (kind.value && kind.value !== "raw") draw(); };
    area.scBuilder = ui;
    load();
  }

  // -- wiring ---------------------------------------------------------------------------------
  function refreshAll() {
    refreshRefs();
    for (const i of indices("mechanisms")) { describeType(i); typedParams("mechanisms", i); }
    for (const prefix of ["faults", "interventions"]) {
      for (const i of indices(prefix)) { typeChoices(prefix, i); typedParams(prefix, i); }
    }
    form.querySelectorAll('textarea[name$="-when"], textarea[name$="-match"]').forEach((area) => {
      if (area.name.includes("__prefix__")) return;
      conditionBuilder(area);
      area.scBuilder.refresh();
    });
  }
  form.addEventListener("focusin", (e) => {
    if (e.target.name && /-key$/.test(e.target.name)) e.target.dataset.prev = e.target.value.trim();
  });
  form.addEventListener("change", (e) => {
    const el = e.target;
    if (!el.name || el.name.includes("__prefix__")) return;
    const m = el.name.match(/^(\w+)-(\d+)-(\w+)$/);
    if (m && m[3] === "key") {
      const prev = el.dataset.prev || "";
      el.dataset.prev = el.value.trim();
      if (prev && el.value.trim() && prev !== el.value.trim()) { rename(m[1], prev, el.value.trim()); return; }
    }
    if (el.closest(".sc-params, .sc-cond")) return;
    refreshAll();
  });
  document.addEventListener("formset:added", () => refreshAll());
  document.addEventListener("formset:removed", () => refreshAll());
  refreshAll();
});
