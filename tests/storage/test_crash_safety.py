"""A real writer process killed with SIGKILL leaves a readable, honest file."""

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

from tests.storage.crash_writer import BLOCK
from tinybench_gui.storage import layout
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.recovery import recover

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sigkill_leaves_readable_file_with_everything_flushed(tmp_path: Path) -> None:
    path = tmp_path / "killed.h5"
    flush_after = 20
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_writer", str(path), str(flush_after)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == f"flushed {flush_after}"
        time.sleep(0.7)  # more blocks, more periodic flushes, then the kill lands mid-stream
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    # A plain open refuses the file (SWMR flag still set); tinybench opens it anyway.
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(path, "r")
    with load_run(path) as run:
        assert run.opened_swmr
        assert run.status.state == layout.RunState.RUNNING
        assert run.status.interrupted
        assert "did not finish" in run.status.describe()
        n = run.channels["current_a"].n_samples
        assert n >= flush_after * BLOCK
        blocks = n // BLOCK
        _, values = run.samples("current_a", 0, n / 1e6)
        expected = np.repeat(np.arange(blocks, dtype=np.float32), BLOCK)
        np.testing.assert_array_equal(values[: blocks * BLOCK], expected)
        transcript = run.table("transcript")
        assert len(transcript) >= flush_after
        assert [str(x) for x in transcript["line"][:flush_after]] == [
            f"block {k}" for k in range(flush_after)
        ]
        assert len(run.table("edges")) >= flush_after
        assert len(run.table("windows")) >= flush_after // 5
        view = run.view(0, n / 1e6, 500, ["current_a"])
        assert np.nanmax(view.channels["current_a"].max) == pytest.approx(blocks - 1, abs=1)

    clean = recover(path)
    with h5py.File(clean, "r") as f:  # a normal open works on the recovered copy
        assert f["channels/current_a"].shape[0] == n
    with load_run(clean) as run:
        assert not run.opened_swmr
        assert run.status.interrupted
