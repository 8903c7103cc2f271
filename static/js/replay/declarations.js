// What each mechanism of a run shows, as the run's meta declares it (`meta.mechanisms`,
// built by simulation/mechanisms/shows.py): signals with label/unit/kind, chart groups,
// panel state, sequence-diagram actors and messages, the loop that can sustain a failure.
// Nothing here knows a scenario, a service or a mechanism instance: every view is built
// from these declarations and the spec.

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The declarations of a run meta, each with `owner` (a readable name for its panel and
 * chart titles: its first service's name, else its own title) and `signal(name)`. */
export function mechanismsOf(meta) {
  const names = new Map((meta.spec?.services || []).map((s) => [s.id, s.name || s.id]));
  return (meta.mechanisms || []).map((d) => {
    const bySignal = new Map((d.signals || []).map((s) => [s.name, s]));
    const owner = (d.services || []).map((id) => names.get(id)).filter(Boolean)[0] || "";
    return { ...d, owner, heading: owner ? `${owner}: ${d.title}` : d.title, signal: (n) => bySignal.get(n) };
  });
}

/** A signal's value in the unit it is shown in (fractions × scale), or null. */
export function shownValue(sig, raw) {
  const v = num(raw);
  return v == null ? null : v * (sig.scale || 1);
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** A signal's value as text with its unit ("25 %", "1,204 jobs", "yes"). */
export function formatSignal(sig, raw) {
  if (raw == null) return sig.empty || "—";
  if (sig.kind === "boolean") return raw ? "yes" : "no";
  if (sig.kind === "text") return String(raw);
  const v = shownValue(sig, raw);
  if (v == null) return "—";
  const abs = Math.abs(v);
  const text = abs >= 100000 ? compact.format(v) : abs >= 100 ? Math.round(v).toLocaleString("en-US")
    : String(Math.round(v * 10) / 10);
  const unit = sig.unit === "%" ? " %" : sig.unit ? ` ${sig.unit}` : "";
  return `${text}${unit}`;
}

/** Series definitions for the timeline and chart layouts, from the declarations. */
export function chartPlan(mechanisms) {
  const defs = [], charts = [];
  for (const m of mechanisms) {
    for (const c of m.charts || []) {
      const sigs = c.signals.map((n) => m.signal(n)).filter(Boolean);
      if (!sigs.length) continue;
      const units = [...new Set(sigs.map((s) => s.unit))];
      const series = sigs.map((s) => {
        defs.push({ id: `${m.id}.${s.name}`, label: s.label, unit: s.unit, scale: units.indexOf(s.unit) ? "y2" : "y",
          get: (st) => shownValue(s, st.metrics[m.id]?.[s.name]) });
        return defs.length - 1;
      });
      charts.push({ title: `${m.heading} — ${c.title}`, mechanism: m.id, units, series, range: c.max != null ? [0, c.max] : null });
    }
  }
  return { defs, charts };
}

/** Sustained spans: the run summary's when it has them, else from the events seen so far
 * (`sustained.start` carries the span's start; an unmatched one is still open). */
export function sustainedSpans(meta, events, endS) {
  if (Array.isArray(meta.summary?.sustained)) return meta.summary.sustained;
  const out = [], open = new Map();
  for (const ev of events) {
    if (ev.kind === "sustained.start") {
      const span = { service: ev.service, mechanism: ev.data?.mechanism, loop: ev.data?.loop, triggers: ev.data?.triggers || [],
        cleared_s: ev.data?.cleared_s, from_s: ev.data?.from_s ?? ev.t_ms / 1000, to_s: endS, open: true, explain: "" };
      out.push(span);
      open.set(ev.service, span);
    } else if (ev.kind === "sustained.end" && open.has(ev.service)) {
      Object.assign(open.get(ev.service), { to_s: ev.t_ms / 1000, open: false });
      open.delete(ev.service);
    }
  }
  return out;
}

/** The loop explanation of a span (declared by its mechanism). */
export function loopOf(mechanisms, span) {
  return mechanisms.find((m) => m.id === span.mechanism)?.loop || { name: span.loop || "", explain: span.explain || "" };
}
