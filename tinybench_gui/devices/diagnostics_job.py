"""Per-device diagnostics on a worker thread, for the Bench panel.

``start_diagnostics(device, on_report=...)`` returns at once; each finished check is
passed to ``on_report`` (on the worker thread: the GUI's bridge moves it), then
``on_done``. ``cancel()`` stops between checks. The port must not be in use by the
bench while this runs (the checks open it exclusively and report busy otherwise).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tinybench_gui.devices.diagnostics import (
    BurstReport,
    SweepReport,
    baud_sweep,
    name_burst_test,
)
from tinybench_gui.devices.discovery import DetectedDevice
from tinybench_gui.devices.probing import ProbeResult, probe_name

_log = logging.getLogger(__name__)
DiagnosticReport = ProbeResult | BurstReport | SweepReport


@dataclass
class DiagnosticsJob:
    """A running set of checks on one device."""

    device: DetectedDevice
    reports: list[DiagnosticReport] = field(default_factory=list)
    _cancel: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        """Stop after the current check."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked."""
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        """Whether all checks finished (or were cancelled)."""
        return self._done.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until done; False on timeout."""
        return self._done.wait(timeout_s)


def start_diagnostics(
    device: DetectedDevice,
    *,
    burst: int = 20,
    line_timeout_s: float = 0.5,
    on_report: Callable[[DiagnosticReport], None] | None = None,
    on_done: Callable[[DiagnosticsJob], None] | None = None,
) -> DiagnosticsJob:
    """Probe again; then a ``name%`` burst if a DUT answered, else a baud sweep."""
    job = DiagnosticsJob(device)

    def report(item: DiagnosticReport) -> None:
        job.reports.append(item)
        if on_report is not None:
            try:
                on_report(item)
            except Exception:
                _log.exception("diagnostics report callback failed")

    def run() -> None:
        try:
            url = device.port.url
            rates = list(device.spec.probe_baud_rates) if device.spec else [115200, 921600, 9600]
            probe = probe_name(url, rates, line_timeout_s=line_timeout_s)
            report(probe)
            if job.cancelled or probe.status == "busy":
                return
            if probe.ok and probe.role == "dut" and probe.baud_rate:
                report(name_burst_test(url, probe.baud_rate, count=burst))
            elif not probe.ok:
                report(baud_sweep(url, line_timeout_s=line_timeout_s))
        finally:
            job._done.set()
            if on_done is not None:
                on_done(job)

    threading.Thread(target=run, name=f"diagnostics {device.port.url}", daemon=True).start()
    return job
