"""axe-core (npm, node_modules/axe-core) in the browser: serious and critical violations.

Any page test can call it (the compare page's tests too):

    from tests.browser.axe import assert_accessible
    assert_accessible(page, "replay")            # light, then dark, 0 serious/critical

The page's context must be created with `bypass_csp=True`: axe is injected as a script
tag, which a strict CSP rightly refuses from any other page script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")
RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'];
  const r = await axe.run(document, { runOnly: { type: 'tag', values: tags },
                                      resultTypes: ['violations'] });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => [n.target.join(' '), n.failureSummary]) }));
}"""


def violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return [v for v in page.evaluate(RUN) if v["impact"] in SEVERE]


def check_both_schemes(page: Any) -> dict[str, list[dict[str, Any]]]:
    """Violations in light and in dark mode (the page's CSS follows the colour scheme)."""
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_timeout(150)
        found[scheme] = violations(page)
    return found


def assert_accessible(page: Any, label: str) -> None:
    found = check_both_schemes(page)
    assert found == {"light": [], "dark": []}, f"{label}: {found}"
