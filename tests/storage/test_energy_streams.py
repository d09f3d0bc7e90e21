"""The energy streams' own types go straight into the writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.writer import RunWriter
from tinybench_gui.streams.blocks import MonitorEvent, SampleBlock
from tinybench_gui.streams.edges import EdgeDetector


def test_sample_blocks_events_and_edges_from_the_streams(tmp_path: Path) -> None:
    path = tmp_path / "energy.h5"
    writer = RunWriter.create(path, {"plan": {"mode": "energy"}})
    detector = EdgeDetector([0], idle_levels=[1])
    n = 10_000
    for k in range(4):
        first = k * n + (500 if k == 3 else 0)  # the instrument lost 500 samples
        digital = np.ones(n, np.uint8)
        digital[2000:2100] = 0  # a timestamp pulse in every block
        block = SampleBlock(
            first_sample_index=first,
            sample_rate_hz=100_000.0,
            current_a=np.full(n, 1e-3 * (k + 1), np.float32),
            voltage_v=np.full(n, 1.8, np.float32),
            digital=digital,
            events=(MonitorEvent(first, "info", f"block {k}"),),
            dropped_before=500 if k == 3 else 0,
        )
        writer.append_samples(block)
        writer.add_edge_records(detector.feed(first, digital))
    writer.close("complete")
    with load_run(path) as run:
        assert set(run.channels) == {"current_a", "voltage_v", "digital"}
        assert run.channels["current_a"].n_samples == 4 * n + 500
        edges = run.table("edges")
        assert edges["sample_index"][:2].tolist() == [2000, 2100]
        assert edges["polarity"][:2].tolist() == [-1, 1]
        assert len(edges) == 8
        assert run.table("monitor_events")["text"].tolist() == [f"block {k}" for k in range(4)]
        gaps = run.table("gaps")
        assert gaps["sample_index"].tolist() == [3 * n]
        assert gaps["missing_samples"].tolist() == [500]
        _, current = run.samples("current_a", 0.3, 0.3049)
        assert np.isnan(current).all()
