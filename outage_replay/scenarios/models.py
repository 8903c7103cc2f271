"""Scenarios as rows: one `Scenario` and its parts, mirroring the `outage-replay/1` format.

The fields that hold the document (the scenario's and every part's) are generated from
simulation's field tables by `model_fields`; only what the document does not carry
(visibility, version, …) is declared here.

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

from . import model_fields


def new_secret_key() -> str:
    return secrets.token_urlsafe(16)


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public (listed in the gallery)"
    UNLISTED = "unlisted", "Unlisted (reachable with the secret key)"
    DRAFT = "draft", "Draft (staff only)"


class Scenario(model_fields.DocumentFields):
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
            self, **{key: getattr(self, key).all() for key in model_fields.PART_KEYS}
        )


Part = model_fields.Part
# One model per list of rows in the document, generated from simulation's field tables.
PART_MODELS: dict[str, type[models.Model]] = model_fields.part_models(
    Scenario,
    __name__,
    meta={
        "services": {
            "constraints": (
                models.UniqueConstraint(fields=["scenario", "key"], name="service_unique_key"),
            )
        }
    },
)
Service = PART_MODELS["services"]
Dependency = PART_MODELS["dependencies"]
Mechanism = PART_MODELS["mechanisms"]
Fault = PART_MODELS["faults"]
Intervention = PART_MODELS["interventions"]
Milestone = PART_MODELS["milestones"]
Knob = PART_MODELS["knobs"]
Preset = PART_MODELS["presets"]
