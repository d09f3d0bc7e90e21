"""Diagnostics for the top bring-up failures (benchmark.md §6 and "Implications").

- ``name_burst_test``: the EEMBC README's paste of ``name%name%...`` in one write; a
  DUT whose RX path drops characters answers fewer times than asked.
- ``baud_sweep``: ``name%`` at each rate; says which answered and which gave noise.
- ``time_to_ready``: from power-on (a callback) to ``m-ready``, against the 5 s an
  energy monitor waits for the DUT to boot.
- ``check_timestamp_pulses``: the timestamp pin's pulses from a list of edges, so
  any energy monitor's edge data (LPM01A D7, JS220 GPI0, PPK2 D0, QEMU LED0) can be
  checked: width at least 1 µs, and the count an energy run expects.

Each function owns the port for its duration and returns a typed report; none of
them raises for a device problem, only for programming errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tinybench_gui.devices.transport import LinkError, LinkTimeoutError, SerialLink
from tinybench_gui.protocol.framing import READY_LINE
from tinybench_gui.protocol.replies import NameReply, TimestampModeReply, parse_reply
from tinybench_gui.streams.edges import Edge as StreamEdge

EMON_BOOT_LIMIT_S = 5.0  # the EnergyRunner waits this long for m-ready after power-on
MIN_PULSE_WIDTH_S = 1e-6  # EEMBC: the timestamp pin is held low at least 1 µs
EEMBC_HOLD_FILTER_S = 50e-6  # .eembc.ini timestamp-hold-us=50 drops shorter pulses
DEFAULT_SWEEP_BAUD_RATES: tuple[int, ...] = (115200, 921600, 9600, 230400, 460800, 57600, 38400)
Verdict = Literal["pass", "warn", "fail"]
Edge = Literal["falling", "rising"]


@dataclass(frozen=True, slots=True)
class BurstReport:
    """Result of ``name_burst_test``."""

    url: str
    baud_rate: int
    sent: int
    names: int
    readies: int
    errors: tuple[str, ...]
    elapsed_s: float
    verdict: Verdict
    advice: str


def name_burst_test(
    url: str, baud_rate: int = 115200, *, count: int = 20, timeout_s: float = 5.0
) -> BurstReport:
    """Send ``count`` ``name%`` commands in one write and count the answers."""
    started = time.monotonic()
    names = readies = 0
    errors: list[str] = []
    link = SerialLink(url, baud_rate, line_timeout_s=timeout_s)
    try:
        link.open()
        link.purge()
        link.write_raw(b"name%" * count, command=f"name% x{count}")
        deadline = started + timeout_s
        while readies < count and time.monotonic() < deadline:
            try:
                line = link.read_line(max(0.01, min(0.5, deadline - time.monotonic())))
            except LinkTimeoutError:
                break
            reply = parse_reply(line)
            if isinstance(reply, NameReply):
                names += 1
            elif line.strip() == READY_LINE:
                readies += 1
            elif line.startswith("e-"):
                errors.append(line)
    except LinkError as exc:
        return BurstReport(
            url,
            baud_rate,
            count,
            names,
            readies,
            (str(exc),),
            time.monotonic() - started,
            "fail",
            exc.fix or "",
        )
    finally:
        link.close()
    elapsed = time.monotonic() - started
    if names == count and readies == count and not errors:
        return BurstReport(url, baud_rate, count, names, readies, (), elapsed, "pass", "")
    advice = (
        "the DUT lost characters of back-to-back commands: buffer UART RX in an interrupt "
        "(ring buffer) rather than polling th_getchar (benchmark.md §1.1)"
    )
    if names == 0:
        advice = "no answer at all: run the baud sweep, then check the cable and the firmware"
    return BurstReport(
        url, baud_rate, count, names, readies, tuple(errors), elapsed, "fail", advice
    )


@dataclass(frozen=True, slots=True)
class BaudAttempt:
    """One rate of a sweep."""

    baud_rate: int
    answered: bool
    name: str | None
    noise: bool  # bytes came back, but not a line we understand: a wrong rate, typically
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SweepReport:
    """Result of ``baud_sweep``."""

    url: str
    attempts: tuple[BaudAttempt, ...]

    @property
    def answering(self) -> list[int]:
        """The rates at which ``name%`` was answered."""
        return [a.baud_rate for a in self.attempts if a.answered]

    @property
    def verdict(self) -> Verdict:
        """pass if exactly one rate answered, warn if several, fail if none."""
        n = len(self.answering)
        return "pass" if n == 1 else ("warn" if n > 1 else "fail")


def baud_sweep(
    url: str,
    baud_rates: Sequence[int] = DEFAULT_SWEEP_BAUD_RATES,
    *,
    line_timeout_s: float = 0.5,
    stop_at_first: bool = False,
) -> SweepReport:
    """Try ``name%`` at each baud rate and report what came back."""
    attempts: list[BaudAttempt] = []
    for baud in baud_rates:
        link = SerialLink(url, baud, line_timeout_s=line_timeout_s)
        lines: list[str] = []
        name: str | None = None
        noise = False
        try:
            link.open()
            link.purge()
            link.send("name")
            while True:
                line = link.read_line(line_timeout_s)
                lines.append(line)
                reply = parse_reply(line)
                if isinstance(reply, NameReply):
                    name = reply.name
                elif line.strip() == "tinyML Enhanced Interface Board":
                    name = line.strip()
                if line.strip() == READY_LINE:
                    break
        except LinkTimeoutError as exc:
            noise = bool(lines) or "partial" in (exc.last_line or "")
        except LinkError as exc:
            lines.append(str(exc))
        finally:
            link.close()
        answered = name is not None
        noise = noise or (bool(lines) and not answered)
        attempts.append(BaudAttempt(baud, answered, name, noise, tuple(lines)))
        if answered and stop_at_first:
            break
    return SweepReport(url, tuple(attempts))


@dataclass(frozen=True, slots=True)
class BootReport:
    """Result of ``time_to_ready``."""

    url: str
    ready_after_s: float | None
    banner: tuple[str, ...]
    build_mode: str | None
    verdict: Verdict
    advice: str


def time_to_ready(
    url: str,
    baud_rate: int,
    power_on: Callable[[], None],
    *,
    timeout_s: float = 10.0,
    limit_s: float = EMON_BOOT_LIMIT_S,
) -> BootReport:
    """Open the port, call ``power_on`` (energy monitor, reset, QEMU start), time ``m-ready``."""
    link = SerialLink(url, baud_rate, line_timeout_s=timeout_s)
    banner: list[str] = []
    mode: str | None = None
    try:
        link.open()
        link.purge()
        t0 = time.monotonic()
        power_on()
        while True:
            left = timeout_s - (time.monotonic() - t0)
            if left <= 0:
                raise LinkTimeoutError("no m-ready", port=url, command="(power-on)")
            line = link.read_line(left)
            banner.append(line)
            reply = parse_reply(line)
            if isinstance(reply, TimestampModeReply):
                mode = reply.mode
            if line.strip() == READY_LINE:
                break
        ready_after = time.monotonic() - t0
    except LinkError as exc:
        return BootReport(
            url,
            None,
            tuple(banner),
            mode,
            "fail",
            f"no m-ready within {timeout_s:g} s after power-on ({exc.what}); "
            "check the baud rate and that the firmware prints its banner",
        )
    finally:
        link.close()
    if ready_after > limit_s:
        return BootReport(
            url,
            ready_after,
            tuple(banner),
            mode,
            "fail",
            f"m-ready after {ready_after:.2f} s: an energy monitor gives up after "
            f"{limit_s:g} s; shorten th_final_initialize or the clock start-up",
        )
    verdict: Verdict = "warn" if ready_after > 0.8 * limit_s else "pass"
    return BootReport(url, ready_after, tuple(banner), mode, verdict, "")


@dataclass(frozen=True, slots=True)
class PulseReport:
    """Timestamp pulses found in an edge list, and whether they are fit for an energy run."""

    count: int
    expected: int | None
    widths_s: tuple[float | None, ...]  # None where the trailing edge is missing
    starts_s: tuple[float, ...]
    verdict: Verdict
    problems: tuple[str, ...] = field(default=())

    @property
    def min_width_s(self) -> float | None:
        """The narrowest complete pulse."""
        complete = [w for w in self.widths_s if w is not None]
        return min(complete) if complete else None


def expected_pulses(windows: int, *, boot_pulse: bool = True) -> int:
    """Pulses of an energy run: one at init (``th_timestamp_initialize``), two per window."""
    return 2 * windows + (1 if boot_pulse else 0)


def check_timestamp_pulses(
    edges: Iterable[tuple[float, Edge]],
    *,
    active: Edge = "falling",
    expected_count: int | None = None,
    min_width_s: float = MIN_PULSE_WIDTH_S,
    resolution_s: float | None = None,
) -> PulseReport:
    """Pair the timestamp pin's edges into pulses and check their width and count.

    ``edges`` are ``(t_s, "falling" | "rising")`` in any order. The pulse starts on the
    ``active`` edge (the reference firmware drives the pin low, so falling) and ends
    on the opposite one. ``resolution_s`` is the monitor's time step (LPM01A events:
    1 ms): a pulse narrower than that cannot be measured, only counted.
    """
    ordered = sorted(edges, key=lambda e: e[0])
    idle: Edge = "rising" if active == "falling" else "falling"
    starts: list[float] = []
    widths: list[float | None] = []
    problems: list[str] = []
    open_start: float | None = None
    for t_s, edge in ordered:
        if edge == active:
            if open_start is not None:
                widths.append(None)  # two active edges in a row: the trailing edge was lost
            starts.append(t_s)
            open_start = t_s
        elif edge == idle and open_start is not None:
            widths.append(t_s - open_start)
            open_start = None
    if open_start is not None:
        widths.append(None)
        problems.append(
            f"the pulse starting at {open_start:.6f} s never ended (pin stuck {active})"
        )
    missing = sum(1 for w in widths if w is None) - (1 if open_start is not None else 0)
    if missing > 0:
        problems.append(f"{missing} pulse(s) without a trailing edge")
    complete = [w for w in widths if w is not None]
    if resolution_s is None or resolution_s < min_width_s:
        narrow = [w for w in complete if w < min_width_s]
        if narrow:
            problems.append(
                f"{len(narrow)} pulse(s) narrower than {min_width_s * 1e6:g} µs "
                f"(narrowest {min(narrow) * 1e9:.0f} ns): lengthen the hold in th_timestamp()"
            )
    elif complete and min(complete) < resolution_s:
        problems.append(
            f"pulse width below the monitor's {resolution_s * 1e3:g} ms resolution: counted only"
        )
    if expected_count is not None and len(starts) != expected_count:
        problems.append(
            f"{len(starts)} pulse(s) where {expected_count} were expected: check the wiring to "
            "the monitor's timestamp input, its voltage level, and the edge polarity"
        )
    verdict: Verdict = "fail" if problems else "pass"
    eembc_filtered = [w for w in complete if w < EEMBC_HOLD_FILTER_S]
    if verdict == "pass" and eembc_filtered and (resolution_s is None or resolution_s < 50e-6):
        verdict = "warn"
        problems.append(
            f"{len(eembc_filtered)} pulse(s) shorter than 50 µs: EnergyRunner's "
            "timestamp-hold-us=50 would drop them"
        )
    return PulseReport(
        count=len(starts),
        expected=expected_count,
        widths_s=tuple(widths),
        starts_s=tuple(starts),
        verdict=verdict,
        problems=tuple(problems),
    )


def check_stream_edges(
    edges: Iterable[StreamEdge],
    sample_rate_hz: float,
    *,
    line: int | None = None,
    active: Edge = "falling",
    expected_count: int | None = None,
    min_width_s: float = MIN_PULSE_WIDTH_S,
) -> PulseReport:
    """``check_timestamp_pulses`` over an energy monitor's edges (``streams.edges.Edge``).

    Sample indices become seconds at ``sample_rate_hz``, which is also the resolution:
    at the LPM01A's 1 kHz a 2 ms pulse is counted but its width is only known to 1 ms.
    """
    converted: list[tuple[float, Edge]] = [
        (e.sample_index / sample_rate_hz, "rising" if e.rising else "falling")
        for e in edges
        if line is None or e.line == line
    ]
    return check_timestamp_pulses(
        converted,
        active=active,
        expected_count=expected_count,
        min_width_s=min_width_s,
        resolution_s=1.0 / sample_rate_hz,
    )
