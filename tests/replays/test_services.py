"""Services in-process: execute, resume, rewrite, bound attempts, fail, create."""

from __future__ import annotations

from typing import Any

import pytest

from outage_replay.replays import selectors, services
from outage_replay.replays.models import FrameStream, Run, StreamChunk
from outage_replay.replays.services import RunRequestError
from simulation.frames import StreamDigest

from .conftest import make_scenario

pytestmark = pytest.mark.django_db


def clean_digest(run: Run) -> str:
    from simulation import Simulation, parse_document

    return Simulation(parse_document(run.spec), run.seed).run().digest


def chunks_of(run: Run) -> Any:
    return StreamChunk.objects.filter(stream_id=run.stream_id).order_by("index")


def stored_digest(run: Run) -> str:
    stream = StreamDigest()
    for chunk in chunks_of(run):
        stream.add_chunk(chunk.as_chunk())
    return stream.hexdigest()


def executed(scenario: Any, **kwargs: Any) -> Run:
    run, _ = services.run_create(scenario=scenario, fresh=True, **kwargs)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    return run


def test_it_stores_keyframed_chunks_and_the_clean_digest(scenario):
    run = executed(scenario)
    assert run.status == "done" and run.progress == 1.0 and run.attempts == 1
    chunks = list(chunks_of(run))
    assert [c.index for c in chunks] == list(range(9)) and run.frames_total == 2001
    for before, chunk in zip([None, *chunks], chunks, strict=False):
        frames = chunk.as_chunk()
        assert frames.keyframe["seq"] == chunk.seq_from and len(frames.deltas) < 250
        assert frames.head() == {n: getattr(chunk, n) for n in frames.head()}
        assert chunk.seq_from == (before.seq_to + 1 if before else 0)
    assert run.frame_digest == clean_digest(run) == stored_digest(run)
    assert set(run.summary) == {"intervals", "milestones", "sustained"}


def test_it_resumes_a_run_interrupted_halfway_to_the_same_frames(scenario):
    run = executed(scenario)
    clean = {c.index: c.digest for c in chunks_of(run)}
    chunks_of(run).filter(index__gte=4).delete()
    Run.objects.filter(pk=run.pk).update(status="running", frame_digest="", stored_seq_to=999)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 2
    assert {c.index: c.digest for c in chunks_of(run)} == clean
    assert run.frame_digest == clean_digest(run) == stored_digest(run)


def test_it_rewrites_a_stored_chunk_that_differs(scenario):
    run = executed(scenario)
    chunk = chunks_of(run).get(index=2)
    good = chunk.as_chunk()
    chunks_of(run).filter(pk=chunk.pk).update(body=chunks_of(run)[1].body, digest="tampered")
    Run.objects.filter(pk=run.pk).update(status="running")  # redelivered before it finished
    FrameStream.objects.filter(pk=run.stream_id).update(frame_digest="")
    services.run_execute(run_id=str(run.id))
    assert chunks_of(run).get(index=2).as_chunk() == good
    assert stored_digest(run) == run.frame_digest


def test_it_gives_up_after_the_maximum_number_of_attempts(scenario, settings):
    run, _ = services.run_create(scenario=scenario)
    Run.objects.filter(pk=run.pk).update(status="running", attempts=settings.RUN_MAX_ATTEMPTS)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    assert run.status == "failed" and run.error.startswith("Gave up after 3 attempts")
    assert not chunks_of(run).exists()


def test_it_fails_a_simulation_that_crashes_midway_and_never_shows_it_done(scenario, monkeypatch):
    from simulation import Simulation

    real = Simulation.iter_chunks

    def crashing(self: Any, should_stop: Any = None) -> Any:
        chunks = real(self)
        for _ in range(2):
            yield next(chunks)
        raise ZeroDivisionError("division by zero in a model")

    monkeypatch.setattr(Simulation, "iter_chunks", crashing)  # the engine is not ours
    run = executed(scenario)
    assert run.status == "failed" and run.frame_digest == ""
    assert run.error == (
        "The simulation stopped with an error: ZeroDivisionError: division by zero in a model"
    )
    assert chunks_of(run).count() == 2


def test_it_does_nothing_for_a_cancelled_run(scenario):
    run, _ = services.run_create(scenario=scenario)
    services.run_cancel(run=run)
    services.run_execute(run_id=str(run.id))
    run.refresh_from_db()
    assert run.status == "cancelled" and run.attempts == 0
    assert not chunks_of(run).exists()


def test_it_reuses_an_identical_finished_run_unless_fresh(scenario):
    done = executed(scenario)
    again, created = services.run_create(scenario=scenario)
    assert (again.pk, created) == (done.pk, False)
    other_seed, created = services.run_create(scenario=scenario, seed=8)
    assert created and other_seed.pk != done.pk
    fresh, created = services.run_create(scenario=scenario, fresh=True)
    assert created and fresh.pk not in {done.pk, other_seed.pk}


def test_it_does_not_reuse_a_run_of_an_older_scenario_version(scenario):
    from outage_replay.scenarios.services import scenario_bump_version

    done = executed(scenario)
    scenario_bump_version(scenario=scenario)
    run, created = services.run_create(scenario=scenario)
    assert created and run.pk != done.pk and run.scenario_version == done.scenario_version + 1


def test_it_freezes_the_variant_into_the_spec():
    scenario = make_scenario()
    variant = {"mechanisms.queue.params.service_rate_per_s": 3.0}
    run, _ = services.run_create(scenario=scenario, variant=variant)
    assert run.spec["mechanisms"][0]["params"]["service_rate_per_s"] == 3.0
    assert run.variant == variant and run.spec_digest


@pytest.mark.parametrize(
    "variant",
    [
        {"mechanisms.queue.params.service_rate_per_s": -1},
        {"mechanisms.nope.params.x": 1},
        {"nonsense": 1},
    ],
)
def test_it_refuses_a_bad_variant_naming_the_field(variant):
    path = next(iter(variant))
    with pytest.raises(RunRequestError) as refused:
        services.run_create(scenario=make_scenario(), variant=variant)
    assert refused.value.field == f"variant.{path}"
    with pytest.raises(RunRequestError) as refused:
        services.run_create(scenario=make_scenario(slug="tiny-2"), variant=variant, public=False)
    assert refused.value.field.startswith("variant") and str(refused.value).startswith("variant")


def test_it_lets_the_public_change_only_what_the_scenario_exposes():
    scenario = make_scenario()
    for path, value in [
        ("title", "Pwned"),
        ("duration_s", 10),
        ("frame_interval_s", 1),
        ("services.api.name", "x"),
        ("mechanisms.queue.params.arrival_per_s", 9.0),  # not a knob
        ("interventions.more.label", "x"),
    ]:
        with pytest.raises(RunRequestError) as refused:
            services.run_create(scenario=scenario, variant={path: value})
        assert refused.value.field == f"variant.{path}"
        assert "not changeable" in refused.value.message
    with pytest.raises(RunRequestError) as refused:
        services.run_create(scenario=scenario, variant={"interventions.more.at_s": 10**9})
    assert str(refused.value).startswith("variant.interventions.more.at_s: must be ≤ ")
    run, _ = services.run_create(
        scenario=scenario,
        variant={"interventions.more.enabled": False, "interventions.more.at_s": 60},
    )
    assert run.variant == {"interventions.more.enabled": False, "interventions.more.at_s": 60}
    staff, _ = services.run_create(scenario=scenario, variant={"title": "Ours"}, public=False)
    assert staff.spec["title"] == "Ours"


def test_it_drops_public_variant_entries_that_change_nothing(scenario):
    same = {"interventions.more.enabled": True, "mechanisms.queue.params.service_rate_per_s": 2}
    base, _ = services.run_create(scenario=scenario)
    run, created = services.run_create(scenario=scenario, variant=same)
    assert run.pk == base.pk and not created and run.variant == {}


def test_two_identical_runs_share_their_stored_frames(scenario, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from simulation import Simulation

    first = executed(scenario)
    rows = StreamChunk.objects.count()
    monkeypatch.setattr(Simulation, "iter_chunks", None)  # the second one must not compute
    with CaptureQueriesContext(connection) as queries:
        second = executed(scenario)
    monkeypatch.undo()
    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not [sql for sql in writes if "streamchunk" in sql]
    assert second.pk != first.pk and second.stream_id == first.stream_id
    assert StreamChunk.objects.count() == rows == 9
    assert second.status == "done" and second.stored_seq_to == first.stored_seq_to == 2000
    assert second.frame_digest == first.frame_digest == stored_digest(second)
    assert second.summary == first.summary
    other_seed = executed(scenario, seed=8)
    assert other_seed.stream_id != first.stream_id and StreamChunk.objects.count() == 18


def test_a_run_of_a_stream_another_run_stopped_halfway_completes_it(scenario):
    stopped, _ = services.run_create(scenario=scenario)
    services.run_execute(run_id=str(stopped.id))
    chunks_of(stopped).filter(index__gte=4).delete()
    FrameStream.objects.filter(pk=stopped.stream_id).update(frame_digest="")
    Run.objects.filter(pk=stopped.pk).update(status="cancelled", stored_seq_to=774)  # chunk 3
    again = executed(scenario)
    assert again.stream_id == stopped.stream_id and again.stored_seq_to == 2000
    assert again.frame_digest == clean_digest(again) == stored_digest(again)
    stopped.refresh_from_db()
    shown = selectors.chunk_heads_after(run_id=stopped.id, after_seq=-1)
    assert [h[0] for h in shown] == [0, 1, 2, 3]  # a run shows only what it stored itself


def test_deleting_runs_keeps_a_stream_another_run_still_uses(scenario):
    first, second = executed(scenario), executed(scenario)
    assert services.runs_delete(Run.objects.filter(pk=first.pk)) == 1
    assert FrameStream.objects.filter(pk=second.stream_id).exists()
    assert chunks_of(second).count() == 9
    assert services.runs_delete(Run.objects.filter(pk=second.pk)) == 1
    assert not FrameStream.objects.exists() and not StreamChunk.objects.exists()


def test_a_join_reads_one_small_row_without_the_spec(scenario, django_assert_num_queries):
    run = executed(scenario)
    with django_assert_num_queries(1) as queries:
        row = selectors.run_row_visible(run_id=run.id, user=None)
    assert row["stored_seq_to"] == 2000 and row["stream_id"] == run.stream_id
    assert '"spec"' not in queries.captured_queries[0]["sql"]
    hidden = make_scenario(slug="hidden", visibility="draft")
    draft_run, _ = services.run_create(scenario=hidden)
    assert selectors.run_row_visible(run_id=draft_run.id, user=None) is None
    assert selectors.run_row_visible(run_id="not-a-uuid", user=None) is None
