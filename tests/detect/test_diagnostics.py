"""Diagnostics against pty fakes, and the timestamp pulse check over edge lists."""

from __future__ import annotations

import threading

import pytest

from tests.detect.fakes import DutBehaviour, FakeComports, FakeDut, SilentPort, stlink_v21_port
from tinybench_gui.devices.diagnostics import (
    baud_sweep,
    check_stream_edges,
    check_timestamp_pulses,
    expected_pulses,
    name_burst_test,
    time_to_ready,
)
from tinybench_gui.devices.diagnostics_job import start_diagnostics
from tinybench_gui.devices.discovery import DetectOptions, detect
from tinybench_gui.streams.edges import Edge


def test_burst_passes_on_a_buffered_dut() -> None:
    with FakeDut() as dut:
        report = name_burst_test(dut.path, 115200, count=15, timeout_s=3.0)
    assert report.verdict == "pass"
    assert (report.names, report.readies) == (15, 15)


def test_burst_catches_a_dut_that_drops_characters() -> None:
    with FakeDut() as dut:
        dut.drop_while_busy = True
        report = name_burst_test(dut.path, 115200, count=15, timeout_s=1.0)
    assert report.verdict == "fail"
    assert 0 < report.names < 15
    assert "ring buffer" in report.advice


def test_baud_sweep_finds_the_one_rate() -> None:
    with FakeDut(DutBehaviour(baud_rate=921600, vendor="AD build")) as dut:
        report = baud_sweep(dut.path, (115200, 921600, 9600), line_timeout_s=0.3)
    assert report.answering == [921600]
    assert report.verdict == "pass"
    by_rate = {a.baud_rate: a for a in report.attempts}
    assert by_rate[921600].name == "AD build"
    assert by_rate[115200].noise  # bytes came back, but not a line


def test_baud_sweep_on_silence_fails() -> None:
    with SilentPort() as port:
        report = baud_sweep(port.path, (115200, 9600), line_timeout_s=0.2)
    assert report.verdict == "fail"
    assert not any(a.noise for a in report.attempts)


def test_time_to_ready_measures_the_banner() -> None:
    with FakeDut(DutBehaviour(mode="energy", baud_rate=9600)) as dut:
        report = time_to_ready(
            dut.path, 9600, lambda: threading.Timer(0.2, dut.boot).start(), timeout_s=3.0
        )
    assert report.verdict == "pass"
    assert report.ready_after_s is not None
    assert 0.15 < report.ready_after_s < 2.0
    assert report.build_mode == "energy"
    assert report.banner[-1] == "m-ready"


def test_time_to_ready_over_the_emon_limit_fails() -> None:
    with FakeDut() as dut:
        report = time_to_ready(
            dut.path,
            115200,
            lambda: threading.Timer(0.3, dut.boot).start(),
            timeout_s=2.0,
            limit_s=0.1,
        )
    assert report.verdict == "fail"
    assert "gives up" in report.advice


def test_time_to_ready_without_banner_fails() -> None:
    with SilentPort() as port:
        report = time_to_ready(port.path, 115200, lambda: None, timeout_s=0.3)
    assert report.verdict == "fail"
    assert report.ready_after_s is None


def _pulses(starts: list[float], width_s: float) -> list[tuple[float, str]]:
    edges: list[tuple[float, str]] = []
    for t in starts:
        edges += [(t, "falling"), (t + width_s, "rising")]
    return edges


def test_pulses_of_a_good_energy_run() -> None:
    edges = _pulses([0.0, 1.0, 11.5, 12.0, 22.5], 2e-3)  # boot + 2 windows
    report = check_timestamp_pulses(edges, expected_count=expected_pulses(2))
    assert report.verdict == "pass"
    assert report.count == 5
    assert report.min_width_s == pytest.approx(2e-3)


def test_pulses_too_narrow_and_too_few() -> None:
    edges = _pulses([0.0, 1.0, 11.5], 400e-9)
    report = check_timestamp_pulses(reversed(edges), expected_count=5)
    assert report.verdict == "fail"
    assert any("narrower than 1 µs" in p for p in report.problems)
    assert any("3 pulse(s) where 5" in p for p in report.problems)


def test_pulse_short_for_eembc_filter_warns() -> None:
    report = check_timestamp_pulses(_pulses([0.0, 1.0, 2.0], 10e-6), expected_count=3)
    assert report.verdict == "warn"


def test_stuck_pin_and_lost_edge() -> None:
    edges = [(0.0, "falling"), (0.5, "falling"), (0.5001, "rising"), (2.0, "falling")]
    report = check_timestamp_pulses(edges)
    assert report.verdict == "fail"
    assert report.widths_s[0] is None
    assert any("never ended" in p for p in report.problems)


def test_rising_polarity_and_coarse_resolution() -> None:
    edges = [(0.0, "rising"), (0.0, "falling"), (5.0, "rising"), (5.0, "falling")]
    report = check_timestamp_pulses(edges, active="rising", expected_count=2, resolution_s=1e-3)
    assert report.count == 2
    assert any("resolution" in p for p in report.problems)


def test_stream_edges_from_an_energy_monitor() -> None:
    # LPM01A-like 1 kHz stream: pulses 2 samples wide on line 7, noise on line 3 ignored.
    edges = []
    for start in (100, 1100, 11100):
        edges += [Edge(7, start, False), Edge(7, start + 2, True), Edge(3, start + 1, True)]
    report = check_stream_edges(edges, 1000.0, line=7, expected_count=3)
    assert report.verdict == "pass"
    assert report.starts_s == pytest.approx((0.1, 1.1, 11.1))
    assert report.min_width_s == pytest.approx(0.002)
    report = check_stream_edges(edges, 1000.0, expected_count=3)  # all lines: line 3 confuses it
    assert report.verdict == "fail"


def test_diagnostics_job_on_a_dut_and_on_silence(tmp_path) -> None:
    with FakeDut() as dut:
        (device,) = detect(
            comports=FakeComports(stlink_v21_port(dut.path, "0776FFFF")),
            registry_folder=tmp_path,
            options=DetectOptions(probe=False, include_usb_only=False),
        )
        reports: list[object] = []
        job = start_diagnostics(device, burst=5, on_report=reports.append)
        assert job.wait(10)
    kinds = [type(r).__name__ for r in reports]
    assert kinds == ["ProbeResult", "BurstReport"]
    assert reports[1].verdict == "pass"
    with SilentPort() as silent:
        (device,) = detect(
            comports=FakeComports(stlink_v21_port(silent.path, "0776EEEE")),
            registry_folder=tmp_path,
            options=DetectOptions(probe=False, include_usb_only=False),
        )
        job = start_diagnostics(device, line_timeout_s=0.2)
        assert job.wait(30)
    assert [type(r).__name__ for r in job.reports] == ["ProbeResult", "SweepReport"]
    assert job.reports[1].verdict == "fail"
