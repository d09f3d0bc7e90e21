"""ST X-NUCLEO-LPM01A (PowerShield) driver (instruments.md §1, benchmark.md §2.1).

Commands are ASCII lines ending in ``\\r\\n`` at 3686400 Bd; each is acknowledged
with ``PowerShield > ack <cmd>`` or refused with ``PowerShield > error <cmd>``
followed by ``Error detail: <text>``. ``stop`` is not acknowledged: the stream
ends with ``PowerShield > Acquisition completed``. Stale output is purged before
every command (the MLCommons runner's "did not acknowledge" failure).

The benchmark configuration is the MLCommons runner's (§1.5): 1 kHz energy
samples in ``ascii_dec`` (``DDDD±EE`` J per sample period), ``TimeStamp`` lines
every 1000 samples (checked: a shortfall is counted as dropped samples and the
sample index is realigned on the timestamp), and D7 falling edges reported as
``event N ris`` at the sample index where the line arrives (1 ms resolution).
``bin_hexa`` current streams (up to 100 kHz, for waveforms) are parsed too; how
D7 events are encoded there is undocumented, so a benchmark uses ascii_dec.
"""

from __future__ import annotations

import re
import time
from typing import Any, Literal

import numpy as np

from tinybench_gui.devices.energy.monitor import BlockSink, MonitorCapabilities
from tinybench_gui.devices.energy.serial_driver import SerialMonitorDriver
from tinybench_gui.streams.blocks import MonitorEvent, SampleBlock
from tinybench_gui.streams.energy import EVENT_LINE

BAUD_RATE = 3_686_400
MIN_FIRMWARE = (1, 0, 6)
PROMPT = "PowerShield > "
FREQUENCIES_HZ = (
    100_000,
    50_000,
    20_000,
    10_000,
    5_000,
    2_000,
    1_000,
    500,
    200,
    100,
    50,
    20,
    10,
    5,
    2,
    1,
)
ASCII_MAX_HZ = 5_000  # ascii_dec is unlimited only up to 5 kHz (UM2269 Table 2)
TIMESTAMP_PERIOD_SAMPLES = 1000
_SAMPLE_RE = re.compile(rb"(\d{4})([-+])(\d{2})")
_TIMESTAMP_RE = re.compile(r"^TimeStamp:[ ><](\d{3})s (\d{3})ms, buff (\d{2})%$")
_EVENT_RE = re.compile(r"event (\d+) ris")
_VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)")

StreamFormat = Literal["ascii_dec", "bin_hexa"]
Output = Literal["energy", "current"]

CAPABILITIES = MonitorCapabilities(
    model="LPM01A",
    max_sample_rate_hz=100_000.0,
    voltage_measured=False,
    power_switching=True,
    digital_lines=(),
    timestamp_line=EVENT_LINE,
    timestamp_edge="falling",
    timestamp_events=True,
    inference_line=None,
    saturation_current_a=0.050,  # dynamic mode saturates above ~50 mA
    supply_range_v=(1.8, 3.3),
)


def frequency_argument(sample_rate_hz: float) -> str:
    """``freq`` argument for a rate: ``1k``, ``20k``, ``500``."""
    rate = int(sample_rate_hz)
    if rate not in FREQUENCIES_HZ:
        raise ValueError(f"{sample_rate_hz:g} Hz is not one of {FREQUENCIES_HZ}")
    return f"{rate // 1000}k" if rate >= 1000 else str(rate)


def decode_ascii_value(mantissa: bytes, sign: bytes, exponent: bytes) -> float:
    """``6409-07`` -> 6409e-07."""
    power = int(exponent) if sign == b"+" else -int(exponent)
    return int(mantissa) * 10.0**power


def decode_bin_value(word: int) -> float:
    """bin_hexa sample: 12-bit mantissa times 16^-n, n the top nibble."""
    return (word & 0x0FFF) * 16.0 ** -(word >> 12)


class _AsciiParser:
    """Lines of an ascii_dec stream -> sample values, events and metadata."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[tuple[str, Any]]:
        """Items in arrival order: ("samples", [floats]) or ("line", text)."""
        self._pending += data
        *lines, self._pending = self._pending.split(b"\n")
        items: list[tuple[str, Any]] = []
        for raw in lines:
            line = raw.strip(b"\r\x00 ")
            if not line:
                continue
            if line[:1].isdigit():
                matches = _SAMPLE_RE.findall(line)
                values = [decode_ascii_value(*m) for m in matches]
                # A fragment the regex could not read is a sample we cannot trust.
                leftover = _SAMPLE_RE.sub(b"", line)
                if leftover.strip():
                    values.append(float("nan"))
                items.append(("samples", values))
            else:
                items.append(("line", line.decode("ascii", errors="replace")))
        return items


class _BinParser:
    """bin_hexa bytes -> samples and metadata frames (0xF0 tag ... 0xFF 0xFF)."""

    def __init__(self) -> None:
        self._pending = b""
        self._tail: _AsciiParser | None = None  # after the end frame: the ASCII summary

    def feed(self, data: bytes) -> list[tuple[str, Any]]:
        if self._tail is not None:
            return self._tail.feed(data)
        buf = self._pending + data
        items: list[tuple[str, Any]] = []
        values: list[float] = []
        i = 0
        while i + 1 < len(buf):
            if buf[i] == 0xF0:
                # F3 (timestamp) has a fixed 5-byte payload that may itself hold FF FF.
                end = i + 7 if buf[i + 1] == 0xF3 else buf.find(b"\xff\xff", i + 2)
                if end + 2 > len(buf):
                    break
                if end < 0:
                    break
                if values:
                    items.append(("samples", values))
                    values = []
                tag = buf[i + 1]
                items.append(("frame", (tag, buf[i + 2 : end])))
                i = end + 2
                if tag == 0xF4:
                    self._tail = _AsciiParser()
                    self._pending = b""
                    return items + self._tail.feed(buf[i:])
                continue
            if buf[i] >> 4 == 0xF:
                items.append(("line", f"garbled byte 0x{buf[i]:02x}"))
                i += 1
                continue
            values.append(decode_bin_value((buf[i] << 8) | buf[i + 1]))
            i += 2
        if values:
            items.append(("samples", values))
        self._pending = buf[i:]
        return items


class Lpm01aDriver(SerialMonitorDriver):
    """An LPM01A on a serial port URL.

    ``stats`` counts TimeStamp shortfalls as dropped samples and unreadable
    fragments and lines as garbled.
    """

    _BAUD_RATE = BAUD_RATE
    _STOP_STREAM = b"stop\r\n"
    _STALL_WHAT = "nothing"
    _STALL_FIX = "check the USB cable and the board's LEDs"

    def __init__(
        self,
        url: str,
        *,
        stall_timeout_s: float = 2.0,
        command_timeout_s: float = 2.0,
    ) -> None:
        super().__init__(url, stall_timeout_s=stall_timeout_s)
        self.command_timeout_s = command_timeout_s
        self.firmware = ""
        self.board_id = ""
        self._rate_hz = 1000.0
        self.supply_voltage_v = 1.8
        self.stream_format: StreamFormat = "ascii_dec"
        self.output: Output = "energy"
        self._parser: _AsciiParser | _BinParser = _AsciiParser()
        self._since_timestamp = 0
        self._pending_drop = 0
        self._new_gap = 0
        self._event_number: int | None = None
        self._completed = False
        self.log: list[str] = []  # metadata lines as received, for the run log

    # -- EnergyMonitor ---------------------------------------------------------------------
    @property
    def capabilities(self) -> MonitorCapabilities:
        """What an LPM01A has."""
        return CAPABILITIES

    @property
    def sample_rate_hz(self) -> float:
        """The configured rate (1 kHz for the benchmark)."""
        return self._rate_hz

    def _identify(self) -> None:
        """Check that the port is a PowerShield and that its firmware is >= 1.0.6."""
        self.board_id = self.command("powershield").removeprefix("powershield").strip()
        answer = self.command("version")
        found = _VERSION_RE.search(answer)
        if found is None:
            raise self._error(f"unreadable version {answer!r}", "version")
        self.firmware = ".".join(found.groups())
        if tuple(int(g) for g in found.groups()) < MIN_FIRMWARE:
            raise self._error(
                f"firmware {self.firmware} is older than 1.0.6 (it refuses `pwr off` and has no "
                "`eventsrc`)",
                "version",
                "update the LPM01A firmware to 1.0.6 or newer with STM32CubeMonitor-Power",
            )

    def command(self, text: str, *, timeout_s: float | None = None) -> str:
        """Send one command; return the text after ``ack <cmd>`` (raise on ``error``)."""
        limit_s = timeout_s or self.command_timeout_s
        return self._call(lambda port: self._exchange(port, text, limit_s), text, limit_s + 1)

    def _exchange(self, port: Any, text: str, timeout_s: float) -> str:
        return self._exchange_rest(port, text, timeout_s)[0]

    def _exchange_rest(self, port: Any, text: str, timeout_s: float) -> tuple[str, bytes]:
        """The answer, and the bytes that arrived after the ack line (a stream's start)."""
        port.reset_input_buffer()  # stale output would be taken for this command's answer
        port.write(text.encode("ascii") + b"\r\n")
        pending = b""
        deadline = time.monotonic() + timeout_s
        last_line = ""
        error: str | None = None
        while time.monotonic() < deadline:
            pending += port.read(max(port.in_waiting, 1))
            *lines, pending = pending.split(b"\n")
            for i, raw in enumerate(lines):
                line = raw.decode("ascii", errors="replace").strip("\r\x00 ")
                if not line:
                    continue
                last_line = line
                body = line.removeprefix(PROMPT)
                if error is not None:
                    detail = body.removeprefix("Error detail:").strip()
                    raise self._error(f"refused: {error} ({detail})", text, self._fix_for(text))
                if body.startswith("error"):
                    error = body
                    deadline = min(deadline, time.monotonic() + 0.3)
                elif body.startswith("ack"):
                    rest = b"\n".join([*lines[i + 1 :], pending])
                    return body.removeprefix("ack").strip(), rest
        if error is not None:
            raise self._error(f"refused: {error}", text, self._fix_for(text))
        raise self._error(
            f"no acknowledgement within {timeout_s:g} s (last line {last_line!r})",
            text,
            "check that this port is an LPM01A (USB 0483:5740) at 3686400 Bd, and press its "
            "reset if it is stuck in an acquisition",
        )

    @staticmethod
    def _fix_for(command: str) -> str:
        if command.startswith("pwr"):
            return "update the firmware to >= 1.0.6 (EEMBC issue #8)"
        return "send `htc` first; check the argument against UM2269 Table 1"

    def configure(
        self,
        *,
        sample_rate_hz: float | None,
        supply_voltage_v: float,
        stream_format: StreamFormat = "ascii_dec",
        output: Output = "energy",
    ) -> None:
        """The MLCommons runner's setup sequence (instruments.md §1.5)."""
        rate = 1000.0 if sample_rate_hz is None else sample_rate_hz
        freq = frequency_argument(rate)
        if stream_format == "ascii_dec" and rate > ASCII_MAX_HZ:
            raise self._error(
                f"ascii_dec cannot stream {rate:g} Hz continuously",
                f"freq {freq}",
                "use at most 5 kHz, or bin_hexa (current only, no D7 events)",
            )
        millivolts = round(supply_voltage_v * 1000)
        if not 1800 <= millivolts <= 3300:
            raise self._error(
                f"supply {supply_voltage_v:g} V out of range",
                fix="the LPM01A supplies 1.8 to 3.3 V",
            )
        self._rate_hz = rate
        self.supply_voltage_v = millivolts / 1000
        self.stream_format = stream_format
        self.output = output
        for text in (
            "htc",
            'lcd 1 "MLPerf Tiny"',
            'lcd 2 "     monitor    "',
            "pwr off",
            "acqtime inf",
            "trigdelay 0",
            "trigsrc sw",
            "eventsrc d7 fal",
            f"output {output}",
            f"format {stream_format}",
            f"freq {freq}",
            f"volt {millivolts}m",
        ):
            self.command(text)

    def power(self, on: bool) -> None:
        """``pwr on nostatus`` / ``pwr off``."""
        self.command("pwr on nostatus" if on else "pwr off")

    def start(self, sink: BlockSink) -> None:
        """``start``; samples go to ``sink`` from the reader thread."""
        self._begin_stream(sink)
        self._parser = _AsciiParser() if self.stream_format == "ascii_dec" else _BinParser()
        self._since_timestamp = 0
        self._pending_drop = 0
        self._event_number = None
        self._completed = False

        def begin(port: Any) -> str:
            answer, rest = self._exchange_rest(port, "start", self.command_timeout_s)
            # The ack ends with an empty line; the stream starts right after it.
            deadline = time.monotonic() + self.command_timeout_s
            while len(rest) < 2 and time.monotonic() < deadline:
                rest += port.read(2 - len(rest))
            rest = rest.removeprefix(b"\r\n")
            self._set_reading(True)
            if rest:
                self._on_bytes(rest)
            return answer

        self._call(begin, "start", self.command_timeout_s + 1)

    def stop(self) -> None:
        """``stop``, then read until ``Acquisition completed`` (stop has no ack)."""
        worker = self._worker
        if worker is None or not worker.reading:
            return

        def end(port: Any) -> None:
            port.write(self._STOP_STREAM)
            deadline = time.monotonic() + self.command_timeout_s
            while not self._completed and time.monotonic() < deadline:
                data = port.read(max(port.in_waiting, 1))
                if data:
                    self._on_bytes(bytes(data))
            worker.reading = False

        self._call(end, "stop", self.command_timeout_s + 1)
        if not self._completed and self._failure is None:
            self._failure = self._error(
                "no `Acquisition completed` after stop", "stop", "reset the LPM01A (psrst)"
            )

    def release(self) -> None:
        """``hrc``: give control back to the board's own buttons."""
        self.command("hrc")

    # -- reader thread -----------------------------------------------------------------------
    def _on_bytes(self, data: bytes) -> None:
        self._last_data_s = time.monotonic()
        values: list[float] = []
        events: list[MonitorEvent] = []
        first = self._next_index + self._pending_drop
        for kind, item in self._parser.feed(data):
            index = first + len(values)
            if kind == "samples":
                values.extend(item)
                self._since_timestamp += len(item)
                continue
            self._new_gap = 0
            if kind == "frame":
                events.extend(self._on_frame(index, *item))
            else:
                events.extend(self._on_line(index, item))
            if self._new_gap:
                # A TimeStamp showed samples lost before it: deliver what came before,
                # and continue after the gap so the index stays the time base.
                self._emit(first, values, events)
                self._pending_drop += self._new_gap
                first, values, events = self._next_index + self._pending_drop, [], []
        self._emit(first, values, events)

    def _emit(self, first: int, values: list[float], events: list[MonitorEvent]) -> None:
        if not values and not events:
            return
        dropped, self._pending_drop = self._pending_drop, 0
        array = np.asarray(values, dtype=np.float64)
        self._garbled += int(np.count_nonzero(~np.isfinite(array)))
        if self.output == "energy":
            energy = array
            current = array * self._rate_hz / self.supply_voltage_v
        else:
            energy = None
            current = array
        block = SampleBlock(
            first_sample_index=first,
            sample_rate_hz=self._rate_hz,
            current_a=current.astype(np.float32),
            energy_j=energy,
            events=tuple(events),
            dropped_before=dropped,
        )
        self._next_index = first + len(values)
        self._samples += len(values)
        if self._sink is not None:
            self._sink(block)

    def _on_line(self, index: int, line: str) -> list[MonitorEvent]:
        self.log.append(line)
        body = line.removeprefix(PROMPT)
        stamp = _TIMESTAMP_RE.match(body)
        if stamp:
            return self._on_timestamp(index, int(stamp[1]) * 1000 + int(stamp[2]), int(stamp[3]))
        event = _EVENT_RE.search(body)
        if event:
            number = int(event[1])
            found = [MonitorEvent(index, "timestamp", body)]
            if self._event_number is not None and number != self._event_number + 1:
                found.append(
                    MonitorEvent(
                        index,
                        "error",
                        f"event counter went from {self._event_number} to {number}: "
                        "a timestamp event was lost",
                    )
                )
            self._event_number = number
            return found
        if body.startswith("Acquisition completed"):
            self._completed = True
            return [MonitorEvent(index, "info", body)]
        if body.startswith(("error", "Error detail")):
            return [MonitorEvent(index, "error", body)]
        if body in ("end", "summary beg", "summary end") or body.startswith(("pwr", "ack")):
            return [MonitorEvent(index, "info", body)]
        if body.startswith(("min", "max", "summary")):
            return [MonitorEvent(index, "metadata", body)]
        self._garbled += 1
        return [MonitorEvent(index, "error", f"garbled line {body[:60]!r}")]

    def _on_timestamp(self, index: int, elapsed_ms: int, buffer_pct: int) -> list[MonitorEvent]:
        expected = round(elapsed_ms * self._rate_hz / 1000)
        found = [MonitorEvent(index, "metadata", f"TimeStamp {elapsed_ms} ms, buff {buffer_pct}%")]
        behind = expected - index
        if behind > 0:
            # The instrument sent fewer samples than its clock says it took: lost in transit.
            self._new_gap = behind
            self._dropped += behind
            found.append(
                MonitorEvent(
                    index, "error", f"{behind} samples missing before TimeStamp {elapsed_ms} ms"
                )
            )
        elif behind < 0:
            found.append(
                MonitorEvent(
                    index, "error", f"{-behind} samples more than TimeStamp {elapsed_ms} ms"
                )
            )
        self._since_timestamp = 0
        return found

    def _on_frame(self, index: int, tag: int, payload: bytes) -> list[MonitorEvent]:
        if tag == 0xF3 and len(payload) >= 5:
            elapsed_ms = int.from_bytes(payload[:4], "big") & 0x7FFF_FFFF
            return self._on_timestamp(index, elapsed_ms, payload[4])
        if tag == 0xF4:
            return [MonitorEvent(index, "info", "end")]
        if tag in (0xF1, 0xF2):
            kind = "error" if tag == 0xF1 else "info"
            return [MonitorEvent(index, kind, payload.decode("ascii", errors="replace").strip())]
        if tag == 0xF5:
            return [MonitorEvent(index, "error", "overcurrent")]
        return [MonitorEvent(index, "metadata", f"frame 0x{tag:02x} {payload.hex()}")]
