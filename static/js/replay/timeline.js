// The timeline store: every chunk the server sends (keyframe + deltas, docs/CONTRACTS.md),
// decoded once into random-access structures, so the state at any playhead is a handful of
// binary searches — no replaying from the start when the user seeks.
//
// Per chunk: for each service / metric key, the list of (seq, entry) changes inside it (the
// keyframe supplies every key at seq_from). Across the run: a status code per service per
// frame (for swimlane intervals), numeric series for the charts, and the sorted event list.

export const STATUSES = ["healthy", "degraded", "down", "recovering"];
const CODE = { healthy: 0, degraded: 1, down: 2, recovering: 3 };
export const NO_DATA = 255;

function lastAtOrBefore(seqs, seq) {
  let lo = 0, hi = seqs.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid] <= seq) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
  }
  return found;
}

function addChange(map, key, seq, entry) {
  let list = map.get(key);
  if (!list) { list = { seqs: [], vals: [] }; map.set(key, list); }
  list.seqs.push(seq);
  list.vals.push(entry);
}

export class Timeline {
  constructor(meta, seriesDefs = []) {
    this.spec = meta.spec;
    this.frameMs = (this.spec.frame_interval_s || 10) * 1000;
    this.durationMs = this.spec.duration_s * 1000;
    this.framesTotal = meta.frames_total || Math.floor(this.durationMs / this.frameMs) + 1;
    this.serviceIds = this.spec.services.map((s) => s.id);
    this.serviceIndex = new Map(this.serviceIds.map((id, i) => [id, i]));
    const n = this.framesTotal * this.serviceIds.length;
    this.codes = new Uint8Array(n).fill(NO_DATA);
    this.chunks = [];          // sorted by seq_from
    this.chunkIndexes = new Set();
    this.events = [];          // sorted by t_ms
    this.eventKeys = new Set();
    this.seriesDefs = seriesDefs;
    this.series = seriesDefs.map(() => new Array(this.framesTotal).fill(null));
    this.coveredTo = -1;       // every frame 0..coveredTo is stored
    this.maxSeq = -1;
    this.version = 0;          // bumps on every change; views compare it to redo derived work
    this.setMeta(meta);
  }

  setMeta(meta) {
    // The run summary's status intervals (a finished run) give every onset exactly, even
    // for a frame whose earlier chunks are not loaded yet (a deep link, a seek).
    const iv = meta.summary?.intervals;
    if (iv && typeof iv === "object") this.summaryIntervals = iv;
    if (meta.summary) this.summary = meta.summary;
    if (meta.fidelity) this.fidelity = meta.fidelity;
    this.status = meta.status;
    this.progress = meta.progress ?? 0;
    this.error = meta.error || "";
    this.storedSeqTo = meta.stored_seq_to ?? -1;
    this.version++;
  }

  setStatus(msg) {
    if (msg.status) this.status = msg.status;
    if (msg.progress != null) this.progress = msg.progress;
    if (msg.error != null) this.error = msg.error;
    if (msg.stored_seq_to != null) this.storedSeqTo = Math.max(this.storedSeqTo, msg.stored_seq_to);
    this.version++;
  }

  get computing() { return this.status === "queued" || this.status === "running"; }

  hasChunk(index) { return this.chunkIndexes.has(index); }

  /** Whether frame `seq` is stored (its state can be drawn). */
  hasFrame(seq) { return this._chunkFor(seq) !== null; }

  /** Decode one chunk. Idempotent; chunks may arrive in any order. */
  addChunk(chunk) {
    if (this.chunkIndexes.has(chunk.index)) return false;
    const svc = new Map(), met = new Map();
    const frames = [chunk.keyframe, ...(chunk.deltas || [])];
    const state = { services: {}, metrics: {} };
    const nSvc = this.serviceIds.length, total = this.framesTotal;
    for (const f of frames) {
      const seq = f.seq;
      for (const [k, v] of Object.entries(f.services || {})) { state.services[k] = v; addChange(svc, k, seq, v); }
      for (const [k, v] of Object.entries(f.metrics || {})) { state.metrics[k] = v; addChange(met, k, seq, v); }
      if (seq < total) {
        for (let i = 0; i < nSvc; i++) {
          const entry = state.services[this.serviceIds[i]];
          this.codes[i * total + seq] = entry ? (CODE[entry.status] ?? NO_DATA) : NO_DATA;
        }
        for (let s = 0; s < this.seriesDefs.length; s++) {
          const v = this.seriesDefs[s].get(state);
          this.series[s][seq] = Number.isFinite(v) ? v : null;
        }
      }
      for (const ev of f.events || []) this._addEvent(ev);
    }
    const rec = { index: chunk.index, seqFrom: chunk.seq_from, seqTo: chunk.seq_to,
      tFrom: chunk.t_from_ms, tTo: chunk.t_to_ms, svc, met };
    let at = this.chunks.findIndex((c) => c.seqFrom > rec.seqFrom);
    if (at < 0) at = this.chunks.length;
    this.chunks.splice(at, 0, rec);
    this.chunkIndexes.add(chunk.index);
    this.maxSeq = Math.max(this.maxSeq, rec.seqTo);
    this.storedSeqTo = Math.max(this.storedSeqTo, rec.seqTo);
    this._recomputeCoverage();
    this.version++;
    return true;
  }

  _addEvent(ev) {
    const key = `${ev.seq}|${ev.t_ms}|${ev.kind}`;
    if (this.eventKeys.has(key)) return;
    this.eventKeys.add(key);
    const list = this.events;
    // Chunks mostly arrive in order: append, else insert in place.
    if (!list.length || list[list.length - 1].t_ms <= ev.t_ms) list.push(ev);
    else {
      let i = list.length;
      while (i > 0 && list[i - 1].t_ms > ev.t_ms) i--;
      list.splice(i, 0, ev);
    }
  }

  _recomputeCoverage() {
    let to = -1;
    for (const c of this.chunks) {
      if (c.seqFrom > to + 1) break;
      to = Math.max(to, c.seqTo);
    }
    this.coveredTo = to;
  }

  /** Missing seq ranges below `upTo` (gaps to fetch over HTTP). */
  gaps(upTo) {
    const out = [];
    let next = 0;
    for (const c of this.chunks) {
      if (c.seqFrom > next) out.push([next, c.seqFrom - 1]);
      next = Math.max(next, c.seqTo + 1);
    }
    if (upTo >= next) out.push([next, upTo]);
    return out;
  }

  seqAt(tMs) {
    return Math.max(0, Math.min(this.framesTotal - 1, Math.floor(tMs / this.frameMs + 1e-9)));
  }

  tOf(seq) { return seq * this.frameMs; }

  /** Latest playable time: the end of the contiguous stored prefix. */
  get liveEdgeMs() { return this.coveredTo < 0 ? 0 : this.tOf(this.coveredTo); }

  _chunkFor(seq) {
    const cs = this.chunks;
    let lo = 0, hi = cs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid].seqTo < seq) lo = mid + 1;
      else if (cs[mid].seqFrom > seq) hi = mid - 1;
      else return cs[mid];
    }
    return null;
  }

  /** Full state at frame `seq`, or null when that frame is not stored yet. */
  stateAt(seq) {
    const c = this._chunkFor(seq);
    if (!c) return null;
    const services = {}, metrics = {};
    for (const [k, list] of c.svc) {
      const i = lastAtOrBefore(list.seqs, seq);
      if (i >= 0) services[k] = list.vals[i];
    }
    for (const [k, list] of c.met) {
      const i = lastAtOrBefore(list.seqs, seq);
      if (i >= 0) metrics[k] = list.vals[i];
    }
    return { seq, t_ms: this.tOf(seq), services, metrics };
  }

  /** Status code of service `i` at `seq` (NO_DATA when not stored). */
  codeAt(i, seq) { return this.codes[i * this.framesTotal + seq]; }

  /** Run-length status segments of service `i`: [[code, fromSeq, toSeq], …]. */
  intervals(i) {
    const out = [], base = i * this.framesTotal, codes = this.codes;
    let start = 0, cur = codes[base];
    for (let s = 1; s <= this.framesTotal; s++) {
      const c = s < this.framesTotal ? codes[base + s] : -1;
      if (c !== cur) { out.push([cur, start, s - 1]); start = s; cur = c; }
    }
    return out;
  }

  /** When the service entered its status at `seq`: {ms, exact}. From the run summary
   * when there is one; else scanning back through the stored frames, which is exact only
   * when it reaches the onset (not a frame that is not loaded yet). */
  since(i, seq) {
    const spans = this.summaryIntervals?.[this.serviceIds[i]];
    if (spans && spans.length) {
      const tS = this.tOf(seq) / 1000;
      let lo = 0, hi = spans.length - 1, found = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (spans[mid][1] <= tS) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return { ms: Math.round(spans[found][1] * 1000), exact: true };
    }
    const base = i * this.framesTotal, code = this.codes[base + seq];
    let s = seq;
    while (s > 0 && this.codes[base + s - 1] === code) s--;
    return { ms: this.tOf(s), exact: s === 0 || this.codes[base + s - 1] !== NO_DATA };
  }

  /** Index of the last event at or before tMs in `list` (sorted by t_ms), or -1. */
  static eventIndexAt(list, tMs) {
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].t_ms <= tMs) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
}
