"""Test doubles at the wire for detection: devices answering on ptys, fake comports() rows.

Each fake serves the exact bytes of the real device on the master side of a pty;
the code under test opens the slave path with pyserial like a real port. A fake
DUT answers only when the port is set to its own baud rate (the pty's termios
speed, which the master sees): at any other rate it sends line noise, as a real
UART would.
"""

from __future__ import annotations

import contextlib
import os
import select
import termios
import threading
from dataclasses import dataclass, field
from typing import Any

_SPEED_BY_BAUD = {
    9600: termios.B9600,
    115200: termios.B115200,
    921600: termios.B921600,
}
NOISE = b"\xf8\x80\x00\xfe\x1c\xe0"


class PtyDevice:
    """A responder thread on the master side of a pty."""

    terminator = b"%"
    # A firmware that polls its UART while it prints loses what arrives meanwhile.
    drop_while_busy = False

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        self.received: list[bytes] = []  # every command as received, terminator stripped
        self._buffer = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"fake {self.path}")

    def start(self) -> PtyDevice:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyDevice:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def host_speed(self) -> int:
        """The termios speed constant the host set on the slave."""
        return termios.tcgetattr(self.master)[4]

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def write_lines(self, *lines: str) -> None:
        self.write(b"".join(x.encode("ascii") + b"\r\n" for x in lines))

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                continue
            self._buffer += data
            while self.terminator in self._buffer:
                command, _, self._buffer = self._buffer.partition(self.terminator)
                command = command.strip(b"\r\n")
                self.received.append(command)
                self.answer(command.decode("ascii", errors="replace"))
                if self.drop_while_busy:
                    self._buffer = b""

    def answer(self, command: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SilentPort(PtyDevice):
    """A port whose device never answers (unpowered board, wrong firmware)."""

    def answer(self, command: str) -> None:
        return None


@dataclass
class DutBehaviour:
    vendor: str = "unspecified"
    model: str = "kws01"
    mode: str = "performance"  # or "energy"
    baud_rate: int = 115200
    lap_us: int = 123456
    extra: dict[str, list[str]] = field(default_factory=dict)


class FakeDut(PtyDevice):
    """The reference DUT firmware's replies (benchmark.md §1.2-§1.3)."""

    def __init__(self, behaviour: DutBehaviour | None = None, **kw: Any) -> None:
        super().__init__()
        self.behaviour = behaviour or DutBehaviour(**kw)

    def banner(self) -> list[str]:
        b = self.behaviour
        lines = [f"m-timestamp-mode-{b.mode}"]
        if b.mode == "performance":
            lines.append(f"m-lap-us-{b.lap_us}")
        return [*lines, "m-init-done", "m-ready"]

    def boot(self) -> None:
        self.write_lines(*self.banner())

    def answer(self, command: str) -> None:
        b = self.behaviour
        if self.host_speed() != _SPEED_BY_BAUD.get(b.baud_rate):
            self.write(NOISE)
            return
        head = command.split(" ", maxsplit=1)[0]
        if command in b.extra:
            self.write_lines(*b.extra[command], "m-ready")
        elif head == "name":
            self.write_lines(f"m-name-dut-[{b.vendor}]", "m-ready")
        elif head == "profile":
            self.write_lines(
                "m-profile-[ULPMark for tinyML Firmware V0.0.1]", f"m-model-[{b.model}]", "m-ready"
            )
        elif head == "timestamp":
            if b.mode == "performance":
                self.write_lines(f"m-lap-us-{b.lap_us}", "m-ready")
            else:
                self.write_lines("m-ready")  # energy build: a GPIO pulse, no text
        else:
            self.write_lines(f"e-[Unknown command: {head}]", "m-ready")


class FakeIoBoard(PtyDevice):
    """The MLPerf enhanced interface board (instruments.md §5.2) with a DUT behind it."""

    def __init__(self, dut_vendor: str | None = "STMicroelectronics") -> None:
        super().__init__()
        self.dut_vendor = dut_vendor

    def answer(self, command: str) -> None:
        if command == "name":
            self.write_lines("tinyML Enhanced Interface Board", "m-ready")
        elif command.startswith("dut "):
            inner = command[4:]
            self.write_lines(f"m-dut-passthrough({inner})", "m-ready")
            if self.dut_vendor is not None and inner == "name":
                self.write_lines(f"[dut]: m-name-dut-[{self.dut_vendor}]", "[dut]: m-ready")
        else:
            self.write_lines("m-ready")


class FakeLpm01a(PtyDevice):
    """The PowerShield's command prompt (instruments.md §1.1)."""

    terminator = b"\n"

    def __init__(self, version: str = "1.0.6", board_id: str = "540619864-1110659081-4784204"):
        super().__init__()
        self.version = version
        self.board_id = board_id

    def answer(self, command: str) -> None:
        command = command.strip()
        if command == "powershield":
            self.write(f"\r\nPowerShield > ack powershield {self.board_id}\r\n\r\n".encode())
        elif command == "version":
            self.write(f"\r\nPowerShield > ack version: {self.version}\r\n\r\n".encode())
        else:
            self.write(f"\r\nPowerShield > ack {command}\r\n\r\n".encode())


@dataclass
class FakePortInfo:
    """The attributes of pyserial's ListPortInfo that detection reads."""

    device: str
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    description: str = "n/a"
    product: str | None = None
    manufacturer: str | None = None
    location: str | None = None
    interface: str | None = None


class FakeComports:
    """A mutable stand-in for ``serial.tools.list_ports.comports``."""

    def __init__(self, *ports: FakePortInfo) -> None:
        self.ports = list(ports)

    def __call__(self) -> list[FakePortInfo]:
        return list(self.ports)


def stlink_v21_port(path: str, serial: str) -> FakePortInfo:
    """An ST-LINK/V2-1 VCP as Linux pyserial lists it (0483:374B)."""
    return FakePortInfo(
        device=path,
        vid=0x0483,
        pid=0x374B,
        serial_number=serial,
        description="STM32 STLink - ST-Link VCP Ctrl",
        product="STM32 STLink",
        manufacturer="STMicroelectronics",
        location="1-1.2:1.2",
        interface="ST-Link VCP Ctrl",
    )
