"""Energy mode: the DUT behind an interface board, powered and measured by an energy monitor.

As the rules say (benchmark.md §2.1, §3): 5 windows of at least 10 s; each
window's energy is taken between *its own* start and stop timestamp pulses
(falling edges; the pulses are paired per window, never "the last two" of the
run); energy per inference = window energy / iterations; the score is the median
over the windows, with per-window power. Where the DUT also drives the
inference pin, every inference gets its energy, duration, mean and peak
current, p50/p95/p99 and outliers against the median inference.

Validity checks, live and in the result: window length, 5 windows, edges paired
(missing or extra edges), dropped samples <= 0.1 % (EEMBC's threshold), range
saturation, pulse width (>= 1 µs; EEMBC filters below 50 µs). A monitor failure
or a DUT that does not boot ends the run invalid with the reason; every sample
already taken stays in the run file.

``prepare_energy`` runs before the DUT is identified (the DUT is off until the
monitor powers it) and returns the teardown the runner calls at the end.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.devices.energy.monitor import EnergyMonitor, MonitorError
from tinybench_gui.devices.io_board import ENERGY_DUT_BAUD, ArduinoIoManager, InterfaceBoard
from tinybench_gui.devices.transport import LinkError, LinkTimeoutError
from tinybench_gui.protocol.replies import InferStart, Reply, WarmupDone
from tinybench_gui.runner.artifacts import mlc_record
from tinybench_gui.runner.context import RunContext, RunInvalidError
from tinybench_gui.runner.energy_report import NOT_FIVE, NOT_VALID, TOO_SHORT, energy_report
from tinybench_gui.runner.events import AcquisitionStarted, WindowFinished
from tinybench_gui.runner.inputs import window_inputs
from tinybench_gui.runner.plan import RULES_MIN_WINDOW_S, RULES_WINDOWS
from tinybench_gui.runner.results import WindowResult
from tinybench_gui.runner.state import RunState
from tinybench_gui.runner.timing import iterations_for
from tinybench_gui.storage.png import plot_band
from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.decimate import TraceSummary
from tinybench_gui.streams.energy import (
    InferenceFigure,
    MarkedEdge,
    Pulse,
    inference_figures,
    pulses,
)
from tinybench_gui.streams.ring_buffer import SampleRing

SESSION_KEY = "energy"
BOOT_LIMIT_S = 5.0  # the EnergyRunner waits this long for m-ready after power-on
DROP_LIMIT = 0.001  # EEMBC emon-drop-thresh-pct=0.1
MIN_PULSE_S = 1e-6  # EEMBC: the timestamp pin is held low at least 1 µs
EEMBC_HOLD_FILTER_S = 50e-6  # EnergyRunner's timestamp-hold-us=50 ignores shorter pulses
_SETTLE_S = 0.3  # samples after the stop pulse before a window is closed (extra edges)
_EDGE_WAIT_S = 5.0  # how long to wait for a window's pulses once the DUT answered
_PROBE_TARGET_S = 0.5
_PNG_COLUMNS = 1000

PERFORMANCE_BUILD_ON_ENERGY_RUN = (
    "The DUT runs the performance build (m-timestamp-mode-performance): it prints "
    "m-lap-us- lines and never pulses the timestamp pin, so no energy window can be "
    "found. Fix: flash the energy build (EE_CFG_ENERGY_MODE 1, 9600 Bd) and run it "
    "through the interface board."
)


@dataclass
class EnergySession:
    """The monitor and what listens to it, for the length of one run."""

    monitor: EnergyMonitor
    acquisition: Acquisition
    trace: TraceSummary
    supply_voltage_v: float
    sample_rate_hz: float
    started_s: float
    time_source: Callable[[], float] = time.monotonic
    writer: Any = None
    boot_lines: list[str] = field(default_factory=list)

    @property
    def timestamp_line(self) -> int:
        """The line (or event pseudo-line) of the timestamp pin."""
        return self.monitor.capabilities.timestamp_line

    def index_now(self) -> int:
        """Sample index the instrument is taking now, from the bench's time source.

        Host time for real instruments; the simulated bench hands its own clock,
        which may skip ahead of host time.
        """
        return int((self.time_source() - self.started_s) * self.sample_rate_hz)


def _session(ctx: RunContext) -> EnergySession:
    session = ctx.extras.get(SESSION_KEY)
    if not isinstance(session, EnergySession):
        raise RunInvalidError("energy mode needs an energy monitor (--monitor)")
    return session


def _as_board(channel: CommandChannel) -> InterfaceBoard | ArduinoIoManager | None:
    return channel if isinstance(channel, InterfaceBoard | ArduinoIoManager) else None


# -- before the DUT is identified -----------------------------------------------------------
def prepare_energy(ctx: RunContext, channel: CommandChannel) -> Callable[[], None]:
    """Open and configure the monitor, power the DUT, check it boots, start acquiring."""
    monitor = ctx.resources.devices.get("energy_monitor")
    if monitor is None:
        raise RunInvalidError(
            "energy mode needs an energy monitor. Fix: pass --monitor lpm01a:PORT, "
            "ppk2:PORT or js220[:SERIAL] (or --sim --monitor ...)"
        )
    options = ctx.plan.options
    voltage_v = float(options.get("supply_voltage_v", "1.8"))
    rate_text = options.get("sample_rate_hz")
    caps = monitor.capabilities
    ctx.set_state(RunState.PREPARING, f"opening the {caps.model} on {monitor.port}")
    writer = ctx.resources.devices.get("run_writer")

    def teardown() -> None:
        try:
            monitor.stop()
            if caps.power_switching:
                monitor.power(False)
            release = getattr(monitor, "release", None)
            if callable(release):
                release()
        except (MonitorError, LinkError, OSError, TimeoutError) as exc:
            ctx.log(f"energy monitor teardown: {exc}")
        finally:
            monitor.close()

    try:
        monitor.open()
        monitor.configure(
            sample_rate_hz=float(rate_text) if rate_text else None, supply_voltage_v=voltage_v
        )
        rate = monitor.sample_rate_hz
        lines: tuple[int, ...] = ()
        if not caps.timestamp_events:
            lines = tuple(x for x in (caps.timestamp_line, caps.inference_line) if x is not None)
        ring = SampleRing(int(min(rate * 10, 1 << 23)), with_voltage=caps.voltage_measured)
        acquisition = Acquisition(
            ring,
            supply_voltage_v=voltage_v,
            lines=lines,
            saturation_current_a=caps.saturation_current_a,
        )
        trace = TraceSummary(rate, supply_voltage_v=voltage_v)
        acquisition.add_consumer(trace)
        if writer is not None:
            acquisition.add_consumer(writer.append_samples)
            writer.update_provenance(
                {
                    "energy_monitor": caps.model,
                    "energy_monitor_port": monitor.port,
                    "energy_sample_rate_hz": rate,
                    "supply_voltage_v": voltage_v,
                    "voltage_measured": caps.voltage_measured,
                    "timestamp_edge": caps.timestamp_edge,
                }
            )
        ctx.log(
            f"{caps.model} on {monitor.port}: {rate:g} samples/s, supply {voltage_v:g} V "
            f"({'measured' if caps.voltage_measured else 'set-point only'}), timestamp "
            f"{'events' if caps.timestamp_events else f'line {caps.timestamp_line}'}, "
            f"{caps.timestamp_edge} edge"
        )
        board = _as_board(channel)
        boot_lines: list[str] = []
        if board is not None:
            ctx.set_state(RunState.PREPARING, "checking the interface board")
            ctx.log(f"interface board: {board.name()}")
            dut_baud = int(options.get("dut_baud", str(ENERGY_DUT_BAUD)))
            if board.sync_baud(dut_baud):
                ctx.log(f"interface board DUT side set to {dut_baud} Bd (setbaud)")
        if caps.power_switching:
            ctx.set_state(RunState.PREPARING, "powering the DUT")
            monitor.power(False)
            time.sleep(0.2)
            if board is not None:
                board.purge()
            monitor.power(True)
            if board is not None:
                boot_lines = _wait_for_boot(ctx, board)
        else:
            ctx.log(f"the {caps.model} cannot switch the supply: the DUT is powered by the user")
        time_source = ctx.resources.devices.get("time_source", time.monotonic)
        started_s = time_source()
        started_host_s = time.time()
        monitor.start(acquisition.push)
        if writer is not None:
            writer.add_time_map(started_host_s, 0)  # the anchor every view counts from
        ctx.emit(AcquisitionStarted(caps.model, monitor.port, rate, acquisition, started_host_s))
        ctx.extras[SESSION_KEY] = EnergySession(
            monitor,
            acquisition,
            trace,
            voltage_v,
            rate,
            started_s,
            time_source,
            writer,
            boot_lines,
        )
    except MonitorError as exc:
        teardown()
        raise RunInvalidError(str(exc)) from exc
    except BaseException:
        teardown()
        raise
    return teardown


def _wait_for_boot(ctx: RunContext, board: InterfaceBoard | ArduinoIoManager) -> list[str]:
    """The DUT's boot banner through the board, within the EnergyRunner's 5 s.

    Whether a board relays output nobody asked for is not documented; if no banner
    came, one quick ``name`` tells a DUT that booted silently from one that did not.
    """
    try:
        lines = board.wait_for_dut_ready(BOOT_LIMIT_S)
    except LinkTimeoutError as exc:
        board.purge()
        try:
            answer = board.transact("name", line_timeout_s=0.5)
        except LinkError:
            raise exc from None
        if not any(line.startswith("m-name-dut-") for line in answer.lines):
            raise exc from None
        ctx.log("no boot banner was relayed, but the DUT answers `name`: it booted")
        return list(answer.lines)
    ctx.log("DUT booted: " + " | ".join(lines))
    return lines


# -- the procedure -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WindowMeasurement:
    """The pulses one ``infer`` produced, paired, and what was wrong with them."""

    pulses: tuple[Pulse, ...]
    edges: tuple[MarkedEdge, ...]
    problem: str | None

    @property
    def start(self) -> MarkedEdge | None:
        """The start pulse's falling edge."""
        return self.pulses[0].fall if self.pulses else None

    @property
    def stop(self) -> MarkedEdge | None:
        """The stop pulse's falling edge (the last pulse of the window)."""
        return self.pulses[-1].fall if len(self.pulses) >= 2 else None


def _check_monitor(ctx: RunContext, session: EnergySession) -> None:
    failure = session.monitor.failure
    if failure is not None:
        _fail(ctx, session, f"{failure}; every sample taken so far is kept in the run file")


def _fail(ctx: RunContext, session: EnergySession, reason: str) -> None:
    ctx.summary.errors.append(f"{NOT_VALID}  {reason}")
    score_energy(ctx, session)
    raise RunInvalidError(reason)


def _measure_window(
    ctx: RunContext, session: EnergySession, iterations: int, warmups: int, name: str
) -> tuple[WindowMeasurement, float]:
    """Run ``infer N W`` and collect the pulses it made; returns them and the wall time."""
    dut = ctx.require_dut()
    acquisition = session.acquisition
    # Let the instrument deliver everything up to now first: a pulse of an earlier
    # command (the identification's `timestamp` probe) may still be in its buffers.
    caught_up_index = session.index_now()
    deadline = time.monotonic() + _EDGE_WAIT_S
    while acquisition.ring.end_index < caught_up_index and time.monotonic() < deadline:
        _check_monitor(ctx, session)
        acquisition.wait_for(caught_up_index, 0.05)
    edge_mark = len(acquisition.edges())
    dropped_before = acquisition.counts().dropped_samples
    if session.writer is not None:
        session.writer.add_time_map(time.time(), acquisition.ring.end_index)

    def on_reply(reply: Reply) -> None:
        if isinstance(reply, WarmupDone | InferStart):
            ctx.set_state(RunState.MEASURING, name)

    t0 = time.monotonic()
    timeout_s = max(
        30.0, 2.5 * ctx.extras.get("energy_inference_s", 1.0) * (iterations + warmups) + 10
    )
    dut.infer(iterations, warmups, line_timeout_s=timeout_s, on_reply=on_reply)
    # The stop pulse came before the DUT's answer: once the instrument's samples reach
    # the moment of the answer, the window's pulses have all been delivered.
    answer_index = session.index_now()
    wall_s = time.monotonic() - t0
    line = session.timestamp_line
    rate = session.sample_rate_hz
    settle = int(_SETTLE_S * rate)
    deadline = time.monotonic() + _EDGE_WAIT_S

    def window_pulses() -> list[Pulse]:
        return pulses(acquisition.edges(edge_mark), line)

    while True:
        _check_monitor(ctx, session)
        found = window_pulses()
        end = acquisition.ring.end_index
        now = time.monotonic()
        caught_up = end >= answer_index
        if len(found) >= 2 and end >= found[-1].fall.sample_index + settle and caught_up:
            break
        if (now > deadline and caught_up) or now > deadline + 60:
            break
        acquisition.wait_for(end + max(1, settle // 4), 0.05)
    edges = tuple(acquisition.edges(edge_mark))
    found = window_pulses()
    problem = None
    lost = acquisition.counts().dropped_samples - dropped_before
    if len(found) < 2 and lost:
        problem = (
            f"{len(found)} timestamp pulse(s) where 2 were expected: {lost} samples were dropped "
            "during this window and the edge may have been among them (the host did not read "
            "the instrument fast enough, or the USB link failed)"
        )
    elif len(found) < 2:
        problem = (
            f"{len(found)} timestamp pulse(s) where 2 were expected (missing timestamp edge): "
            "check the timestamp wire (DUT D7 to LPM01A D7 / Joulescope GPI0 / PPK2 D0), its "
            "level shifter, and that the firmware calls th_timestamp()"
        )
    elif len(found) > 2:
        problem = (
            f"{len(found)} timestamp pulses where 2 were expected (extra edge): a glitch or "
            "another signal on the timestamp wire; the window's energy is not trusted"
        )
    return WindowMeasurement(tuple(found), edges, problem), wall_s


def _robust_outliers(values: np.ndarray, floor: float) -> np.ndarray:
    """Indices more than 5 robust standard deviations (and ``floor``) above or below the median."""
    median = float(np.median(values))
    sigma = float(np.median(np.abs(values - median))) * 1.4826
    return np.flatnonzero(np.abs(values - median) > max(5 * sigma, floor))


def _per_inference(
    figures: list[InferenceFigure], iterations: int
) -> tuple[dict[str, Any], list[int]]:
    """p50/p95/p99 of the inferences' energy, and the outliers against the median inference.

    An inference is an outlier when its energy is off the median by more than 5 robust
    standard deviations and 2 %, or its peak current by more than that and 25 % (a
    short spike adds little energy but shows in the peak).
    """
    energies = np.array([f.energy_j for f in figures]) * 1e6
    peaks = np.array([f.peak_current_a for f in figures])
    by_energy = _robust_outliers(energies, 0.02 * abs(float(np.median(energies))))
    by_peak = _robust_outliers(peaks, 0.25 * abs(float(np.median(peaks))))
    outliers = sorted({int(k) for k in by_energy} | {int(k) for k in by_peak})
    durations = np.array([f.duration_s for f in figures])
    figure = {
        "count": len(figures),
        "expected": iterations,
        "p50_uj": float(np.percentile(energies, 50)),
        "p95_uj": float(np.percentile(energies, 95)),
        "p99_uj": float(np.percentile(energies, 99)),
        "median_duration_s": float(np.median(durations)),
        "median_peak_current_a": float(np.median(peaks)),
        "max_peak_current_a": float(peaks.max()),
        "mean_current_a": float(np.mean([f.mean_current_a for f in figures])),
        "outliers": len(outliers),
        "outlier_indices": outliers[:50],
    }
    return figure, outliers


def _write_png(
    ctx: RunContext, session: EnergySession, window: WindowResult, lo: int, hi: int
) -> None:
    pad = max(1, (hi - lo) // 50)
    rows = session.trace.window(max(0, lo - pad), hi + pad)
    if rows.shape[0] == 0:
        return
    groups = max(1, math.ceil(rows.shape[0] / _PNG_COLUMNS))
    n = rows.shape[0] // groups * groups
    if n == 0:
        return
    shaped = rows[:n].reshape(-1, groups, 5)
    lo_a = shaped[:, :, 1].min(axis=1) * 1e3
    hi_a = shaped[:, :, 3].max(axis=1) * 1e3
    mean_a = shaped[:, :, 2].mean(axis=1) * 1e3
    path = ctx.plan.results_dir / f"energy_inf_{window.index - 1:03d}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    span_s = n * session.trace.bin_samples / session.sample_rate_hz
    per_inference_uj = (window.energy_per_inference_j or 0.0) * 1e6
    title = f"window {window.index}: {per_inference_uj:.4g} uJ/inf"
    path.write_bytes(plot_band(lo_a, hi_a, mean_a, unit="mA", span_s=span_s, title=title))


def run_energy(ctx: RunContext) -> None:
    """The energy mode procedure."""
    session = _session(ctx)
    dut = ctx.require_dut()
    benchmark = ctx.benchmark
    assert benchmark is not None
    assert ctx.identity is not None
    if ctx.identity.timestamp_mode == "performance":
        raise RunInvalidError(PERFORMANCE_BUILD_ON_ENERGY_RUN)
    plan = ctx.plan
    caps = session.monitor.capabilities
    inputs = window_inputs(plan, benchmark)
    default = benchmark.infer["energy"]
    warmups = default.warmups if plan.warmups is None else plan.warmups
    if not caps.voltage_measured:
        ctx.summary.notes.append(
            f"Energy derived from the {caps.model}'s supply set-point of "
            f"{session.supply_voltage_v:g} V: the rail voltage is not measured."
        )
    if caps.inference_line is None:
        ctx.summary.notes.append(
            f"Per-inference figures not available: the {caps.model} has no second sampled line "
            "for the inference pin; window figures only."
        )

    ctx.set_state(RunState.DOWNLOADING, inputs[0].name)
    dut.load(inputs[0].payload, cancelled=lambda: ctx.cancelled)
    iterations = plan.iterations
    if iterations is None:
        ctx.set_state(RunState.PREPARING, "measuring the inference time from the timestamp pin")
        iterations = _calibrate(ctx, session)
    else:
        ctx.extras.setdefault("energy_inference_s", 1.0)

    any_inference_pin = False
    for index, item in enumerate(inputs, start=1):
        ctx.check_cancelled()
        _check_monitor(ctx, session)
        ctx.progress(index, len(inputs), item.name)
        if index > 1:
            ctx.set_state(RunState.DOWNLOADING, item.name)
            dut.load(item.payload, cancelled=lambda: ctx.cancelled)
        ctx.set_state(RunState.WARMING_UP if warmups else RunState.MEASURING, item.name)
        measured, _ = _measure_window(ctx, session, iterations, warmups, item.name)
        window, used_pin = _window_result(
            ctx,
            session,
            measured,
            index=index,
            name=item.name,
            iterations=iterations,
            warmups=warmups,
        )
        any_inference_pin = any_inference_pin or used_pin
        ctx.summary.windows.append(window)
        ctx.records.append(_record(window, session, measured))
        ctx.emit(WindowFinished(window))
        if measured.problem:
            ctx.log(f"window {index}: {measured.problem}")
        counts = session.acquisition.counts()
        if counts.drop_fraction > DROP_LIMIT:
            ctx.log(
                f"window {index}: {counts.dropped_samples} samples dropped so far "
                f"({counts.drop_fraction * 100:.3f} %, limit 0.1 %): the run will not be valid"
            )
        if counts.saturated_samples:
            ctx.log(
                f"window {index}: current range saturated on {counts.saturated_samples} samples"
            )
        if 0 < window.runtime_s < plan.min_window_s:
            ctx.log(f"window {index}: {window.runtime_s:.3f} s, under {plan.min_window_s:g} s")
    if caps.inference_line is not None and not any_inference_pin:
        ctx.summary.notes.append(
            "Per-inference figures not available: no edges on the inference pin (the "
            "reference firmware drives only the timestamp pin); window figures only."
        )
    ctx.set_state(RunState.SCORING)
    score_energy(ctx, session)


def _calibrate(ctx: RunContext, session: EnergySession) -> int:
    """Iterations for windows of at least ``min_window_s``, timed by the monitor's edges.

    Windows carry a fixed overhead (the start pulse's hold, UART output before the
    first inference), so the slope between the last two probes is used.
    """
    probe = 1
    spans: list[tuple[int, float]] = []
    for _ in range(6):
        measured, _wall_s = _measure_window(ctx, session, probe, 0, "calibration")
        if measured.start is None or measured.stop is None:
            raise RunInvalidError(f"calibration failed: {measured.problem}")
        span_s = (measured.stop.sample_index - measured.start.sample_index) / session.sample_rate_hz
        spans.append((probe, span_s))
        if span_s >= _PROBE_TARGET_S or probe >= 100_000:
            break
        per_s = max(span_s / probe, 1e-6)
        probe = min(100_000, max(probe * 2, math.ceil(_PROBE_TARGET_S / per_s)))
    (n0, s0), (n1, s1) = spans[-2] if len(spans) > 1 else (0, 0.0), spans[-1]
    per_inference_s = max((s1 - s0) / (n1 - n0), 1e-6)
    ctx.extras["energy_inference_s"] = per_inference_s
    overhead_s = max(0.0, s1 - n1 * per_inference_s)
    iterations = iterations_for(max(ctx.plan.min_window_s - overhead_s, 0.0), per_inference_s)
    ctx.log(
        f"Calibrated from the timestamp pin: {per_inference_s * 1e3:.3f} ms per inference "
        f"(+{overhead_s * 1e3:.1f} ms per window), {iterations} iterations for windows of at "
        f"least {ctx.plan.min_window_s:g} s"
    )
    return iterations


def _window_result(
    ctx: RunContext,
    session: EnergySession,
    measured: WindowMeasurement,
    *,
    index: int,
    name: str,
    iterations: int,
    warmups: int,
) -> tuple[WindowResult, bool]:
    caps = session.monitor.capabilities
    rate = session.sample_rate_hz
    extra: dict[str, Any] = {"edge_polarity": caps.timestamp_edge, "pulses": len(measured.pulses)}
    widths = [p.width_samples() for p in measured.pulses]
    if not caps.timestamp_events:
        extra["pulse_widths_s"] = [None if w is None else w / rate for w in widths]
    if session.writer is not None and measured.edges:
        session.writer.add_edges(
            [e.sample_index for e in measured.edges],
            [e.line for e in measured.edges],
            [1 if e.rising else -1 for e in measured.edges],
        )
    start, stop = measured.start, measured.stop
    if start is None or stop is None:
        extra["problem"] = measured.problem
        return WindowResult(index, name, iterations, warmups, 0.0, extra=extra), False
    runtime_s = (stop.sample_index - start.sample_index) / rate
    energy_j = stop.energy_j - start.energy_j
    extra.update(start_sample=start.sample_index, stop_sample=stop.sample_index)
    if measured.problem:
        extra["problem"] = measured.problem
    used_pin = False
    if caps.inference_line is not None:
        figures = inference_figures(
            measured.edges, caps.inference_line, rate, start.sample_index, stop.sample_index
        )
        if figures:
            used_pin = True
            per, _ = _per_inference(figures, iterations)
            extra["per_inference"] = per
            if session.writer is not None:
                from tinybench_gui.storage.records import InferenceRecord

                for k, f in enumerate(figures):
                    session.writer.add_inference(
                        InferenceRecord(
                            index, k, f.start_index, f.stop_index, f.duration_s, f.energy_j
                        )
                    )
    window = WindowResult(
        index,
        name,
        iterations,
        warmups,
        runtime_s,
        energy_j=energy_j,
        power_w=energy_j / runtime_s if runtime_s > 0 else None,
        extra=extra,
    )
    _write_png(ctx, session, window, start.sample_index, stop.sample_index)
    return window, used_pin


def _record(
    window: WindowResult, session: EnergySession, measured: WindowMeasurement
) -> dict[str, Any]:
    """The MLCommons runner's results.json entry, with 1 ms energy samples of the window."""
    samples: list[float] = []
    start, stop = measured.start, measured.stop
    if start is not None and stop is not None:
        rows = session.trace.window(start.sample_index, stop.sample_index)
        samples = [float(x) for x in rows[:, 4]]
    return mlc_record(
        window.input_name,
        "e",
        {
            "results": [],
            "total_inferences": 1,
            "iterations": window.iterations,
            "warmups": window.warmups,
        },
        power={
            "samples": samples,
            "timestamps": [[k, p.fall.sample_index] for k, p in enumerate(measured.pulses)],
            "extracted_power": window.power_w,
            "voltage": session.supply_voltage_v,
            "sample_rate_hz": session.sample_rate_hz,
            "energy_j": window.energy_j,
        },
    )


def score_energy(ctx: RunContext, session: EnergySession) -> None:
    """Median energy per inference and every validity check."""
    summary = ctx.summary
    measured = [w for w in summary.windows if w.energy_per_inference_j is not None]
    summary.score = (
        statistics.median(w.energy_per_inference_j * 1e6 for w in measured)  # type: ignore[operator]
        if measured
        else None
    )
    summary.score_unit = "uJ/inf."
    errors = summary.errors
    if len(summary.windows) != RULES_WINDOWS or len(measured) != RULES_WINDOWS:
        errors.append(NOT_FIVE)
    if any(w.runtime_s < RULES_MIN_WINDOW_S for w in measured):
        errors.append(TOO_SHORT)
    for w in summary.windows:
        problem = w.extra.get("problem")
        if problem:
            errors.append(f"{NOT_VALID}  Window {w.index}: {problem}.")
        for width in w.extra.get("pulse_widths_s", []):
            if width is not None and width < MIN_PULSE_S:
                errors.append(f"{NOT_VALID}  Window {w.index}: timestamp pulse shorter than 1 us.")
            elif width is not None and width < EEMBC_HOLD_FILTER_S:
                summary.notes.append(
                    f"Window {w.index}: a timestamp pulse of {width * 1e6:.1f} us; the "
                    "EnergyRunner ignores pulses under 50 us (timestamp-hold-us)."
                )
    counts = session.acquisition.counts()
    if counts.drop_fraction > DROP_LIMIT:
        errors.append(
            f"{NOT_VALID}  Dropped {counts.dropped_samples} of "
            f"{counts.received_samples + counts.dropped_samples} samples "
            f"({counts.drop_fraction * 100:.3f} %, limit 0.1 %)."
        )
    if counts.saturated_samples:
        errors.append(
            f"{NOT_VALID}  The current range saturated on {counts.saturated_samples} samples "
            f"(>= {session.monitor.capabilities.saturation_current_a * 1e3:g} mA)."
        )
    summary.metrics.update(
        median_energy_per_inference_uj=summary.score,
        dropped_samples=counts.dropped_samples,
        received_samples=counts.received_samples,
        saturated_samples=counts.saturated_samples,
        energy_monitor=session.monitor.capabilities.model,
        sample_rate_hz=session.sample_rate_hz,
        supply_voltage_v=session.supply_voltage_v,
        voltage_measured=session.monitor.capabilities.voltage_measured,
        timestamp_edge=session.monitor.capabilities.timestamp_edge,
    )
    # Errors can be added twice when a failure scores early and again: keep the first.
    summary.errors = list(dict.fromkeys(errors))
    summary.notes = list(dict.fromkeys(summary.notes))
    summary.report_lines = energy_report(summary)
