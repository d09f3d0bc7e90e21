"""A simulated Nordic PPK2 serving the instrument's bytes on a pty.

It answers GetMetadata with an invertible calibration (GS=0, GI=1, O=S=I=0,
UG=1, Nordic's default resistors), so the driver's real formula turns the
encoded ADC values back into the world's current up to ADC quantisation. While
streaming it samples the ``SimWorld`` at 100 kS/s, ``lag_s`` behind the world
clock (the DUT reports its activity before the instrument samples it), and
sends one u32 word per sample: ADC, range, 6-bit counter, D0-D7 (D0 = timestamp
pin, D1 = inference pin). If the host stops reading, samples are lost as on the
real instrument and the counter shows the gap.

Faults for tests: ``stall()`` (stops streaming, stays connected),
``skip(n)`` (loses the next n samples), ``garble(data)`` (inserts bytes).
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from tinybench_gui.devices.sim.pty_instrument import PtyInstrument
from tinybench_gui.devices.sim.world import SimWorld

SAMPLE_RATE_HZ = 100_000
RESISTORS_OHM = (1031.64, 101.65, 10.15, 0.94, 0.043)
_ADC_MULT = 1.8 / 163840


def metadata_text() -> str:
    """The GetMetadata reply: ``Key: value`` lines ending with ``END``."""
    lines = ["Calibrated: 0"]
    for key, values in (
        ("R", RESISTORS_OHM),
        ("GS", (0,) * 5),
        ("GI", (1,) * 5),
        ("O", (0,) * 5),
        ("S", (0,) * 5),
        ("I", (0,) * 5),
        ("UG", (1,) * 5),
    ):
        lines.extend(f"{key}{r}: {value}" for r, value in enumerate(values))
    lines += ["HW: 9173", "IA: 56", "mode: 2", "vdd: 3300", "END"]
    return "\n".join(lines) + "\n"


def encode_samples(
    current_a: npt.NDArray[np.float64], logic: npt.NDArray[np.uint8], first_counter: int
) -> bytes:
    """Words for ``current_a`` with the smallest range whose ADC value fits."""
    resistors = np.asarray(RESISTORS_OHM)
    current = np.maximum(current_a, 0.0)
    adc_all = np.rint(current[:, None] * resistors[None, :] / _ADC_MULT / 4)
    fits = adc_all < 16384
    rng = np.where(fits.any(axis=1), fits.argmax(axis=1), 4)
    adc = np.minimum(adc_all[np.arange(len(current)), rng], 16383).astype(np.uint32)
    counter = ((first_counter + np.arange(len(current))) % 64).astype(np.uint32)
    words = adc | (rng.astype(np.uint32) << 14) | (counter << 18) | (logic.astype(np.uint32) << 24)
    return bytes(words.astype("<u4").tobytes())


class SimPpk2(PtyInstrument):
    """A PPK2 on a pty, sampling ``world``."""

    _PACED_BYTES_PER_SAMPLE = 4
    _PACED_MAX_SAMPLES = 50_000

    def __init__(self, world: SimWorld, *, lag_s: float = 0.3) -> None:
        super().__init__(world, lag_s=lag_s, max_backlog=400_000, thread_name="sim-ppk2")
        self.vdd_mv = 3300
        self.streaming = False
        self._counter = 0
        self._skip = 0
        self.lost_samples = 0
        self._serve()

    # -- faults --------------------------------------------------------------------------------
    def skip(self, samples: int) -> None:
        """Lose the next ``samples`` samples (the counter jumps)."""
        self._skip += samples

    # -- device ----------------------------------------------------------------------------------
    def _sending(self) -> bool:
        return self.streaming

    def _rate_hz(self) -> float:
        return SAMPLE_RATE_HZ

    def _commands(self, data: bytes) -> bytes:
        """Act on complete commands in ``data``; return an incomplete tail."""
        i = 0
        while i < len(data):
            op = data[i]
            need = {0x0D: 3, 0x11: 2, 0x0C: 2, 0x25: 6}.get(op, 1)
            if i + need > len(data):
                return data[i:]
            args = data[i + 1 : i + need]
            i += need
            if op == 0x19:
                self.pty.write(metadata_text().encode("ascii"))
            elif op == 0x0D:
                self.vdd_mv = struct.unpack(">H", args)[0]
                self.world.supply_voltage_v = self.vdd_mv / 1000
            elif op == 0x0C:
                self.world.set_power(args == b"\x01", voltage_v=self.vdd_mv / 1000)
            elif op == 0x06:
                self.streaming = True
                self._restart_clock()
                self._counter = 0
            elif op == 0x07:
                self.streaming = False
            elif op == 0x20:
                self.streaming = False
                self.pty.discard_backlog()
        return b""

    def _send(
        self, first: int, current_a: npt.NDArray[np.float64], pins: npt.NDArray[np.uint8]
    ) -> None:
        cut = min(self._skip, len(current_a))
        if cut:
            self._skip -= cut
            self._counter += cut
            self.lost_samples += cut
        sent = len(current_a) - cut
        if not self._write_stream(encode_samples(current_a[cut:], pins[cut:], self._counter)):
            # Host not reading: the instrument's buffer overflows and samples are lost.
            self.lost_samples += sent
        self._counter += sent
