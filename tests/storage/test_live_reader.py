"""A reader in another process must never break the run it is looking at."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tinybench_gui.storage import layout
from tinybench_gui.storage.reader import load_run
from tinybench_gui.storage.records import Samples
from tinybench_gui.storage.writer import RunWriter

REPO = Path(__file__).resolve().parents[2]

READER = """
import sys, time
from tinybench_gui.storage.reader import load_run
run = load_run(sys.argv[1])
print("open", run.opened_swmr, flush=True)
errors = 0
for _ in range(25):
    time.sleep(0.05)
    try:
        run.view(0, 3, 10, ["current_a"])
    except Exception:
        errors += 1
print("errors", errors, flush=True)
run.close()
"""


def test_writer_survives_structural_changes_and_close_under_a_live_reader(
    tmp_path: Path,
) -> None:
    path = tmp_path / "live.h5"
    w = RunWriter.create(path, {"plan": {"mode": "energy"}})
    w.append_samples(Samples(0, 1000.0, {"current_a": np.ones(1000, np.float32)}))
    w.flush()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().split() == ["open", "True"]
        # A new channel and new provenance while the reader holds the file open.
        both = {"current_a": np.ones(1000, np.float32), "voltage_v": np.ones(1000, np.float32)}
        w.append_samples(Samples(1000, 1000.0, both))
        w.update_provenance({"dut_name": "L4R5ZI"})
        w.add_artifact("results.txt", "x\n")
        w.flush()
        time.sleep(0.3)
        assert w.failure is None
        assert w.close("complete") == layout.RunState.COMPLETE
        out = reader.stdout.read()
    finally:
        reader.wait(20)
        if reader.stdout is not None:
            reader.stdout.close()
    assert reader.returncode == 0
    assert out.startswith("errors")
    with load_run(path) as run:
        assert run.status.state == layout.RunState.COMPLETE
        assert run.provenance["dut_name"] == "L4R5ZI"
        assert run.channels["voltage_v"].n_samples == 1000
        assert run.artifact("results.txt") == b"x\n"
