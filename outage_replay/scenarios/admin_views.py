"""The admin's extra pages: JSON import (preview, then apply), validate & preview, replay."""

from __future__ import annotations

import json
import statistics
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from simulation import LIMITS, ScenarioError, decode_json
from simulation.formats import upgrade

from .clock import Clock, format_duration
from .models import Scenario, Visibility
from .selectors import run_latest_done
from .services import free_slug, scenario_diff, scenario_import, scenario_preview
from .validation import validate_bytes, validate_document
from .views import replay_start_url


def _context(model_admin: Any, request: HttpRequest, title: str, **extra: Any) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def import_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    template = "admin/scenarios/scenario/import.html"
    ctx: dict[str, Any] = {"visibilities": Visibility.choices, "max_bytes": LIMITS["max_bytes"]}
    visibility = request.POST.get("visibility", Visibility.DRAFT)
    if visibility not in Visibility.values:
        visibility = Visibility.DRAFT
    ctx["visibility"] = visibility
    if request.method == "POST" and ("apply" in request.POST or "as_copy" in request.POST):
        return _apply(model_admin, request, visibility, ctx)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            ctx["errors"] = [("file", "choose a .json file to upload")]
        elif upload.size > LIMITS["max_bytes"]:
            ctx["errors"] = [
                ("$", f"file is larger than {LIMITS['max_bytes']} bytes ({upload.size})")
            ]
        else:
            data = upload.read()
            try:
                doc = validate_bytes(data)
            except ScenarioError as exc:
                ctx["errors"] = exc.errors
            else:
                ctx.update(_preview_context(doc))
                # It validated, so it decodes; which format was it written in?
                _, ctx["upgraded_from"] = upgrade(json.loads(data.decode("utf-8-sig")))
        ctx["filename"] = upload.name if upload else ""
    return TemplateResponse(
        request, template, _context(model_admin, request, "Import a scenario", **ctx)
    )


def _preview_context(doc: dict[str, Any]) -> dict[str, Any]:
    diff = scenario_diff(doc=doc)
    current = Scenario.objects.filter(slug=doc["slug"]).first()
    return {
        "doc": doc,
        "diff": diff,
        "copy_slug": free_slug(doc["slug"]) if diff.exists else "",
        "document_json": json.dumps(doc, ensure_ascii=False),
        "base_version": current.version if current else 0,
        "counts": {
            key: len(doc[key])
            for key in (
                "services",
                "dependencies",
                "mechanisms",
                "faults",
                "interventions",
                "milestones",
            )
        },
    }


def _apply(model_admin: Any, request: HttpRequest, visibility: str, ctx: dict) -> HttpResponse:
    template = "admin/scenarios/scenario/import.html"
    try:
        doc = validate_document(decode_json(request.POST.get("document", "")))
    except ValueError as exc:
        errors = exc.errors if isinstance(exc, ScenarioError) else [("$", "not valid JSON")]
        ctx["errors"] = errors
        return TemplateResponse(
            request, template, _context(model_admin, request, "Import a scenario", **ctx)
        )
    if "as_copy" in request.POST:
        doc = {**doc, "slug": free_slug(doc["slug"])}
        return _create(model_admin, request, doc, visibility=visibility, ctx=ctx)
    current = Scenario.objects.filter(slug=doc["slug"]).first()
    base = request.POST.get("base_version", "")
    if str(current.version if current else 0) != base:
        ctx.update(_preview_context(doc))
        ctx["stale"] = True
        return TemplateResponse(
            request, template, _context(model_admin, request, "Import a scenario", **ctx)
        )
    if current is not None and not model_admin.has_change_permission(request, current):
        raise PermissionDenied
    try:
        scenario, outcome = scenario_import(
            doc=doc, replace=current is not None, visibility=visibility
        )
    except ScenarioError as exc:
        ctx["errors"] = exc.errors
        return TemplateResponse(
            request, template, _context(model_admin, request, "Import a scenario", **ctx)
        )
    if outcome == "created":
        model_admin.log_addition(request, scenario, "Imported from JSON")
    elif outcome == "replaced":
        model_admin.log_change(
            request, scenario, f"Replaced from JSON (version {scenario.version})"
        )
    model_admin.message_user(request, f"{scenario.slug}: {outcome}.", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:scenarios_scenario_change", args=[scenario.pk]))


def _create(
    model_admin: Any,
    request: HttpRequest,
    doc: dict[str, Any],
    *,
    visibility: str,
    ctx: dict,
) -> HttpResponse:
    """Import as a copy: a new scenario under a free slug; the stored one is left alone."""
    try:
        scenario, _ = scenario_import(doc=doc, visibility=visibility)
    except ScenarioError as exc:
        ctx["errors"] = exc.errors
        return TemplateResponse(
            request,
            "admin/scenarios/scenario/import.html",
            _context(model_admin, request, "Import a scenario", **ctx),
        )
    model_admin.log_addition(request, scenario, "Imported from JSON as a copy")
    model_admin.message_user(request, f"{scenario.slug}: created (a copy).", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:scenarios_scenario_change", args=[scenario.pk]))


def _bars(rows: list[list[Any]], duration_s: int) -> list[dict[str, Any]]:
    out = []
    for status, from_s, to_s in rows:
        out.append(
            {
                "status": status,
                "left": round(from_s * 100 / duration_s, 3),
                "width": max(0.15, round((to_s - from_s) * 100 / duration_s, 3)),
            }
        )
    return out


def preview_view(model_admin: Any, request: HttpRequest, scenario: Scenario) -> HttpResponse:
    preview = scenario_preview(scenario=scenario)
    clock = Clock.for_values(scenario.start, scenario.timezone)

    def label(at_s: float | None) -> str:
        if at_s is None:
            return "—"
        return clock.label(round(at_s)) if clock else f"+{format_duration(at_s)}"

    spec = scenario.to_spec()
    fidelity = judge(preview.summary.get("milestones", []), spec, label)
    names = {s["id"]: s["name"] for s in spec["services"]}
    services = []
    for sid, rows in preview.summary.get("intervals", {}).items():
        down = [
            {"from": label(a), "to": label(b), "length": format_duration(round(b - a))}
            for status, a, b in rows
            if status == "down"
        ]
        services.append(
            {
                "id": sid,
                "name": names.get(sid, sid),
                "down": down,
                "total_down": format_duration(sum(round(b - a) for s, a, b in rows if s == "down")),
                "bars": _bars(rows, max(1, scenario.duration_s)),
            }
        )
    ctx = _context(
        model_admin,
        request,
        f"Validate & preview: {scenario.title}",
        scenario=scenario,
        preview=preview,
        fidelity=fidelity["rows"],
        verdict=fidelity["summary"],
        services=services,
        original=scenario,
        elapsed=f"{preview.elapsed_s:.2f}",
        zone=clock.zone_name() if clock else "UTC",
    )
    return TemplateResponse(request, "admin/scenarios/scenario/preview.html", ctx)


def judge(rows: list[dict[str, Any]], spec: dict[str, Any], label: Any) -> dict[str, Any]:
    """The preview's verdict per milestone (within / outside its tolerance) and overall
    (N happened, K within tolerance, median |Δ|)."""
    tolerance = {m["id"]: m.get("tolerance_s") for m in spec.get("milestones", [])}
    out, deltas, judged, within = [], [], 0, 0
    for row in rows:
        tol = tolerance.get(row["id"])
        delta = row.get("delta_s")
        verdict = ""
        if row["kind"] != "reference":
            judged += 1
            if delta is not None:
                deltas.append(abs(delta))
            if delta is None:
                verdict = "outside"
            elif tol is not None:
                verdict = "within" if abs(delta) <= tol else "outside"
            within += verdict == "within"
        before = row.get("real_s") is not None and row["real_s"] < 0
        out.append(
            {
                **row,
                "real": label(row.get("real_s")),
                "before_start": format_duration(-round(row["real_s"])) if before else "",
                "sim": label(row.get("sim_s")),
                "delta": None if delta is None else format_duration(round(delta)),
                "late": (delta or 0) > 0,
                "tolerance": "—" if tol is None else f"±{format_duration(tol)}",
                "verdict": verdict,
                "has_fitted": "fitted" in row,
            }
        )
    happened = len(deltas)
    median = format_duration(round(statistics.median(deltas))) if deltas else "—"
    summary = {
        "judged": judged,
        "happened": happened,
        "within": within,
        "median": median,
        "text": f"{happened} of {judged} happened, {within} within tolerance, median |Δ| {median}",
    }
    return {"rows": out, "summary": summary}


def validate_many(model_admin: Any, request: HttpRequest, scenarios: list[Scenario]) -> None:
    for scenario in scenarios:
        try:
            validate_document(scenario.to_spec())
        except ScenarioError as exc:
            model_admin.message_user(request, f"{scenario.slug}: {exc}", messages.ERROR)
        else:
            model_admin.message_user(request, f"{scenario.slug}: valid", messages.SUCCESS)


def _stale_version(request: HttpRequest, scenario: Scenario) -> str:
    """The previewed version (`?version=`), when the scenario has moved on since."""
    asked = request.GET.get("version", "")
    return asked if asked.isdigit() and int(asked) != scenario.version else ""


def replay_view(model_admin: Any, request: HttpRequest, scenario: Scenario) -> HttpResponse:
    run = run_latest_done(scenario=scenario)
    if run is not None and run.spec == scenario.to_spec():
        return HttpResponseRedirect(reverse("replays:replay", kwargs={"run_id": run.pk}))
    ctx = _context(
        model_admin,
        request,
        f"Replay: {scenario.title}",
        scenario=scenario,
        original=scenario,
        replay_url=replay_start_url(scenario),
        key=scenario.secret_key if scenario.visibility == Visibility.UNLISTED else "",
        stale_version=_stale_version(request, scenario),
    )
    return TemplateResponse(request, "admin/scenarios/scenario/replay.html", ctx)
