"""The time accounting's arithmetic: wire bytes at the baud, DUT time, the rest."""

from __future__ import annotations

import pytest

from tinybench_gui.runner.uart_accounting import UartAccounting


def test_shares_add_up_and_the_median_file_ignores_one_stall() -> None:
    acc = UartAccounting(baud_rate=10_000)  # 1 ms per byte on the wire
    for wall_s in (0.5, 0.5, 2.0):  # the third file stalled for 1.5 s
        acc.add_inference(download_bytes=300, protocol_bytes=50, inference_s=0.1)
        acc.add_file(wall_s)
    d = acc.as_dict()
    assert d["download_s"] == pytest.approx(0.9)
    assert d["protocol_s"] == pytest.approx(0.15)
    assert d["inference_s"] == pytest.approx(0.3)
    assert d["overhead_s"] == pytest.approx(3.0 - 0.9 - 0.15 - 0.3)
    total = d["download_share"] + d["protocol_share"] + d["inference_share"] + d["overhead_share"]
    assert total == pytest.approx(1.0)
    # Per file 0.45 s busy: 10 % overhead at 0.5 s wall; the stalled file does not move it.
    assert acc.median_file_overhead_share == pytest.approx(0.1)
    assert any("Overhead" in line for line in acc.report_lines())


def test_negative_overhead_is_explained() -> None:
    acc = UartAccounting(baud_rate=115200)
    acc.add_inference(download_bytes=1200, protocol_bytes=150, inference_s=0.18)
    acc.add_file(0.01)  # a simulation without wire time or real-time compute
    assert acc.overhead_s < 0
    assert any("negative overhead" in line for line in acc.report_lines())
