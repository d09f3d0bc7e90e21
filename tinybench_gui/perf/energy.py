"""Energy figures: measured window energy against SimBench ground truth, and ingest rate.

``energy-accuracy`` runs the energy mode end to end on the simulated bench (real
drivers on the simulators' ptys or the fake Joulescope ``Driver``, the interface
board relay, the runner) and compares every window's energy with the world's
exact integral between the same two timestamp falling edges. Targets: < 0.1 %
with the 1 MS/s Joulescope and the 100 kS/s PPK2. The LPM01A at 1 kHz has no
target: its D7 events are placed at the sample where the line arrives (1 ms
resolution at each end of the window) and its samples carry 4 significant
digits; the figure shows how large that error is.

``energy-ingest`` measures the acquisition path of the fastest instrument (the
Joulescope driver's message assembly, the ring buffer, edge detection and energy
integration) while another thread reads the ring: first flat out (the highest
rate it sustains), then paced at 2 MS/s (the JS110's rate) with a 1 s instrument
buffer, counting dropped samples. Durations are parameters: 60 s in a full run.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tinybench_gui.perf.figures import FigureFunction, FigureRow

if TYPE_CHECKING:
    from tinybench_gui.devices.sim.sim_bench import MonitorKind

TARGET_REL_ERROR = 1e-3
INGEST_BASELINE_HZ = 2_000_000.0
_MESSAGE_SAMPLES = 20_000


def window_errors(
    monitor: MonitorKind, *, windows: int, min_window_s: float, benchmark: str = "kws01"
) -> tuple[list[float], list[str]]:
    """Relative errors of each window's energy against the world's, and the run's errors."""
    from tinybench_gui.bench import simulated_energy_resources
    from tinybench_gui.devices.sim.sim_bench import SimBench
    from tinybench_gui.runner.plan import Mode, RunPlan
    from tinybench_gui.runner.runner import Runner

    with (
        tempfile.TemporaryDirectory() as tmp,
        SimBench(
            monitor,
            benchmark=benchmark,
            profile="fast-m7",
            realtime=False,
            wire_time=False,
        ) as bench,
    ):
        plan = RunPlan(Mode.ENERGY, Path(tmp), windows=windows, min_window_s=min_window_s)
        summary = Runner().run(plan, simulated_energy_resources(bench))
        truths = bench.world.truth_windows()[-len(summary.windows) :]
    errors = [
        abs(w.energy_j - t.energy_j) / t.energy_j
        for w, t in zip(summary.windows, truths, strict=True)
        if w.energy_j is not None
    ]
    return errors, summary.errors


def energy_accuracy(quick: bool) -> list[FigureRow]:
    """Max relative error of window energy per simulated instrument."""
    windows, min_window_s = (2, 1.0) if quick else (5, 10.0)
    rows = []
    instruments: tuple[tuple[MonitorKind, str], ...] = (
        ("js220", "1 MS/s"),
        ("ppk2", "100 kS/s"),
        ("lpm01a", "1 kHz"),
    )
    for monitor, rate in instruments:
        errors, run_errors = window_errors(monitor, windows=windows, min_window_s=min_window_s)
        worst = max(errors) if errors else float("nan")
        note = f"{len(errors)} windows of >= {min_window_s:g} s against the exact integral"
        if monitor == "lpm01a":
            note += (
                "; no target: D7 events land on the 1 ms sample where the line arrives, "
                "samples have 4 significant digits"
            )
        if len(errors) != windows:
            note += f"; run errors: {run_errors}"
        rows.append(
            FigureRow(
                name=f"window energy error, {monitor} {rate}",
                value=worst * 100,
                unit="%",
                target=None if monitor == "lpm01a" else TARGET_REL_ERROR * 100,
                higher_is_better=False,
                note=note,
            )
        )
    return rows


class _FeedDriver:
    """Just enough of the ``Driver`` API to hand prepared messages to the real driver."""

    def __init__(self) -> None:
        self.subs: dict[str, list[Any]] = {}
        self.path = "u/js110/perf01"

    def device_paths(self) -> list[str]:
        return [self.path]

    def open(self, path: str, mode: str = "defaults") -> None:
        pass

    def close(self, path: str) -> None:
        pass

    def publish(self, topic: str, value: Any) -> None:
        pass

    def subscribe(self, topic: str, flags: Any, fn: Any) -> None:
        self.subs.setdefault(topic, []).append(fn)

    def unsubscribe(self, topic: str, fn: Any) -> None:
        self.subs.get(topic, []).remove(fn) if fn in self.subs.get(topic, []) else None

    def emit(self, first: int, payloads: dict[str, np.ndarray]) -> None:
        for stream, data in payloads.items():
            topic = f"{self.path}/{stream}"
            value = {"sample_id": first, "decimate_factor": 1, "data": data}
            if "gpi" in stream:
                value["sample_count"] = _MESSAGE_SAMPLES
            for fn in self.subs.get(topic, []):
                fn(topic, value)


def _payloads(rate_hz: float) -> list[dict[str, np.ndarray]]:
    """One second of messages: a noisy current, 1.8 V, a 1 kHz-ish pulse pattern."""
    rng = np.random.default_rng(3)
    messages: list[dict[str, np.ndarray]] = []
    for k in range(max(1, int(rate_hz) // _MESSAGE_SAMPLES)):
        current = (0.004 + 0.0005 * rng.standard_normal(_MESSAGE_SAMPLES)).astype(np.float32)
        voltage = np.full(_MESSAGE_SAMPLES, 1.8, np.float32)
        gpi0 = np.ones(_MESSAGE_SAMPLES, np.uint8)
        if k % 10 == 0:
            gpi0[100:300] = 0  # a timestamp pulse every 10 messages
        gpi1 = np.zeros(_MESSAGE_SAMPLES, np.uint8)
        gpi1[1000:9000] = 1
        gpi1[11000:19000] = 1
        messages.append(
            {
                "s/i/!data": current,
                "s/v/!data": voltage,
                "s/gpi/0/!data": np.packbits(gpi0, bitorder="little"),
                "s/gpi/1/!data": np.packbits(gpi1, bitorder="little"),
            }
        )
    return messages


def ingest(duration_s: float, *, paced_rate_hz: float | None) -> tuple[float, int, int]:
    """Feed the Joulescope path for ``duration_s``; returns (samples/s, dropped, reader lost).

    Flat out (``paced_rate_hz=None``) the producer waits whenever 50 messages are
    queued. Paced, it sends at the rate in real time and drops messages that do
    not fit in a 1 s instrument buffer, as a USB instrument does.
    """
    from tinybench_gui.devices.energy.joulescope import JoulescopeDriver
    from tinybench_gui.streams.acquisition import Acquisition
    from tinybench_gui.streams.ring_buffer import SampleRing

    feed = _FeedDriver()
    driver = JoulescopeDriver("perf01", driver_factory=lambda: feed, stall_timeout_s=30.0)
    driver.open()
    rate = paced_rate_hz or INGEST_BASELINE_HZ
    driver.configure(sample_rate_hz=None, supply_voltage_v=1.8)
    driver._rate_hz = rate  # the feed has no h/fs: take the rate as given
    ring = SampleRing(int(4 * rate), with_voltage=True)
    acquisition = Acquisition(ring, supply_voltage_v=1.8, lines=(0, 1))
    driver.start(acquisition.push)
    messages = _payloads(rate)
    stop = threading.Event()
    reader_lost = 0

    def reader() -> None:
        nonlocal reader_lost
        cursor = 0
        while not stop.is_set():
            got = ring.read_since(cursor)
            reader_lost += got.lost
            cursor = got.cursor
            time.sleep(0.01)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    backlog_limit = int(rate) // _MESSAGE_SAMPLES  # 1 s of messages
    sent = dropped = 0
    t0 = time.perf_counter()
    k = 0
    while True:
        now = time.perf_counter() - t0
        if now >= duration_s:
            break
        if paced_rate_hz is None:
            if driver._queue.qsize() > 50 * 4:
                time.sleep(0.0005)
                continue
        else:
            due = int(now * rate) // _MESSAGE_SAMPLES
            if k >= due:
                time.sleep(0.002)
                continue
            if driver._queue.qsize() > backlog_limit * 4:
                k += 1
                sent += _MESSAGE_SAMPLES
                dropped += _MESSAGE_SAMPLES
                continue
        feed.emit(k * _MESSAGE_SAMPLES, messages[k % len(messages)])
        k += 1
        sent += _MESSAGE_SAMPLES
    driver.stop()
    elapsed_s = time.perf_counter() - t0
    stop.set()
    thread.join()
    counts = acquisition.counts()
    driver.close()
    processed = counts.received_samples
    return processed / elapsed_s, max(dropped, counts.dropped_samples), reader_lost


def ppk2_parse_rate(duration_s: float) -> float:
    """Samples/s the PPK2 driver's word parser, ring, edges and energy take, flat out."""
    from tinybench_gui.devices.energy.ppk2 import Ppk2Driver
    from tinybench_gui.devices.sim.sim_ppk2 import encode_samples
    from tinybench_gui.streams.acquisition import Acquisition
    from tinybench_gui.streams.ring_buffer import SampleRing

    n = 100_000  # 1 s at 100 kS/s, re-sent with the counter continuing
    rng = np.random.default_rng(5)
    current = 0.004 + 0.0005 * rng.standard_normal(n)
    logic = np.ones(n, np.uint8)
    logic[::10_000] = 0  # short pulses on D0
    chunks = [encode_samples(current, logic, first) for first in range(64)]
    driver = Ppk2Driver("unused")
    acquisition = Acquisition(SampleRing(1 << 21), supply_voltage_v=1.8, lines=(0, 1))
    driver._sink = acquisition.push  # the reader thread's hand-off, without a port
    t0 = time.perf_counter()
    k = 0
    while time.perf_counter() - t0 < duration_s:
        data = chunks[(k * n) % 64]
        for i in range(0, len(data), 65_536):  # the driver reads at most 64 KiB at a time
            driver._on_bytes(data[i : i + 65_536])
        k += 1
    return acquisition.counts().received_samples / (time.perf_counter() - t0)


def ingest_figures(quick: bool) -> list[FigureRow]:
    """The highest rate the acquisition path sustains, and drops at 2 MS/s."""
    duration_s = 5.0 if quick else 60.0
    rate, _, _ = ingest(duration_s, paced_rate_hz=None)
    _, dropped, reader_lost = ingest(duration_s, paced_rate_hz=INGEST_BASELINE_HZ)
    ppk2_rate = ppk2_parse_rate(min(duration_s, 10.0))
    return [
        FigureRow(
            name="ingest: acquisition path, flat out",
            value=rate,
            unit="S/s",
            baseline=INGEST_BASELINE_HZ,
            target=1.0,
            note=f"{duration_s:g} s of Joulescope messages (I, V, GPI0, GPI1) through the driver, "
            "ring, edges and energy while a reader follows the ring; baseline: JS110 2 MS/s",
        ),
        FigureRow(
            name="ingest: dropped samples at 2 MS/s",
            value=float(dropped),
            unit="samples",
            target=0.0,
            higher_is_better=False,
            note=f"paced {duration_s:g} s with a 1 s instrument buffer; the ring reader lost "
            f"{reader_lost} samples (a slow reader loses its own, never the writer's)",
        ),
        FigureRow(
            name="ingest: PPK2 byte parsing, flat out",
            value=ppk2_rate,
            unit="S/s",
            baseline=100_000.0,
            target=1.0,
            note="u32 words -> counter check, calibration, D0-D7 -> ring, edges, energy; "
            "baseline: the PPK2's 100 kS/s",
        ),
    ]


FIGURES: dict[str, tuple[FigureFunction, str]] = {
    "energy-accuracy": (energy_accuracy, "window energy vs SimBench ground truth per instrument"),
    "energy-ingest": (ingest_figures, "highest sample rate the acquisition path sustains"),
}
