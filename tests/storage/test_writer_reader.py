"""RunWriter -> file -> load_run round trips, views against brute force, failures."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from tinybench_gui.storage import layout
from tinybench_gui.storage.disk import DiskSpaceError
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import (
    AccuracyRecord,
    InferenceRecord,
    OfficialResult,
    Samples,
    TimedWindow,
    TranscriptLine,
)
from tinybench_gui.storage.writer import RunWriter

RATE_HZ = 100_000.0


def _signal(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    square = 0.5e-3 * ((t // 3000) % 2)
    return (1e-3 + square + rng.normal(0, 2e-5, n)).astype(np.float32)


def _write(path: Path, current: np.ndarray, block: int = 7919) -> RunWriter:
    w = RunWriter.create(path, {"plan": {"mode": "energy", "model": "kws01"}, "dut_name": "sim"})
    for i in range(0, current.shape[0], block):
        x = current[i : i + block]
        d = (np.arange(i, i + x.shape[0]) // 1000 % 2).astype(np.uint8)
        w.append_samples(Samples(i, RATE_HZ, {"current_a": x, "digital": d}))
    return w


def test_round_trip_every_table_and_status(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    current = _signal(300_000)
    w = _write(path, current)
    w.add_edges([10, 20], [0, 0], [-1, 1])
    w.add_window(TimedWindow(0, 250, 10.5, 10, 20, 1.5e-3, 1.4e-4, True, "ok"))
    w.add_inference(InferenceRecord(0, 3, 10, 12, 2e-5, 1e-9))
    w.add_accuracy_result(AccuracyRecord("tst_000000_Stop_7.bin", 7, 7, [0.1, 0.9]))
    w.add_accuracy_result(AccuracyRecord("anomaly_id_00_000.bin", -1, -1, (), score=12.5))
    w.add_transcript(TranscriptLine(123.5, "dut", "tx", "infer 250 10%"))
    w.add_time_map(1000.25, 4321)
    w.set_results([OfficialResult("median_energy_per_inference", 6.1, "uJ/inf.", False, "<10 s")])
    w.add_artifact("results.txt", "x ulp-mlperf: Median energy cost is 6.1 uJ/inf.\n")
    w.add_artifact("energy_inf_000.png", b"\x89PNG-bytes")
    w.update_provenance({"dut_banner": "m-name-dut-[sim]"})
    assert w.close(layout.RunState.COMPLETE) == layout.RunState.COMPLETE

    with h5py.File(path, "r") as f:  # closed cleanly: a plain open works
        assert f.attrs["layout_version"] == layout.LAYOUT_VERSION
    with load_run(path) as run:
        assert not run.opened_swmr
        assert run.status.state == layout.RunState.COMPLETE
        assert not run.status.interrupted
        assert run.provenance["dut_banner"] == "m-name-dut-[sim]"
        assert run.provenance["plan"] == {"mode": "energy", "model": "kws01"}
        assert run.mode == "energy"
        assert run.model == "kws01"
        ch = run.channels["current_a"]
        assert (ch.n_samples, ch.units, ch.sample_rate_hz) == (300_000, "A", RATE_HZ)
        assert run.channels["digital"].kind == layout.KIND_DIGITAL
        _, values = run.samples("current_a", 0, 3.0)
        np.testing.assert_array_equal(values, current)
        assert run.table("edges")["polarity"].tolist() == [-1, 1]
        win = run.table("windows")[0]
        assert (win["iterations"], win["note"], bool(win["valid"])) == (250, "ok", True)
        acc = run.table("accuracy")
        assert acc["file"].tolist() == ["tst_000000_Stop_7.bin", "anomaly_id_00_000.bin"]
        assert acc["correct"].tolist() == [True, False]
        np.testing.assert_allclose(acc["results"][0], [0.1, 0.9], rtol=1e-6)
        assert acc["score"][1] == 12.5
        assert run.table("transcript")["line"].tolist() == ["infer 250 10%"]
        assert run.table("time_map")["sample_index"].tolist() == [4321]
        assert run.table("inferences")["inference"].tolist() == [3]
        assert run.results == [
            OfficialResult("median_energy_per_inference", 6.1, "uJ/inf.", False, "<10 s")
        ]
        assert run.artifact("energy_inf_000.png") == b"\x89PNG-bytes"
        assert run.artifact("results.txt").startswith(b"x ulp-mlperf")


@pytest.mark.parametrize(
    ("t0_s", "t1_s", "n_px"),
    [(0.0, 3.0, 800), (0.1234, 0.1301, 640), (1.0, 2.9, 33), (2.99, 3.5, 100), (0.0, 0.01, 2000)],
)
def test_view_matches_brute_force(tmp_path: Path, t0_s: float, t1_s: float, n_px: int) -> None:
    path = tmp_path / "run.h5"
    current = _signal(300_000, seed=3)
    _write(path, current).close("complete")
    with load_run(path) as run:
        view = run.view(t0_s, t1_s, n_px)
    stats = view.channels["current_a"]
    x = current.astype(np.float64)
    # Every column holds whole entries, so its extremes lie within the column widened by
    # one entry on each side, and contain the samples of the column shrunk by one entry.
    spe = 1 if stats.level == 0 else layout.samples_per_entry(stats.level)
    edges = (t0_s + (t1_s - t0_s) * np.arange(n_px + 1) / n_px) * RATE_HZ
    checked = 0
    for k in range(n_px):
        a, b = edges[k], edges[k + 1]
        inner = x[int(np.ceil(a)) + spe : max(int(np.floor(b)) - spe, 0)]
        outer = x[max(int(a) - spe, 0) : int(np.ceil(b)) + spe]
        if inner.size == 0 or np.isnan(stats.min[k]):
            continue
        checked += 1
        assert outer.min() <= stats.min[k] <= inner.min() + 1e-7
        assert inner.max() - 1e-7 <= stats.max[k] <= outer.max()
        assert outer.min() <= stats.mean[k] <= outer.max()
    if t0_s < 3.0 and (t1_s - t0_s) * RATE_HZ / n_px > 3 * spe:
        assert checked > 0
    # Sums match: the mean of the whole range equals the count-weighted column means.
    if stats.level > 0 and t1_s <= 3.0:
        lo, hi = int(t0_s * RATE_HZ), int(t1_s * RATE_HZ)
        ok = ~np.isnan(stats.mean)
        assert np.average(stats.mean[ok]) == pytest.approx(x[lo:hi].mean(), rel=2e-2)


def test_view_level_is_coarse_enough_to_read_few_rows(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    _write(path, _signal(300_000)).close("complete")
    with load_run(path) as run:
        assert run.view(0, 3.0, 100).channels["current_a"].level == 2  # 3000 samples/px
        assert run.view(0, 3.0, 2000).channels["current_a"].level == 1  # 150 samples/px
        assert run.view(0, 0.01, 2000).channels["current_a"].level == 0
        dig = run.view(0, 0.02, 2)
        # Line 0 toggles every 1000 samples: both columns saw it low and high.
        assert dig.channels["digital"].min.tolist() == [0.0, 0.0]
        assert dig.channels["digital"].max.tolist() == [1.0, 1.0]


def test_gap_is_recorded_and_shown_as_nan(tmp_path: Path) -> None:
    path = tmp_path / "gap.h5"
    w = RunWriter.create(path, {})
    w.append_samples(Samples(0, 1000.0, {"current_a": np.ones(5000, np.float32)}))
    w.append_samples(Samples(8000, 1000.0, {"current_a": np.ones(2000, np.float32)}))
    w.close("complete")
    with load_run(path) as run:
        gaps = run.table("gaps")
        assert gaps["sample_index"].tolist() == [5000]
        assert gaps["missing_samples"].tolist() == [3000]
        assert run.channels["current_a"].n_samples == 10_000
        v = run.view(0, 10.0, 10).channels["current_a"]
        assert np.isnan(v.mean[6:8]).all()  # column 5 holds the entry straddling 5000
        assert v.mean[0] == 1.0
        assert v.mean[9] == 1.0
        raw = run.view(4.99, 5.01, 20).channels["current_a"]  # 1 sample per column
        assert raw.level == 0
        assert raw.mean[:10].tolist() == [1.0] * 10
        assert np.isnan(raw.mean[10:]).all()
        assert np.isnan(raw.max[10:]).all()


def test_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="never overwrites"):
        RunWriter.create(path, {})
    assert path.read_bytes() == b"precious"


def test_refuses_to_start_without_free_disk(tmp_path: Path) -> None:
    with pytest.raises(DiskSpaceError, match="free"):
        RunWriter.create(tmp_path / "run.h5", {}, disk_free=lambda _p: 10 * 1024**2)
    assert not (tmp_path / "run.h5").exists()


def test_disk_running_out_stops_recording_and_marks_failed(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    free = [10 * 1024**3]
    failures: list[str] = []
    w = RunWriter.create(path, {}, disk_free=lambda _p: free[0], on_failure=failures.append)
    w.append_samples(Samples(0, 1000.0, {"current_a": np.ones(1000, np.float32)}))
    w.flush()
    free[0] = 1024**2  # the disk fills up
    deadline = time.monotonic() + 20
    while w.failure is None and time.monotonic() < deadline:
        w.append_samples(Samples(1000, 1000.0, {"current_a": np.ones(10, np.float32)}))
        time.sleep(0.1)
    assert w.failure is not None
    assert "disk almost full" in w.failure
    assert failures == [w.failure]
    w.append_samples(Samples(5000, 1000.0, {"current_a": np.ones(1000, np.float32)}))
    assert w.close("complete") == layout.RunState.FAILED
    with load_run(path) as run:
        assert run.status.state == layout.RunState.FAILED
        assert "disk almost full" in run.status.reason
        assert 1000 <= run.channels["current_a"].n_samples < 5000


def test_backlog_drops_blocks_and_records_why(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    w = RunWriter.create(path, {}, max_backlog_bytes=4000)
    w.append_samples(Samples(0, 1000.0, {"current_a": np.ones(900, np.float32)}))
    w.append_samples(Samples(900, 1000.0, {"current_a": np.ones(900, np.float32)}))  # > 4000 B
    w.flush()
    w.append_samples(Samples(1800, 1000.0, {"current_a": np.ones(100, np.float32)}))
    w.close("complete")
    assert w.stats.dropped_samples == 900
    with load_run(path) as run:
        gaps = run.table("gaps")
        assert gaps["missing_samples"].tolist() == [900]
        assert "backlog" in gaps["reason"][0]


def test_calls_from_many_threads_all_land(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    w = RunWriter.create(path, {})

    def talk(source: str) -> None:
        for i in range(200):
            w.add_transcript(TranscriptLine(float(i), source, "rx", f"{source} {i}"))

    threads = [threading.Thread(target=talk, args=(s,)) for s in ("dut", "io", "emon")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    w.close("cancelled", "stopped by the user")
    with load_run(path) as run:
        lines = run.table("transcript")
        assert len(lines) == 600
        for s in ("dut", "io", "emon"):
            mine = [str(x) for x in lines["line"] if str(x).startswith(s)]
            assert mine == [f"{s} {i}" for i in range(200)]
        assert run.status.state == layout.RunState.CANCELLED
        assert run.status.reason == "stopped by the user"


def test_closed_writer_refuses_more_calls(tmp_path: Path) -> None:
    w = RunWriter.create(tmp_path / "run.h5", {})
    w.close("complete")
    assert w.close("failed") == layout.RunState.COMPLETE
    with pytest.raises(RuntimeError, match="closed"):
        w.add_time_map(1.0, 2)


def test_sample_rate_change_fails_the_recording_with_why(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    w = RunWriter.create(path, {})
    w.append_samples(Samples(0, 1000.0, {"current_a": np.ones(100, np.float32)}))
    w.append_samples(Samples(100, 2000.0, {"current_a": np.ones(100, np.float32)}))
    assert w.close("complete") == layout.RunState.FAILED
    with load_run(path) as run:
        assert "changed its sample rate" in run.status.reason
        assert run.channels["current_a"].n_samples == 100


def test_caller_may_reuse_its_buffer_at_once(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    w = RunWriter.create(path, {})
    buf = np.zeros(1000, np.float32)
    for k in range(5):
        buf[:] = k  # a ring-buffer style producer overwrites the same array
        w.append_samples(Samples(k * 1000, 1000.0, {"current_a": buf}))
    w.close("complete")
    with load_run(path) as run:
        _, values = run.samples("current_a", 0, 5.0)
    np.testing.assert_array_equal(values, np.repeat(np.arange(5, dtype=np.float32), 1000))


def test_snapped_views_do_not_jitter_while_scrolling(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    _write(path, _signal(300_000, seed=5)).close("complete")
    with load_run(path) as run:
        a = run.view(0.5, 1.5, 400, ["current_a"], snap=True)
        b = run.view(0.5 + 0.0123, 1.5 + 0.0123, 400, ["current_a"], snap=True)
    assert a.t0_s == pytest.approx(0.5)
    shift = round((b.t0_s - a.t0_s) / 0.0025)  # whole columns
    assert b.t0_s == pytest.approx(a.t0_s + shift * 0.0025)
    sa, sb = a.channels["current_a"], b.channels["current_a"]
    # The same column of the global grid has the same peaks in both views.
    np.testing.assert_array_equal(sa.max[shift:], sb.max[: 400 - shift])
    np.testing.assert_array_equal(sa.min[shift:], sb.min[: 400 - shift])


def test_idle_writer_keeps_the_heartbeat_fresh(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    w = RunWriter.create(path, {})
    try:
        w.flush()
        first = w.stats.last_flush_unix_s
        time.sleep(2.6)  # no data at all, as during a long inference
        assert w.stats.last_flush_unix_s > first + 1.5
    finally:
        w.close("complete")
