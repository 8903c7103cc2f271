"""Public scenario pages and the read-only scenarios API. Thin: selectors do the reading."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from simulation.fidelity import summary as fidelity_summary

from .clock import Clock, format_duration
from .describe import describe_condition
from .mechanism_docs import mechanism_docs
from .models import Scenario, Visibility
from .selectors import (
    run_latest_done,
    scenario_get_visible,
    scenario_list_public,
    status_strip,
    strip_text,
)
from .services import scenario_export


def _clock(scenario: Scenario) -> Clock | None:
    return Clock.for_values(scenario.start, scenario.timezone)


def _offset(at_s: int) -> str:
    """ "+1h 5m" after the start, "−13d 22h" before it (a record from days earlier)."""
    return ("+" if at_s >= 0 else "−") + format_duration(abs(at_s))


def _moment(clock: Clock | None, at_s: int | None) -> dict[str, Any] | None:
    if at_s is None:
        return None
    if clock is None:
        return {"local": _offset(at_s), "utc": "", "offset": _offset(at_s)}
    return {
        "local": clock.label(at_s),
        "time": clock.label(at_s, date=False),
        "utc": clock.utc_label(at_s),
        "iso": clock.at(at_s).isoformat(),
        "offset": _offset(at_s),
        "zone": clock.zone_name(at_s),
    }


def _strip(run: Any, duration_s: int) -> dict[str, Any] | None:
    segments = status_strip(run=run, duration_s=duration_s) if run else []
    return {"segments": segments, "text": strip_text(segments, duration_s)} if segments else None


def _fidelity(run: Any) -> dict[str, Any] | None:
    """The latest run's fidelity summary, and the same in words."""
    rows = (getattr(run, "summary", None) or {}).get("milestones")
    if not isinstance(rows, list) or not rows:
        return None
    f = fidelity_summary(rows)
    parts = [f"{f['happened']} of {f['total']} real milestones happened in the simulation"]
    if f["with_tolerance"]:
        parts.append(f"{f['within']} of {f['with_tolerance']} within tolerance")
    if f["median_abs_delta_s"] is not None:
        parts.append(f"median |Δ| {format_duration(f['median_abs_delta_s'])}")
    return {**f, "text": " · ".join(parts)}


def _simulated(clock: Clock | None, row: dict[str, Any] | None) -> str:
    """ "simulated 02:31:10 (Δ +6m 10s, tolerance ± 15m)", "did not happen in the
    simulation", or "" (no run yet, or a context milestone nothing looks for)."""
    if not row or not row.get("matched", True):
        return ""
    if row.get("sim_s") is None:
        return "did not happen in the simulation"
    moment = _moment(clock, row["sim_s"]) or {}
    tolerance = row.get("tolerance_s")
    extra = f", tolerance ± {format_duration(tolerance)}" if tolerance is not None else ""
    at = moment.get("time") or moment.get("local")
    return f"simulated {at} (Δ {_offset(row['delta_s'])}{extra})"


def _card(scenario: Scenario) -> dict[str, Any]:
    run = run_latest_done(scenario=scenario)
    clock = _clock(scenario)
    return {
        "scenario": scenario,
        "duration": format_duration(scenario.duration_s),
        # Formatted here: the `date` filter would convert to the server's zone.
        "date": f"{clock.start.day} {clock.start:%b %Y}" if clock else "",
        "date_iso": clock.start.isoformat() if clock else "",
        "strip": _strip(run, scenario.duration_s),
    }


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    cards = [_card(s) for s in scenario_list_public()]
    return render(request, "scenarios/gallery.html", {"cards": cards})


def replay_start_url(scenario: Scenario) -> str:
    try:
        return reverse("replays:start", kwargs={"slug": scenario.slug})
    except NoReverseMatch:
        return f"/s/{scenario.slug}/replay"


def _services_view(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Services grouped by `group`, each with what it depends on and what depends on it."""
    names = {s["id"]: s["name"] for s in spec["services"]}
    needs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    used_by: dict[str, list[str]] = defaultdict(list)
    for d in spec["dependencies"]:
        needs[d["from"]].append({**d, "to_name": names.get(d["to"], d["to"])})
        used_by[d["to"]].append(names.get(d["from"], d["from"]))
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in spec["services"]:
        groups.setdefault(s["group"] or "Services", []).append(
            {**s, "needs": needs[s["id"]], "used_by": used_by[s["id"]]}
        )
    return [{"name": name, "services": items} for name, items in groups.items()]


def _preview(
    request: HttpRequest, scenario: Scenario, spec: dict[str, Any], run: Any
) -> dict[str, Any] | None:
    """The link preview of the scenario page: its latest finished run at `t` (or at the
    moment with the most services down)."""
    if run is None:
        return None
    from outage_replay.sharing.links import preview_meta

    key = scenario.secret_key if scenario.visibility == Visibility.UNLISTED else ""
    return preview_meta(request, run_id=str(run.id), spec=spec, summary=run.summary, key=key)


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    key = request.GET.get("key") or None
    scenario = scenario_get_visible(slug=slug, user=request.user, key=key)
    if scenario is None:
        raise Http404("No such scenario")
    spec = scenario.to_spec()
    clock = _clock(scenario)
    names = {s["id"]: s["name"] for s in spec["services"]}
    run = run_latest_done(scenario=scenario)
    rows = {r.get("id"): r for r in ((run.summary or {}).get("milestones") or [])} if run else {}
    milestones = sorted(
        (
            {
                **m,
                "moment": _moment(clock, m["at_s"]),
                "service_name": names.get(m.get("service")),
                "simulated": _simulated(clock, rows.get(m.get("id"))),
            }
            for m in spec["milestones"]
        ),
        key=lambda m: m["at_s"],
    )
    labels = {i["id"]: i["label"] for i in spec["interventions"]}
    interventions = [
        {
            **i,
            "moment": _moment(clock, i.get("at_s")),
            "condition": describe_condition(i["when"], names, labels) if i.get("when") else "",
        }
        for i in spec["interventions"]
    ]
    context = {
        "scenario": scenario,
        "spec": spec,
        "clock": clock,
        "start": _moment(clock, 0),
        "end": _moment(clock, scenario.duration_s),
        "duration": format_duration(scenario.duration_s),
        "groups": _services_view(spec),
        "dependency_count": len(spec["dependencies"]),
        "milestones": milestones,
        "interventions": interventions,
        "strip": _strip(run, scenario.duration_s),
        "fidelity": _fidelity(run),
        "replay_url": replay_start_url(scenario),
        "key": scenario.secret_key if scenario.visibility == Visibility.UNLISTED else "",
        "page_url": request.build_absolute_uri(),
        "og_image": _preview(request, scenario, spec, run),
        **_whatif(scenario),
    }
    return render(request, "scenarios/detail.html", context)


def _whatif(scenario: Scenario) -> dict[str, Any]:
    from outage_replay.replays.whatif import runs_recent, whatif_panel

    key = scenario.secret_key if scenario.visibility == Visibility.UNLISTED else ""
    return {
        "whatif": whatif_panel(scenario=scenario, key=key),
        "recent_runs": runs_recent(scenario=scenario),
    }


@require_GET
def mechanisms(request: HttpRequest) -> HttpResponse:
    return render(request, "scenarios/mechanisms.html", {"types": mechanism_docs()})


@require_GET
def api_list(request: HttpRequest) -> JsonResponse:
    items = [
        {
            "slug": s.slug,
            "title": s.title,
            "summary": s.summary,
            "start": s.start,
            "duration_s": s.duration_s,
            "services": s.service_count,
            "version": s.version,
            "updated_at": s.updated_at.isoformat(),
            "url": request.build_absolute_uri(s.get_absolute_url()),
            "export_url": request.build_absolute_uri(
                reverse("scenarios:api-export", kwargs={"slug": s.slug})
            ),
        }
        for s in scenario_list_public()
    ]
    return JsonResponse({"scenarios": items})


@require_GET
def api_export(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = scenario_get_visible(slug=slug, user=request.user, key=request.GET.get("key"))
    if scenario is None:
        return JsonResponse({"error": f"no scenario '{slug}'"}, status=404)
    response = HttpResponse(scenario_export(scenario=scenario), content_type="application/json")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{scenario.slug}.json"'
    return response


@require_GET
def schema(request: HttpRequest) -> HttpResponse:
    """The format's JSON Schema, at a stable public URL (the checked-in file)."""
    from simulation import SCHEMA_PATH

    response = HttpResponse(
        SCHEMA_PATH.read_bytes(), content_type="application/schema+json; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response
