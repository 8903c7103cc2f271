"""Scenarios as rows: one `Scenario` and its parts, mirroring the `outage-replay/1` format.

References between parts (a dependency's ends, a mechanism's services, a fault's target,
a milestone's service) are the scenario-local ids as strings, exactly as in the document,
so a scenario can be written in one go and validated as a whole by `simulation`'s
validator (`validation.py`) before anything is saved.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.urls import reverse

# Free text may be as long as the format allows (simulation's LIMITS["max_string"]).
TEXT_MAX = 4000


def new_secret_key() -> str:
    return secrets.token_urlsafe(16)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public (listed in the gallery)"
    UNLISTED = "unlisted", "Unlisted (reachable with the secret key)"
    DRAFT = "draft", "Draft (staff only)"


class Scenario(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=TEXT_MAX)
    summary = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True, help_text='[{"title": …, "url": …}]')
    timezone = models.CharField(max_length=64, default="UTC", help_text="IANA name")
    start = models.CharField(
        max_length=40, help_text="ISO 8601 with offset, e.g. 2025-10-19T23:30:00-07:00"
    )
    duration_s = models.PositiveIntegerField("duration (s)")
    frame_interval_s = models.PositiveIntegerField("frame interval (s)", default=10)
    seed = models.BigIntegerField("default seed", default=1)
    visibility = models.CharField(max_length=10, choices=Visibility, default=Visibility.DRAFT)
    secret_key = models.CharField(max_length=64, default=new_secret_key, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-start", "slug")

    def __str__(self) -> str:
        return self.title or self.slug

    def get_absolute_url(self) -> str:
        url = reverse("scenarios:detail", kwargs={"slug": self.slug})
        if self.visibility == Visibility.UNLISTED:
            url += f"?key={self.secret_key}"
        return url

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ValueError, KeyError, OSError):
            return ZoneInfo("UTC")

    @property
    def start_at(self) -> datetime | None:
        """`start` as an aware datetime in the scenario's time zone (None if malformed)."""
        try:
            value = datetime.fromisoformat(self.start)
        except (TypeError, ValueError):
            return None
        if value.tzinfo is None:
            return None
        return value.astimezone(self.tz)

    def to_spec(self) -> dict[str, Any]:
        """The `outage-replay/1` document of this scenario, as stored."""
        from .documents import document_from_parts

        return document_from_parts(
            self,
            services=self.services.all(),
            dependencies=self.dependencies.all(),
            mechanisms=self.mechanisms.all(),
            faults=self.faults.all(),
            interventions=self.interventions.all(),
            milestones=self.milestones.all(),
            knobs=self.knobs.all(),
            presets=self.presets.all(),
        )


class Part(models.Model):
    """A row that belongs to one scenario, kept in document order by `position`."""

    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ("position", "pk")


class Service(Part):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="services")
    key = models.CharField("id", max_length=64)
    name = models.CharField(max_length=TEXT_MAX)
    group = models.CharField(max_length=TEXT_MAX, blank=True)
    description = models.TextField(blank=True)
    illustrative = models.BooleanField(default=False)

    class Meta(Part.Meta):
        constraints = (
            models.UniqueConstraint(fields=["scenario", "key"], name="service_unique_key"),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class DependencyKind(models.TextChoices):
    HARD = "hard", "hard (down ⇒ down)"
    SOFT = "soft", "soft (down ⇒ degraded)"


class Dependency(Part):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="dependencies")
    source = models.CharField("from", max_length=64, help_text="the service that depends")
    target = models.CharField("to", max_length=64, help_text="the service depended on")
    kind = models.CharField(max_length=8, choices=DependencyKind, default=DependencyKind.HARD)
    delay_s = models.PositiveIntegerField("delay (s)", default=0)
    illustrative = models.BooleanField(default=False)
    description = models.TextField(blank=True)

    class Meta(Part.Meta):
        verbose_name_plural = "dependencies"

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class Mechanism(Part):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="mechanisms")
    key = models.CharField("id", max_length=64)
    type = models.CharField(max_length=64)
    services = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"


class Fault(Part):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="faults")
    key = models.CharField("id", max_length=64)
    at_s = models.IntegerField("at")
    type = models.CharField(max_length=64)
    target = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"


class Intervention(Part):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="interventions")
    key = models.CharField("id", max_length=64)
    at_s = models.IntegerField("at", null=True, blank=True, help_text="timed: when it happens")
    when = models.JSONField(
        null=True, blank=True, help_text='conditional: e.g. {"service": "x", "status": "down"}'
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=64)
    label = models.CharField(max_length=TEXT_MAX)
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.label or self.key


class MilestoneKind(models.TextChoices):
    EMERGENT = "emergent", "emergent (the model must produce it)"
    OPERATOR = "operator", "operator action"
    REFERENCE = "reference", "reference only"


class Milestone(Part):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="milestones")
    key = models.CharField("id", max_length=64)
    at_s = models.IntegerField("at")
    label = models.CharField(max_length=TEXT_MAX)
    kind = models.CharField(max_length=10, choices=MilestoneKind, default=MilestoneKind.REFERENCE)
    service = models.CharField(max_length=64, blank=True)
    match = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=TEXT_MAX, blank=True)
    tolerance_s = models.PositiveIntegerField("tolerance (s)", null=True, blank=True)

    def __str__(self) -> str:
        return self.label or self.key


class Knob(Part):
    """A mechanism parameter every viewer may change in the What-if panel (its label,
    unit, bounds and help come from the mechanism's parameter table)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="knobs")
    mechanism = models.CharField(max_length=64, help_text="the mechanism's id")
    param = models.CharField("parameter", max_length=64)

    def __str__(self) -> str:
        return f"{self.mechanism}.{self.param}"


class Preset(Part):
    """A named variant, one click in the What-if panel."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="presets")
    key = models.CharField("id", max_length=64)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    variant = models.JSONField(
        default=dict,
        help_text='{"mechanisms.<id>.params.<name>": value, "interventions.<id>.enabled": false}',
    )

    def __str__(self) -> str:
        return self.name or self.key
