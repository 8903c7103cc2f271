// Determinism you can see, on the player page: the run's seed and frame digest, a
// "verified identical" badge when an earlier run with the same document and seed has the
// same digest, and "Verify", which recomputes the run in a worker and reports whether the
// new digest matches (GET|POST /api/runs/<id>/verify).

import { setText } from "../replay/dom.js";

const root = document.getElementById("run-checks");
const cfg = JSON.parse(document.getElementById("replay-config").textContent);
const q = cfg.key ? `?key=${encodeURIComponent(cfg.key)}` : "";
const url = `${cfg.api_url}verify${q}`;
const $ = (sel) => root.querySelector(sel);
const digestEl = $("#run-digest"), badge = $("#run-verified"), btn = $("#btn-verify"), out = $("#verify-status");

function show(checks) {
  if (checks.frame_digest) {
    setText(digestEl, checks.frame_digest.slice(0, 12));
    digestEl.title = `sha256 of the frame stream: ${checks.frame_digest}`;
    btn.hidden = false;
  }
  // Identical runs share stored frames, so an earlier twin's digest alone proves
  // nothing: the badge waits for this run to be recomputed in a worker (asked for once,
  // automatically, when a twin exists) and its digest to match.
  const twin = checks.identical, v = checks.verification;
  if (twin) {
    const verified = v && v.status === "done" && v.matches && twin.matches;
    const failed = (v && v.status === "done" && !v.matches) || !twin.matches;
    badge.hidden = false;
    badge.href = twin.url;
    badge.className = `badge-check ${verified ? "is-ok" : failed ? "is-bad" : ""}`;
    setText(badge, verified ? "✓ verified identical" : failed ? "✕ not identical" : "same document and seed as an earlier run · verifying…");
    badge.title = `Run ${twin.id} has the same scenario document and seed; this run was ${verified ? "recomputed in a worker and matches its frame digest" : failed ? "recomputed and does NOT match" : "not recomputed yet"}.`;
    if (!v && !autoAsked) { autoAsked = true; request(); return false; }
  }
  if (!v) return false;
  if (v.status === "queued" || v.status === "running") { setText(out, "Recomputing in a worker…"); return true; }
  if (v.status === "failed") setText(out, `Verification failed: ${v.error}`);
  else setText(out, v.matches ? `✓ Recomputed: the digest matches (${v.digest.slice(0, 12)}).`
    : `✕ Recomputed: MISMATCH (${v.digest.slice(0, 12)} ≠ ${v.expected.slice(0, 12)}).`);
  out.className = `verify-status ${v.status === "done" && v.matches ? "is-ok" : "is-bad"}`;
  btn.disabled = false;
  return false;
}

async function load() {
  const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!r.ok) return;
  const checks = await r.json();
  const pending = show(checks);
  if (pending || !checks.frame_digest) setTimeout(load, pending ? 1000 : 2500);
}

let autoAsked = false;
btn.addEventListener("click", () => request());

async function request() {
  btn.disabled = true;
  setText(out, "Asking a worker to recompute the run…");
  out.className = "verify-status";
  const r = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" }, body: "{}" });
  const body = await r.json().catch(() => ({}));
  if (r.status === 202) { show(body); setTimeout(load, 800); return; }
  setText(out, body.error || `error ${r.status}`);
  btn.disabled = false;
}

load();
