// Dependency graph (Cytoscape.js, dagre layered layout, one compound node per group).
// Edges point from a dependency to its dependent — the direction failure spreads. Status
// shows as fill colour, node shape (octagon = down, …), an icon and the word itself.

import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { STATUS_ICON, cssVar } from "./dom.js";

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
      width: NODE_W, height: NODE_H, label: "data(label)", "text-wrap": "wrap", "text-max-width": NODE_W - 10,
      "font-size": 10, "line-height": 1.1, "z-compound-depth": "top", "font-family": "system-ui, sans-serif", "text-valign": "center", "text-halign": "center",
      "border-width": 2, "background-color": p.st.none.fill, "border-color": p.st.none.line, color: p.fg,
      "transition-property": "none",
    } },
    { selector: ":parent", style: {
      shape: "round-rectangle", "background-color": p.group, "background-opacity": 1, "border-width": 1,
      "border-color": p.edge, "border-style": "dashed", label: "data(label)", "text-valign": "top",
      "text-halign": "center", "font-size": 11, "font-weight": 600, color: p.muted, padding: 4, "text-margin-y": -1,
    } },
    { selector: "edge", style: {
      width: 1.6, "line-color": p.edge, "target-arrow-color": p.edge, "target-arrow-shape": "triangle",
      "curve-style": "bezier", "arrow-scale": 0.9,
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

const CELL_W = 140, CELL_H = 54, NODE_W = 130, NODE_H = 46;

// Layout: groups are laid out as boxes by dagre (layered, top to bottom, along the
// dependencies between groups); each group's services sit in rows inside its box. Far
// more legible than a flat layered layout once a scenario has 30 services.
function groupLayout(spec) {
  const groupOf = new Map(spec.services.map((s) => [s.id, s.group || "·"]));
  const members = new Map();
  for (const s of spec.services) {
    const g = groupOf.get(s.id);
    if (!members.has(g)) members.set(g, []);
    members.get(g).push(s.id);
  }
  const dims = new Map();
  for (const [g, ids] of members) {
    const cols = Math.min(ids.length, Math.ceil(Math.sqrt(ids.length)));
    dims.set(g, { cols, w: cols * CELL_W, h: Math.ceil(ids.length / cols) * CELL_H });
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
      ...[...dims].map(([g, d]) => ({ data: { id: `g:${g}`, w: d.w, h: d.h } })),
      ...[...edges].map((e, i) => { const [a, b] = e.split("\u0000"); return { data: { id: `e${i}`, source: `g:${a}`, target: `g:${b}` } }; }),
    ],
  });
  cy.layout({ name: "dagre", rankDir: "TB", nodeSep: 24, rankSep: 40, animate: false }).run();
  const pos = {};
  for (const [g, ids] of members) {
    const { cols, w, h } = dims.get(g);
    const c = cy.getElementById(`g:${g}`).position();
    ids.forEach((id, i) => {
      pos[id] = { x: c.x - w / 2 + CELL_W / 2 + (i % cols) * CELL_W, y: c.y - h / 2 + CELL_H / 2 + Math.floor(i / cols) * CELL_H };
    });
  }
  cy.destroy();
  return pos;
}

// Names wrap on two lines inside the node; only a very long one is shortened (the
// full name is in the swimlanes and the details).
const short = (name) => (name.length > 44 ? `${name.slice(0, 43).trimEnd()}…` : name);

export function createGraph(container, spec, { onSelect }) {
  const groups = [...new Set(spec.services.map((s) => s.group).filter(Boolean))];
  const elements = [
    ...groups.map((g) => ({ data: { id: `group::${g}`, label: g } })),
    ...spec.services.map((s) => ({
      data: { id: s.id, name: short(s.name || s.id), label: short(s.name || s.id), status: "none", parent: s.group ? `group::${s.group}` : undefined },
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
    layout: { name: "preset", positions: groupLayout(spec), padding: 6, animate: false },
    minZoom: 0.3, maxZoom: 2.5, boxSelectionEnabled: false,
    autoungrabify: true, autounselectify: true,
  });
  const fit = () => {
    cy.fit(undefined, 8);
    if (cy.zoom() > 1.25) { cy.zoom(1.25); cy.center(); }  // small scenarios: no giant nodes
  };
  // On a narrow screen the whole graph is too small to read: frame the selected service
  // with what it depends on and what depends on it.
  const frame = () => {
    const node = selected && container.clientWidth < 560 ? nodes.get(selected) : null;
    if (node) cy.fit(node.union(node.incomers()).union(node.outgoers()).nodes(), 10); else fit();
  };
  new ResizeObserver(() => { cy.resize(); frame(); }).observe(container);
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => cy.style(styles(palette())));

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
        node.data({ status: st, label: `${node.data("name")}\n${STATUS_ICON[st] || "·"} ${st === "none" ? "no data" : st.toUpperCase()}` });
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

  return { cy, update, select, fit, reduced };
}
