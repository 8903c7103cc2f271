"""The stored cut: a small first chunk, then 250 frames, carrying the exact frames."""

from __future__ import annotations

import json
from pathlib import Path

from outage_replay.replays.chunking import EVERY_FRAMES, FIRST_FRAMES, regroup
from outage_replay.replays.digests import FrameStreamDigest

TINY = json.loads((Path(__file__).parent / "tiny.json").read_text())


def simulation(doc: dict):
    from simulation import Simulation, parse_document

    return Simulation(parse_document(doc), None)


def test_it_cuts_a_small_first_chunk_then_chunks_of_250_frames():
    chunks = list(regroup(simulation(TINY).iter_chunks(FIRST_FRAMES)))
    sizes = [c["seq_to"] - c["seq_from"] + 1 for c in chunks]
    assert sizes == [FIRST_FRAMES] + [EVERY_FRAMES] * 7 + [2001 - FIRST_FRAMES - 7 * 250]
    assert [c["index"] for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk["keyframe"]["seq"] == chunk["seq_from"]
        assert [d["seq"] for d in chunk["deltas"]] == list(
            range(chunk["seq_from"] + 1, chunk["seq_to"] + 1)
        )


def test_it_carries_exactly_the_simulations_frames():
    sim = simulation(TINY)
    stream = FrameStreamDigest()
    for chunk in regroup(sim.iter_chunks(FIRST_FRAMES)):
        stream.add_chunk(chunk)
    assert stream.frames == 2001
    assert stream.hexdigest() == sim.result.digest == simulation(TINY).run().digest


def test_it_keeps_full_keyframes_equal_to_the_replayed_state():
    chunks = list(regroup(simulation(TINY).iter_chunks(FIRST_FRAMES)))
    state = {"services": {}, "metrics": {}}
    for chunk in chunks:
        if chunk["index"]:
            assert chunk["keyframe"]["services"] == state["services"] | {
                k: v for k, v in chunk["keyframe"]["services"].items()
            }
        state["services"] = dict(chunk["keyframe"]["services"])
        state["metrics"] = dict(chunk["keyframe"]["metrics"])
        for delta in chunk["deltas"]:
            state["services"].update(delta["services"])
            state["metrics"].update(delta["metrics"])
