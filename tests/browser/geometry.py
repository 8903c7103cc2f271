"""Geometry read from a rendered player (geometry.js runs in the page): the dependency
graph's edges and labels, from the page's Cytoscape instance, and the time axes of the
charts and swimlanes, from what is on screen. Each check returns a list of problems,
empty when all is well, so a failure names every offender at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHECKS = (Path(__file__).parent / "geometry.js").read_text(encoding="utf-8")


def _run(page: Any, name: str, *args: Any) -> list[str]:
    return list(page.evaluate(f"(args) => ({CHECKS}).{name}(...args)", list(args)))


def graph_problems(page: Any) -> list[str]:
    """Edges through other nodes and labels outside their node, in the player on `page`."""
    graph = page.evaluate_handle("() => window.__replay.graph")
    return _run(page, "edgesThroughNodes", graph) + _run(page, "labelsOutsideNodes", graph)


def axis_problems(page: Any) -> list[str]:
    """Time-axis labels of the swimlanes and charts cut by an edge, on `page`."""
    return _run(page, "axisLabelsClipped")
