"""``tinybench doctor``: the checks behind the top bring-up failures, in one report.

Environment (serial permissions), the flashing routes and how to get the missing
ones, every device found with its probe, and per-DUT diagnostics: a ``name%``
burst, a baud sweep when nothing answered, optionally the time to ``m-ready``
after a reset, and a check of timestamp pulses exported as edges.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tinybench_gui.devices.diagnostics import Edge

_MARK = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL", "info": "    "}


def register(sub: Any) -> None:
    """Add ``doctor`` to the command line."""
    p = sub.add_parser(
        "doctor",
        help="check the bench: permissions, flashing tools, devices, DUT diagnostics",
    )
    p.add_argument("--port", help="diagnose only this port (a path or pyserial URL)")
    p.add_argument("--baud", type=int, default=None, help="baud rate for --port")
    p.add_argument("--burst", type=int, default=20, help="name%% commands in the burst test")
    p.add_argument(
        "--boot-time",
        action="store_true",
        help="time m-ready after you press the DUT's reset button (interactive)",
    )
    p.add_argument(
        "--edges",
        type=Path,
        help="CSV of timestamp-pin edges (t_s,falling|rising) to check pulse width and count",
    )
    p.add_argument("--windows", type=int, default=5, help="energy windows the edges should hold")
    p.add_argument("--deadline-s", type=float, default=5.0, help="deadline of one probe")
    p.set_defaults(handler=doctor)


class Report:
    """Collects check lines and the worst verdict."""

    def __init__(self) -> None:
        self.failed = 0
        self.warned = 0

    def section(self, title: str) -> None:
        print(f"\n== {title}")

    def line(self, verdict: str, text: str, fix: str = "") -> None:
        self.failed += verdict == "fail"
        self.warned += verdict == "warn"
        print(f"[{_MARK.get(verdict, verdict)}] {text}")
        if fix and verdict in ("fail", "warn"):
            print(f"       fix: {fix}")


def _environment(report: Report) -> None:
    from tinybench_gui.devices.catalog import catalog_path
    from tinybench_gui.devices.port_registry import registry_dir

    report.section("environment")
    report.line("info", f"Python {platform.python_version()} on {platform.system()}")
    report.line("info", f"board catalog: {catalog_path()}")
    report.line("info", f"simulator registry: {registry_dir()}")
    if sys.platform.startswith("linux"):
        import grp  # POSIX only

        try:
            dialout = grp.getgrnam("dialout").gr_gid
        except KeyError:
            dialout = None
        if os.geteuid() == 0 or dialout is None or dialout in os.getgroups():
            report.line("pass", "may open serial ports (root or group dialout)")
        else:
            report.line(
                "warn",
                "not in group dialout: USB serial ports will refuse to open",
                "sudo usermod -aG dialout $USER, then log in again",
            )


def _routes(report: Report) -> None:
    from tinybench_gui.devices.catalog import load_catalog
    from tinybench_gui.devices.flashing import Flasher

    catalog = load_catalog()
    flasher = Flasher(catalog)
    report.section("flashing routes")
    for name, info in catalog.routes.items():
        route = flasher.routes.get(name)
        if route is None:
            report.line("info", f"{name:<9} {info.title}: not built in yet")
            continue
        status = route.availability()
        verdict = "pass" if status.available else "info"
        text = f"{name:<9} {info.title}: {'available' if status.available else 'missing'}"
        report.line(verdict, text)
        if not status.available:
            print(f"       to get it: {info.install}")


def _diagnose_dut(report: Report, url: str, baud: int, burst: int, boot_time: bool) -> None:
    from tinybench_gui.devices.diagnostics import name_burst_test, time_to_ready

    result = name_burst_test(url, baud, count=burst)
    report.line(
        result.verdict,
        f"  {burst}x name% in one write at {baud} Bd: {result.names} answers, "
        f"{result.readies} m-ready in {result.elapsed_s:.2f} s",
        result.advice,
    )
    if boot_time:
        boot = time_to_ready(
            url, baud, lambda: print("       press the DUT's RESET button now...", flush=True)
        )
        text = (
            f"  m-ready {boot.ready_after_s:.2f} s after reset ({boot.build_mode} build)"
            if boot.ready_after_s is not None
            else "  no m-ready after reset"
        )
        report.line(boot.verdict, text, boot.advice)


def _sweep(report: Report, url: str) -> None:
    from tinybench_gui.devices.diagnostics import baud_sweep

    sweep = baud_sweep(url)
    for attempt in sweep.attempts:
        what = (
            f"answered {attempt.name!r}"
            if attempt.answered
            else ("line noise (wrong rate)" if attempt.noise else "silence")
        )
        report.line("info", f"  {attempt.baud_rate:>7} Bd: {what}")
    fix = (
        "nothing answered at any rate: check the USB cable and the board's power, that the "
        "firmware prints its banner (reset it), and the Tx/Rx wiring (the L4R5ZI's labels "
        "are swapped)"
    )
    report.line(sweep.verdict, f"  baud sweep: answering at {sweep.answering or 'no rate'}", fix)


def _devices(report: Report, args: argparse.Namespace) -> None:
    from tinybench_gui.devices.discovery import DetectOptions, detect

    report.section("devices")
    devices = detect(options=DetectOptions(deadline_s=args.deadline_s))
    if not devices:
        report.line(
            "warn",
            "no boards or instruments found",
            "plug them in (debug USB for the DUT), or `tinybench sim serve` for a simulated DUT",
        )
    for device in devices:
        probe = device.probe
        verdict = {"identified": "pass", "busy": "warn", "not_probed": "info"}.get(
            probe.status, "fail"
        )
        report.line(verdict, device.summary())
        for warning in device.warnings:
            report.line("warn", f"  {warning}")
        if probe.ok and probe.role == "dut" and probe.baud_rate:
            _diagnose_dut(report, probe.url, probe.baud_rate, args.burst, args.boot_time)
        elif probe.status in ("no_answer", "timeout") and device.port.is_serial:
            _sweep(report, probe.url)


def _single_port(report: Report, args: argparse.Namespace) -> None:
    from tinybench_gui.devices.probing import probe_name

    report.section(f"port {args.port}")
    rates = [args.baud] if args.baud else [115200, 921600, 9600]
    result = probe_name(args.port, rates, deadline_s=args.deadline_s)
    verdict = "pass" if result.ok else ("warn" if result.status == "busy" else "fail")
    report.line(verdict, result.summary(), result.detail if not result.ok else "")
    if result.ok and result.role == "dut" and result.baud_rate:
        _diagnose_dut(report, args.port, result.baud_rate, args.burst, args.boot_time)
    elif result.status != "busy":
        _sweep(report, args.port)


def read_edges(path: Path) -> list[tuple[float, Edge]]:
    """Edges from a CSV of ``t_s,edge`` rows (a header row is allowed)."""
    edges: list[tuple[float, Edge]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) < 2:
                continue
            try:
                t_s = float(row[0])
            except ValueError:
                continue  # the header
            edge = row[1].strip().lower()
            if edge not in ("falling", "rising"):
                raise ValueError(f"{path}: edge {row[1]!r} is neither falling nor rising")
            edges.append((t_s, "falling" if edge == "falling" else "rising"))
    return edges


def _pulses(report: Report, path: Path, windows: int) -> None:
    from tinybench_gui.devices.diagnostics import check_timestamp_pulses, expected_pulses

    report.section(f"timestamp pulses in {path}")
    try:
        edges = read_edges(path)
    except (OSError, ValueError) as exc:
        report.line("fail", f"cannot read the edges: {exc}")
        return
    result = check_timestamp_pulses(edges, expected_count=expected_pulses(windows))
    width = result.min_width_s
    width_text = f", narrowest {width * 1e6:.1f} µs" if width is not None else ""
    report.line(result.verdict, f"{result.count} pulses (expected {result.expected}){width_text}")
    for problem in result.problems:
        print(f"       {problem}")


def doctor(args: argparse.Namespace) -> int:
    """Handler of ``tinybench doctor``; exit code 1 if any check failed."""
    report = Report()
    _environment(report)
    _routes(report)
    if args.port:
        _single_port(report, args)
    else:
        _devices(report, args)
    if args.edges:
        _pulses(report, args.edges, args.windows)
    print(f"\n{report.failed} failed, {report.warned} warnings")
    return 1 if report.failed else 0
