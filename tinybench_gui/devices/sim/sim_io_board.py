"""Simulated interface boards: the STM32H573I-DK enhanced board and the Arduino IO manager.

The host opens the board's pty at 115200 Bd; the board opens the simulated DUT's
port (a pty or socket served by ``SimDutServer`` with UART wire time at the DUT's
baud, 9600 in energy mode) with pyserial, as the real board's USART3 is wired to
the DUT. It relays ``dut <cmd>%`` as the firmware does: ``m-dut-passthrough(<cmd>)``,
``m-ready``, then ``<cmd>%`` to the DUT and every DUT line back as ``[dut]: <line>``
(boot banners included). ``setbaud`` answers and then resets (deaf for ``reset_s``);
if the board's DUT-side baud differs from the DUT's, the relay delivers garbage
as a real UART would. With ``dut_url=None`` the board answers for a DUT that is
not there: the passthrough is acknowledged and nothing follows.

A DUT without wire time of its own (the emulated board's TCP UART) gets it from the board:
``wire_time=True`` paces both directions at the DUT-side baud. ``connect_dut(url)`` rewires
the DUT side (a board that was powered off and booted again on a new socket).
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Literal

import serial

from tinybench_gui.devices.sim.pty_endpoint import PtyEndpoint

ENHANCED_NAME = "tinyML Enhanced Interface Board"
ARDUINO_VERSION = "1.0.3"


class SimIoBoard:
    """An interface board on a pty, relaying to the DUT at ``dut_url``."""

    def __init__(
        self,
        dut_url: str | None,
        *,
        kind: Literal["stm32h573i-dk", "arduino"] = "stm32h573i-dk",
        dut_baud: int = 9600,
        actual_dut_baud: int | None = None,
        reset_s: float = 0.2,
        relay_unsolicited: bool = True,
        wire_time: bool = False,
    ) -> None:
        self.kind = kind
        self.dut_url = dut_url
        self.dut_baud = dut_baud
        # The DUT's real baud; a mismatch garbles the relay as on a real UART.
        self.actual_dut_baud = actual_dut_baud or dut_baud
        self.reset_s = reset_s
        # False: DUT output is relayed only while a `dut` command waits for its m-ready
        # (the boot banner is lost), which the real firmware may well do.
        self.relay_unsolicited = relay_unsolicited
        self._relaying = False
        # Set when the DUT prints m-ready (its boot banner's end, or an answer's); cleared
        # when the DUT side is rewired.
        self.dut_ready = threading.Event()
        self.wire_time = wire_time
        self._rewire: list[str | None] = []  # connect_dut requests, taken by the board's thread
        self._rewire_lock = threading.Lock()
        self.pty = PtyEndpoint()
        self.commands: list[str] = []
        self._dut: Any = None
        self._deaf_until = 0.0
        self._dut_pending = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sim-io-{kind}", daemon=True)
        self._thread.start()

    @property
    def path(self) -> str:
        """The pty the host opens."""
        return self.pty.path

    def _open_dut(self) -> None:
        if self.dut_url is not None and self._dut is None:
            self._dut = serial.serial_for_url(self.dut_url, baudrate=self.dut_baud, timeout=0)

    def connect_dut(self, url: str | None) -> None:
        """Wire the DUT side to ``url`` (None: no DUT); done by the board's own thread."""
        with self._rewire_lock:
            self._rewire.append(url)

    def _apply_rewire(self) -> None:
        with self._rewire_lock:
            if not self._rewire:
                return
            url = self._rewire[-1]
            self._rewire.clear()
        if self._dut is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._dut.close()
        self._dut, self.dut_url, self._dut_pending = None, url, b""
        self.dut_ready.clear()
        try:
            self._open_dut()
        except (serial.SerialException, OSError):
            self._dut = None

    def _wire_wait(self, byte_count: int) -> None:
        # 10 bits per byte (8N1) at the DUT-side baud, when the DUT does not emulate it.
        if self.wire_time:
            time.sleep(byte_count * 10 / self.dut_baud)

    def _say(self, *lines: str) -> None:
        self.pty.write("".join(f"{line}\r\n" for line in lines).encode("ascii", "replace"))

    def _run(self) -> None:
        pending = b""
        try:
            self._open_dut()
        except (serial.SerialException, OSError):
            self._dut = None
        while not self._stop.is_set():
            self._apply_rewire()
            data = self.pty.read(0.005)
            if data and time.monotonic() >= self._deaf_until:
                pending += data
                while b"%" in pending:
                    raw, _, pending = pending.partition(b"%")
                    self._command(raw.decode("ascii", errors="replace").strip("\r\n"))
            self._relay_dut()
            self.pty.flush()

    def _relay_dut(self) -> None:
        if self._dut is None:
            return
        try:
            data = self._dut.read(self._dut.in_waiting or 1)
        except (serial.SerialException, OSError):
            return
        if not data:
            return
        self._wire_wait(len(data))
        if self.dut_baud != self.actual_dut_baud:
            # Wrong baud: framing errors turn every byte into noise.
            self.pty.write(bytes((b * 7 + 3) & 0xFF for b in data))
            return
        self._dut_pending += data
        *lines, self._dut_pending = self._dut_pending.split(b"\n")
        for raw in lines:
            text = raw.decode("ascii", errors="replace").strip("\r\x00")
            if self._relaying or self.relay_unsolicited:
                self._say(f"[dut]: {text}")
            if text == "m-ready":
                self._relaying = False
                self.dut_ready.set()

    def _command(self, text: str) -> None:
        self.commands.append(text)
        word, _, arg = text.partition(" ")
        if word == "dut":
            self._say(f"m-dut-passthrough({arg})", "m-ready")
            self._relaying = True
            if self._dut is not None:
                # The DUT has the command once its last byte is through the wire.
                self._wire_wait(len(arg) + 1)
                with contextlib.suppress(serial.SerialException, OSError):
                    self._dut.write(arg.encode("ascii", "replace") + b"%")
            return
        if self.kind == "stm32h573i-dk":
            self._enhanced(word, arg)
        else:
            self._arduino(word, arg)

    def _enhanced(self, word: str, arg: str) -> None:
        if word == "name":
            self._say(ENHANCED_NAME, "m-ready")
        elif word == "checkbaud":
            self._say(f"baud is: {self.dut_baud}", "m-ready")
        elif word == "setbaud":
            try:
                baud = int(arg)
            except ValueError:
                self._say("m-ready")
                return
            self._say(f"set baud to: {baud}", "m-ready")
            self.dut_baud = baud
            # NVIC_SystemReset: deaf while it reboots; the DUT port is reopened.
            self._deaf_until = time.monotonic() + self.reset_s
            if self._dut is not None:
                self._dut.baudrate = baud
        else:
            self._say(f"e-[Unknown command: {word}]", "m-ready")

    def _arduino(self, word: str, arg: str) -> None:
        replies = {
            "name": ["m-name-io-[IoTConnect IO Manager]"],
            "version": [f"m-version-{ARDUINO_VERSION}"],
            "enable-timer": ["m-timer-enabled"],
            "disable-timer": ["m-timer-disabled"],
        }
        if word in replies:
            self._say(*replies[word], "m-ready")
        elif word == "tm":
            mode = "FALLING" if arg.strip() == "0" else "CHANGE"
            self._say(f"m-timestmp-mode-{mode}", "m-[Timer disabled after mode change]", "m-ready")
        else:
            self._say(f"e-[Unknown command: {word}]", "m-ready")

    def close(self) -> None:
        """Stop relaying and close both sides."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        if self._dut is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._dut.close()
        self.pty.close()
