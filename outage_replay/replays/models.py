"""Runs and their stored frames.

A `Run` freezes everything its frames depend on (the variant-applied scenario document
and the seed), so a link to it replays identically after the scenario is edited or
deleted. Its frames live in `RunChunk` rows: a keyframe (full state) followed by the
deltas after it. The rows are the truth; the channel layer only announces them.

    queued ──► running ──► done
       │          ├──────► failed      (simulation error, time limit, too many attempts)
       └──────────┴──────► cancelled   (POST /api/runs/<id>/cancel)
"""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse

from simulation.frames import Chunk


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = frozenset({RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED})


class Run(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SET_NULL: deleting a scenario never changes (or deletes) a run someone linked to.
    scenario = models.ForeignKey(
        "scenarios.Scenario", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    scenario_slug = models.CharField(max_length=100)
    scenario_version = models.PositiveIntegerField()
    spec = models.JSONField(help_text="the frozen outage-replay/1 document, variant applied")
    spec_digest = models.CharField(max_length=64)
    seed = models.BigIntegerField()
    variant = models.JSONField(default=dict, blank=True)
    # sha256 of the canonical variant: equal requests are found with a plain index.
    variant_digest = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=RunStatus, default=RunStatus.QUEUED, db_index=True
    )
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    frames_total = models.PositiveIntegerField(help_text="frames the finished run will hold")
    stored_seq_to = models.IntegerField(default=-1, help_text="last frame stored (-1: none)")
    frame_digest = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of last attempt")
    owner_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = (
            models.Index(
                fields=["scenario", "scenario_version", "seed", "variant_digest", "status"],
                name="run_identical_request",
            ),
        )

    def __str__(self) -> str:
        return f"{self.scenario_slug} seed {self.seed} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def duration_ms(self) -> int:
        return int(self.spec.get("duration_s", 0)) * 1000

    def get_absolute_url(self) -> str:
        return reverse("replays:replay", kwargs={"run_id": self.id})

    @property
    def ws_path(self) -> str:
        return f"/ws/runs/{self.id}/"

    @property
    def group_name(self) -> str:
        return f"run.{self.id.hex}"


class RunChunk(models.Model):
    """A keyframe and the deltas after it: frames `seq_from`…`seq_to` of one run."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    seq_from = models.PositiveIntegerField()
    seq_to = models.PositiveIntegerField()
    t_from_ms = models.BigIntegerField()
    t_to_ms = models.BigIntegerField()
    keyframe = models.JSONField()
    deltas = models.JSONField(default=list)
    digest = models.CharField(max_length=64, help_text="sha256 of the canonical chunk")

    class Meta:
        ordering = ("run", "index")
        constraints = (
            models.UniqueConstraint(fields=["run", "index"], name="runchunk_unique_index"),
        )
        indexes = (models.Index(fields=["run", "seq_to"], name="runchunk_seq_to"),)

    def __str__(self) -> str:
        return f"chunk {self.index} ({self.seq_from}–{self.seq_to})"

    def as_chunk(self) -> Chunk:
        return Chunk(index=self.index, keyframe=self.keyframe, deltas=self.deltas)


class Comparison(models.Model):
    """The diff of two runs (`simulation.compare.diff_runs`), computed once per ordered
    pair when both are done, and stored: every viewer of /compare/<a>/<b>/ reads this."""

    run_a = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="+")
    run_b = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="+")
    diff = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["run_a", "run_b"], name="comparison_unique_pair"),
        )

    def __str__(self) -> str:
        return f"{self.run_a_id} vs {self.run_b_id}"
