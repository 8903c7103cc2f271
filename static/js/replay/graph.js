// Dependency graph (Cytoscape.js, dagre layered layout, one compound node per group).
// Edges point from a dependency to its dependent — the direction failure spreads. Status
// shows as fill colour, node shape (octagon = down, …), an icon and the word itself.
// Nodes are sized to their wrapped names; edges are routed around every node but their
// own two ends (routes.js), once, when the graph is laid out.

import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { STATUS_ICON, cssVar } from "./dom.js";
import { routeEdges, segmentStyle } from "./routes.js";

cytoscape.use(dagre);

const SHAPE = { healthy: "round-rectangle", degraded: "cut-rectangle", down: "octagon", recovering: "barrel", none: "round-rectangle" };

function palette() {
  return {
    fg: cssVar("--fg", "#1b1f24"), muted: cssVar("--muted", "#5b6573"), bg: cssVar("--panel", "#fff"),
    group: cssVar("--group-bg", "#8881"), edge: cssVar("--edge", "#8a94a3"), accent: cssVar("--accent", "#7b3fe4"),
    st: Object.fromEntries(["healthy", "degraded", "down", "recovering", "none"].map((s) => [s, {
      fill: cssVar(`--st-${s}-bg`, "#ddd"), line: cssVar(`--st-${s}`, "#888"), text: cssVar(`--st-${s}-fg`, "#111"),
    }])),
  };
}

function styles(p) {
  const s = [
    { selector: "node", style: {
      shape: (n) => SHAPE[n.data("status")] || "round-rectangle",
      label: "data(label)", "text-wrap": "wrap",
      "font-size": FONT_PX, "line-height": LINE, "z-compound-depth": "top", "font-family": FONT_FAMILY, "text-valign": "center", "text-halign": "center",
      "border-width": 2, "background-color": p.st.none.fill, "border-color": p.st.none.line, color: p.fg,
      "transition-property": "none",
    } },
    { selector: "node.service", style: { width: "data(w)", height: "data(h)", "text-max-width": "data(w)" } },
    { selector: ":parent", style: {
      shape: "round-rectangle", "background-color": p.group, "background-opacity": 1, "border-width": 1,
      "border-color": p.edge, "border-style": "dashed", label: "data(label)", "text-valign": "top",
      "text-halign": "center", "font-size": 11, "font-weight": 600, color: p.muted, padding: GROUP_PAD, "text-margin-y": -1,
      "z-compound-depth": "bottom",  // under the edges that cross the group
    } },
    { selector: "edge", style: {
      width: 1.6, "line-color": p.edge, "target-arrow-color": p.edge, "target-arrow-shape": "triangle",
      "curve-style": "straight", "arrow-scale": 0.9, "z-compound-depth": "top",
    } },
    { selector: "edge.soft", style: { "line-style": "dashed" } },
    { selector: "edge.illustrative", style: { "line-style": "dotted", opacity: 0.55 } },
  ];
  for (const st of ["healthy", "degraded", "down", "recovering"]) {
    s.push({ selector: `node.stat-${st}`, style: {
      "background-color": p.st[st].fill, "border-color": p.st[st].line, color: p.st[st].text,
      "border-width": st === "down" ? 3 : 2, "border-style": st === "recovering" ? "dashed" : "solid",
    } });
  }
  s.push(
    { selector: "edge.hot", style: { "line-color": p.st.down.line, "target-arrow-color": p.st.down.line, width: 2.4 } },
    { selector: ".faded", style: { opacity: 0.25 } },
    { selector: "node.upstream", style: { "underlay-color": p.edge, "underlay-opacity": 0.35, "underlay-padding": 5 } },
    { selector: "node.downstream", style: { "underlay-color": p.accent, "underlay-opacity": 0.25, "underlay-padding": 5 } },
    { selector: "edge.upstream", style: { "line-color": p.fg, "target-arrow-color": p.fg, width: 2.6 } },
    { selector: "edge.downstream", style: { "line-color": p.accent, "target-arrow-color": p.accent, width: 2.6 } },
    { selector: "node.selected", style: { "underlay-color": p.accent, "underlay-opacity": 0.55, "underlay-padding": 7, "border-width": 4 } },
  );
  return s;
}

const FONT_PX = 10, LINE = 1.2, FONT_FAMILY = "system-ui, sans-serif", GROUP_PAD = 4;
const WRAP_W = 124, MIN_W = 120, MIN_H = 46, GAP_X = 26, GAP_Y = 22;
// A node's second line: "✕ DOWN", "↻ RECOVERING", "· no data".
const STATUSES = [...Object.keys(STATUS_ICON), "none"];
const statusLine = (st) => `${STATUS_ICON[st] || "·"} ${st === "none" ? "no data" : st.toUpperCase()}`;

/** Status lines padded with hair spaces to one width: a label's size then never changes
 * with the status (zoomed out, Cytoscape draws labels into textures sized by an earlier
 * measurement, which cut a wider status line such as "! DEGRADED" under "Reddit"). */
function statusLines(width) {
  const target = Math.max(...STATUSES.map((st) => width(statusLine(st)))) + 1;
  return new Map(STATUSES.map((st) => {
    const line = statusLine(st);
    let pad = "";
    for (let i = 0; width(`${pad}${line}${pad}`) < target && i < 40; i++) pad += "\u200a";
    return [st, `\u200c${pad}${line}${pad}\u200c`];  // joiners at the ends: never trimmed
  }));
}

/** Greedy word wrap at `maxW` px; a word wider than that is split where it must be. */
function wrap(text, maxW, width) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (width(next) <= maxW) { line = next; continue; }
    if (line) lines.push(line);
    line = word;
    while (width(line) > maxW) {
      let k = line.length - 1;
      while (k > 1 && width(line.slice(0, k)) > maxW) k--;
      lines.push(line.slice(0, k));
      line = line.slice(k);
    }
  }
  if (line) lines.push(line);
  return lines;
}

// A node is sized to its label so the label fits inside every status shape. The tightest
// is the octagon (down): its corners are cut at 0.414 of the half width and height, so a
// label whose half extents are fractions ux, uy of the node's needs ux + uy ≤ 1.414.
const OCT = 1 + Math.tan(Math.PI / 8), INSET = 3, UX = 0.84;
/** Text width in px at the nodes' font (what Cytoscape measures with). */
function measure() {
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = `${FONT_PX}px ${FONT_FAMILY}`;
  return (t) => ctx.measureText(t).width;
}

function fitLabels(spec, status) {
  const width = measure();
  const statusW = Math.max(...[...status.values()].map(width));
  const fit = new Map();
  for (const s of spec.services) {
    const lines = wrap(s.name || s.id, WRAP_W, width);
    const lx = Math.max(statusW, ...lines.map(width)) / 2 + INSET, ly = ((lines.length + 1) * FONT_PX * LINE) / 2 + INSET;
    const w = Math.max(MIN_W, Math.ceil((2 * lx) / UX));
    const h = Math.max(MIN_H, Math.ceil((2 * ly) / (OCT - (2 * lx) / w)));
    fit.set(s.id, { name: lines.join("\n"), w, h });
  }
  return fit;
}

// Layout: groups are laid out as boxes by dagre (layered, top to bottom, along the
// dependencies between groups); each group's services sit in a table inside its box
// (columns as wide as their widest node, rows as tall as their tallest). Far more legible
// than a flat layered layout once a scenario has 30 services. Returns each service's
// position and size.
function groupLayout(spec, fit) {
  const groupOf = new Map(spec.services.map((s) => [s.id, s.group || "·"]));
  const members = new Map();
  for (const s of spec.services) {
    const g = groupOf.get(s.id);
    if (!members.has(g)) members.set(g, []);
    members.get(g).push(s.id);
  }
  const tables = new Map();
  for (const [g, ids] of members) {
    const cols = Math.min(ids.length, Math.ceil(Math.sqrt(ids.length))), rows = Math.ceil(ids.length / cols);
    const colW = Array.from({ length: cols }, (_, c) => Math.max(...ids.filter((_, i) => i % cols === c).map((id) => fit.get(id).w)));
    const rowH = Array.from({ length: rows }, (_, r) => Math.max(...ids.slice(r * cols, r * cols + cols).map((id) => fit.get(id).h)));
    const sum = (a, gap) => a.reduce((x, y) => x + y, 0) + gap * (a.length - 1);
    tables.set(g, { cols, colW, rowH, w: sum(colW, GAP_X), h: sum(rowH, GAP_Y) });
  }
  const edges = new Set();
  for (const d of spec.dependencies) {
    const a = groupOf.get(d.to), b = groupOf.get(d.from);
    if (a && b && a !== b) edges.add(`${a}\u0000${b}`);
  }
  const cy = cytoscape({
    headless: true, styleEnabled: true,
    style: [{ selector: "node", style: { shape: "rectangle", width: "data(w)", height: "data(h)" } }],
    elements: [
      ...[...tables].map(([g, t]) => ({ data: { id: `g:${g}`, w: t.w + 2 * GROUP_PAD, h: t.h + 2 * GROUP_PAD } })),
      ...[...edges].map((e, i) => { const [a, b] = e.split("\u0000"); return { data: { id: `e${i}`, source: `g:${a}`, target: `g:${b}` } }; }),
    ],
  });
  // Room between the boxes for the group labels and for edges to pass each other.
  cy.layout({ name: "dagre", rankDir: "TB", nodeSep: 40, rankSep: 56, animate: false }).run();
  const place = new Map();
  for (const [g, ids] of members) {
    const { cols, colW, rowH, w, h } = tables.get(g);
    const c = cy.getElementById(`g:${g}`).position();
    const xs = colW.map((_, k) => c.x - w / 2 + colW.slice(0, k).reduce((x, y) => x + y + GAP_X, 0) + colW[k] / 2);
    const ys = rowH.map((_, k) => c.y - h / 2 + rowH.slice(0, k).reduce((x, y) => x + y + GAP_Y, 0) + rowH[k] / 2);
    ids.forEach((id, i) => {
      const col = i % cols, row = Math.floor(i / cols);
      place.set(id, { x: xs[col], y: ys[row], w: colW[col], h: rowH[row] });
    });
  }
  cy.destroy();
  return place;
}

// Every edge is routed around the service boxes and the group labels that are not its own
// ends (routes.js), once: the layout never changes after this.
function routeAround(cy, place) {
  const BORDER = 2;  // the widest border (selected) is drawn half outside the box
  const boxes = [...place].map(([id, p]) => ({ id, x1: p.x - p.w / 2 - BORDER, y1: p.y - p.h / 2 - BORDER, x2: p.x + p.w / 2 + BORDER, y2: p.y + p.h / 2 + BORDER }));
  cy.nodes(":parent").forEach((g) => {
    const b = g.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false });
    if (b.w > 0) boxes.push({ id: g.id(), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 });
  });
  const edges = cy.edges().map((e) => ({ id: e.id(), source: e.source().id(), target: e.target().id() }));
  return routeEdges(boxes, edges);
}

export function createGraph(container, spec, { onSelect }) {
  const groups = [...new Set(spec.services.map((s) => s.group).filter(Boolean))];
  const status = statusLines(measure()), labels = fitLabels(spec, status), place = groupLayout(spec, labels);
  const elements = [
    ...groups.map((g) => ({ data: { id: `group::${g}`, label: g } })),
    ...spec.services.map((s) => ({
      // Two lines from the start, name and status, as the node was sized for.
      data: { id: s.id, name: labels.get(s.id).name, label: `${labels.get(s.id).name}\n${status.get("none")}`, status: "none", w: place.get(s.id).w, h: place.get(s.id).h,
        parent: s.group ? `group::${s.group}` : undefined },
      classes: "service",
    })),
    ...spec.dependencies.filter((d) => d.from !== d.to).map((d, i) => ({
      data: { id: `dep${i}`, source: d.to, target: d.from, kind: d.kind || "hard" },
      classes: [d.kind === "soft" ? "soft" : "", d.illustrative ? "illustrative" : ""].join(" "),
    })),
  ];
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const cy = cytoscape({
    container, elements, style: styles(palette()),
    layout: { name: "preset", positions: Object.fromEntries([...place].map(([id, p]) => [id, { x: p.x, y: p.y }])), padding: 6, animate: false },
    minZoom: 0.2, maxZoom: 2.5, boxSelectionEnabled: false,
    autoungrabify: true, autounselectify: true,
  });
  const routes = routeAround(cy, place);
  const applyRoutes = () => cy.batch(() => {
    for (const [id, route] of routes) {
      const e = cy.getElementById(id);
      e.style(segmentStyle(e.source().position(), e.target().position(), route));
    }
  });
  applyRoutes();
  const fitView = () => {
    cy.fit(undefined, 8);
    if (cy.zoom() > 1.25) { cy.zoom(1.25); cy.center(); }  // small scenarios: no giant nodes
  };
  // On a narrow screen the whole graph is too small to read: frame the selected service
  // with what it depends on and what depends on it.
  const frame = () => {
    const node = selected && container.clientWidth < 560 ? nodes.get(selected) : null;
    if (node) cy.fit(node.union(node.incomers()).union(node.outgoers()).nodes(), 10); else fitView();
  };
  new ResizeObserver(() => { cy.resize(); frame(); }).observe(container);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { cy.style(styles(palette())); applyRoutes(); });

  cy.on("tap", "node.service", (e) => onSelect(e.target.id()));
  cy.on("tap", (e) => { if (e.target === cy) onSelect(null); });
  cy.on("mouseover", "node.service", () => { container.style.cursor = "pointer"; });
  cy.on("mouseout", "node.service", () => { container.style.cursor = ""; });

  const nodes = new Map(spec.services.map((s) => [s.id, cy.getElementById(s.id)]));
  const shown = new Map();   // id -> status currently drawn
  let selected = null;

  function update(services) {
    const changed = [];
    for (const [id, node] of nodes) {
      const st = services[id]?.status || "none";
      if (shown.get(id) !== st) changed.push([id, node, st]);
    }
    if (!changed.length) return;
    cy.batch(() => {
      for (const [id, node, st] of changed) {
        node.removeClass(`stat-${shown.get(id)}`).addClass(`stat-${st}`);
        node.data({ status: st, label: `${node.data("name")}\n${status.get(st) || status.get("none")}` });
        shown.set(id, st);
        node.outgoers("edge").toggleClass("hot", st === "down");
      }
    });
  }

  function select(id) {
    if (id === selected) return;
    selected = id;
    cy.batch(() => {
      cy.elements().removeClass("faded upstream downstream selected");
      const node = id && nodes.get(id);
      if (!node) return;
      const up = node.predecessors();     // what it depends on (transitively), with edges
      const down = node.successors();     // what depends on it
      cy.elements().not(up).not(down).not(node).not(":parent").addClass("faded");
      up.addClass("upstream");
      down.addClass("downstream");
      node.addClass("selected");
    });
    if (container.clientWidth < 560) frame();
  }

  return { cy, update, select, fit: fitView, reduced };
}
