"""SimWorld: the physical world of the simulated bench, with exact ground truth.

The simulated DUT reports what it does (timestamp pulses, timed inferences,
UART traffic) to this world through its activity sink; the simulated energy
monitors sample the world the way the real instruments sample a rail:

- the DUT rail current is piecewise constant: idle current while powered,
  plus a per-layer shape during each inference, plus UART activity, plus
  injected spikes. ``sample`` returns the mean current of each sample interval
  (computed from the exact charge function) with optional white noise;
- the timestamp pin (bit 0) is a wire with exact edge times: it idles high and
  goes low for ``hold_s`` at each pulse; the optional inference pin (bit 1) is
  high during each inference.

Because the model is piecewise constant, the world knows the exact energy of
any interval: ``energy_between(t0, t1)``. Time is the world clock in seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TIMESTAMP_BIT = 0
INFERENCE_BIT = 1

# A made-up but plausible per-layer shape of a small CNN on a Cortex-M4 at
# 120 MHz: (fraction of the inference time, current in A while that layer runs).
DEFAULT_LAYER_PROFILE: tuple[tuple[float, float], ...] = (
    (0.05, 0.0062),
    (0.22, 0.0081),
    (0.18, 0.0074),
    (0.20, 0.0079),
    (0.15, 0.0070),
    (0.12, 0.0066),
    (0.08, 0.0058),
)


@dataclass(frozen=True, slots=True)
class PowerModel:
    """Currents of the simulated DUT rail, in A."""

    idle_current_a: float = 0.0021
    uart_current_a: float = 0.0004
    layer_profile: tuple[tuple[float, float], ...] = DEFAULT_LAYER_PROFILE
    noise_fraction: float = 0.01  # sigma of white noise, relative to the current
    # Random current spikes during inferences, for spike-hunting practice (0: none).
    spike_rate_hz: float = 0.0
    spike_current_a: float = 0.040
    spike_width_s: float = 50e-6


@dataclass(frozen=True, slots=True)
class TruthPulse:
    """A timestamp pulse: the pin low from ``fall_s`` to ``rise_s``."""

    fall_s: float
    rise_s: float


@dataclass(frozen=True, slots=True)
class TruthWindow:
    """A timed window: the energy between two timestamp pulses' falling edges."""

    start: TruthPulse
    stop: TruthPulse
    inferences: int
    energy_j: float

    @property
    def duration_s(self) -> float:
        """Seconds between the two falling edges."""
        return self.stop.fall_s - self.start.fall_s


class _Breakpoints:
    """The rail current as sorted change points; exact charge at any time."""

    def __init__(self) -> None:
        self._times = np.empty(0)
        self._deltas = np.empty(0)
        self._pending_t: list[float] = []
        self._pending_d: list[float] = []
        self._current = np.empty(0)  # current after each breakpoint
        self._charge = np.empty(0)  # charge up to each breakpoint

    def add(self, t_s: float, delta_a: float) -> None:
        self._pending_t.append(t_s)
        self._pending_d.append(delta_a)

    def _compile(self) -> None:
        if not self._pending_t:
            return
        times = np.concatenate([self._times, self._pending_t])
        deltas = np.concatenate([self._deltas, self._pending_d])
        self._pending_t.clear()
        self._pending_d.clear()
        # Nearly sorted input: the stable (tim)sort is linear on it.
        order = np.argsort(times, kind="stable")
        self._times, self._deltas = times[order], deltas[order]
        self._current = np.cumsum(self._deltas)
        seg = np.diff(self._times, append=self._times[-1]) * self._current
        self._charge = np.concatenate([[0.0], np.cumsum(seg)[:-1]])

    def charge(self, t_s: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Exact charge in C from the first breakpoint to each time."""
        self._compile()
        if self._times.size == 0:
            return np.zeros_like(t_s)
        k = np.searchsorted(self._times, t_s, side="right") - 1
        inside = k >= 0
        kk = np.maximum(k, 0)
        q = self._charge[kk] + self._current[kk] * (t_s - self._times[kk])
        return np.where(inside, q, 0.0)


class _Wire:
    """A digital line as a sorted list of toggle times (starting at ``idle``)."""

    def __init__(self, idle: int) -> None:
        self.idle = idle
        self._toggles: list[float] = []
        self._array = np.empty(0)
        self._dirty = False

    def add_pulse(self, t0_s: float, t1_s: float) -> None:
        self._toggles.extend((t0_s, t1_s))
        self._dirty = True

    def level(self, t_s: npt.NDArray[np.float64]) -> npt.NDArray[np.uint8]:
        if self._dirty:
            self._array = np.sort(np.asarray(self._toggles, dtype=np.float64))
            self._dirty = False
        odd = np.searchsorted(self._array, t_s, side="right") & 1
        return (odd ^ self.idle).astype(np.uint8)


class SimWorld:
    """The simulated DUT rail and its pins, shared by the simulated bench's devices.

    It is the activity sink of the simulated DUT (``timestamp_pulse``,
    ``inference``, ``uart``) and the signal source of the simulated monitors
    (``sample``). Thread-safe: the DUT and one monitor call it from their threads.

    Parameters
    ----------
    model:
        Currents of the rail.
    seed:
        Seed of the noise generator (runs are reproducible).
    clock:
        Seconds, monotonic; by default ``time.monotonic`` relative to creation.
    """

    def __init__(
        self,
        model: PowerModel | None = None,
        *,
        seed: int = 1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.model = model or PowerModel()
        self._origin_s = time.monotonic()
        self._clock = clock or (lambda: time.monotonic() - self._origin_s)
        self._lock = threading.Lock()
        self._rail = _Breakpoints()
        self._timestamp = _Wire(idle=1)
        self._inference = _Wire(idle=0)
        self._rng = np.random.default_rng(seed)
        self._spike_rng = np.random.default_rng(seed + 1)
        self.spikes: list[float] = []  # start times of the injected spikes
        self.supply_voltage_v = 1.8
        self.powered = False
        self.drive_inference_pin = True  # our firmware's optional second pin
        # The pin drops between back-to-back inferences for the loop overhead (th_post,
        # th_pre), so each inference has its own rising and falling edge.
        self.inference_pin_gap_s = 50e-6
        self._power_listeners: list[Callable[[bool], None]] = []
        self.pulses: list[TruthPulse] = []
        self.inferences: list[tuple[float, float]] = []

    def clock(self) -> float:
        """World time in seconds."""
        return self._clock()

    # -- power (driven by the energy monitor) ---------------------------------------------
    def add_power_listener(self, listener: Callable[[bool], None]) -> None:
        """Call ``listener(on)`` when the monitor switches the DUT supply (the DUT boots)."""
        self._power_listeners.append(listener)

    def set_power(self, on: bool, *, voltage_v: float | None = None) -> None:
        """Switch the DUT supply (a monitor's ``pwr on``) at the current world time."""
        with self._lock:
            if voltage_v is not None:
                self.supply_voltage_v = voltage_v
            if on == self.powered:
                return
            self.powered = on
            t = self.clock()
            self._rail.add(t, self.model.idle_current_a if on else -self.model.idle_current_a)
        for listener in self._power_listeners:
            listener(on)

    # -- activity sink (called by the simulated DUT) --------------------------------------
    def timestamp_pulse(self, t_s: float, hold_s: float) -> None:
        """The DUT's timestamp pin goes low at ``t_s`` for ``hold_s``."""
        with self._lock:
            self._timestamp.add_pulse(t_s, t_s + hold_s)
            self.pulses.append(TruthPulse(t_s, t_s + hold_s))

    def inference(self, t0_s: float, t1_s: float) -> None:
        """One timed inference ran from ``t0_s`` to ``t1_s`` (per-layer current shape)."""
        with self._lock:
            self.inferences.append((t0_s, t1_s))
            if self.drive_inference_pin:
                self._inference.add_pulse(t0_s, self._pin_end(t0_s, t1_s))
            if self.model.spike_rate_hz > 0:
                count = self._spike_rng.poisson(self.model.spike_rate_hz * (t1_s - t0_s))
                for t in self._spike_rng.uniform(t0_s, t1_s, count):
                    self._rail.add(float(t), self.model.spike_current_a)
                    self._rail.add(float(t) + self.model.spike_width_s, -self.model.spike_current_a)
                    self.spikes.append(float(t))
            t = t0_s
            span = t1_s - t0_s
            total = sum(f for f, _ in self.model.layer_profile)
            for fraction, current_a in self.model.layer_profile:
                t_next = t + span * fraction / total
                extra = current_a - self.model.idle_current_a
                self._rail.add(t, extra)
                self._rail.add(t_next, -extra)
                t = t_next

    def _pin_end(self, t0_s: float, t1_s: float) -> float:
        return t1_s - min(self.inference_pin_gap_s, 0.1 * (t1_s - t0_s))

    def uart(self, t0_s: float, t1_s: float) -> None:
        """UART activity (the DUT sending or receiving) from ``t0_s`` to ``t1_s``."""
        self.add_current(t0_s, t1_s, self.model.uart_current_a)

    def add_current(self, t0_s: float, t1_s: float, current_a: float) -> None:
        """Add ``current_a`` to the rail between two times (spikes for debugging practice)."""
        with self._lock:
            self._rail.add(t0_s, current_a)
            self._rail.add(t1_s, -current_a)

    def inject_spikes(self, times_s: Sequence[float], width_s: float, current_a: float) -> None:
        """Add rectangular current spikes starting at ``times_s``."""
        for t in times_s:
            self.add_current(t, t + width_s, current_a)

    # -- sampling (called by the simulated monitors) ----------------------------------------
    def sample(
        self, t0_s: float, n: int, sample_rate_hz: float, *, noise: bool = True
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
        """Mean current of ``n`` sample intervals from ``t0_s``, and the pins at their starts.

        Returns ``(current_a, pins)`` where ``pins`` has the timestamp pin in bit 0
        and the inference pin in bit 1.
        """
        edges = t0_s + np.arange(n + 1, dtype=np.float64) / sample_rate_hz
        with self._lock:
            charge = self._rail.charge(edges)
            pins = self._timestamp.level(edges[:-1]) << TIMESTAMP_BIT
            pins |= self._inference.level(edges[:-1]) << INFERENCE_BIT
            current = np.diff(charge) * sample_rate_hz
            if noise and self.model.noise_fraction > 0:
                current += self._rng.standard_normal(n) * (self.model.noise_fraction * current)
        return current, pins.astype(np.uint8)

    # -- ground truth ------------------------------------------------------------------------
    def energy_between(self, t0_s: float, t1_s: float) -> float:
        """Exact energy in J drawn from the rail between two world times (no noise)."""
        with self._lock:
            q = self._rail.charge(np.array([t0_s, t1_s]))
        return float(q[1] - q[0]) * self.supply_voltage_v

    def truth_windows(self) -> list[TruthWindow]:
        """Timed windows: pairs of pulses with at least one inference between them.

        Pairs are taken from the last pulse backwards: every ``infer`` ends with its stop
        pulse, while its warm-ups run *before* its start pulse and the boot and
        ``timestamp`` pulses come first, so pairing from the end never mistakes the gap
        between two windows for a window.
        """
        windows: list[TruthWindow] = []
        pulses = sorted(self.pulses, key=lambda p: p.fall_s)
        starts = [t0 for t0, _ in self.inferences]
        k = len(pulses) - 1
        while k >= 1:
            a, b = pulses[k - 1], pulses[k]
            count = sum(1 for t in starts if a.fall_s <= t < b.fall_s)
            if count:
                windows.append(TruthWindow(a, b, count, self.energy_between(a.fall_s, b.fall_s)))
                k -= 2
            else:
                k -= 1
        return windows[::-1]

    def truth_inferences(self) -> list[tuple[float, float, float]]:
        """Every inference as ``(t0_s, t1_s, energy_j)`` over the time its pin is high."""
        spans = [(t0, self._pin_end(t0, t1)) for t0, t1 in self.inferences]
        return [(t0, t1, self.energy_between(t0, t1)) for t0, t1 in spans]
