"""simulation/ may import only the standard library (and itself)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "simulation"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_it_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"simulation", "__future__"}
    bad = {
        f"{p.relative_to(PACKAGE)}: {name}"
        for p in PACKAGE.rglob("*.py")
        for name in imported_roots(p)
        if name not in allowed
    }
    assert not bad


def test_it_keeps_io_and_wall_clock_in_the_cli() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py", "loader.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "print(" not in text, path
        assert "import time" not in text and "datetime.now" not in text, path
