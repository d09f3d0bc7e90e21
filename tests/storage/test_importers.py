"""Importing MLCommons runner sessions and EEMBC EnergyRunner traces."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tinybench_gui.cli.main import main
from tinybench_gui.storage.importers import RunImportError, import_run
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.submission import export_submission, lint_tree

PERF_TXT = (
    "Performance results for window 1:\n"
    "0726.010109 ulp-mlperf: Median throughput is     23.016 inf./sec.\n"
)


def _mlc_session(folder: Path, mode: str) -> Path:
    folder.mkdir(parents=True)
    letter = mode[0]
    records = []
    for k in range(5):
        rec: dict[str, object] = {
            "file": f"tst_00000{k}_Stop_7.bin",
            "classes": "12",
            "class": "7",
            "bytes_to_send": None,
            "stride": None,
            "total_length": None,
            "infer": {
                "start_time": 114879046,
                "end_time": 125741088,
                "results": [0.0] * 7 + [1.0] + [0.0] * 4,
                "elapsed_time": 10862042,
                "total_inferences": 1,
                "iterations": 250,
                "warmups": 1,
                "throughput": 23.0159,
            },
            "mode": letter,
        }
        if mode == "energy":
            samples = [1e-6] * 12_000  # 1 mW for 12 s at 1 kHz
            rec["power"] = {
                "samples": samples,
                "timestamps": [[0, 100], [1, 500], [2, 11_500]],
                "extracted_power": None,
                "voltage": 1.8,
            }
        records.append(rec)
    (folder / "results.json").write_text(json.dumps(records))
    (folder / "log.txt").write_text("[dut]: m-model-[kws01]\nsome line\n")
    if mode == "energy":
        (folder / "results.txt").write_text("Median energy cost is 44.0000 uJ/inf.\n")
        (folder / "energy_inf_000.png").write_bytes(b"\x89PNG fake")
    elif mode == "performance":
        (folder / "results.txt").write_text(PERF_TXT)
    else:
        (folder / "results.txt").write_text("0726.010109 ulp-mlperf: Top 1% = 100.0\n")
    return folder


def test_mlcommons_performance_session(tmp_path: Path) -> None:
    src = _mlc_session(tmp_path / "sessions" / "20250726_010109", "performance")
    out = import_run(src, tmp_path / "perf.h5")
    with load_run(out) as run:
        assert run.imported_from == str(src)
        assert (run.mode, run.model) == ("performance", "kws01")
        windows = run.table("windows")
        assert windows["iterations"].tolist() == [250] * 5
        assert windows["runtime_s"][0] == pytest.approx(10.862042)
        assert run.results[0].name == "median_throughput"
        assert run.results[0].value == pytest.approx(23.016)
        assert run.results[0].valid
        assert run.artifact("results.txt").decode() == PERF_TXT
        export_submission(run, tmp_path / "sub", "sys")
    assert (tmp_path / "sub/results/sys/kws/performance/results.txt").read_text() == PERF_TXT


def test_mlcommons_energy_session_rebuilds_windows_from_samples(tmp_path: Path) -> None:
    src = _mlc_session(tmp_path / "s", "energy")
    with load_run(import_run(src, tmp_path / "e.h5")) as run:
        ch = run.channels["energy_j"]
        assert (ch.sample_rate_hz, ch.n_samples) == (1000.0, 60_000)
        w = run.table("windows")
        # Last two events of each trial: samples 500..11500, i.e. 11 s at 1 mW.
        assert w["energy_j"][0] == pytest.approx(11e-3)
        assert w["power_w"][0] == pytest.approx(1e-3)
        assert w["start_sample"][1] == 12_000 + 500
        assert bool(w["valid"][0])
        assert len(run.table("edges")) == 15
        assert run.results[0].value == pytest.approx(44.0)
        assert "energy_inf_000.png" in run.artifacts


def test_mlcommons_accuracy_session(tmp_path: Path) -> None:
    src = _mlc_session(tmp_path / "s", "accuracy")
    with load_run(import_run(src, tmp_path / "a.h5")) as run:
        acc = run.table("accuracy")
        assert acc["correct"].tolist() == [True] * 5
        assert run.results[0].name == "top1"


def test_eembc_energy_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "eembc"
    src.mkdir()
    energy = np.full(100_000, 2e-6, np.float32)  # 2 mW at 1 kHz, 100 s
    energy.tofile(src / "trace1-energy.bin")
    stamps = [0.017, 2.805, 18.544, 20.0, 35.0, 40.0, 52.0, 55.0, 67.0, 70.0, 82.0]
    (src / "trace1-timestamps.json").write_text(json.dumps(stamps))
    (src / "log.txt").write_text(
        "00000.010 sequencer: m-model-[kws01]\n00063.706 dut: m-lap-us-67801526\n"
        "00064.000 io: dut infer 250 1\n"
    )
    out = tmp_path / "eembc.h5"
    assert main(["import", str(src), "--out", str(out)]) == 0
    with load_run(out) as run:
        assert run.mode == "energy"
        assert run.model == "kws01"
        w = run.table("windows")
        assert len(w) == 5
        assert w["runtime_s"][0] == pytest.approx(18.544 - 2.805, abs=1e-3)
        assert w["energy_j"][0] == pytest.approx(2e-6 * 15_739, rel=1e-4)
        result = run.results[0]
        assert result.name == "median_energy_per_inference"
        # Windows last 15.7, 15, 12, 12, 12 s: the median is a 12 s window.
        assert result.value == pytest.approx(2e-6 * 12_000 / 250 * 1e6, rel=1e-3)
        lines = run.table("transcript")
        assert lines["source"].tolist() == ["sequencer", "dut", "io"]
        assert lines["host_time_s"][1] == pytest.approx(63.706)


def test_import_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunImportError, match=r"neither results\.json"):
        import_run(tmp_path / "empty", tmp_path / "x.h5")
    src = tmp_path / "bad"
    src.mkdir()
    np.zeros(1000, np.float32).tofile(src / "t-energy.bin")
    (src / "t-timestamps.json").write_text("[0.5, 5.0]")
    assert main(["import", str(src), "--out", str(tmp_path / "y.h5")]) == 1
    assert "--sample-rate-hz" in capsys.readouterr().err
    assert not (tmp_path / "y.h5").exists()


def test_imported_sessions_export_a_lint_clean_tree(tmp_path: Path) -> None:
    for mode in ("performance", "accuracy"):
        src = _mlc_session(tmp_path / mode, mode)
        with load_run(import_run(src, tmp_path / f"{mode}.h5")) as run:
            export_submission(run, tmp_path / "sub", "sys")
    assert lint_tree(tmp_path / "sub").problems == []
