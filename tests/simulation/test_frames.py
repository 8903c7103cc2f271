from __future__ import annotations

from simulation import Simulation, load_file
from simulation.frames import EVERY_FRAMES, FIRST_FRAMES, Chunk, FrameState, StreamDigest
from tests.simulation.conftest import MINI, ROOT

TINY = ROOT / "tests/replays/tiny.json"  # 2001 frames


def test_it_cuts_a_small_first_chunk_then_chunks_of_250_frames() -> None:
    chunks = list(Simulation(load_file(TINY)).iter_chunks())
    sizes = [c.seq_to - c.seq_from + 1 for c in chunks]
    assert sizes == [FIRST_FRAMES] + [EVERY_FRAMES] * 7 + [2001 - FIRST_FRAMES - 7 * 250]
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for before, chunk in zip([None, *chunks], chunks, strict=False):
        assert chunk.seq_from == (before.seq_to + 1 if before else 0)
        assert [d["seq"] for d in chunk.deltas] == list(range(chunk.seq_from + 1, chunk.seq_to + 1))
        assert Chunk.from_dict(chunk.to_dict()) == chunk


def test_its_chunks_rebuild_the_simulations_frames_and_digest() -> None:
    sim = Simulation(load_file(TINY))
    chunks = list(sim.iter_chunks())
    frames = sim.result.frames
    stream = StreamDigest()
    for chunk in chunks:
        assert chunk.keyframe == frames[chunk.seq_from]
        assert (chunk.t_from_ms, chunk.t_to_ms) == (
            frames[chunk.seq_from]["t_ms"],
            frames[chunk.seq_to]["t_ms"],
        )
        state = FrameState()
        state.apply(chunk.keyframe)
        for delta in chunk.deltas:
            state.apply(delta)
            full = frames[delta["seq"]]
            assert state.services == full["services"] and state.metrics == full["metrics"]
        stream.add_chunk(chunk)
    assert stream.frames == len(frames) == 2001
    assert stream.hexdigest() == sim.result.digest == Simulation(load_file(TINY)).run().digest


def test_a_seek_keeps_the_keyframe_and_the_deltas_up_to_its_time() -> None:
    chunk = list(Simulation(load_file(TINY)).iter_chunks())[1]
    t_ms = chunk.deltas[9]["t_ms"]
    seek = chunk.until(t_ms)
    assert seek.keyframe == chunk.keyframe and seek.deltas == chunk.deltas[:10]
    assert chunk.until(chunk.t_from_ms).deltas == []


def test_it_exposes_the_summary_shape() -> None:
    summary = Simulation(load_file(MINI)).run().to_summary()
    assert {"scenario", "seed", "digest", "events", "frames", "milestones", "intervals"} <= set(
        summary
    )
    row = summary["milestones"][0]
    assert {"label", "service", "kind", "real_s", "sim_s", "delta_s"} <= set(row)
