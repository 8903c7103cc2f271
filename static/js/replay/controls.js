// Controls: play/pause, speed, previous/next event, the scrubber with the simulation's
// progress and a live edge, the clock (scenario zone, UTC on hover/focus), keyboard
// shortcuts, share links (?t=[Nd]HH:MM:SS&focus=<service>) and the URL they restore.

import { h, setText, prefersReducedMotion } from "./dom.js";

const MINUTE = 60000;

export function createControls({ app, timeline, clock, config, narration, announcer, invalidate, select }) {
  const $ = (id) => document.getElementById(id);
  const playBtn = $("btn-play"), scrub = $("scrubber"), speedSel = $("speed"), live = $("btn-live");
  const loadbar = $("loadbar"), loadFill = loadbar.querySelector("span"), runState = $("run-state");
  const timeEl = $("clock-time"), dateEl = $("clock-date"), copyStatus = $("copy-status");
  const durationMs = timeline.durationMs;

  // Speeds: the fixed ones, plus the default that plays the whole run in about two minutes.
  const fit = Math.max(1, Math.round(durationMs / 1000 / 120));
  app.speed = fit;
  const speeds = [1, 10, 60, 600, 3600].map((v) => ({ v, label: `${v}×` }));
  if (!speeds.some((s) => s.v === fit)) speeds.push({ v: fit, label: `${fit}× · all in 2 min` });
  speeds.sort((a, b) => a.v - b.v);
  speedSel.replaceChildren(...speeds.map((s) => h("option", { value: String(s.v), selected: s.v === fit }, s.label)));
  speedSel.addEventListener("change", () => {
    app.speed = Number(speedSel.value);
    announcer.say(`Speed ${app.speed}×.`, { now: true });
    invalidate();
  });

  scrub.max = String(durationMs / 1000);
  scrub.step = "any";
  scrub.addEventListener("input", () => { seek(Number(scrub.value) * 1000, { quiet: true }); });
  scrub.addEventListener("change", () => announceTime("At"));

  playBtn.addEventListener("click", () => setPlaying(!app.playing));
  // The embed has no event steps, copy, embed or help buttons (nor a dialog).
  $("btn-prev")?.addEventListener("click", () => step(-1));
  $("btn-next")?.addEventListener("click", () => step(1));
  live.addEventListener("click", () => { app.followLive = true; seek(timeline.liveEdgeMs, { keepFollow: true }); setPlaying(true); });
  $("btn-copy")?.addEventListener("click", () => copyText(shareUrl(), { done: "Link copied", label: "Link to this moment" }));
  $("btn-embed")?.addEventListener("click", () => copyText(embedSnippet(), { done: "Embed code copied", label: "Embed code for this moment" }));
  const help = $("help");
  $("btn-help")?.addEventListener("click", () => help.showModal());
  const fullLink = $("full-replay");  // the embed's link back to the full replay
  // Present: the form starts a session at this moment, focus and speed.
  $("btn-present")?.addEventListener("click", () => {
    $("present-t").value = clock.linkParam(app.t);
    $("present-focus").value = app.selected || "";
    $("present-speed").value = String(app.speed);
    $("present-dialog").showModal();
  });
  $("present-cancel")?.addEventListener("click", () => $("present-dialog").close());

  function announceTime(prefix) {
    const i = clock.info(app.t);
    announcer.say(`${prefix} ${i.time} ${i.zone}, ${i.date}.`, { now: true });
  }

  function limitMs() { return timeline.computing ? timeline.liveEdgeMs : durationMs; }

  function seek(tMs, { quiet = false, keepFollow = false } = {}) {
    if (!Number.isFinite(tMs)) return;
    app.t = Math.max(0, Math.min(durationMs, tMs));
    if (!keepFollow) app.followLive = false;
    if (!quiet) announceTime("Jumped to");
    urlChanged();
    invalidate();
  }

  function setPlaying(on) {
    if (on && app.t >= durationMs - 1) app.t = 0;
    app.playing = on;
    playBtn.setAttribute("aria-pressed", String(on));
    setText(playBtn.querySelector(".icon"), on ? "❚❚" : "▶");
    setText(playBtn.querySelector(".label"), on ? "Pause" : "Play");
    if (on) announcer.say(`Playing at ${app.speed}×.`, { now: true });
    else { announceTime("Paused at"); urlChanged(); }
    invalidate();
  }

  function step(dir) {
    const t = narration.neighbour(app.t, dir);
    if (t != null) seek(t);
  }

  /** Advance the playhead by dt ms of wall time (called once per animation frame). */
  function advance(dt) {
    if (app.followLive) { app.t = timeline.liveEdgeMs; return; }
    const limit = limitMs();
    app.t = Math.min(app.t + dt * app.speed, Math.max(limit, 0));
    if (!timeline.computing && app.t >= durationMs) setPlaying(false);
  }

  // -- keyboard --------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (help?.open) return;
    const tag = t?.tagName;
    if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && t.type !== "range") || t?.isContentEditable) return;
    const onButton = tag === "BUTTON" || tag === "A";
    switch (e.key) {
      case " ":
        if (onButton) return;          // Space activates the focused button
        setPlaying(!app.playing);
        break;
      case "ArrowLeft":
      case "ArrowRight": {
        const dir = e.key === "ArrowLeft" ? -1 : 1;
        if (e.shiftKey) step(dir); else seek(app.t + dir * MINUTE);
        break;
      }
      case "Home": seek(0); break;
      case "End": seek(limitMs()); break;
      case "?": if (!help) return; help.showModal(); break;
      case "Escape": if (app.selected) select(null); else return; break;
      default:
        if (/^[1-6]$/.test(e.key)) {
          const s = speeds[Number(e.key) - 1];
          if (!s) return;
          speedSel.value = String(s.v);
          speedSel.dispatchEvent(new Event("change"));
          break;
        }
        return;
    }
    e.preventDefault();
  });

  // -- links -----------------------------------------------------------------------
  function momentUrl(path, extra = {}) {
    const params = new URLSearchParams();
    params.set("t", clock.linkParam(app.t));
    if (app.selected) params.set("focus", app.selected);
    if (config.key) params.set("key", config.key);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return `${location.origin}${path}?${params.toString().replace(/%3A/g, ":")}`;
  }
  const shareUrl = () => momentUrl(config.replay_url);

  /** An <iframe> of /embed/<run>/ pinned to this moment (and the selected service). */
  function embedSnippet() {
    const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const src = momentUrl(config.embed_url, { autoplay: "0" });
    return `<iframe src="${esc(src)}" width="960" height="540" title="${esc(config.embed_title || "Outage replay")}" ` +
      `loading="lazy" referrerpolicy="no-referrer-when-downgrade" allowfullscreen style="border:0;max-width:100%"></iframe>`;
  }

  let urlTimer = 0;
  function urlChanged() {
    if (app.playing || config.present) return;  // a presentation keeps its /p/<code>/ URL
    clearTimeout(urlTimer);
    // The embed keeps its own URL (a reload must stay an embed) and updates its link back.
    if (fullLink) urlTimer = setTimeout(() => { fullLink.href = shareUrl(); }, 250);
    else urlTimer = setTimeout(() => history.replaceState(null, "", shareUrl()), 250);
  }

  async function copyText(text, { done, label }) {
    copyStatus.dataset.url = text;
    const old = copyStatus.nextElementSibling;
    if (old?.classList.contains("copy-field")) old.remove();
    try {
      await navigator.clipboard.writeText(text);
      copyStatus.value = done;
    } catch {
      copyStatus.value = "Copy this:";
      const field = h("input", { type: "text", readonly: true, value: text, "aria-label": label, class: "copy-field" });
      copyStatus.after(field);
      field.select();
    }
    copyStatus.title = text;
    setTimeout(() => { copyStatus.value = ""; }, 4000);
  }

  /** Restore t and focus from the URL; autoplay when the link names no moment. */
  function applyUrl() {
    const q = new URLSearchParams(location.search);
    const t = clock.parseParam(q.get("t"));
    const focus = q.get("focus");
    if (focus && timeline.serviceIndex.has(focus)) select(focus);
    if (t != null) { app.t = Math.max(0, Math.min(durationMs, t)); invalidate(); }
    // The embed plays only when asked to (autoplay=1); a page in a document should not.
    if ((config.autoplay ?? t == null) && !prefersReducedMotion()) setPlaying(true);
  }

  function fatal(text) {
    setText(runState, text);
    runState.className = "run-state is-failed";
    setPlaying(false);
  }

  // -- per-frame view ----------------------------------------------------------------
  let lastSec = -1, lastMin = -1, lastRun = "", lastLoad = -1;
  function update(view) {
    const i = clock.info(view.t_ms);
    const sec = Math.floor(view.t_ms / 1000);
    if (sec !== lastSec) {
      lastSec = sec;
      setText(timeEl, `${i.time} ${i.zone}`);
      timeEl.setAttribute("datetime", i.iso);
      timeEl.title = i.utc;
      timeEl.setAttribute("aria-label", `${i.time} ${i.zone}, ${i.date} (${i.utc})`);
      setText(dateEl, `${i.date} · ${i.utc}`);
      scrub.value = String(view.t_ms / 1000);
    }
    const min = Math.floor(sec / 60);
    if (min !== lastMin && !app.playing) { lastMin = min; scrub.setAttribute("aria-valuetext", `${i.time} ${i.zone}, ${i.date}`); }
    const computing = timeline.computing;
    const pct = Math.round((timeline.coveredTo + 1) / timeline.framesTotal * 1000) / 10;
    const runKey = `${timeline.status}|${pct}|${timeline.error}`;
    if (runKey !== lastRun) {
      lastRun = runKey;
      const label = timeline.status === "failed" ? `Simulation failed: ${timeline.error || "unknown error"}`
        : timeline.status === "cancelled" ? "Simulation cancelled"
        : computing ? `Simulating… ${Math.round(pct)} %`
        : pct < 100 ? `Loading frames… ${Math.round(pct)} %` : "Replay ready";
      setText(runState, label);
      runState.className = `run-state is-${timeline.status}`;
      live.hidden = !computing;
      loadbar.hidden = !computing && pct >= 100;
    }
    if (pct !== lastLoad) {
      lastLoad = pct;
      loadFill.style.width = `${pct}%`;
      loadbar.setAttribute("aria-valuenow", String(Math.round(pct)));
    }
    live.classList.toggle("at-live", app.followLive);
  }

  return { seek, setPlaying, advance, update, applyUrl, urlChanged, fatal, shareUrl, embedSnippet };
}
