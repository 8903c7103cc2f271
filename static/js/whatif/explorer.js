// "Explore the race" (replay page, scenarios with dns_automation): every interleaving of
// a small Planner/Enactor configuration, enumerated in a worker (POST /api/explore/),
// counted, and the first schedule that empties a record drawn as a sequence diagram:
// one lifeline per Planner, Enactor and endpoint record, one message per step.
// "Replay this interleaving" sends only the exploration's key and the schedule's number
// (POST /api/explore/<key>/replay); the server builds the run's variant from the stored
// exploration (an identical run is reused) and the comparison with this run opens.

import { h, fill } from "../replay/dom.js";

const root = document.getElementById("explorer");
const data = JSON.parse(document.getElementById("explorer-data").textContent);
const out = root.querySelector("#explorer-result");
const form = root.querySelector("#explorer-form");
const btn = root.querySelector("#btn-explore");

function value(name) {
  const el = form.elements[name];
  if (el.type === "checkbox") return el.checked;
  if (el.type === "number") return Number(el.value);
  return el.value;
}

async function explore() {
  btn.disabled = true;
  fill(out, h("p", { class: "muted" }, "Enumerating schedules in a worker…"));
  const body = { scenario: data.scenario, mechanism: data.mechanism };
  if (data.key) body.key = data.key;
  for (const name of ["enactors", "plans", "endpoints", "version_check", "cleanup_protects_active", "cleanup_age_generations"]) body[name] = value(name);
  try {
    let r = await fetch("/api/explore/", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
    let reply = await r.json();
    const deadline = Date.now() + 60000;
    while (r.status === 202 && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 500));
      r = await fetch(reply.url || r.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      reply = { ...(await r.json()), url: reply.url };
    }
    if (!r.ok || reply.status !== "done") fill(out, h("p", { class: "field-error" }, reply.error || "The explorer did not answer in time."));
    else show(reply, reply.url || r.url);
  } finally {
    btn.disabled = false;
  }
}

function show(res, url) {
  const c = res.config;
  const summary = h("p", { class: "explore-counts", id: "explore-counts" },
    h("strong", {}, res.schedules.toLocaleString("en-US")), ` schedules of ${c.enactors} Enactor${c.enactors > 1 ? "s" : ""}, ${c.plans} plans and ${c.endpoints} endpoint${c.endpoints > 1 ? "s" : ""}; `,
    h("strong", {}, res.empty.toLocaleString("en-US")), ` end with an EMPTY record`,
    res.schedules ? ` (${Math.round((res.empty / res.schedules) * 1000) / 10} %).` : ".");
  if (!res.steps.length) { fill(out, summary, h("p", {}, "No schedule empties a record: with these settings the race cannot happen.")); return; }
  const key = new URL(url, location.href).pathname.split("/").filter(Boolean).pop();
  fill(out, summary, diagram(res.steps, c), (res.replays || []).length ? replayButton(key) : "");
}

function replayButton(key) {
  const note = h("output", { class: "muted replay-status", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "btn", id: "btn-replay-interleaving" }, "Replay this interleaving");
  button.addEventListener("click", async () => {
    button.disabled = true;
    note.value = "Starting a run whose DNS automation follows this schedule…";
    try {
      const body = { scenario: data.scenario, schedule: 1 };
      if (data.key) body.key = data.key;
      const r = await fetch(`/api/explore/${encodeURIComponent(key)}/replay`, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
      const reply = await r.json();
      if (!r.ok) { note.value = reply.error || "The run could not be started."; return; }
      const qs = data.key ? `?key=${encodeURIComponent(data.key)}` : "";
      location.assign(data.base_run && data.base_run !== reply.id ? `/compare/${data.base_run}/${reply.id}/${qs}` : reply.replay_url);
    } finally {
      button.disabled = false;
    }
  });
  return h("p", { class: "replay-row" }, button, " ", note);
}

function diagram(steps, c) {
  const lanes = [{ id: "planner", label: "Planner" }, { id: "plans", label: "Plans" },
    ...Array.from({ length: c.enactors }, (_, i) => ({ id: `enactor-${String.fromCharCode(97 + i)}`, label: `Enactor ${String.fromCharCode(65 + i)}` })),
    ...Array.from({ length: c.endpoints }, (_, i) => ({ id: `endpoint-${i}`, label: `Record: endpoint ${i}` }))];
  const col = new Map(lanes.map((l, i) => [l.id, i + 1]));
  const grid = h("div", { class: "seq", role: "img", "aria-label": "Sequence diagram of the counterexample; the numbered list below has the same steps", style: { gridTemplateColumns: `repeat(${lanes.length}, minmax(5.5rem, 1fr))` } },
    lanes.map((l) => h("div", { class: "seq-head", style: { gridColumn: String(col.get(l.id)) } }, l.label)));
  steps.forEach((s, i) => {
    const row = String(i + 2);
    const from = col.get(s.actor) || 1, to = s.final ? lanes.length : (col.get(s.target) || from);
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    const kind = s.final ? "final" : s.stale ? "stale" : s.deletes ? "deletes" : "";
    grid.append(h("div", { class: `seq-msg ${kind} ${from > to ? "leftward" : ""}`, style: { gridColumn: `${lo} / ${hi + 1}`, gridRow: row } },
      h("span", { class: "seq-n" }, `${i + 1}`), h("span", { class: "seq-text" }, s.text)));
  });
  const list = h("ol", { class: "seq-list sr-only" }, steps.map((s) => h("li", {}, s.text)));
  return h("div", { class: "seq-wrap" }, h("h3", { class: "seq-h" }, "A schedule that empties the record"), grid, list);
}

form.addEventListener("submit", (e) => { e.preventDefault(); explore(); });
