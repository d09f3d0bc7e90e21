"""Bad files get a clear RunFileError, never an h5py traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from tinybench_gui.storage import layout
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import Samples
from tinybench_gui.storage.recovery import (
    FileBusyError,
    NewerLayoutError,
    NotARunError,
    NotHdf5Error,
    RunFileError,
    TruncatedFileError,
)
from tinybench_gui.storage.writer import RunWriter

REPO = Path(__file__).resolve().parents[2]


def _complete_run(path: Path, n: int = 200_000) -> Path:
    w = RunWriter.create(path, {})
    w.append_samples(Samples(0, 1e5, {"current_a": np.linspace(0, 1, n, dtype=np.float32)}))
    w.close("complete")
    return path


def test_not_hdf5(tmp_path: Path) -> None:
    path = tmp_path / "notes.h5"
    path.write_text("time,current\n0,1\n")
    with pytest.raises(NotHdf5Error, match="not an HDF5 file"):
        load_run(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RunFileError, match="no such file"):
        load_run(tmp_path / "nope.h5")


def test_hdf5_but_not_a_run(tmp_path: Path) -> None:
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(NotARunError, match="not a tinybench run"):
        load_run(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = _complete_run(tmp_path / "run.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedFileError, match="truncated"):
        load_run(path)


def test_newer_layout_version(tmp_path: Path) -> None:
    path = _complete_run(tmp_path / "run.h5")
    with h5py.File(path, "a") as f:
        f.attrs[layout.ATTR_LAYOUT_VERSION] = layout.LAYOUT_VERSION + 1
    with pytest.raises(NewerLayoutError, match="update tinybench"):
        load_run(path)


def test_file_held_open_for_writing_by_another_process(tmp_path: Path) -> None:
    path = _complete_run(tmp_path / "run.h5")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import h5py, sys, time\n"
            "f = h5py.File(sys.argv[1], 'a')\nprint('open', flush=True)\ntime.sleep(60)\n",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(FileBusyError, match="another process"):
            load_run(path)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()


@pytest.mark.slow
def test_live_run_in_another_process_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "live.h5"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_writer", str(path), "5"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "flushed 5"
        with load_run(path) as run:
            assert run.opened_swmr
            assert run.status.state == layout.RunState.RUNNING
            assert not run.status.interrupted  # the writer is alive
            assert run.status.describe().startswith("running")
            first = run.channels["current_a"].n_samples
            assert first >= 5 * 50_000
            deadline = time.monotonic() + 10
            newest = -1.0
            while newest <= first / 50_000 - 1 and time.monotonic() < deadline:
                time.sleep(0.1)
                view = run.view(0, 60.0, 100, ["current_a"])  # refreshes: sees newer data
                newest = float(np.nanmax(view.channels["current_a"].max))
            assert newest > first / 50_000 - 1
            run.refresh()
            assert run.channels["current_a"].n_samples > first
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
