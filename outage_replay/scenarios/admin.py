"""Admin authoring: one scenario page with inlines for every part, plus import/preview."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from simulation.spec import table

from . import admin_views
from .admin_forms import (
    AuthoringContext,
    BoundedJSONField,
    PartFormSet,
    ScenarioForm,
    inline_fields,
    part_form,
)
from .mechanism_docs import authoring_catalog
from .model_fields import PART_KEYS, column
from .models import PART_MODELS, Scenario
from .services import scenario_bump_version, scenario_duplicate, scenario_export
from .validation import validate_document

CONTEXT_ATTR = "_scenario_authoring_context"


def authoring_context(request: HttpRequest, obj: Scenario | None) -> AuthoringContext:
    ctx = getattr(request, CONTEXT_ATTR, None)
    if ctx is None:
        ctx = AuthoringContext(request, obj)
        setattr(request, CONTEXT_ATTR, ctx)
    return ctx


class PartInline(admin.TabularInline):
    formfield_overrides = {models.JSONField: {"form_class": BoundedJSONField}}  # noqa: RUF012
    extra = 0
    formset = PartFormSet
    exclude = ("position",)

    def get_formset(self, request: HttpRequest, obj: Scenario | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        attrs = {"admin_context": authoring_context(request, obj)}
        return type(formset.__name__, (formset,), attrs)


class StackedPartInline(PartInline):
    template = "admin/edit_inline/stacked.html"


# Parts with few, short fields are tables; the others are stacked (short fields on one
# line, then each wide field on its own), so the page fits a 1,400 px window.
TABULAR = ("services", "dependencies", "knobs")
WIDE_KINDS = ("params", "condition", "object", "text", "refs")


def stacked_fields(part: str) -> tuple[Any, ...]:
    fields = table(part)
    short = tuple(column(f) for f in fields if f.kind not in WIDE_KINDS)
    return (short, *(column(f) for f in fields if f.kind in WIDE_KINDS))


def part_inline(part: str) -> type[PartInline]:
    """The inline of one part, its fields from the part's field table."""
    model = PART_MODELS[part]
    tabular = part in TABULAR
    attrs = {
        "model": model,
        "form": part_form(part),
        "fields": inline_fields(part) if tabular else stacked_fields(part),
        "extra": 1 if part == "services" else 0,
    }
    if part in INLINE_TITLES:
        attrs["verbose_name_plural"] = INLINE_TITLES[part]
    base = PartInline if tabular else StackedPartInline
    return type(f"{model.__name__}Inline", (base,), attrs)


# Admin-only wording, where the list's name alone does not say what it is for.
INLINE_TITLES = {
    "knobs": "knobs (parameters anyone may change in the What-if panel)",
    "presets": "presets (one-click variants in the What-if panel)",
}
INLINES = tuple(part_inline(part) for part in PART_KEYS)


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    formfield_overrides = {models.JSONField: {"form_class": BoundedJSONField}}  # noqa: RUF012
    form = ScenarioForm
    change_form_template = "admin/scenarios/scenario/change_form.html"
    change_list_template = "admin/scenarios/scenario/change_list.html"
    list_display = (
        "title",
        "slug",
        "visibility",
        "start",
        "services_count",
        "version",
        "updated_at",
    )
    list_filter = ("visibility", "timezone", "updated_at")
    search_fields = ("slug", "title", "summary", "services__name", "services__key")
    readonly_fields = ("version", "share_link", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "sources")}),
        ("Time", {"fields": ("timezone", "start", "duration_s", "frame_interval_s", "seed")}),
        ("Operators", {"fields": ("operators",)}),
        (
            "Publishing",
            {"fields": ("visibility", "share_link", "version", "created_at", "updated_at")},
        ),
    )
    prepopulated_fields = {"slug": ("title",)}  # noqa: RUF012
    inlines = INLINES
    actions = ("duplicate", "export_json", "validate_and_preview", "open_replay")
    save_on_top = True

    class Media:
        js = ("js/admin/authoring.js",)
        css = {"all": ("css/scenario-admin.css",)}  # noqa: RUF012

    def render_change_form(self, request: HttpRequest, context: dict, *args: Any, **kwargs: Any):
        context["sc_catalog"] = authoring_catalog()
        return super().render_change_form(request, context, *args, **kwargs)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_services=Count("services", distinct=True))

    @admin.display(description="services", ordering="n_services")
    def services_count(self, obj: Scenario) -> int:
        return obj.n_services

    @admin.display(description="link to share")
    def share_link(self, obj: Scenario) -> str:
        if not obj.pk:
            return "—"
        url = obj.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    def get_form(
        self, request: HttpRequest, obj: Scenario | None = None, change: bool = False, **kwargs: Any
    ):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"admin_context": authoring_context(request, obj)})

    # -- saving: all parts, then the whole scenario once more, in one transaction ------

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        scenario = form.instance
        ctx = authoring_context(request, scenario)
        for formset in formsets:
            kept = [f.instance.pk for f in ctx.kept_forms(formset.prefix)]
            model = formset.model
            current = dict(model.objects.filter(pk__in=kept).values_list("pk", "position"))
            for position, pk in enumerate(kept):
                if current.get(pk) != position:
                    model.objects.filter(pk=pk).update(position=position)
        # Belt and braces: the stored scenario must validate; otherwise roll it all back.
        spec = scenario.to_spec()
        validate_document(spec)
        # The version counts changes to the document (what a run freezes), nothing else.
        before = getattr(request, "_scenario_spec_before", None)
        if change and before is not None and before != spec:
            scenario_bump_version(scenario=scenario)

    def save_model(self, request: HttpRequest, obj: Scenario, form: Any, change: bool) -> None:
        if change:
            stored = Scenario.objects.get(pk=obj.pk)
            request._scenario_spec_before = stored.to_spec()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    # -- extra pages -------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="scenarios_scenario_import"),
            path("<int:pk>/preview/", wrap(self.preview_view), name="scenarios_scenario_preview"),
            path("<int:pk>/export/", wrap(self.export_view), name="scenarios_scenario_export"),
            path(
                "<int:pk>/duplicate/",
                wrap(self.duplicate_view),
                name="scenarios_scenario_duplicate",
            ),
            path("<int:pk>/replay/", wrap(self.replay_view), name="scenarios_scenario_replay"),
            *super().get_urls(),
        ]

    def _get(self, request: HttpRequest, pk: int, perm: str = "view") -> Scenario:
        scenario = get_object_or_404(Scenario, pk=pk)
        # has_add_permission takes no object (a copy is a new scenario).
        check = getattr(self, f"has_{perm}_permission")
        allowed = check(request) if perm == "add" else check(request, scenario)
        if not allowed:
            raise PermissionDenied
        return scenario

    def import_view(self, request: HttpRequest) -> HttpResponse:
        return admin_views.import_view(self, request)

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return admin_views.preview_view(self, request, self._get(request, pk))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _download(self._get(request, pk))

    def duplicate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:scenarios_scenario_change", args=[pk]))
        copy = self._duplicate(request, self._get(request, pk, "add"))
        return HttpResponseRedirect(reverse("admin:scenarios_scenario_change", args=[copy.pk]))

    def replay_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return admin_views.replay_view(self, request, self._get(request, pk))

    def _duplicate(self, request: HttpRequest, scenario: Scenario) -> Scenario:
        copy = scenario_duplicate(scenario=scenario)
        self.log_addition(request, copy, f"Duplicated from {scenario.slug}")
        self.message_user(request, f"Created {copy.slug}, a draft copy of {scenario.slug}.")
        return copy

    # -- actions -----------------------------------------------------------------------

    @admin.action(description="Duplicate selected scenarios", permissions=["add"])
    def duplicate(self, request: HttpRequest, queryset) -> None:
        with transaction.atomic():
            for scenario in queryset:
                self._duplicate(request, scenario)

    @admin.action(description="Export selected as JSON")
    def export_json(self, request: HttpRequest, queryset) -> HttpResponse:
        scenarios = list(queryset)
        if len(scenarios) == 1:
            return _download(scenarios[0])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for scenario in scenarios:
                archive.writestr(f"{scenario.slug}.json", scenario_export(scenario=scenario))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="scenarios.zip"'
        return response

    @admin.action(description="Validate & preview")
    def validate_and_preview(self, request: HttpRequest, queryset) -> HttpResponse | None:
        scenarios = list(queryset)
        if len(scenarios) == 1:
            url = reverse("admin:scenarios_scenario_preview", args=[scenarios[0].pk])
            return HttpResponseRedirect(url)
        return admin_views.validate_many(self, request, scenarios)

    @admin.action(description="Open replay")
    def open_replay(self, request: HttpRequest, queryset) -> HttpResponse | None:
        scenarios = list(queryset)
        if len(scenarios) != 1:
            self.message_user(request, "Select exactly one scenario to replay.", messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse("admin:scenarios_scenario_replay", args=[scenarios[0].pk])
        )


def _download(scenario: Scenario) -> HttpResponse:
    response = HttpResponse(scenario_export(scenario=scenario), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{scenario.slug}.json"'
    return response
