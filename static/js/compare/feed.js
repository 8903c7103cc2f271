// One run's frames for the compare page: the stored chunks and live tail over the run's
// WebSocket, gaps over HTTP, into a Timeline (the player's store, static/js/replay).

import { api, initSocket } from "../replay/socket.js";

export function feedRun(timeline, config, { onChange }) {
  const http = api(config);
  const fetching = new Set();
  let socket = null, pollTimer = 0;

  async function fetchRange(from, to) {
    const key = `${from}-${to}`;
    if (fetching.has(key) || to < from) return;
    fetching.add(key);
    try {
      const body = await http.frames(from, to);
      for (const c of body.chunks || []) add(c);
    } catch (err) {
      console.warn("frames fetch failed", err);
    } finally {
      fetching.delete(key);
    }
  }
  const fillGaps = (upTo) => { for (const [a, b] of timeline.gaps(upTo)) fetchRange(a, Math.min(b, a + 2499)); };
  function add(c) { if (timeline.addChunk(c)) onChange(); }
  function done() { return !timeline.computing && timeline.coveredTo >= timeline.framesTotal - 1; }

  function handle(msg) {
    if (msg.type === "run") timeline.setMeta(msg.run);
    else if (msg.type === "chunk") { if (msg.seq_from > timeline.coveredTo + 1) fillGaps(msg.seq_from - 1); add(msg); }
    else if (msg.type === "status") { timeline.setStatus(msg); if (!timeline.computing) fillGaps(timeline.storedSeqTo); }
    if (done() && socket) socket.close();
    onChange();
  }

  async function poll() {
    pollTimer = 0;
    try {
      const m = await http.meta();
      timeline.setMeta(m);
      fillGaps(m.stored_seq_to);
      onChange();
      if (!done()) pollTimer = setTimeout(poll, 1500);
    } catch {
      pollTimer = setTimeout(poll, 3000);
    }
  }

  if (timeline.computing || timeline.storedSeqTo >= 0) {
    socket = initSocket(config, {
      onMessage: handle,
      onGap: () => fillGaps(timeline.storedSeqTo),
      afterSeq: () => timeline.coveredTo,
      onDown: () => { if (!pollTimer) poll(); },
      onFatal: () => {},
    });
  }
  return { fillGaps, get done() { return done(); } };
}
