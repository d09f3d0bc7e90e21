"""Nordic Power Profiler Kit II driver, written from the byte protocol (instruments.md §3).

Commands are raw bytes without a terminator. The stream is one little-endian u32
per sample at 100 kS/s: bits 0-13 ADC, 14-16 range, 18-23 a 6-bit counter (+1 per
sample), 24-31 the logic inputs D0-D7. Current comes from the ADC value and the
per-range calibration the instrument reports in its metadata. A counter step
other than +1 means samples were lost: the driver counts them and advances the
sample index by the same amount, so the index stays the time base (exact up to
multiples of 64 samples, which a 6-bit counter cannot tell apart).

The PPK2 measures current only; in source-meter mode the rail voltage is the
set-point, and energy is labelled as derived from it.
"""

from __future__ import annotations

import itertools
import struct
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from tinybench_gui.devices.energy.monitor import BlockSink, MonitorCapabilities
from tinybench_gui.devices.energy.serial_driver import SerialMonitorDriver
from tinybench_gui.streams.blocks import SampleBlock

SAMPLE_RATE_HZ = 100_000.0
CMD_GET_METADATA = b"\x19"
CMD_AVERAGE_START = b"\x06"
CMD_AVERAGE_STOP = b"\x07"
CMD_SOURCE_METER = b"\x11\x02"
CMD_AMPERE_METER = b"\x11\x01"
CMD_DUT_ON = b"\x0c\x01"
CMD_DUT_OFF = b"\x0c\x00"
DEFAULT_RESISTORS_OHM = (1031.64, 101.65, 10.15, 0.94, 0.043)
_ADC_MULT = 1.8 / 163840
_RANGES = 5
# Words after a counter gap needed to judge it: lost samples leave one gap and a steady
# counter after it; inserted or lost bytes break the alignment and every word after it.
_JUDGE_WORDS = 16

CAPABILITIES = MonitorCapabilities(
    model="PPK2",
    max_sample_rate_hz=SAMPLE_RATE_HZ,
    voltage_measured=False,
    power_switching=True,
    digital_lines=tuple(range(8)),
    timestamp_line=0,
    timestamp_edge="falling",
    timestamp_events=False,
    inference_line=1,
    saturation_current_a=1.0,
    supply_range_v=(0.8, 5.0),
)


def regulator_command(voltage_mv: int) -> bytes:
    """``0D hi lo``: set the source voltage in mV (big-endian u16)."""
    return b"\x0d" + struct.pack(">H", voltage_mv)


class Ppk2Calibration:
    """Per-range calibration from the metadata (keys ``R0..4 GS GI O S I UG``)."""

    def __init__(self, values: dict[str, float]) -> None:
        def row(key: str, default: float) -> npt.NDArray[np.float64]:
            return np.array([values.get(f"{key}{r}", default) for r in range(_RANGES)])

        self.r = np.array([values.get(f"R{r}", DEFAULT_RESISTORS_OHM[r]) for r in range(_RANGES)])
        self.gs = row("GS", 0.0)
        self.gi = row("GI", 1.0)
        self.o = row("O", 0.0)
        self.s = row("S", 0.0)
        self.i = row("I", 0.0)
        self.ug = row("UG", 1.0)

    def current_a(
        self, adc: npt.NDArray[np.int64], rng: npt.NDArray[np.int64], vdd_mv: float
    ) -> npt.NDArray[np.float64]:
        """Current in A for ADC values and ranges (Nordic's formula, §3.2)."""
        a = adc.astype(np.float64) * 4
        x = (a - self.o[rng]) * _ADC_MULT / self.r[rng]
        return np.asarray(
            self.ug[rng]
            * (x * (self.gs[rng] * x + self.gi[rng]) + self.s[rng] * (vdd_mv / 1000) + self.i[rng])
        )


def parse_metadata(text: str) -> dict[str, float]:
    """``Key: value`` lines up to ``END``; numeric values only, keys as sent."""
    values: dict[str, float] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        try:
            values[key.strip()] = float(value.strip())
        except ValueError:
            continue
    return values


class Ppk2Driver(SerialMonitorDriver):
    """A PPK2 on a serial port URL (device, pty or socket).

    ``stats`` counts counter gaps as dropped samples and skipped or out-of-range
    bytes as garbled.
    """

    _BAUD_RATE = 115200
    _STOP_STREAM = CMD_AVERAGE_STOP
    _STALL_WHAT = "no samples"
    _STALL_FIX = "check the USB cable and the PPK2's power"

    def __init__(self, url: str, *, stall_timeout_s: float = 2.0) -> None:
        super().__init__(url, stall_timeout_s=stall_timeout_s)
        self.metadata: dict[str, float] = {}
        self.calibration = Ppk2Calibration({})
        self.vdd_mv = 3300
        self._pending = b""
        self._counter: int | None = None

    # -- EnergyMonitor -----------------------------------------------------------------------
    @property
    def capabilities(self) -> MonitorCapabilities:
        """What a PPK2 has."""
        return CAPABILITIES

    @property
    def sample_rate_hz(self) -> float:
        """Always 100 kS/s."""
        return SAMPLE_RATE_HZ

    def _identify(self) -> None:
        """Read the calibration metadata (only a PPK2 answers it)."""
        text = self._call(self._read_metadata, "GetMetadata (0x19)", timeout_s=5.0)
        self.metadata = parse_metadata(text)
        if not any(key.startswith("R") for key in self.metadata):
            raise self._error(
                f"metadata without calibration: {text[:80]!r}",
                "GetMetadata (0x19)",
                "check that this port is a PPK2 (USB 1915:C00A)",
            )
        self.calibration = Ppk2Calibration(self.metadata)

    def _read_metadata(self, port: Any) -> str:
        port.reset_input_buffer()
        port.write(CMD_GET_METADATA)
        data = b""
        deadline = time.monotonic() + 2.0
        while b"END" not in data:
            if time.monotonic() > deadline:
                raise self._error(
                    "no metadata within 2 s",
                    "GetMetadata (0x19)",
                    "check that this port is a PPK2 (1915:C00A); with two ports, use the one "
                    "whose USB location ends in 1",
                )
            data += port.read(max(port.in_waiting, 1))
        return data.split(b"END")[0].decode("ascii", errors="replace")

    def _write(self, data: bytes, command: str) -> None:
        self._call(lambda port: port.write(data), command)

    def configure(self, *, sample_rate_hz: float | None, supply_voltage_v: float) -> None:
        """Source-meter mode at ``supply_voltage_v``; the rate is fixed at 100 kS/s."""
        if sample_rate_hz is not None and sample_rate_hz != SAMPLE_RATE_HZ:
            raise self._error(
                f"sample rate {sample_rate_hz:g} Hz not supported",
                fix="the PPK2 streams at 100000 Hz only",
            )
        voltage_mv = round(supply_voltage_v * 1000)
        if not 800 <= voltage_mv <= 5000:
            raise self._error(
                f"supply {supply_voltage_v:g} V out of range", fix="choose 0.8 V to 5.0 V"
            )
        self.vdd_mv = voltage_mv
        self._write(CMD_SOURCE_METER, "SetPowerMode source (11 02)")
        self._write(regulator_command(voltage_mv), f"RegulatorSet {voltage_mv} mV")

    def power(self, on: bool) -> None:
        """DeviceRunningSet: switch the DUT supply."""
        self._write(CMD_DUT_ON if on else CMD_DUT_OFF, f"DeviceRunningSet {int(on)}")

    def start(self, sink: BlockSink) -> None:
        """AverageStart: stream samples to ``sink``."""
        self._begin_stream(sink)
        self._pending = b""
        self._counter = None

        def begin(port: Any) -> None:
            port.reset_input_buffer()
            port.write(CMD_AVERAGE_START)
            self._set_reading(True)

        self._call(begin, "AverageStart (06)")

    def stop(self) -> None:
        """AverageStop; samples still in flight are read and delivered first."""

        def end(port: Any) -> None:
            port.write(CMD_AVERAGE_STOP)
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                data = port.read(max(port.in_waiting, 1))
                if data:
                    self._on_bytes(bytes(data))
                elif port.in_waiting == 0:
                    break
            self._set_reading(False)

        if self._worker is not None and self._worker.reading:
            self._call(end, "AverageStop (07)")
        elif self._worker is not None:
            self._worker.reading = False

    # -- reader thread -------------------------------------------------------------------------
    def _on_bytes(self, data: bytes) -> None:
        self._last_data_s = time.monotonic()
        buf = self._pending + data
        while True:
            usable = len(buf) - len(buf) % 4
            words = np.frombuffer(buf[:usable], dtype="<u4")
            gaps = self._gaps(words)
            first_gap = int(np.argmax(gaps > 0)) if np.any(gaps > 0) else len(words)
            tail = words[first_gap:]
            if len(tail) < _JUDGE_WORDS:
                # Too few words after a counter gap to tell lost samples from inserted
                # bytes: keep them for the next read, which decides.
                self._pending = buf[first_gap * 4 :]
                self._deliver(words[:first_gap], gaps[:first_gap])
                return
            if np.count_nonzero(gaps[first_gap:]) <= len(tail) // 4:
                self._pending = buf[usable:]
                self._deliver(words, gaps)
                return
            # Counter chaos from here on: bytes were lost or inserted and broke the word
            # alignment. Deliver the good part, then skip to the offset where it runs again.
            self._deliver(words[:first_gap], gaps[:first_gap])
            rest = buf[first_gap * 4 :]
            offset = min(
                range(1, 4), key=lambda k: np.count_nonzero(self._gaps(self._words_at(rest, k)))
            )
            self._garbled += offset
            buf = rest[offset:]
            if np.count_nonzero(self._gaps(self._words_at(buf, 0))) > len(buf) // 16:
                # No alignment helps: resynchronise on the counter of what follows.
                self._counter = None

    @staticmethod
    def _words_at(buf: bytes, offset: int) -> npt.NDArray[np.uint32]:
        body = buf[offset:]
        return np.frombuffer(body[: len(body) - len(body) % 4], dtype="<u4")

    def _gaps(self, words: npt.NDArray[np.uint32]) -> npt.NDArray[np.int64]:
        counters = ((words >> 18) & 0x3F).astype(np.int64)
        previous = np.empty_like(counters)
        previous[1:] = counters[:-1]
        previous[:1] = counters[:1] - 1 if self._counter is None else self._counter
        return np.asarray((counters - previous - 1) % 64)

    def _deliver(self, words: npt.NDArray[np.uint32], gaps: npt.NDArray[np.int64]) -> None:
        if words.size == 0:
            return
        adc = (words & 0x3FFF).astype(np.int64)
        rng = ((words >> 14) & 0x7).astype(np.int64)
        bad_range = rng >= _RANGES
        current = self.calibration.current_a(adc, np.minimum(rng, _RANGES - 1), self.vdd_mv)
        current[bad_range] = np.nan
        self._garbled += int(bad_range.sum()) * 4
        logic = (words >> 24).astype(np.uint8)
        self._counter = int((words[-1] >> 18) & 0x3F)
        cuts = np.flatnonzero(gaps)
        bounds = [0, *cuts.tolist(), len(words)]
        if bounds[1:2] == [0]:
            bounds = bounds[1:]
        for a, b in itertools.pairwise(bounds):
            lost = int(gaps[a])
            self._dropped += lost
            self._next_index += lost
            block = SampleBlock(
                first_sample_index=self._next_index,
                sample_rate_hz=SAMPLE_RATE_HZ,
                current_a=current[a:b].astype(np.float32),
                digital=logic[a:b],
                dropped_before=lost,
            )
            self._next_index += b - a
            self._samples += b - a
            if self._sink is not None:
                self._sink(block)
