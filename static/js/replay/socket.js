// The wire: WebSocket `ws/runs/<id>/` (docs/CONTRACTS.md) for the stored chunks and the
// live tail, HTTP for the run meta and for any gap. If the socket cannot be opened the
// player keeps working over HTTP alone (polling while the run computes).
//
// With `?compress=deflate` (when the browser has DecompressionStream) chunk messages are
// binary: a JSON header line, then zlib data inflating to the chunk (~12× fewer bytes).
// Inflating is asynchronous, so messages are handed on through a promise chain, in order.

const DEFLATE = typeof DecompressionStream === "function";

async function inflateChunk(buffer) {
  const bytes = new Uint8Array(buffer);
  const nl = bytes.indexOf(10);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl)));
  const stream = new Blob([bytes.subarray(nl + 1)]).stream().pipeThrough(new DecompressionStream("deflate"));
  const body = await new Response(stream).json();
  return { ...body, type: head.type, seq: head.seq };
}

function headerSeq(buffer) {
  const bytes = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 200));
  const m = /"seq":(\d+)/.exec(new TextDecoder().decode(bytes));
  return m ? Number(m[1]) : null;
}

export function api(config) {
  const q = config.key ? `&key=${encodeURIComponent(config.key)}` : "";
  async function get(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!r.ok) throw new Error(`${r.status} ${url}`);
    return r.json();
  }
  return {
    meta: () => get(`${config.api_url}${config.key ? `?key=${encodeURIComponent(config.key)}` : ""}`),
    frames: (from, to) => get(`${config.frames_url}?from_seq=${from}&to_seq=${to}${q}`),
  };
}

export function initSocket(config, { onMessage, onGap, afterSeq, onDown, onFatal }) {
  let ws = null, lastSeq = 0, attempts = 0, closed = false, timer = 0;
  function url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const params = new URLSearchParams();
    const after = afterSeq();
    if (after >= 0) params.set("after_seq", String(after));
    if (config.key) params.set("key", config.key);
    if (DEFLATE) params.set("compress", "deflate");
    const qs = params.toString();
    return `${proto}//${location.host}${config.ws_url}${qs ? `?${qs}` : ""}`;
  }
  function connect() {
    if (closed) return;
    lastSeq = 0;
    let opened = false;
    try { ws = new WebSocket(url()); } catch { schedule(); return; }
    ws.onopen = () => { opened = true; attempts = 0; if (window.__perf) window.__perf.wsOpenMs ??= performance.now(); };
    ws.binaryType = "arraybuffer";
    let chain = Promise.resolve();
    ws.onmessage = (e) => {
      if (window.__perf) window.__perf.firstMessageMs ??= performance.now();
      const binary = typeof e.data !== "string";
      const seq = binary ? headerSeq(e.data) : null;
      let msg = null;
      if (!binary) {
        try { msg = JSON.parse(e.data); } catch { return; }
      }
      const n = binary ? seq : msg.seq;
      if (typeof n === "number") {
        if (n !== lastSeq + 1 && lastSeq !== 0) onGap();
        lastSeq = n;
      }
      chain = chain
        .then(() => (binary ? inflateChunk(e.data) : msg))
        .then(onMessage, (err) => { console.warn("undecodable chunk message", err); onGap(); });
    };
    ws.onclose = (e) => {
      ws = null;
      if (e.code === 4404) { onFatal("This run does not exist, or its link needs a key."); return; }
      if (!opened) onDown();
      schedule();
    };
  }
  function schedule() {
    if (closed) return;
    attempts++;
    const delay = Math.min(15000, 500 * 2 ** Math.min(attempts, 5));
    timer = setTimeout(connect, delay);
  }
  connect();
  return {
    close() { closed = true; clearTimeout(timer); if (ws) ws.close(1000); },
    get open() { return !!ws && ws.readyState === WebSocket.OPEN; },
  };
}
