"""``tinybench info/export/recover/run --out`` through the real command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from tinybench_gui.cli.main import main
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import OfficialResult, Samples, TimedWindow
from tinybench_gui.storage.writer import RunWriter

RATE_HZ = 10_000.0


def _run_file(path: Path, status: str = "complete") -> Path:
    w = RunWriter.create(path, {"plan": {"mode": "energy"}, "model": "kws01", "dut_name": "L4R5ZI"})
    n = 50_000
    w.append_samples(
        Samples(
            0,
            RATE_HZ,
            {
                "current_a": (np.arange(n) / RATE_HZ).astype(np.float32),
                "digital": (np.arange(n) // 100 % 2).astype(np.uint8),
            },
        )
    )
    for k in range(5):
        w.add_window(TimedWindow(k, 100, 0.5, k * 10_000, k * 10_000 + 5000, 1e-3, 2e-3))
    w.set_results([OfficialResult("median_energy_per_inference", 10.0, "uJ/inf.", True)])
    w.close(status)
    return path


def test_info_prints_status_channels_and_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _run_file(tmp_path / "run.h5")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "status        complete" in out
    assert "current_a" in out
    assert "50,000 samples" in out
    assert "median_energy_per_inference" in out
    assert "windows 5" in out
    assert "L4R5ZI" in out


def test_info_json_for_scripts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _run_file(tmp_path / "run.h5", status="cancelled")
    assert main(["info", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "cancelled"
    assert data["channels"]["current_a"]["samples"] == 50_000
    assert data["tables"]["windows"] == 5
    assert data["results"][0]["name"] == "median_energy_per_inference"


@pytest.mark.parametrize("content", [b"not hdf5 at all", b""])
def test_info_on_bad_file_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "bad.h5"
    path.write_bytes(content)
    assert main(["info", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "Traceback" not in err


def test_info_on_foreign_hdf5(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["data"] = [1, 2, 3]
    assert main(["info", str(path)]) == 1
    assert "not a tinybench run" in capsys.readouterr().err


def test_export_csv_range(tmp_path: Path) -> None:
    path = _run_file(tmp_path / "run.h5")
    out = tmp_path / "range.csv"
    assert main(["export", str(path), "--csv", str(out), "--from", "1.0", "--to", "1.5"]) == 0
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["time_s", "current_a", "digital"]
    assert len(rows) == 1 + 5000
    assert float(rows[1][0]) == pytest.approx(1.0)
    assert float(rows[1][1]) == pytest.approx(1.0, rel=1e-6)  # current ramps with time
    assert float(rows[-1][0]) == pytest.approx(1.4999)
    assert rows[1][2] in ("0", "1")
    # Never overwrites.
    assert main(["export", str(path), "--csv", str(out)]) == 1


def test_recover_command_writes_clean_copy_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _run_file(tmp_path / "run.h5")
    assert main(["recover", str(path)]) == 0
    copy = tmp_path / "run.recovered.h5"
    with load_run(copy) as run:
        assert run.channels["current_a"].n_samples == 50_000
    assert main(["recover", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_run_writes_one_hdf5_file_with_status_results_and_artifacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINYBENCH_RUNS_DIR", str(tmp_path / "runs"))
    out = tmp_path / "perf.h5"
    argv = [
        "run",
        "--dut",
        "sim",
        "--benchmark",
        "kws01",
        "--iterations",
        "20",
        "--min-window-s",
        "0.05",
        "--windows",
        "2",
        "--out",
        str(out),
    ]
    rc = main(argv)
    assert rc in (0, 3)
    with load_run(out) as run:
        assert run.status.state.value == "complete"
        assert run.mode == "performance"
        assert run.provenance["dut_model"] == "kws01"
        assert "host_os" in run.provenance
        assert [r.name for r in run.results] == ["median_throughput"]
        windows = run.table("windows")
        assert len(windows) == 2
        assert (windows["iterations"] == 20).all()
        assert set(run.artifacts) >= {"log.txt", "results.txt", "results.json"}
        assert b"Median throughput is" in run.artifact("results.txt")
        json.loads(run.artifact("results.json"))
        lines = run.table("transcript")
        assert any(str(x).startswith("infer 20") for x in lines["line"])
    # A second run with the same --out refuses before touching the DUT.
    assert main(argv) == 1


def test_failed_run_leaves_readable_file_marked_with_why(tmp_path: Path) -> None:
    out = tmp_path / "failed.h5"
    missing_port = str(tmp_path / "no-such-port")
    rc = main(
        ["run", "--dut", missing_port, "--results-dir", str(tmp_path / "r"), "--out", str(out)]
    )
    assert rc == 1
    with load_run(out) as run:
        assert run.status.state.value == "failed"
        assert missing_port in run.status.reason
        assert b"run failed" in run.artifact("log.txt")


def test_accuracy_run_records_every_file_and_the_hashes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    synth = ["dataset", "synth", "--benchmark", "ic01", "--out", str(data), "--count", "4"]
    assert main(synth) == 0
    out = tmp_path / "acc.h5"
    rc = main(
        [
            "run",
            "--dut",
            "sim",
            "--benchmark",
            "ic01",
            "--mode",
            "accuracy",
            "--no-wire-time",
            "--dataset",
            str(data),
            "--results-dir",
            str(tmp_path / "r"),
            "--out",
            str(out),
        ]
    )
    assert rc in (0, 3)
    with load_run(out) as run:
        acc = run.table("accuracy")
        assert len(acc) == 4
        assert all(len(r) == 10 for r in acc["results"])
        assert (acc["predicted_class"] == [int(np.argmax(r)) for r in acc["results"]]).all()
        assert set(acc["host_agrees"].tolist()) <= {0, 1}
        assert [r.name for r in run.results] == ["top1"]
        assert len(run.provenance["reference_model_sha256"]) == 64
        assert len(run.provenance["dataset_manifest_sha256"]) == 64
