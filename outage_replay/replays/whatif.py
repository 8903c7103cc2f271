"""What the What-if panel needs (templates/replays/_whatif.html, static/js/whatif/panel.js).

Built from the scenario as it is now (variants apply to its current version, as
`POST /api/runs/` does), with each knob's label, unit, bounds and help from the
mechanism's parameter table (`simulation.knob_table`), and the scenario's recent runs.
"""

from __future__ import annotations

from typing import Any

from .lru import LRU
from .models import Run, RunStatus

RECENT_RUNS = 8


def whatif_panel(
    *, scenario: Any, key: str = "", base_run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`base_run`: the meta of the run the page shows (its seed is the panel's)."""
    parts = _panel_parts(scenario)
    if not parts:
        return {}
    return {
        "key": key,
        "seed": base_run["seed"] if base_run else parts["default_seed"],
        "base_run": base_run["id"] if base_run else None,
        **parts,
    }


_PARTS: LRU[tuple[Any, ...], dict[str, Any]] = LRU(64)


def _panel_parts(scenario: Any) -> dict[str, Any]:
    """What the panel takes from the scenario's document (its knob table, presets and
    interventions), per process and scenario version: building it validates the whole
    document and applies every preset (~30 ms for AWS), and every replay page shows it.
    Keyed by (id, version, updated_at): an edit in the admin or an import changes both."""
    version = (scenario.pk, scenario.version, scenario.updated_at)
    parts = _PARTS.get(version)
    if parts is None:
        parts = _build_parts(scenario)
        _PARTS.put(version, parts)
    return parts


def _build_parts(scenario: Any) -> dict[str, Any]:
    from outage_replay.scenarios.clock import Clock
    from simulation import ScenarioError, knob_table, parse_document
    from simulation.knobs import alarm_response_s

    try:
        spec = parse_document(scenario.to_spec())
    except ScenarioError:
        return {}
    clock = Clock.for_values(spec.start, spec.timezone)
    label = clock.label if clock else (lambda s: f"{s} s")
    return {
        "scenario": spec.slug,
        "default_seed": spec.seed,
        "duration_s": spec.duration_s,
        "knobs": knob_table(spec),
        "presets": [
            {"id": p.id, "name": p.name, "description": p.description, "variant": p.variant}
            for p in spec.presets
        ],
        "interventions": [
            {
                "id": i.id,
                "label": i.label,
                "at_s": i.at_s or 0,
                "at_label": label(i.at_s or 0),
                "conditional": i.when is not None,
                "respond_s": alarm_response_s(i.when),
                "enabled": i.enabled,
            }
            for i in spec.interventions
        ],
    }


def runs_recent(*, scenario: Any, limit: int = RECENT_RUNS) -> list[dict[str, Any]]:
    """The scenario's latest finished runs, each saying what it changes (named against
    the scenario as it is now: one document instead of every run's frozen spec)."""
    from simulation import describe_variant

    document = scenario.to_spec()
    runs = (
        Run.objects.filter(scenario=scenario, status=RunStatus.DONE)
        .only("id", "seed", "variant", "finished_at", "scenario_version")
        .order_by("-finished_at")[:limit]
    )
    return [
        {
            "id": str(run.id),
            "url": run.get_absolute_url(),
            "title": describe_variant(document, run.variant or {}, run.seed) or "As written",
            "seed": run.seed,
            "version": run.scenario_version,
            "finished_at": run.finished_at,
        }
        for run in runs
    ]


def whatif_context(request: Any, run: Any) -> dict[str, Any]:
    """The player page's panel (`run`: a `player.PlayerRun`): the run's scenario as it is
    now, this run as the base."""
    from outage_replay.scenarios.models import Scenario

    meta = run.meta
    context: dict[str, Any] = {"whatif": {}, "frame_digest": meta["frame_digest"]}
    title = meta["variant_title"]
    if title:  # a variant says what it is: the page title, its heading, the link preview
        scenario_title = (meta["spec"] or {}).get("title", "")
        context["og_title"] = f"What if: {title}"
        context["og_description"] = f"{scenario_title}, replayed with: {title}."
    scenario = Scenario.objects.filter(pk=run.row["scenario_id"]).first()
    if scenario is not None:
        key = scenario.secret_key if scenario.visibility == "unlisted" else ""
        context["whatif"] = whatif_panel(scenario=scenario, key=key, base_run=meta)
        context["explorer"] = explorer_panel(spec=meta["spec"], key=key, base_run=meta["id"])
    return context


def explorer_panel(*, spec: dict[str, Any], key: str, base_run: str) -> dict[str, Any] | None:
    """The race explorer's defaults, for a scenario with a dns_automation mechanism
    (`base_run`: the run a replayed interleaving is compared with)."""
    mech = next((m for m in spec.get("mechanisms", []) if m.get("type") == "dns_automation"), None)
    if mech is None:
        return None
    params = mech.get("params", {})
    return {
        "scenario": spec.get("slug", ""),
        "key": key,
        "base_run": base_run,
        "mechanism": mech["id"],
        "version_check": params.get("version_check", "once"),
        "cleanup_protects_active": bool(params.get("cleanup_protects_active", False)),
        "cleanup_age_generations": 1,
        "choices": ["once", "per_write"],
    }
