"""A simulated DUT: the firmware side of the EEMBC protocol, byte for byte.

It follows the reference harness (benchmark.md §1): the boot banner of the
performance or energy build, ``name``, ``profile``, ``help``, ``timestamp``,
``db load``/``db <hex>``/``db print``, ``infer N W`` with the real default W=10,
``results``, the ``e-[...]`` errors and the 80-character command buffer. It runs
the reference model with LiteRT on the bytes it was sent and prints the reference
formats. Timing comes from a board profile, in the bench's clock.

``SimDut`` is pure logic: ``feed(data)`` returns timed output lines; the serving
of those lines over a pty or a TCP socket, with UART wire time, is in ``serve.py``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tinybench_gui.benchmarks.catalog import Benchmark, get_benchmark
from tinybench_gui.benchmarks.processing import format_results, result_values, to_model_input
from tinybench_gui.devices.sim.board_profiles import BOARD_PROFILES, BoardProfile
from tinybench_gui.devices.sim.clock import SimClock
from tinybench_gui.models.lookup import find_model
from tinybench_gui.models.reference import ReferenceModel

EE_CMD_SIZE = 80
FW_VERSION = "ULPMark for tinyML Firmware V0.0.1"
_LAP_WRAP = 1 << 32  # unsigned long on a Cortex-M


class DutActivitySink(Protocol):
    """What a simulated world wants to know about the DUT (for power and pins)."""

    def timestamp_pulse(self, t_s: float, hold_s: float) -> None:
        """The timestamp pin goes low at ``t_s`` for ``hold_s`` (energy build)."""

    def inference(self, t0_s: float, t1_s: float) -> None:
        """One inference runs from ``t0_s`` to ``t1_s`` (timed or warm-up)."""

    def uart(self, t0_s: float, t1_s: float) -> None:
        """The UART is busy from ``t0_s`` to ``t1_s``."""


@dataclass(frozen=True, slots=True)
class TimedLine:
    """A line the DUT prints, and the bench time at which it starts printing it."""

    t_s: float
    text: str


_HELP_LINES = (
    FW_VERSION,
    "",
    "help         : Print this information",
    "name         : Print the name of the device",
    "timestsamp   : Generate a timetsamp",
    "db SUBCMD    : Manipulate a generic byte buffer",
    "  load N     : Allocate N bytes and set load counter",
    "  db HH[HH]* : Load 8-bit hex byte(s) until N bytes",
    "  print [N=16] [offset=0]",
    "             : Print N bytes at offset as hex",
    "infer N [W=0]: Load input, execute N inferences after W warmup loops",
    "results      : Return the result fp32 vector",
)


def _atoi(text: str) -> int:
    # C atoi: optional sign, leading digits, anything after them ignored; 0 if none.
    sign, i = 1, 0
    text = text.lstrip()
    if text[:1] in "+-" and text:
        sign = -1 if text[0] == "-" else 1
        i = 1
    digits = ""
    while i < len(text) and text[i].isdigit():
        digits += text[i]
        i += 1
    return sign * int(digits) if digits else 0


class SimDut:
    """The simulated firmware. Not thread-safe: one serving thread feeds it."""

    def __init__(
        self,
        benchmark: str | Benchmark = "kws01",
        *,
        energy_mode: bool = False,
        profile: BoardProfile | str = "nucleo-l4r5zi",
        clock: SimClock | None = None,
        activity: DutActivitySink | None = None,
        model_path: Path | None = None,
        seed: int = 0,
        timestamp_hold_s: float = 2e-3,
        inference_pin: bool = False,
    ) -> None:
        self.benchmark = get_benchmark(benchmark) if isinstance(benchmark, str) else benchmark
        self.profile = BOARD_PROFILES[profile] if isinstance(profile, str) else profile
        self.energy_mode = energy_mode
        self.clock = clock or SimClock()
        self.activity = activity
        self.timestamp_hold_s = timestamp_hold_s
        # Our reference firmware can raise a second pin during each inference; the
        # official firmware has only the timestamp pin.
        self.inference_pin = inference_pin
        self._model = ReferenceModel(
            find_model(self.benchmark.int8_model, explicit_path=model_path)
        )
        self._latency_s = self.profile.latency_s(self.benchmark.model_id, self._model.macs)
        self._rng = random.Random(seed)
        self._cmd = bytearray()
        self._buffer = bytearray(self.benchmark.max_db_input_size)
        self._buff_size = 0
        self._buff_pos = 0
        self._results_line = format_results(
            self.benchmark, [0.0] * max(1, self.benchmark.num_classes)
        )
        self.commands_seen = 0

    @property
    def latency_s(self) -> float:
        """Mean latency of one inference on this board."""
        return self._latency_s

    # -- the wire side -------------------------------------------------------------------
    def boot(self) -> list[TimedLine]:
        """The banner printed after reset (benchmark.md §1.2)."""
        now = self.clock.now_s()
        mode = "energy" if self.energy_mode else "performance"
        lines = [TimedLine(now, f"m-timestamp-mode-{mode}")]
        lines += self._timestamp(now)
        if self.benchmark.model_id == "ad01":
            lines.append(TimedLine(now, "[Initialized]"))
        lines += [TimedLine(now, "m-init-done"), TimedLine(now, "m-ready")]
        return lines

    def feed(self, data: bytes, now_s: float | None = None) -> Iterator[TimedLine]:
        """Take received bytes; yield the lines printed for every completed command.

        ``now_s`` is when the last byte finished arriving on the wire (default: now).
        """
        for byte in data:
            if byte == ord("%"):
                command = self._cmd.decode("ascii", errors="replace")
                self._cmd.clear()
                self.commands_seen += 1
                yield from self._execute(command, now_s)
            elif len(self._cmd) < EE_CMD_SIZE:
                self._cmd.append(byte)
            # Past 80 characters the reference keeps overwriting the slot that the
            # terminator's NUL later takes, so the command is cut to 80 characters.

    # -- the harness -----------------------------------------------------------------------
    def _execute(self, command: str, now_s: float | None) -> Iterator[TimedLine]:
        now = self.clock.now_s() if now_s is None else now_s
        last = now
        tokens = command.split()
        tok = tokens[0] if tokens else "(null)"
        if tok == "name":
            yield TimedLine(now, f"m-name-dut-[{self.profile.vendor}]")
        elif tok == "timestamp":
            yield from self._timestamp(now)
        elif tok == "profile":
            yield TimedLine(now, f"m-profile-[{FW_VERSION}]")
            yield TimedLine(now, f"m-model-[{self.benchmark.model_id}]")
        elif tok == "help":
            for text in _HELP_LINES:
                yield TimedLine(now, text)
        elif tok == "db":
            yield from (TimedLine(now, t) for t in self._db(tokens[1:]))
        elif tok == "infer":
            for line in self._infer(tokens[1:], now):
                last = line.t_s
                yield line
        elif tok == "results":
            yield TimedLine(now, self._results_line)
        else:
            yield TimedLine(now, f"e-[Unknown command: {tok}]")
        yield TimedLine(last, "m-ready")

    def _timestamp(self, now: float) -> list[TimedLine]:
        if self.energy_mode:
            if self.activity is not None:
                self.activity.timestamp_pulse(now, self.timestamp_hold_s)
            self.clock.advance_to(now + self.timestamp_hold_s)
            return []
        lap_us = int(now * 1e6) % _LAP_WRAP
        return [TimedLine(now, f"m-lap-us-{lap_us}")]

    def _db(self, args: list[str]) -> list[str]:
        if not args:
            return ["e-[Command 'db' requires a subcommand]"]
        sub = args[0]
        if sub == "load":
            if len(args) < 2:
                return ["e-[Command 'db load' requires the # of bytes]"]
            size = _atoi(args[1])
            if size <= 0:
                return ["e-[Command 'db load' must be >0 bytes]"]
            self._buff_size, self._buff_pos = size, 0
            if size > self.benchmark.max_db_input_size:
                # The reference prints this without the m- prefix, and still accepts writes.
                return [
                    f"Supplied buffer size {size} exceeds maximum of "
                    f"{self.benchmark.max_db_input_size}"
                ]
            return [f"m-[Expecting {size} bytes]"]
        if sub == "print":
            return self._db_print()
        digits = sub
        if len(digits) % 2:
            return ["e-[Insufficent number of hex digits]"]
        for i in range(0, len(digits), 2):
            pair = digits[i : i + 2]
            try:
                value = int(pair, 16)
            except ValueError:
                return [f"e-[Invalid hex digit '{pair}']"]
            if self._buff_pos < len(self._buffer):
                self._buffer[self._buff_pos] = value
            self._buff_pos += 1
            if self._buff_pos == self._buff_size:
                return ["m-load-done"]
        return []

    def _db_print(self) -> list[str]:
        data = self._buffer[: min(self._buff_size, len(self._buffer))]
        lines = [
            "m-buffer-" + "-".join(f"{b:02x}" for b in data[i : i + 8])
            for i in range(0, len(data), 8)
        ]
        if len(data) % 8:
            lines.append("")  # the reference prints one more CR LF in this case
        return lines

    def _infer(self, args: list[str], now: float) -> Iterator[TimedLine]:
        iterations, warmups = 1, 10
        if args:
            iterations = _atoi(args[0])
            if iterations <= 0:
                yield TimedLine(now, "e-[Inference iterations must be >0]")
                return
            if len(args) > 1:
                warmups = _atoi(args[1])
                if warmups < 0:
                    yield TimedLine(now, "e-[Inference warmup must be >=0]")
                    return
        # th_load_tensor re-reads the buffer on every infer; the model runs once
        # here since every iteration computes the same answer.
        raw = bytes(self._buffer[: self.benchmark.input_bytes]).ljust(
            self.benchmark.input_bytes, b"\0"
        )
        x = to_model_input(self.benchmark, raw, self._model.input)
        output = self._model.run(x)
        values = result_values(self.benchmark, output, self._model.output, raw)
        self._results_line = format_results(self.benchmark, values)

        t = now
        yield TimedLine(t, f"m-warmup-start-{warmups}")
        # The reference prints with a blocking th_printf: the firmware goes on only once
        # a line is on the wire (when served with wire time, the next line is asked for
        # after the previous one was sent), so the timed region starts after the lines.
        t = max(t, self.clock.now_s())
        t = self._run_inferences(t, warmups)
        yield TimedLine(t, "m-warmup-done")
        yield TimedLine(t, f"m-infer-start-{iterations}")
        t = max(t, self.clock.now_s())
        lines = self._timestamp(t)
        yield from lines
        t = max(t, self.clock.now_s())
        t = self._run_inferences(t, iterations)
        end_lines = self._timestamp(t)
        t = max(t, self.clock.now_s())
        yield from (TimedLine(t, x.text) for x in end_lines)
        yield TimedLine(t, "m-infer-done")
        yield TimedLine(t, self._results_line)

    def _run_inferences(self, t0_s: float, count: int) -> float:
        t = t0_s
        sigma = self._latency_s * self.profile.jitter_frac
        for _ in range(count):
            dt = max(self._latency_s * 0.5, self._rng.gauss(self._latency_s, sigma))
            if self.activity is not None:
                self.activity.inference(t, t + dt)
            t += dt
        self.clock.advance_to(t)
        return t
