"""Static files in production: hashed names, gzip and brotli copies, ES-module imports.

`collectstatic` writes every file under a content-hashed name (so WhiteNoise can serve
it with a one-year, immutable cache lifetime) plus `.gz` and `.br` copies WhiteNoise
picks by the request's Accept-Encoding. Django rewrites the relative imports of the
player's ES modules (`import … from "./dom.js"`, `import("./graph.js")`) to the hashed
names; bare specifiers (`import("cytoscape")`) are left alone, for the page's import
map resolves those (to hashed URLs too, see `replays.player.import_map`).
"""

from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _relative_only(patterns: tuple) -> tuple:
    """Django's JS module patterns, with the dynamic `import("…")` one limited to
    relative URLs like the static ones (a bare specifier is not a file)."""
    extension, rules = patterns
    dynamic = r"""(?P<matched>import\(["'](?P<url>.*?)["']\))"""
    relative = r"""(?P<matched>import\(["'](?P<url>[./].*?)["']\))"""
    return (
        extension,
        tuple(
            (rule[0].replace(dynamic, relative), rule[1]) if isinstance(rule, tuple) else rule
            for rule in rules
        ),
    )


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
    _js_module_import_aggregation_patterns = _relative_only(
        ManifestStaticFilesStorage._js_module_import_aggregation_patterns
    )


class StaticFiles(StaticFilesConfig):
    """django.contrib.staticfiles, leaving out what the npm packages ship but the pages
    never load (other builds, source maps, sources, tests, type declarations), so
    collectstatic does not hash and compress megabytes nobody is sent."""

    ignore_patterns = [  # noqa: RUF012 - the attribute Django reads
        *StaticFilesConfig.ignore_patterns,
        "*.map", "*.d.ts", "*.cjs.js", "*.umd.js", "*.esm.js", "cytoscape.esm.mjs",
        "cytoscape.min.js", "uPlot.iife.js", "dagre.js", "dagre.core.js",
        "cytoscape-dagre.js", "cytoscape-dagre.mjs", "cytoscape-dagre.min.js",
        "test", "src", "README.md", "package.json", "LICENSE",
    ]  # fmt: skip
