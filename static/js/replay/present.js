// Presenter sessions (/p/<code>/): the presenter's playhead, speed, focus and panel go
// to everyone following over ws/present/<code>/; followers apply them the moment they
// arrive. The server clock is the common reference: each side measures its offset to it
// with pings, the presenter stamps each state with the server time it was taken at
// (`at_ms`), and a playing follower extrapolates from there, so transit time does not
// put it behind. Any input of a follower's own (a click, a key) detaches it ("exploring
// on your own"); F follows again. If the presenter leaves, followers stay where they are.

const PANEL_OF = { "panel-graph": "graph", "panel-race": "race", "panel-lanes": "lanes", "panel-story": "story", "panel-charts": "charts" };
const HEARTBEAT_MS = 2000;   // a playing presenter re-sends its state this often
const PING_EVERY_MS = 5000;

export function createPresence({ config, app, controls, timeline, select, invalidate, clock }) {
  const $ = (id) => document.getElementById(id);
  const cfg = config.present;
  const presenter = cfg.role === "presenter";
  const frameMs = cfg.frame_ms || 10000;
  const statusEl = $("present-status"), countEl = $("present-count"), modeEl = $("present-mode"), followBtn = $("btn-follow");
  const speedSel = $("speed");
  const stats = (window.__present = { role: cfg.role, received: 0, lags: [], version: 0, following: !presenter, errors: [], offsetMs: 0, connected: false, presenterConnected: false, followers: 0 });

  let ws = null, retry = 0, offset = 0, bestRtt = Infinity, panel = null;
  let last = null;          // the last state sent (presenter) or received (follower)
  let following = !presenter, applying = false;
  const serverNow = () => Date.now() + offset;

  // -- socket ------------------------------------------------------------------------
  function connect() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${cfg.ws_url}`;
    ws = new WebSocket(url);
    ws.onopen = () => { retry = 0; stats.connected = true; ping(); };
    ws.onmessage = (e) => { try { onMessage(JSON.parse(e.data)); } catch (err) { console.warn("presence message", err); } };
    ws.onclose = (e) => {
      stats.connected = false;
      if (e.code === 4404) { show("This presentation has ended."); return; }
      show("Reconnecting…");
      setTimeout(connect, Math.min(8000, 500 * 2 ** retry++));
    };
  }
  const send = (msg) => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg)); };
  function ping() { send({ type: "ping", id: Date.now() }); }
  setInterval(ping, PING_EVERY_MS);

  function onMessage(msg) {
    switch (msg.type) {
      case "pong": {
        const rtt = Date.now() - msg.id;
        if (rtt <= bestRtt * 1.5 || rtt < 20) { bestRtt = Math.min(bestRtt, rtt); offset = msg.server_ms - (msg.id + rtt / 2); stats.offsetMs = offset; }
        break;
      }
      case "hello":
        presenceShown(msg);
        // Both roles start where the session is (a presenter reloading continues).
        if (msg.state && Object.keys(msg.state).length) apply(msg.state, msg.version, msg.server_ms);
        if (presenter) last = null;  // then its next frame sends its state: followed again
        break;
      case "state":
        stats.received++;
        if (msg.state.sent_ms) stats.lags.push(Date.now() - msg.state.sent_ms);
        if (!presenter) apply(msg.state, msg.version, msg.server_ms);
        break;
      case "presence":
        presenceShown(msg);
        break;
      case "error":
        stats.errors.push(msg.message);
        console.info("presentation:", msg.message);
        break;
      default:
        break;
    }
  }

  // -- follower ------------------------------------------------------------------------
  function apply(state, version, serverMs) {
    stats.version = Math.max(stats.version, version || 0);
    last = state;
    if (!presenter && !following) return;
    applying = true;
    try {
      const age = state.playing ? Math.max(0, serverNow() - state.at_ms) : 0;
      const t = Math.min(timeline.durationMs, state.t_ms + age * state.speed);
      if (state.speed && state.speed !== app.speed) setSpeed(state.speed);
      if ((state.focus || null) !== (app.selected || null)) select(state.focus || null);
      controls.seek(t, { quiet: true });
      if (state.playing !== app.playing) controls.setPlaying(state.playing);
      showPanel(state.panel);
    } finally {
      applying = false;
    }
    invalidate();
    void serverMs;
  }

  function setSpeed(v) {
    app.speed = v;
    if (![...speedSel.options].some((o) => Number(o.value) === v)) speedSel.append(new Option(`${v}×`, String(v)));
    speedSel.value = String(v);
  }

  function showPanel(name) {
    document.querySelectorAll(".panel.is-presented").forEach((el) => el.classList.remove("is-presented"));
    if (!name) return;
    const el = document.querySelector(`.panel-${name}`);
    if (!el) return;
    el.classList.add("is-presented");
    if (!presenter && name !== panel) el.scrollIntoView({ block: "nearest", behavior: "smooth" });
    panel = name;
  }

  function detach() {
    if (presenter || !following) return;
    following = stats.following = false;
    modeShown();
  }
  function follow() {
    if (presenter) return;
    following = stats.following = true;
    modeShown();
    if (last) apply(last, stats.version);
  }
  if (!presenter) {
    followBtn.addEventListener("click", (e) => { e.stopPropagation(); follow(); });
    // The follower's own input (not the presentation bar, not F): exploring on their own.
    const own = (e) => { if (!applying && !e.target.closest?.("#present-bar")) detach(); };
    for (const el of document.querySelectorAll(".controls, .stage, .compare-stage")) el.addEventListener("pointerdown", own, true);
    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || ["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName) && e.target.type !== "range") return;
      if (e.key === "f" || e.key === "F") { e.preventDefault(); e.stopImmediatePropagation(); follow(); return; }
      if ([" ", "ArrowLeft", "ArrowRight", "Home", "End", "1", "2", "3", "4", "5", "6"].includes(e.key)) detach();
    }, true);
  }

  // -- presenter -----------------------------------------------------------------------
  function current() {
    return { t_ms: Math.round(app.t), playing: app.playing, speed: app.speed, focus: app.selected || null, panel };
  }
  function differs(a, b) {
    if (!b) return true;
    if (a.playing !== b.playing || a.speed !== b.speed || a.focus !== b.focus || a.panel !== b.panel) return true;
    const predicted = b.t_ms + (b.playing ? (serverNow() - b.at_ms) * b.speed : 0);
    return Math.abs(a.t_ms - Math.min(predicted, timeline.durationMs)) > frameMs / 2;  // a seek
  }
  function broadcast(force = false) {
    const s = current();
    if (!force && !differs(s, last)) {
      if (!(s.playing && last && serverNow() - last.at_ms > HEARTBEAT_MS)) return;
    }
    const msg = { type: "control", ...s, at_ms: Math.round(serverNow()), sent_ms: Date.now() };
    last = { ...s, at_ms: msg.at_ms };
    send(msg);
  }
  if (presenter) {
    for (const [cls, name] of Object.entries(PANEL_OF)) {
      const el = document.querySelector(`.${cls}`);
      const pick = () => { if (panel !== name) { panel = name; showPanel(name); broadcast(); } };
      el?.addEventListener("pointerdown", pick);
      el?.addEventListener("focusin", pick);
    }
    $("present-url")?.addEventListener("focus", (e) => e.target.select());
  }

  // -- what the bar says ---------------------------------------------------------------
  function show(text) { statusEl.textContent = text; }
  function presenceShown(msg) {
    const was = stats.presenterConnected;
    stats.presenterConnected = msg.presenter_connected;
    stats.followers = msg.followers;
    show(msg.presenter_connected ? "presenter connected" : "presenter disconnected");
    statusEl.className = `present-status ${msg.presenter_connected ? "is-on" : "is-off"}`;
    countEl.textContent = `${msg.followers} following`;
    if (!presenter && was && !msg.presenter_connected && following && app.playing) controls.setPlaying(false);  // keep the place
    modeShown();
  }
  function modeShown() {
    if (presenter) { modeEl.textContent = ""; return; }
    if (!stats.presenterConnected) modeEl.textContent = "The presenter is away: you keep your place, and follow them again when they return.";
    else modeEl.textContent = following ? "Following the presenter." : "You are exploring on your own.";
    followBtn.hidden = following;
    document.body.classList.toggle("is-exploring", !following);
  }

  connect();
  return {
    /** Called by the player once per rendered frame. */
    frame() { if (presenter && stats.connected) broadcast(); },
    follow, detach, stats,
  };
}
