"""Runs and their stored frames.

A `Run` freezes everything its frames depend on (the variant-applied scenario document
and the seed), so a link to it replays identically after the scenario is edited or
deleted. Its frames live in a `FrameStream`, shared by every run with the same spec
digest, seed and simulation code (content-addressed: the simulation is deterministic,
so those three fix every frame), as `StreamChunk` rows: a keyframe (full state) and the
deltas after it, stored as the zlib bytes a `?compress=deflate` viewer is sent. The rows
are the truth; the channel layer only announces them. A run shows the stream's chunks up
to its own `stored_seq_to`.

    queued ──► running ──► done
       │          ├──────► failed      (simulation error, time limit, too many attempts)
       └──────────┴──────► cancelled   (POST /api/runs/<id>/cancel)

An unfinished run always carries a lease (`lease_expires_at`): the grace a queued run
has to be picked up, then the heartbeat of the attempt computing it. A run whose lease
lapsed is stalled: it is never handed out as "identical", and the reaper sends it to a
worker again.
"""

from __future__ import annotations

import json
import uuid
import zlib

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
    # PROTECT: a stream is deleted only once no run uses it (services.streams_prune).
    # Set when the run is created (or, at the latest, when its worker starts it).
    stream = models.ForeignKey(
        "FrameStream", null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of last attempt")
    # The lease of the attempt computing the run: its worker renews it while it lives;
    # once it lapses the reaper hands the run to another worker (see `housekeeping`).
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
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
        return self.group_for(self.id)

    @staticmethod
    def group_for(run_id: uuid.UUID) -> str:
        """The channel-layer group a run's viewers are in."""
        return f"run.{run_id.hex}"


class FrameStream(models.Model):
    """The frames of (spec digest, seed, simulation code), computed once, shared by runs.

    `code` is `simulation.code_digest()` when the stream was started (a changed model
    computes a new stream instead of replaying old frames); streams migrated from before
    sharing have `legacy:` codes. `frame_digest` and `summary` are set when the stream is
    complete; a run of a complete stream adopts them without computing anything.
    """

    spec_digest = models.CharField(max_length=64)
    seed = models.BigIntegerField()
    code = models.CharField(max_length=80)
    frame_digest = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["spec_digest", "seed", "code"], name="framestream_unique_key"
            ),
        )

    def __str__(self) -> str:
        return f"stream {self.spec_digest[:12]} seed {self.seed}"

    @property
    def is_complete(self) -> bool:
        return bool(self.frame_digest)


class StreamChunk(models.Model):
    """Frames `seq_from`…`seq_to` of a stream: `body` is zlib of the chunk's JSON object
    (`Chunk.to_dict()`), exactly the bytes a `?compress=deflate` viewer is sent."""

    stream = models.ForeignKey(FrameStream, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    seq_from = models.PositiveIntegerField()
    seq_to = models.PositiveIntegerField()
    t_from_ms = models.BigIntegerField()
    t_to_ms = models.BigIntegerField()
    body = models.BinaryField()
    digest = models.CharField(max_length=64, help_text="sha256 of the chunk's JSON")

    class Meta:
        ordering = ("stream", "index")
        constraints = (
            models.UniqueConstraint(fields=["stream", "index"], name="streamchunk_unique_index"),
        )
        indexes = (
            models.Index(fields=["stream", "seq_to"], name="streamchunk_seq_to"),
            models.Index(fields=["stream", "t_from_ms"], name="streamchunk_t_from"),
        )

    def __str__(self) -> str:
        return f"chunk {self.index} ({self.seq_from}–{self.seq_to})"

    def as_chunk(self) -> Chunk:
        return Chunk.from_dict(json.loads(zlib.decompress(self.body)))


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


class VerificationStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RunVerification(models.Model):
    """One "Verify": the run recomputed in a worker from its frozen document and seed."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="verifications")
    status = models.CharField(
        max_length=10, choices=VerificationStatus, default=VerificationStatus.QUEUED
    )
    expected = models.CharField(max_length=64, help_text="the run's stored frame digest")
    digest = models.CharField(max_length=64, blank=True, help_text="the recomputed one")
    matches = models.BooleanField(null=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"verification of {self.run_id} ({self.status})"


class Exploration(models.Model):
    """One race exploration (race.py), keyed by its configuration; computed once."""

    key = models.CharField(max_length=32, unique=True)
    config = models.JSONField()
    status = models.CharField(max_length=10, default="pending")  # pending | done | failed
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"exploration {self.key} ({self.status})"
