"""A simulated ST LPM01A (PowerShield) serving the instrument's bytes on a pty.

Commands and answers follow instruments.md §1 byte for byte: ``\\r\\n``-ended
commands, ``\\r\\nPowerShield > ack <cmd as sent>\\r\\n\\r\\n``,
``PowerShield > error <cmd>`` plus ``Error detail: <text>``, no ack for ``stop``
but ``end``, a summary and ``PowerShield > Acquisition completed``. While
acquiring it samples the ``SimWorld`` at the configured rate, ``lag_s`` behind
the world clock: ascii_dec ``DDDD±EE`` lines (energy per sample period in J for
``output energy``, A for ``output current``) or bin_hexa words, a ``TimeStamp``
every 1000 samples, and ``event NN ris`` before the first sample that starts
after a D7 (timestamp pin) falling edge.

Faults for tests: ``stall()``, ``drop(n)`` (n sample lines vanish; the next
TimeStamp shows it), ``garble(data)``, ``suppress_events(n)`` (the next n D7
events are not reported) and ``extra_event()`` (one spurious event).
"""

from __future__ import annotations

import math
import re

import numpy as np
import numpy.typing as npt

from tinybench_gui.devices.sim.pty_instrument import PtyInstrument
from tinybench_gui.devices.sim.world import TIMESTAMP_BIT, SimWorld

_VALUE_RE = re.compile(r"^(\d+(?:\.\d+)?)([umk]|[-+]\d{1,2})?$")
_FREQS = {"100k", "50k", "20k", "10k", "5k", "2k", "1k", "500", "200", "100", "50", "20", "10"}
_FREQS |= {"5", "2", "1"}


def parse_value(text: str) -> float:
    """``1800m`` -> 1.8, ``20k`` -> 20000, ``2-3`` -> 0.002."""
    found = _VALUE_RE.match(text)
    if not found:
        raise ValueError(text)
    number = float(found[1])
    suffix = found[2] or ""
    scale = {"u": 1e-6, "m": 1e-3, "k": 1e3, "": 1.0}.get(suffix)
    if scale is None:
        scale = 10.0 ** int(suffix)
    return number * scale


def format_ascii(value: float) -> str:
    """``DDDD±EE`` with a 4-digit mantissa (``6409-07`` = 640.9 µA)."""
    if not value > 0:
        return "0000+00"
    exponent = math.floor(math.log10(value)) - 3
    mantissa = round(value / 10.0**exponent)
    if mantissa >= 10000:
        mantissa //= 10
        exponent += 1
    sign = "-" if exponent < 0 else "+"
    return f"{mantissa:04d}{sign}{abs(exponent):02d}"


def format_bin(value: float) -> bytes:
    """bin_hexa word: the largest n (0..14) keeping the mantissa under 4096."""
    n = 14
    while n > 0 and value * 16.0**n >= 4096:
        n -= 1
    mantissa = min(round(max(value, 0.0) * 16.0**n), 4095)
    return ((n << 12) | mantissa).to_bytes(2, "big")


class SimLpm01a(PtyInstrument):
    """An LPM01A on a pty, sampling ``world``'s rail and its D7 (timestamp pin)."""

    _PACED_BYTES_PER_SAMPLE = 16  # an ascii_dec line, with room for events and TimeStamps
    _PACED_MAX_SAMPLES = 20_000

    def __init__(self, world: SimWorld, *, firmware: str = "1.0.6", lag_s: float = 0.3) -> None:
        super().__init__(world, lag_s=lag_s, max_backlog=1 << 20, thread_name="sim-lpm01a")
        self.firmware = firmware
        self.host_control = False
        self.freq_hz = 100
        self.output = "current"
        self.format = "ascii_dec"
        self.voltage_v = 3.3
        self.event_source = False
        self.acquiring = False
        self.commands: list[str] = []
        self._since_stamp = 0
        self._event_count = 0
        self._last_level = 1
        self._drop = 0
        self._suppress = 0
        self._extra = False
        self._bounce = False
        self._serve()

    # -- faults ------------------------------------------------------------------------------
    def drop(self, samples: int) -> None:
        """The next ``samples`` sample lines vanish in transit."""
        self._drop += samples

    def suppress_events(self, count: int = 1) -> None:
        """Do not report the next ``count`` D7 events (a missing timestamp edge)."""
        self._suppress += count

    def extra_event(self) -> None:
        """Report one spurious D7 event now (an extra edge)."""
        self._extra = True

    def bounce_next_event(self) -> None:
        """Report the next D7 edge twice (a bouncing or ringing timestamp wire)."""
        self._bounce = True

    # -- device --------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.pty.write(text.encode("ascii"))

    def _ack(self, command: str) -> None:
        self._say(f"\r\nPowerShield > ack {command}\r\n\r\n")

    def _refuse(self, command: str, detail: str) -> None:
        self._say(f"PowerShield > error {command}\r\nError detail: {detail}\r\n")

    def _sending(self) -> bool:
        return self.acquiring

    def _rate_hz(self) -> float:
        return float(self.freq_hz)

    def _commands(self, data: bytes) -> bytes:
        *lines, tail = data.split(b"\n")
        for raw in lines:
            self._command(raw.decode("ascii", errors="replace").strip("\r\x00 "))
        return tail

    def _command(self, text: str) -> None:
        if not text:
            return
        self.commands.append(text)
        word, _, arg = text.partition(" ")
        if self.acquiring and word != "stop":
            self._refuse(text, "acquisition ongoing")
            return
        old = tuple(int(x) for x in self.firmware.split(".")) < (1, 0, 6)
        try:
            if word == "powershield":
                self._ack("powershield 540619864-1110659081-4784204")
            elif word == "version":
                self._ack(f"version: {self.firmware}")
            elif word == "echo":
                self._say(f"\r\nPowerShield > echo {arg}\r\n")
            elif word in ("htc", "hrc"):
                self.host_control = word == "htc"
                self._ack(text)
            elif not self.host_control:
                self._refuse(text, "host does not have control, send htc first")
            elif word == "stop":
                self._finish()
            elif word == "start":
                self._ack(text)
                self._begin()
            elif word == "pwr":
                if old:
                    self._refuse(text, "command not supported")
                    return
                state = arg.split()[0] if arg else ""
                if state not in ("on", "off", "auto"):
                    raise ValueError(arg)
                self._ack(text)
                self.world.set_power(state != "off", voltage_v=self.voltage_v)
            elif word == "volt":
                volts = parse_value(arg)
                if not 1.8 <= volts <= 3.3:
                    raise ValueError(arg)
                self.voltage_v = volts
                self.world.supply_voltage_v = volts
                self._ack(text)
            elif word == "freq":
                if arg not in _FREQS:
                    raise ValueError(arg)
                self.freq_hz = round(parse_value(arg))
                self._ack(text)
            elif word == "output":
                if arg not in ("current", "energy"):
                    raise ValueError(arg)
                self.output = arg
                self._ack(text)
            elif word == "format":
                if arg not in ("ascii_dec", "bin_hexa"):
                    raise ValueError(arg)
                self.format = arg
                self._ack(text)
            elif word == "eventsrc":
                if old:
                    self._refuse(text, "command not supported")
                    return
                self.event_source = arg.startswith("d7")
                self._ack(text)
            elif word in ("lcd", "acqtime", "trigdelay", "trigsrc", "acqmode", "funcmode"):
                self._ack(text)
            elif word == "psrst":
                self.pty.discard_backlog()
            else:
                self._refuse(text, "unknown command")
        except ValueError:
            self._refuse(text, "wrong argument")

    def _begin(self) -> None:
        self.acquiring = True
        self._restart_clock()
        self._since_stamp = 0
        self._event_count = 0
        self._last_level = 1

    def _finish(self) -> None:
        self._stream()
        self.acquiring = False
        if self.format == "bin_hexa":
            self.pty.write(b"\xf0\xf4\xff\xff")
        self._say(
            "end\r\nsummary beg\r\nmin 0000+00\r\nmax 0000+00\r\nsummary end\r\n"
            "PowerShield > Acquisition completed\r\n"
        )

    def _send(
        self, first: int, current_a: npt.NDArray[np.float64], pins: npt.NDArray[np.uint8]
    ) -> None:
        rate = self._rate_hz()
        values = (
            current_a * self.world.supply_voltage_v / rate if self.output == "energy" else current_a
        )
        level = (pins >> TIMESTAMP_BIT) & 1
        previous = np.concatenate([[self._last_level], level[:-1]])
        falls = set(np.flatnonzero((previous == 1) & (level == 0)).tolist())
        self._last_level = int(level[-1])
        out = bytearray()
        # How D7 events look in bin_hexa is undocumented: the simulator sends none there.
        events_on = self.event_source and self.format == "ascii_dec"
        for k in range(len(values)):
            if k in falls and events_on:
                if self._suppress:
                    self._suppress -= 1
                else:
                    out += self._event_line()
                    if self._bounce:
                        self._bounce = False
                        out += self._event_line()
            if self._extra and events_on:
                self._extra = False
                out += self._event_line()
            if self._drop:
                self._drop -= 1
            elif self.format == "ascii_dec":
                out += format_ascii(float(values[k])).encode("ascii") + b"\r\n"
            else:
                out += format_bin(float(values[k]))
            self._since_stamp += 1
            if self._since_stamp == 1000:
                self._since_stamp = 0
                out += self._timestamp((first + k + 1) * 1000 // self.freq_hz)
        self._write_stream(bytes(out))

    def _event_line(self) -> bytes:
        line = f"event {self._event_count:02d} ris\r\n".encode("ascii")
        self._event_count += 1
        return line

    def _timestamp(self, elapsed_ms: int) -> bytes:
        fill = min(99, self.pty.backlog * 100 // self.pty.max_backlog)
        if self.format == "bin_hexa":
            return b"\xf0\xf3" + elapsed_ms.to_bytes(4, "big") + bytes([fill]) + b"\xff\xff"
        seconds, millis = divmod(elapsed_ms, 1000)
        return f"TimeStamp: {seconds:03d}s {millis:03d}ms, buff {fill:02d}%\r\n".encode("ascii")
