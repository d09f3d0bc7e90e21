"""The run file's writer thread sleeps between events: accuracy runs send few.

A writer that polls with a zero timeout once its flush period has passed keeps one
core busy and takes the GIL from the runner's serial I/O (an AD accuracy run with
the recorder subscribed went seven times slower).
"""

from __future__ import annotations

import time
from pathlib import Path

from tinybench_gui.storage.layout import RunState
from tinybench_gui.storage.writer import RunWriter


def test_an_idle_writer_does_not_spin(tmp_path: Path) -> None:
    writer = RunWriter.create(tmp_path / "run.h5", {"mode": "accuracy"}, flush_period_s=0.05)
    try:
        writer.update_provenance({"dut_model": "kws01"})  # one flush, then nothing to do
        time.sleep(0.3)
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(1.0)
        cpu_s = time.process_time() - cpu0
        wall_s = time.monotonic() - wall0
    finally:
        writer.close(RunState.COMPLETE)
    # A spinning writer uses most of a core (about 1 s here); sleeping, a few ms.
    assert cpu_s < 0.25 * wall_s
