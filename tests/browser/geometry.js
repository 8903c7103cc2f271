// Geometry of a rendered player, read by the browser tests (tests/browser/geometry.py):
// page.evaluate calls one of these with the page's graph (window.__replay.graph).
({
  // Every edge as Cytoscape draws it (a polyline: straight and segment edges exactly,
  // bezier edges sampled), checked against the box of every service node but its ends.
  edgesThroughNodes(graph) {
    const cy = graph.cy, out = [];
    const quad = (a, c, b, k) => Array.from({ length: k }, (_, i) => { const t = (i + 1) / k;
      return { x: (1 - t) ** 2 * a.x + 2 * (1 - t) * t * c.x + t * t * b.x, y: (1 - t) ** 2 * a.y + 2 * (1 - t) * t * c.y + t * t * b.y }; });
    const path = (e) => {
      const s = e.sourceEndpoint(), t = e.targetEndpoint(), curve = e.style('curve-style');
      if (curve === 'segments') return [s, ...(e.segmentPoints() || []), t];
      const c = e.controlPoints();
      if (!c || !c.length) return [s, t];
      const pts = [s];  // Cytoscape's bezier chain: anchors between consecutive controls
      for (let i = 0; i < c.length; i++) {
        const end = i === c.length - 1 ? t : { x: (c[i].x + c[i + 1].x) / 2, y: (c[i].y + c[i + 1].y) / 2 };
        pts.push(...quad(pts[pts.length - 1], c[i], end, 16));
      }
      return pts;
    };
    const crosses = (p, q, b) => {  // segment p→q through the inside of box b (Liang–Barsky)
      const dx = q.x - p.x, dy = q.y - p.y; let t0 = 0, t1 = 1;
      for (const [pk, qk] of [[-dx, p.x - b.x1], [dx, b.x2 - p.x], [-dy, p.y - b.y1], [dy, b.y2 - p.y]]) {
        if (pk === 0) { if (qk <= 0) return false; continue; }
        const r = qk / pk;
        if (pk < 0) { if (r > t1) return false; if (r > t0) t0 = r; } else { if (r < t0) return false; if (r < t1) t1 = r; }
      }
      return t1 - t0 > 1e-9;
    };
    const boxes = cy.nodes('.service').map((n) => { const p = n.position(), w = n.outerWidth() / 2, h = n.outerHeight() / 2;
      return { id: n.id(), x1: p.x - w, y1: p.y - h, x2: p.x + w, y2: p.y + h }; });
    cy.edges().forEach((e) => {
      const pts = path(e), ends = [e.source().id(), e.target().id()];
      for (const b of boxes) {
        if (ends.includes(b.id)) continue;
        for (let i = 1; i < pts.length; i++) {
          if (crosses(pts[i - 1], pts[i], b)) { out.push(`${ends[0]} → ${ends[1]} crosses ${b.id}`); break; }
        }
      }
    });
    return out;
  },

  // Every service's label box inside its node's shape (the inner edge of the border), in
  // each status (each has its own shape and second line): the corners of the label box
  // must lie in the shape's outline, an octagon's cut corners included.
  labelsOutsideNodes(graph) {
    const cy = graph.cy, out = [];
    const outline = (shape, w, h) => {  // convex outline, clockwise, corners cut conservatively
      const cut = (cx, cy) => [[-w / 2 + cx, -h / 2], [w / 2 - cx, -h / 2], [w / 2, -h / 2 + cy], [w / 2, h / 2 - cy],
        [w / 2 - cx, h / 2], [-w / 2 + cx, h / 2], [-w / 2, h / 2 - cy], [-w / 2, -h / 2 + cy]];
      if (shape === 'octagon') return cut(w / 2 * (1 - Math.tan(Math.PI / 8)), h / 2 * (1 - Math.tan(Math.PI / 8)));
      if (shape === 'cut-rectangle') return cut(8, 8);
      if (shape === 'barrel') return cut(Math.min(100, 0.25 * w), Math.min(15, 0.05 * h));
      const r = Math.min(w / 4, h / 4, 8); return cut(r, r);
    };
    const within = (poly, x, y) => poly.every(([x1, y1], i) => { const [x2, y2] = poly[(i + 1) % poly.length];
      return (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1) >= -1e-6; });
    const ids = cy.nodes('.service').map((n) => n.id());
    for (const status of ['healthy', 'degraded', 'down', 'recovering']) {
      graph.update(Object.fromEntries(ids.map((id) => [id, { status }])));
      cy.nodes('.service').forEach((n) => {
        const p = n.position(), bw = n.numericStyle('border-width');
        const poly = outline(n.style("shape"), n.width(), n.height());
        const l = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false });
        const corners = [[l.x1, l.y1], [l.x2, l.y1], [l.x1, l.y2], [l.x2, l.y2]].map(([x, y]) => [x - p.x, y - p.y]);
        const inner = poly.map(([x, y]) => [x * (1 - bw / n.width()), y * (1 - bw / n.height())]);
        if (!l.w || !corners.every(([x, y]) => within(inner, x, y))) {
          out.push(`${n.id()} (${status}): label ${Math.round(l.w)}×${Math.round(l.h)} outside its ${n.style('shape')} ${Math.round(n.width())}×${Math.round(n.height())}`);
        }
      });
    }
    window.__replay.render();
    return out;
  },

  // Time-axis labels cut by an edge. Swimlanes: every tick label's box inside the axis's.
  // Charts (uPlot paints its axes on the canvas): in the band under the plot, no label
  // pixel in the canvas's first or last column, and the canvas inside its chart's box.
  axisLabelsClipped() {
    const out = [], box = (el) => el.getBoundingClientRect();
    for (const axis of document.querySelectorAll('.lane-axis')) {
      const a = box(axis);
      for (const t of axis.querySelectorAll('.tick')) {
        const r = box(t);
        if (r.left < a.left - 0.5 || r.right > a.right + 0.5) out.push(`lane tick ${t.textContent} ${Math.round(r.left)}–${Math.round(r.right)} outside ${Math.round(a.left)}–${Math.round(a.right)}`);
      }
    }
    document.querySelectorAll('.chart').forEach((fig, k) => {
      const cv = fig.querySelector('canvas'), over = fig.querySelector('.u-over');
      if (!cv || !over) return;
      const c = box(cv), f = box(fig), ratio = cv.width / c.width;
      if (c.left < f.left - 0.5 || c.right > f.right + 0.5) out.push(`chart ${k}: canvas ${Math.round(c.left)}–${Math.round(c.right)} outside its figure`);
      const top = Math.ceil((box(over).bottom - c.top + 8) * ratio), H = cv.height, W = cv.width;
      const px = cv.getContext('2d').getImageData(0, top, W, H - top).data;
      let left = W, right = -1;
      for (let y = 0; y < H - top; y++) for (let x = 0; x < W; x++) {
        if (px[(y * W + x) * 4 + 3] > 40) { left = Math.min(left, x); right = Math.max(right, x); }
      }
      if (right < 0) out.push(`chart ${k}: no x-axis labels drawn`);
      else if (left < 1 || right > W - 2) out.push(`chart ${k}: x-axis labels span ${left}–${right} of 0–${W - 1} px`);
    });
    return out;
  },
})
