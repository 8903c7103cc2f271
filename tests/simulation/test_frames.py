from __future__ import annotations

from simulation import Simulation, load_file
from simulation.frames import FrameState
from tests.simulation.conftest import MINI


def test_it_streams_chunks_that_rebuild_the_same_frames() -> None:
    spec = load_file(MINI)
    sim = Simulation(spec)
    chunks = list(sim.iter_chunks(keyframe_every=50))
    result = sim.run()
    frames = result.frames
    assert [c["index"] for c in chunks] == list(range(len(chunks)))
    assert chunks[-1]["seq_to"] == len(frames) - 1
    for chunk in chunks:
        assert chunk["keyframe"] == frames[chunk["seq_from"]]
        assert len(chunk["deltas"]) == chunk["seq_to"] - chunk["seq_from"] <= 49
        state = FrameState()
        state.apply(chunk["keyframe"])
        for delta in chunk["deltas"]:
            state.apply(delta)
            full = frames[delta["seq"]]
            assert state.services == full["services"] and state.metrics == full["metrics"]
    assert Simulation(spec).run().digest == result.digest


def test_it_exposes_the_summary_shape() -> None:
    summary = Simulation(load_file(MINI)).run().to_summary()
    assert {"scenario", "seed", "digest", "events", "frames", "milestones", "intervals"} <= set(
        summary
    )
    row = summary["milestones"][0]
    assert {"label", "service", "kind", "real_s", "sim_s", "delta_s"} <= set(row)
