"""Frames move from per-run JSON rows (`RunChunk`) to shared, compressed frame streams.

Existing runs keep their frames: each run's chunks are re-encoded as the zlib bytes of
the chunk's JSON object (the same encoding as `wire.EncodedChunk`, spelled out here so
this migration does not change when the code does). Finished runs with the same spec
digest, seed and frame digest share one stream (their frames are proven identical);
every other run gets a stream of its own. The streams get `legacy:` codes, so no new
run shares them (the code that computed them is unknown).
"""

import hashlib
import json
import zlib

import django.db.models.deletion
from django.db import migrations, models

HEAD = ("index", "seq_from", "seq_to", "t_from_ms", "t_to_ms")


def _body(chunk):
    data = {name: getattr(chunk, name) for name in HEAD}
    data["keyframe"], data["deltas"] = chunk.keyframe, chunk.deltas
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode(), 9), hashlib.sha256(text.encode()).hexdigest()


def to_streams(apps, schema_editor):
    Run = apps.get_model("replays", "Run")
    RunChunk = apps.get_model("replays", "RunChunk")
    FrameStream = apps.get_model("replays", "FrameStream")
    StreamChunk = apps.get_model("replays", "StreamChunk")
    for run in Run.objects.order_by("created_at").iterator():
        shared = run.status == "done" and run.frame_digest
        code = f"legacy:{run.frame_digest}" if shared else f"legacy:run:{run.pk}"
        stream, created = FrameStream.objects.get_or_create(
            spec_digest=run.spec_digest,
            seed=run.seed,
            code=code,
            defaults={
                "frame_digest": run.frame_digest if shared else "",
                "summary": run.summary if shared else {},
            },
        )
        Run.objects.filter(pk=run.pk).update(stream=stream)
        if not created:
            continue  # an identical finished run brought these frames already
        for chunk in RunChunk.objects.filter(run_id=run.pk).order_by("index").iterator():
            body, digest = _body(chunk)
            StreamChunk.objects.create(
                stream=stream,
                **{name: getattr(chunk, name) for name in HEAD},
                body=body,
                digest=digest,
            )


def to_run_chunks(apps, schema_editor):
    Run = apps.get_model("replays", "Run")
    RunChunk = apps.get_model("replays", "RunChunk")
    StreamChunk = apps.get_model("replays", "StreamChunk")
    for run in Run.objects.exclude(stream=None).iterator():
        for chunk in StreamChunk.objects.filter(stream_id=run.stream_id, seq_to__lte=run.stored_seq_to):
            data = json.loads(zlib.decompress(chunk.body))
            RunChunk.objects.create(
                run=run,
                **{name: data[name] for name in HEAD},
                keyframe=data["keyframe"],
                deltas=data["deltas"],
                digest=chunk.digest,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("replays", "0002_comparison"),
    ]

    operations = [
        migrations.CreateModel(
            name="FrameStream",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("spec_digest", models.CharField(max_length=64)),
                ("seed", models.BigIntegerField()),
                ("code", models.CharField(max_length=80)),
                ("frame_digest", models.CharField(blank=True, max_length=64)),
                ("summary", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("spec_digest", "seed", "code"), name="framestream_unique_key")
                ],
            },
        ),
        migrations.CreateModel(
            name="StreamChunk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("index", models.PositiveIntegerField()),
                ("seq_from", models.PositiveIntegerField()),
                ("seq_to", models.PositiveIntegerField()),
                ("t_from_ms", models.BigIntegerField()),
                ("t_to_ms", models.BigIntegerField()),
                ("body", models.BinaryField()),
                ("digest", models.CharField(help_text="sha256 of the chunk's JSON", max_length=64)),
                (
                    "stream",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="chunks", to="replays.framestream"
                    ),
                ),
            ],
            options={
                "ordering": ("stream", "index"),
                "indexes": [
                    models.Index(fields=["stream", "seq_to"], name="streamchunk_seq_to"),
                    models.Index(fields=["stream", "t_from_ms"], name="streamchunk_t_from"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("stream", "index"), name="streamchunk_unique_index")
                ],
            },
        ),
        migrations.AddField(
            model_name="run",
            name="stream",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="runs",
                to="replays.framestream",
            ),
        ),
        migrations.RunPython(to_streams, to_run_chunks),
        migrations.DeleteModel(name="RunChunk"),
    ]
