"""Child process for the SIGKILL test: writes blocks of value k until killed.

Prints ``flushed <k>`` after an explicit flush of blocks 0..k-1, then keeps
writing (periodic flushes only) until the parent kills it.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from tinybench_gui.storage.records import Samples, TimedWindow, TranscriptLine
from tinybench_gui.storage.writer import RunWriter

BLOCK = 50_000
RATE_HZ = 1_000_000.0


def main(path: str, flush_after: int) -> None:
    writer = RunWriter.create(path, {"plan": {"mode": "energy", "model": "kws01"}})
    k = 0
    while True:
        value = np.full(BLOCK, k, np.float32)
        digital = np.full(BLOCK, k % 2, np.uint8)
        writer.append_samples(Samples(k * BLOCK, RATE_HZ, {"current_a": value, "digital": digital}))
        writer.add_transcript(TranscriptLine(time.time(), "dut", "rx", f"block {k}"))
        writer.add_edges(k * BLOCK, 0, 1 if k % 2 else -1)
        if k % 5 == 4:
            writer.add_window(TimedWindow(window=k // 5, iterations=5, runtime_s=0.25))
        k += 1
        if k == flush_after:
            writer.flush()
            print(f"flushed {k}", flush=True)
        time.sleep(BLOCK / RATE_HZ / 4)  # 4x real time


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
