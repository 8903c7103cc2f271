// Edge routes that keep clear of every box but their own two ends. Computed once, after
// the layout: the shortest path from the source's centre to the target's through the
// corners of the obstacles, each box grown by a margin (a visibility graph: a taut string
// pulled around the boxes). Cytoscape draws each route as `segments` (segmentStyle).
//
// Boxes are {x1, y1, x2, y2} in model coordinates; a route is the list of its bend points
// (the ends are the two centres, which Cytoscape clips to the node shapes).

const EPS = 0.5;  // a route may touch a grown box's border, never cross its inside

/** Whether the segment p→q passes through the inside of box b (Liang–Barsky clipping). */
export function crosses(p, q, b) {
  const dx = q.x - p.x, dy = q.y - p.y;
  let t0 = 0, t1 = 1;
  const sides = [[-dx, p.x - b.x1], [dx, b.x2 - p.x], [-dy, p.y - b.y1], [dy, b.y2 - p.y]];
  for (const [pk, qk] of sides) {
    if (pk === 0) { if (qk <= 0) return false; continue; }
    const t = qk / pk;
    if (pk < 0) { if (t > t1) return false; if (t > t0) t0 = t; } else { if (t < t0) return false; if (t < t1) t1 = t; }
  }
  return t1 - t0 > 1e-9;
}

const grow = (b, m) => ({ id: b.id, x1: b.x1 - m, y1: b.y1 - m, x2: b.x2 + m, y2: b.y2 + m });
const inside = (p, b) => p.x > b.x1 + EPS && p.x < b.x2 - EPS && p.y > b.y1 + EPS && p.y < b.y2 - EPS;
const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * Routes for `edges` ([{id, source, target}], ends are ids of `boxes`) around `boxes`
 * ([{id, x1, y1, x2, y2}]; boxes without an edge, such as group labels, are obstacles
 * too). Returns Map edge id → bend points [{x, y}] (empty: a straight line is clear).
 */
export function routeEdges(boxes, edges, { margin = 7 } = {}) {
  const grown = boxes.map((b) => grow(b, margin));
  const inner = grown.map((b) => grow(b, -EPS));
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const centre = (id) => { const b = byId.get(id); return { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 }; };
  // Waypoints: grown boxes' corners that are not inside another grown box.
  const pts = [];
  for (const b of grown) {
    for (const p of [{ x: b.x1, y: b.y1 }, { x: b.x2, y: b.y1 }, { x: b.x1, y: b.y2 }, { x: b.x2, y: b.y2 }]) {
      if (!grown.some((o) => o !== b && inside(p, o))) pts.push(p);
    }
  }
  const clear = (p, q, skip) => inner.every((b) => skip.has(b.id) || !crosses(p, q, b));
  const none = new Set();
  const n = pts.length;
  const seen = new Uint8Array(n * n);  // 0 unknown, 1 clear, 2 blocked (lazily filled)
  const visible = (i, j) => {
    const k = i * n + j;
    if (!seen[k]) seen[k] = seen[j * n + i] = clear(pts[i], pts[j], none) ? 1 : 2;
    return seen[k] === 1;
  };
  const routes = new Map();
  for (const e of edges) {
    const s = centre(e.source), t = centre(e.target), skip = new Set([e.source, e.target]);
    routes.set(e.id, clear(s, t, skip) ? [] : shortest(s, t, pts, visible, (p, q) => clear(p, q, skip)));
  }
  return routes;
}

/** Dijkstra over the waypoints (dense, O(n²): n is a few hundred at most). */
function shortest(s, t, pts, visible, clearFromEnds) {
  const n = pts.length, d = new Float64Array(n).fill(Infinity), prev = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n), toT = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    if (clearFromEnds(s, pts[i])) d[i] = dist(s, pts[i]);
    if (clearFromEnds(pts[i], t)) toT[i] = dist(pts[i], t);
  }
  let best = Infinity, last = -1;
  for (;;) {
    let u = -1;
    for (let i = 0; i < n; i++) if (!done[i] && d[i] < Infinity && (u < 0 || d[i] < d[u])) u = i;
    if (u < 0 || d[u] >= best) break;
    done[u] = 1;
    if (d[u] + toT[u] < best) { best = d[u] + toT[u]; last = u; }
    for (let v = 0; v < n; v++) {
      if (done[v] || v === u) continue;
      const alt = d[u] + dist(pts[u], pts[v]);
      if (alt < d[v] && visible(u, v)) { d[v] = alt; prev[v] = u; }
    }
  }
  if (last < 0) return [];  // boxed in on every side: drawn straight (never in a laid-out graph)
  const path = [];
  for (let u = last; u >= 0; u = prev[u]) path.unshift(pts[u]);
  return path;
}

/** Cytoscape `segments` style for a route from s to t (distances and weights along s→t). */
export function segmentStyle(s, t, route) {
  if (!route.length) return { "curve-style": "straight" };
  const dx = t.x - s.x, dy = t.y - s.y, l2 = dx * dx + dy * dy, l = Math.sqrt(l2);
  return {
    "curve-style": "segments", "edge-distances": "node-position",
    "segment-weights": route.map((p) => ((p.x - s.x) * dx + (p.y - s.y) * dy) / l2),
    "segment-distances": route.map((p) => ((p.y - s.y) * dx - (p.x - s.x) * dy) / l),
  };
}
