// Fidelity in public: how far the simulation is from the real record. Per milestone,
// real vs simulated time and Δ (or "did not happen"), its tolerance and whether it was
// fitted or predicted; for the run, the summary the server computes (N of M happened,
// K within tolerance, median |Δ|). Reusable: rows and a clock in.

import { h } from "./dom.js";

/** "+6 min 10 s", "−1 h 2 min", "0 s". */
export function formatDelta(s) {
  const sign = s > 0 ? "+" : s < 0 ? "−" : "";
  let rest = Math.round(Math.abs(s));
  const hh = Math.floor(rest / 3600); rest -= hh * 3600;
  const mm = Math.floor(rest / 60); const ss = rest - mm * 60;
  const parts = [hh ? `${hh} h` : "", mm ? `${mm} min` : "", !hh && ss ? `${ss} s` : ""].filter(Boolean);
  return `${sign}${parts.join(" ") || "0 s"}`;
}

/** Lines for a milestone's tooltip: real time, simulated time and Δ, tolerance, fitted. */
export function fidelityLines(m, row, clock) {
  const real = clock.info(m.at_s * 1000);
  const lines = [`Real: ${real.date} ${real.time} ${real.zone}`];
  if (!row) {
    lines.push("Simulated: not known until the run has finished");
  } else if (row.sim_s == null) {
    lines.push(row.matched === false ? "Simulated: not compared (context, no rule to find it)" : "Simulated: did not happen");
  } else {
    const sim = clock.info(row.sim_s * 1000);
    lines.push(`Simulated: ${sim.day !== real.day ? `${sim.date} ` : ""}${sim.time} (Δ ${formatDelta(row.delta_s)})`);
  }
  const tol = row?.tolerance_s ?? m.tolerance_s;
  if (tol != null) {
    const within = row && row.delta_s != null ? (Math.abs(row.delta_s) <= tol ? " · within" : " · outside") : "";
    lines.push(`Tolerance: ± ${formatDelta(tol).replace(/^\+/, "")}${within}`);
  }
  if (row && row.fitted != null) lines.push(row.fitted ? "Fitted: a parameter was tuned to this time" : "Predicted: not fitted to this time");
  return lines;
}

/** One line: "31 of 40 real milestones happened · 24 of 30 within tolerance · median |Δ| 4 min". */
export function fidelityText(f) {
  if (!f || !f.total) return "";
  const parts = [`${f.happened} of ${f.total} real milestones happened in the simulation`];
  if (f.with_tolerance) parts.push(`${f.within} of ${f.with_tolerance} within tolerance`);
  if (f.median_abs_delta_s != null) parts.push(`median |Δ| ${formatDelta(f.median_abs_delta_s).replace(/^\+/, "")}`);
  return parts.join(" · ");
}

export function createFidelity(el, { timeline }) {
  let shown = null;
  function update() {
    const f = timeline.fidelity || null;
    if (f === shown) return;
    shown = f;
    const text = fidelityText(f);
    el.hidden = !text;
    if (text) el.replaceChildren(h("strong", {}, "Fidelity: "), text);
  }
  update();
  return { update };
}
