// The What-if panel (replay page and /s/<slug>/): one-click presets, the scenario's knobs
// (label, unit, bounds and help from the mechanism's parameter table), a toggle and a
// shift per operator intervention, the seed. "Run" checks every value against its bounds
// first (an error names the variant path next to its field, and nothing runs), then
// POST /api/runs/ (an identical run is reused) and opens /compare/<base>/<variant>/.

import { h, fill } from "../replay/dom.js";

const data = JSON.parse(document.getElementById("whatif-data").textContent || "null");
const root = document.getElementById("whatif-body");
const MAX_SEED = Number.MAX_SAFE_INTEGER;
const fmt = (x) => (Number.isInteger(x) ? String(x) : String(Math.round(x * 1e6) / 1e6));

function csrf() {
  return document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] || "";
}

function fieldId(path) { return `wf-${path.replace(/[^a-z0-9_-]+/gi, "-")}`; }

function build() {
  if (!data || !data.scenario) { root.closest("section").hidden = true; return; }
  const fields = new Map();   // variant path → {get(), set(value), reset(), el, err}
  const errSlot = (id) => h("p", { class: "field-error", id: `${id}-err`, hidden: true });

  function knobField(k) {
    const id = fieldId(k.path), err = errSlot(id);
    const help = h("span", { class: "knob-help", id: `${id}-help` }, [k.doc, bounds(k)].filter(Boolean).join(" · "));
    let input, get, set;
    if (k.kind === "bool") {
      input = h("input", { type: "checkbox", id, "aria-describedby": `${id}-help` });
      get = () => input.checked; set = (v) => { input.checked = !!v; };
    } else if (k.kind === "choice") {
      input = h("select", { id, "aria-describedby": `${id}-help` }, (k.choices || []).map((c) => h("option", { value: c }, c)));
      get = () => input.value; set = (v) => { input.value = String(v); };
    } else {
      input = h("input", { type: "number", id, inputmode: "decimal", "aria-describedby": `${id}-help`, step: k.kind === "int" ? "1" : "any",
        min: k.min ?? null, max: k.max ?? null, class: "knob-number" });
      get = () => (input.value.trim() === "" ? NaN : Number(input.value)); set = (v) => { input.value = fmt(v); };
    }
    set(k.value);
    const row = h("div", { class: "knob", dataset: { path: k.path } },
      h("label", { for: id }, k.label, k.unit ? h("span", { class: "unit" }, ` (${k.unit})`) : null), input, help, err);
    fields.set(k.path, { kind: k.kind, param: k, get, set, reset: () => set(k.value), input, err, initial: k.value });
    return row;
  }

  function interventionField(iv) {
    const id = fieldId(`interventions.${iv.id}`);
    const on = h("input", { type: "checkbox", id: `${id}-on`, checked: iv.enabled });
    const shift = h("input", { type: "number", id: `${id}-shift`, step: "1", value: "0", class: "shift", "aria-describedby": `${id}-when` });
    const errOn = errSlot(`${id}-on`), errShift = errSlot(`${id}-shift`);
    fields.set(`interventions.${iv.id}.enabled`, { kind: "bool", get: () => on.checked, set: (v) => { on.checked = !!v; },
      reset: () => { on.checked = iv.enabled; }, input: on, err: errOn, initial: iv.enabled });
    // An alarmed action shifts by its response time (at_s is then only a "not before" floor).
    const alarmed = iv.respond_s !== null && iv.respond_s !== undefined;
    const base = alarmed ? iv.respond_s : iv.at_s;
    fields.set(alarmed ? `interventions.${iv.id}.when.respond_s` : `interventions.${iv.id}.at_s`, { kind: "shift", iv,
      get: () => (shift.value.trim() === "" ? NaN : base + Number(shift.value) * 60),
      set: (v) => { shift.value = fmt(Math.round((v - base) / 60)); }, reset: () => { shift.value = "0"; }, input: shift, err: errShift, initial: base });
    return h("li", { class: "intervention", dataset: { id: iv.id } },
      h("label", { class: "iv-on" }, on, ` ${iv.label}`),
      h("span", { class: "iv-when", id: `${id}-when` }, alarmed ? `on its alarm, then ${Math.round(iv.respond_s / 60)} min to respond; shift moves the response` : iv.conditional ? `when its condition holds, not before ${iv.at_label}` : `at ${iv.at_label}`),
      h("label", { class: "iv-shift" }, "shift ", shift, " min"), errOn, errShift);
  }

  const seedInput = h("input", { type: "number", id: "wf-seed", min: "0", step: "1", value: String(data.seed), class: "seed-input", "aria-describedby": "wf-seed-help" });
  const seedErr = errSlot("wf-seed");
  const status = h("output", { class: "whatif-status", id: "whatif-status", "aria-live": "polite" });
  const runBtn = h("button", { type: "submit", class: "btn btn-primary button primary", id: "whatif-run" }, "Run");
  const presetBtns = data.presets.map((p) => h("button", { type: "button", class: "btn button preset", "aria-pressed": "false", dataset: { preset: p.id },
    title: p.description || null, onclick: () => choosePreset(p) }, p.name));

  const form = h("form", { class: "whatif-form", id: "whatif-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); run(); } },
    presetBtns.length ? h("div", { class: "presets", role: "group", "aria-label": "Presets" }, h("span", { class: "presets-h" }, "Presets:"), presetBtns) : null,
    data.knobs.length ? h("fieldset", { class: "knobs" }, h("legend", {}, "Knobs"), data.knobs.map(knobField)) : null,
    data.interventions.length ? h("fieldset", { class: "interventions" }, h("legend", {}, "Operator actions"),
      h("ul", {}, data.interventions.map(interventionField))) : null,
    h("fieldset", { class: "seed" }, h("legend", {}, "Seed"),
      h("label", { for: "wf-seed" }, "Seed "), seedInput,
      h("button", { type: "button", class: "btn button", id: "wf-new-seed", onclick: () => { seedInput.value = String(1 + Math.floor(Math.random() * 2 ** 31)); } }, "New seed"),
      h("span", { class: "knob-help", id: "wf-seed-help" }, `the same seed gives the same run, frame for frame; the scenario's is ${data.default_seed}`), seedErr),
    h("div", { class: "whatif-actions" }, runBtn, h("button", { type: "reset", class: "btn btn-ghost button", onclick: (e) => { e.preventDefault(); resetAll(); } }, "Reset"), status));
  fill(root, form);

  function resetAll() {
    for (const f of fields.values()) f.reset();
    seedInput.value = String(data.seed);
    presetBtns.forEach((b) => b.setAttribute("aria-pressed", "false"));
    clearErrors();
  }

  function choosePreset(p) {
    resetAll();
    for (const [path, value] of Object.entries(p.variant)) fields.get(path)?.set(value);
    presetBtns.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.preset === p.id)));
    status.value = `Preset: ${p.name}. Press Run.`;
  }

  function clearErrors() {
    for (const f of [...fields.values(), { input: seedInput, err: seedErr }]) {
      f.err.hidden = true; f.err.textContent = "";
      f.input.removeAttribute("aria-invalid");
      f.input.setAttribute("aria-describedby", (f.input.getAttribute("aria-describedby") || "").replace(` ${f.err.id}`, ""));
    }
    status.value = "";
  }

  function showError(f, text) {
    f.err.textContent = text;
    f.err.hidden = false;
    f.input.setAttribute("aria-invalid", "true");
    const by = f.input.getAttribute("aria-describedby") || "";
    if (!by.includes(f.err.id)) f.input.setAttribute("aria-describedby", `${by} ${f.err.id}`.trim());
  }

  /** The variant and seed, or the list of [field, path, message] errors. */
  function collect() {
    const variant = {}, errors = [];
    for (const [path, f] of fields) {
      const v = f.get();
      const message = check(f, v);
      if (message) { errors.push([f, `variant.${path}`, message]); continue; }
      if (v !== f.initial) variant[path] = v;
    }
    const seed = seedInput.value.trim() === "" ? NaN : Number(seedInput.value);
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) errors.push([{ input: seedInput, err: seedErr }, "seed", `must be an integer from 0 to ${MAX_SEED}`]);
    return { variant, seed, errors };
  }

  async function run() {
    clearErrors();
    const { variant, seed, errors } = collect();
    if (errors.length) {
      for (const [f, path, message] of errors) showError(f, `${path}: ${message}`);
      errors[0][0].input.focus();
      status.value = `Not run: ${errors.length} value${errors.length > 1 ? "s" : ""} out of bounds.`;
      return;
    }
    runBtn.disabled = true;
    status.value = "Starting the run…";
    try {
      const b = await create({ variant, seed });
      if (!b) return;
      const a = data.base_run || (await create({ variant: {}, seed: data.default_seed }));
      if (!a) return;
      if (a === b) { status.value = "That is the run you are watching: change a knob, an action or the seed first."; return; }
      const q = new URLSearchParams(location.search);
      const params = new URLSearchParams();
      if (data.key) params.set("key", data.key);
      // The moment and the service being looked at carry over to the comparison.
      for (const name of ["t", "focus"]) if (q.get(name)) params.set(name, q.get(name));
      const qs = params.toString().replace(/%3A/g, ":");
      location.assign(`/compare/${a}/${b}/${qs ? `?${qs}` : ""}`);
    } finally {
      runBtn.disabled = false;
    }
  }

  async function create({ variant, seed }) {
    const body = { scenario: data.scenario, seed, variant };
    if (data.key) body.key = data.key;
    const r = await fetch("/api/runs/", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body) });
    const reply = await r.json().catch(() => ({ error: `error ${r.status}` }));
    if (r.ok) return reply.id;
    const errors = reply.errors || [[reply.field, reply.error]];
    let shown = 0;
    for (const [path, message] of errors) {
      const f = path === "seed" ? { input: seedInput, err: seedErr } : fields.get(String(path || "").replace(/^variant\./, ""));
      if (f) { showError(f, `${path}: ${message}`); shown++; }
    }
    status.value = shown ? "Not run: see the errors above." : `Not run: ${reply.error || r.status}`;
    return null;
  }

  window.__whatif = { fields, choosePreset, run, collect };
}

function bounds(k) {
  if (k.kind !== "int" && k.kind !== "float") return "";
  if (k.min != null && k.max != null) return `${fmt(k.min)}–${fmt(k.max)}`;
  if (k.min != null) return `≥ ${fmt(k.min)}`;
  if (k.max != null) return `≤ ${fmt(k.max)}`;
  return "";
}

// The same rules the server applies (simulation/params.py check_value), so the message
// next to the field is the one the API would give.
function check(f, v) {
  if (f.kind === "bool") return typeof v === "boolean" ? null : "must be true or false";
  if (f.kind === "choice") return (f.param.choices || []).includes(v) ? null : `must be one of ${(f.param.choices || []).join(", ")}`;
  if (f.kind === "shift") {
    if (!Number.isFinite(v)) return "must be a whole number of minutes";
    if (v < 0) return "must be ≥ 0 (the shift moves it before the start)";
    if (v > data.duration_s) return `must be ≤ ${data.duration_s} (the shift moves it past the end)`;
    return null;
  }
  if (!Number.isFinite(v)) return "must be a number";
  if (f.kind === "int" && !Number.isInteger(v)) return "must be an integer";
  const p = f.param;
  if (p.min != null && v < p.min) return `must be ≥ ${fmt(p.min)}`;
  if (p.max != null && v > p.max) return `must be ≤ ${fmt(p.max)}`;
  return null;
}

build();
