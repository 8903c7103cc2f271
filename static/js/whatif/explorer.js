// "Explore the race" (replay page, scenarios with dns_automation): every interleaving of
// a small Planner/Enactor configuration, enumerated in a worker (POST /api/explore/),
// counted, and the first schedule that empties a record drawn as a sequence diagram (the
// player's, replay/sequence.js): one lane per Planner, Enactor and endpoint record, one
// numbered message per step.
// "Replay this interleaving" sends only the exploration's key and the schedule's number
// (POST /api/explore/<key>/replay); the server builds the run's variant from the stored
// exploration (an identical run is reused) and the comparison with this run opens.

import { h, fill } from "../replay/dom.js";
import { createSchedule } from "../replay/sequence.js";

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

// The counterexample's messages (race.py: {actor, target, text, stale, deletes, final})
// as a schedule for the shared sequence diagram; the end state is a mark on the record
// it leaves empty.
function diagram(steps, c) {
  const letter = (i) => String.fromCharCode(97 + i);
  const actors = [{ id: "planner", label: "Planner" }, { id: "plans", label: "Plans" },
    ...Array.from({ length: c.enactors }, (_, i) => ({ id: `enactor-${letter(i)}`, label: `Enactor ${letter(i).toUpperCase()}` })),
    ...Array.from({ length: c.endpoints }, (_, i) => ({ id: `endpoint-${i}`, label: `Endpoint ${i}` }))];
  const schedule = steps.map((st) => {
    if (st.final) {
      const empty = /endpoint (\d+) \([^)]*\): EMPTY/.exec(st.text);
      const lane = `endpoint-${empty ? empty[1] : 0}`;
      return { from: lane, to: lane, tone: "bad", text: st.text, final: true };
    }
    const tone = st.stale || st.deletes ? "bad" : st.text.includes("cannot write") ? "warn" : "plain";
    return { from: st.actor, to: st.target, tone, text: st.text };
  });
  return createSchedule({ id: "explore-seq", title: "A schedule that empties the record", actors, steps: schedule });
}

form.addEventListener("submit", (e) => { e.preventDefault(); explore(); });
