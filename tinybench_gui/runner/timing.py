"""Calibrating iterations so each window lasts long enough, and the infer timeout."""

from __future__ import annotations

import math

from tinybench_gui.devices.dut import DutClient

# How much longer than the minimum a calibrated window aims to be, so jitter never
# pushes a window under the 10 s the rules require.
CALIBRATION_MARGIN = 1.10
_PROBE_TARGET_S = 0.5


def measure_inference_s(dut: DutClient, *, line_timeout_s: float = 30.0) -> float:
    """Seconds per inference on the current input, from the DUT's own timer.

    One ``infer 1 0`` gives a first figure; a second round long enough to
    average jitter (about half a second) refines it.
    """
    first = dut.infer(1, 0, line_timeout_s=line_timeout_s)
    if first.elapsed_us is None:
        raise ValueError("the DUT printed no m-lap-us- timestamps")
    single_s = max(first.elapsed_us / 1e6, 1e-6)
    probe_n = max(1, min(100_000, math.ceil(_PROBE_TARGET_S / single_s)))
    if probe_n == 1:
        return single_s
    probe = dut.infer(probe_n, 0, line_timeout_s=infer_timeout_s(probe_n, 0, single_s))
    assert probe.elapsed_us is not None
    return max(probe.elapsed_us / 1e6 / probe_n, 1e-6)


def iterations_for(min_window_s: float, inference_s: float) -> int:
    """Iterations that make a window last at least ``min_window_s`` (with a margin)."""
    return max(1, math.ceil(min_window_s * CALIBRATION_MARGIN / inference_s))


def infer_timeout_s(iterations: int, warmups: int, inference_s: float | None) -> float:
    """Per-line timeout for ``infer``: the DUT is silent for the whole timed region."""
    if inference_s is None:
        return 30.0  # the MLCommons runner's value
    return max(30.0, 2.0 * (iterations + warmups) * inference_s + 10.0)
