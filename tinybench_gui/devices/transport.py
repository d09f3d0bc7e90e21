"""A line-oriented serial link opened with ``serial.serial_for_url``.

Device paths, ptys, ``socket://``, ``rfc2217://`` and ``loop://`` all work the
same way. Each link belongs to one thread (the one that calls it); nothing here
starts threads. Every failure raises a ``LinkError`` that names the port, the
command and the last line seen, with a hint at the fix.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import serial

from tinybench_gui.protocol.framing import (
    DIRECT_CHUNK_BYTES,
    READY_LINE,
    LineSplitter,
    encode_command,
)
from tinybench_gui.protocol.replies import Response

Direction = Literal["tx", "rx"]
_READ_SLICE_S = 0.05


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One line on a link, as the run file and the log show it."""

    host_time_s: float
    source: str  # "dut", "io" or "emon": the spec's vocabulary
    direction: Direction
    text: str


TranscriptSink = Callable[[TranscriptEntry], None]


class LinkError(RuntimeError):
    """A serial link failed; the message names the port, command, last line and fix."""

    def __init__(
        self,
        what: str,
        *,
        port: str,
        command: str | None = None,
        last_line: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.what = what
        self.port = port
        self.command = command
        self.last_line = last_line
        self.fix = fix
        parts = [f"{what} on {port}"]
        if command is not None:
            parts.append(f"while running {command!r}")
        parts.append(f"last line seen: {last_line!r}" if last_line else "nothing received")
        text = "; ".join(parts)
        if fix:
            text += f". Fix: {fix}"
        super().__init__(text)


class LinkTimeoutError(LinkError):
    """No complete line arrived within the per-line timeout."""


class PortUnavailableError(LinkError):
    """The port could not be opened, is busy, or vanished."""


def open_serial(url: str, baud_rate: int, *, exclusive: bool = True) -> Any:
    """Open ``url`` with pyserial; raise ``PortUnavailableError`` with a fix if it fails."""
    kwargs: dict[str, Any] = {"baudrate": baud_rate, "timeout": _READ_SLICE_S}
    if exclusive and "://" not in url:
        # Two programs on one VCP interleave bytes; refuse instead (runner README:
        # "multiple access on port").
        kwargs["exclusive"] = True
    try:
        port = serial.serial_for_url(url, **kwargs)
    except (serial.SerialException, OSError, ValueError) as exc:
        text = str(exc)
        if "busy" in text.lower() or "lock" in text.lower() or "Errno 16" in text:
            fix = "close the other program using this port (a terminal, another tinybench)"
        elif "No such file" in text or "Errno 2" in text:
            fix = "check the cable and run `tinybench detect` to list the ports"
        elif "Connection refused" in text or "Errno 111" in text:
            fix = "start the simulator or emulator first (`tinybench sim serve`)"
        else:
            fix = "check the port name and that you may open it (group dialout)"
        raise PortUnavailableError(f"cannot open port ({text})", port=url, fix=fix) from exc
    sock = _socket_of(port)
    if sock is not None:
        # pyserial leaves Nagle on; one small command per round trip then costs ~40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return port


def _socket_of(port: Any) -> socket.socket | None:
    """The socket behind a pyserial ``socket://`` port (None for anything else)."""
    sock = getattr(port, "_socket", None)
    return sock if isinstance(sock, socket.socket) else None


def _fileno(port: Any) -> int | None:
    """The descriptor to select on: a POSIX tty or pty, or a socket:// URL's socket."""
    fd = getattr(port, "fd", None)
    if isinstance(fd, int):
        return fd
    sock = _socket_of(port)
    return None if sock is None else sock.fileno()


def read_some(port: Any, timeout_s: float) -> bytes:
    """Every byte waiting (at least one), or ``b""`` after ``timeout_s``.

    One select and one read per call where the port has a descriptor: pyserial's
    ``read(1)`` then ``read(in_waiting)`` costs two of each plus its timeout bookkeeping,
    about 2 % of a ``db`` chunk's round trip at 115200 Bd. Elsewhere, pyserial's own
    read with the port's timeout.
    """
    fd = _fileno(port)
    if fd is None:
        waiting = port.in_waiting
        return bytes(port.read(waiting if waiting > 0 else 1))
    ready, _, _ = select.select([fd], [], [], timeout_s)
    if not ready:
        return b""
    data = os.read(fd, 4096)
    if not data:  # readable but empty: the other end is gone (pyserial says the same)
        raise serial.SerialException("device reports readiness to read but returned no data")
    return data


def write_all(port: Any, data: bytes) -> None:
    """Write every byte of ``data``: straight to the descriptor where the port has one
    (pyserial's write adds a select per call), else through pyserial."""
    fd = _fileno(port)
    if fd is None:
        port.write(data)
        return
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:  # pyserial opens ports non-blocking: wait for room
            select.select([], [fd], [], _READ_SLICE_S)


class SerialLink:
    """A half-duplex command/response link: send ``cmd%``, read lines until ``m-ready``."""

    def __init__(
        self,
        url: str,
        baud_rate: int = 115200,
        *,
        source: str = "dut",
        line_timeout_s: float = 5.0,
        transcript: TranscriptSink | None = None,
    ) -> None:
        self.url = url
        self.baud_rate = baud_rate
        self.source = source
        self.line_timeout_s = line_timeout_s
        self._transcript = transcript
        self._port: Any = None
        self._splitter = LineSplitter()
        self._lines: list[str] = []
        self.last_line: str | None = None
        # A direct link carries 31 payload bytes per `db` chunk (benchmark.md §1.5).
        self.chunk_bytes = DIRECT_CHUNK_BYTES

    @classmethod
    def over(cls, port: Any, url: str, **kwargs: Any) -> SerialLink:
        """A link over an already open pyserial-like ``port`` (tests, custom transports)."""
        link = cls(url, getattr(port, "baudrate", 115200), **kwargs)
        link._port = port
        return link

    # -- lifetime ---------------------------------------------------------------------------
    def open(self) -> SerialLink:
        """Open the port (idempotent)."""
        if self._port is None:
            self._port = open_serial(self.url, self.baud_rate)
        return self

    def close(self) -> None:
        """Close the port; safe to call twice."""
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def __enter__(self) -> SerialLink:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        return self._port is not None

    def set_baud_rate(self, baud_rate: int) -> None:
        """Change the host side's baud rate without reopening."""
        self.baud_rate = baud_rate
        if self._port is not None:
            self._port.baudrate = baud_rate

    # -- raw I/O -----------------------------------------------------------------------------
    def _record(self, direction: Direction, text: str) -> None:
        if self._transcript is not None:
            self._transcript(TranscriptEntry(time.time(), self.source, direction, text))

    def _require_port(self, command: str | None) -> Any:
        if self._port is None:
            raise PortUnavailableError(
                "port is not open", port=self.url, command=command, fix="open the link first"
            )
        return self._port

    def write_raw(self, data: bytes, *, command: str | None = None) -> None:
        """Write bytes as they are (for diagnostics and simulators' peers)."""
        port = self._require_port(command)
        try:
            write_all(port, data)
        except (serial.SerialException, OSError) as exc:
            raise PortUnavailableError(
                f"write failed ({exc})",
                port=self.url,
                command=command,
                last_line=self.last_line,
                fix="the device vanished: check the cable, then rescan",
            ) from exc

    def send(self, command: str) -> None:
        """Send one command with its ``%`` terminator."""
        data = encode_command(command)
        self._record("tx", command)
        self.write_raw(data, command=command)

    def read_line(self, timeout_s: float | None = None, *, command: str | None = None) -> str:
        """Return the next complete line; raise ``LinkTimeoutError`` after ``timeout_s``."""
        if self._lines:
            return self._pop_line()
        port = self._require_port(command)
        limit_s = self.line_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit_s
        while not self._lines:
            try:
                data = read_some(port, min(_READ_SLICE_S, max(deadline - time.monotonic(), 0)))
            except (serial.SerialException, OSError, TypeError) as exc:
                raise PortUnavailableError(
                    f"read failed ({exc})",
                    port=self.url,
                    command=command,
                    last_line=self.last_line,
                    fix="the device vanished or was reset: check the cable, then rescan",
                ) from exc
            if data:
                self._lines.extend(self._splitter.feed(data))
            elif time.monotonic() >= deadline:
                partial = self._splitter.partial
                seen = f"{self.last_line!r}, then partial {partial!r}" if partial else None
                raise LinkTimeoutError(
                    f"no complete line within {limit_s:g} s",
                    port=self.url,
                    command=command,
                    last_line=seen or self.last_line,
                    fix=(
                        "check the baud rate (performance 115200, AD 921600, energy builds 9600 "
                        "through the interface board) and that the board finished booting"
                    ),
                )
        return self._pop_line()

    def _pop_line(self) -> str:
        line = self._lines.pop(0)
        self.last_line = line
        self._record("rx", line)
        return line

    def purge(self) -> list[str]:
        """Drop whatever is waiting (stale output); return the complete lines dropped."""
        port = self._require_port(None)
        dropped = list(self._lines)
        self._lines.clear()
        try:
            waiting = port.in_waiting
            if waiting:
                dropped.extend(self._splitter.feed(port.read(waiting)))
            port.reset_input_buffer()
        except (serial.SerialException, OSError):
            pass
        self._splitter = LineSplitter()
        return dropped

    # -- command / response --------------------------------------------------------------
    def read_until_ready(
        self, command: str, *, line_timeout_s: float | None = None, ready: str = READY_LINE
    ) -> list[str]:
        """Collect lines until one equals ``ready`` (inclusive)."""
        lines: list[str] = []
        while True:
            line = self.read_line(line_timeout_s, command=command)
            lines.append(line)
            if line.strip() == ready:
                return lines

    def transact(self, command: str, *, line_timeout_s: float | None = None) -> Response:
        """Send ``command`` and return its whole response up to ``m-ready``."""
        self.send(command)
        return Response.from_lines(
            command, self.read_until_ready(command, line_timeout_s=line_timeout_s)
        )
