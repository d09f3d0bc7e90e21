"""Interface boards: the DUT reached through a relay (benchmark.md §2.1, instruments.md §5).

In energy mode the DUT is powered by the energy monitor and isolated from the
host; its UART goes through an interface board that the host talks to at
115200 Bd. Two boards exist:

- the MLPerf Tiny "enhanced" interface board (STM32H573I-DK): ``dut <cmd>%`` is
  answered ``m-dut-passthrough(<cmd>)``, ``m-ready``, then every DUT line as
  ``[dut]: <line>`` up to the DUT's own ``m-ready``; ``name`` answers
  ``tinyML Enhanced Interface Board``; ``setbaud N`` sets the DUT-side baud,
  answers ``set baud to: N`` and resets the board; ``checkbaud`` answers
  ``baud is: N``;
- the legacy EEMBC Arduino UNO IO manager (same ``dut`` relay; ``name``,
  ``version``, ``tm 0``, ``enable-timer``; its DUT side is fixed at 9600 Bd). Its
  reply framing is inferred from strings in its firmware image, not seen on hardware.

Both boards are half-duplex: one command at a time, strict ``m-ready`` handshakes.
The classes here are ``CommandChannel``s, so ``DutClient`` drives a DUT through
them exactly as it drives a DUT on a direct link.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Literal

from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.devices.transport import (
    LinkError,
    LinkTimeoutError,
    SerialLink,
    TranscriptSink,
)
from tinybench_gui.protocol.framing import IO_BOARD_CHUNK_BYTES, READY_LINE
from tinybench_gui.protocol.replies import Response

IoBoardKind = Literal["stm32h573i-dk", "arduino"]
HOST_BAUD = 115200
ENHANCED_BOARD_NAME = "tinyML Enhanced Interface Board"
DUT_PREFIX = "[dut]: "
ENERGY_DUT_BAUD = 9600
_BAUD_RE = re.compile(r"baud is:\s*(\d+)")
_NO_DUT_FIX = (
    "check that the DUT is powered (energy monitor on), the UART wires between board and "
    "DUT (TX to RX; the NUCLEO-L4R5ZI's labels are swapped), the level shifter below "
    "3.3 V, and that the DUT's baud matches the board's (`checkbaud`; energy builds: 9600)"
)


class IoBoardError(LinkError):
    """The interface board did not answer as its firmware does."""


class _Relay:
    """The ``dut <cmd>`` relay both boards share; a ``CommandChannel`` to the DUT."""

    kind: IoBoardKind
    board_name = ""

    def __init__(
        self,
        url: str,
        *,
        baud_rate: int = HOST_BAUD,
        line_timeout_s: float = 5.0,
        transcript: TranscriptSink | None = None,
    ) -> None:
        self.link = SerialLink(
            url, baud_rate, source="io", line_timeout_s=line_timeout_s, transcript=transcript
        )
        self.line_timeout_s = line_timeout_s
        self._relaying: str | None = None  # the DUT command in flight
        self._dut_answered = False

    # -- lifetime ---------------------------------------------------------------------------
    def open(self) -> _Relay:
        """Open the host-side port."""
        self.link.open()
        return self

    def close(self) -> None:
        """Close the port; safe to call twice."""
        self.link.close()

    @property
    def url(self) -> str:
        """The board's port."""
        return self.link.url

    @property
    def chunk_bytes(self) -> int:
        """26 bytes a ``db`` chunk: ``dut db `` plus 52 hex digits stay under 80 characters."""
        return IO_BOARD_CHUNK_BYTES

    # -- the board's own commands -------------------------------------------------------------
    def board_command(self, command: str, *, timeout_s: float | None = None) -> list[str]:
        """A command for the board itself; its lines before ``m-ready``."""
        lines = self.link.transact(command, line_timeout_s=timeout_s).lines
        return [line for line in lines if line.strip() != READY_LINE]

    def name(self) -> str:
        """The board's name (raises if it is not this kind of board)."""
        self.link.purge()
        lines = self.board_command("name")
        text = " ".join(lines).strip()
        if not self._is_me(text):
            raise IoBoardError(
                f"`name` answered {text!r}, not the {self.board_name}",
                port=self.url,
                command="name",
                last_line=lines[-1] if lines else None,
                fix="pick the interface board's port (a DUT answers m-name-dut-[...])",
            )
        return text

    def _is_me(self, text: str) -> bool:
        raise NotImplementedError

    # -- CommandChannel: the DUT through the board -------------------------------------------
    def send(self, command: str) -> None:
        """``dut <command>``; consumes the board's 2-line acknowledgement."""
        relayed = f"dut {command}"
        self.link.send(relayed)
        ack = f"m-dut-passthrough({command})"
        try:
            first = self.link.read_line(command=relayed)
            second = self.link.read_line(command=relayed)
        except LinkTimeoutError as exc:
            raise IoBoardError(
                "the interface board did not acknowledge the passthrough",
                port=self.url,
                command=relayed,
                last_line=exc.last_line,
                fix="check that this port is the interface board at 115200 Bd; reset it",
            ) from exc
        if first.strip() != ack or second.strip() != READY_LINE:
            raise IoBoardError(
                f"expected {ack!r} then 'm-ready', got {first!r}, {second!r}",
                port=self.url,
                command=relayed,
                last_line=second,
                fix="a DUT line arrived out of step: purge and retry; check the board firmware",
            )
        self._relaying = command
        self._dut_answered = False

    def read_line(self, timeout_s: float | None = None, *, command: str | None = None) -> str:
        """The next DUT line, ``[dut]: `` removed."""
        try:
            line = self.link.read_line(timeout_s, command=command)
        except LinkTimeoutError as exc:
            if self._relaying is not None and not self._dut_answered:
                limit = self.line_timeout_s if timeout_s is None else timeout_s
                raise LinkTimeoutError(
                    f"the interface board relayed {self._relaying!r} but the DUT did not answer "
                    f"within {limit:g} s",
                    port=self.url,
                    command=f"dut {self._relaying}",
                    last_line=exc.last_line,
                    fix=_NO_DUT_FIX,
                ) from exc
            raise
        self._dut_answered = True
        return line[len(DUT_PREFIX) :] if line.startswith(DUT_PREFIX) else line

    def transact(self, command: str, *, line_timeout_s: float | None = None) -> Response:
        """Relay ``command``; return the DUT's lines up to its ``m-ready``."""
        self.send(command)
        lines: list[str] = []
        while True:
            line = self.read_line(line_timeout_s, command=command)
            lines.append(line)
            if line.strip() == READY_LINE:
                self._relaying = None
                return Response.from_lines(command, lines)

    def purge(self) -> list[str]:
        """Drop stale output (board or DUT lines)."""
        self._relaying = None
        return [
            line[len(DUT_PREFIX) :] if line.startswith(DUT_PREFIX) else line
            for line in self.link.purge()
        ]

    def wait_for_dut_ready(self, timeout_s: float) -> list[str]:
        """Relayed DUT lines until the DUT's boot ``m-ready`` (raise after ``timeout_s``)."""
        deadline = time.monotonic() + timeout_s
        lines: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LinkTimeoutError(
                    f"the DUT printed no m-ready within {timeout_s:g} s of power-on "
                    "(the EnergyRunner waits 5 s)",
                    port=self.url,
                    command="power on",
                    last_line=lines[-1] if lines else None,
                    fix="check the DUT's supply from the energy monitor, that it runs the energy "
                    "build, and " + _NO_DUT_FIX,
                )
            try:
                line = self.link.read_line(remaining, command="power on")
            except LinkTimeoutError:
                continue
            if line.startswith(DUT_PREFIX):
                line = line[len(DUT_PREFIX) :]
                lines.append(line)
                if line.strip() == READY_LINE:
                    return lines


class InterfaceBoard(_Relay):
    """The MLPerf Tiny enhanced interface board (STM32H573I-DK, USB 0483:374E)."""

    kind: IoBoardKind = "stm32h573i-dk"
    board_name = ENHANCED_BOARD_NAME

    def __init__(self, url: str, *, reset_s: float = 2.0, **kwargs: object) -> None:
        super().__init__(url, **kwargs)  # type: ignore[arg-type]
        self.reset_s = reset_s

    def _is_me(self, text: str) -> bool:
        return ENHANCED_BOARD_NAME in text

    def check_baud(self) -> int:
        """The DUT-side baud rate the board uses (``checkbaud``)."""
        lines = self.board_command("checkbaud")
        for line in lines:
            found = _BAUD_RE.search(line)
            if found:
                return int(found[1])
        raise IoBoardError(
            f"no `baud is: N` in {lines!r}",
            port=self.url,
            command="checkbaud",
            fix="update the interface board firmware (benchmark/interface)",
        )

    def set_baud(self, baud_rate: int) -> None:
        """``setbaud N``: saved to flash, then the board resets; wait and check it."""
        lines = self.board_command(f"setbaud {baud_rate}")
        if not any(f"set baud to: {baud_rate}" in line for line in lines):
            raise IoBoardError(
                f"unexpected answer {lines!r}", port=self.url, command=f"setbaud {baud_rate}"
            )
        time.sleep(self.reset_s)  # NVIC_SystemReset: the board is deaf meanwhile
        self.link.purge()
        if self.check_baud() != baud_rate:
            raise IoBoardError(
                f"the board still reports another baud after setbaud {baud_rate}",
                port=self.url,
                command="checkbaud",
                fix="power-cycle the interface board and retry",
            )

    def sync_baud(self, baud_rate: int) -> bool:
        """Make the DUT side run at ``baud_rate``; True if it had to be changed."""
        if self.check_baud() == baud_rate:
            return False
        self.set_baud(baud_rate)
        return True


class ArduinoIoManager(_Relay):
    """The legacy EEMBC IO manager on an Arduino UNO (DUT side fixed at 9600 Bd)."""

    kind: IoBoardKind = "arduino"
    board_name = "EEMBC IO Manager"

    def _is_me(self, text: str) -> bool:
        return "m-name-io" in text or "IO Manager" in text

    def version(self) -> str:
        """``version`` -> ``m-version-...`` (or ``m-ver-...``)."""
        return " ".join(self.board_command("version"))

    def timestamp_on_falling_edge(self) -> None:
        """``tm 0``: time the timestamp pin's falling edges (as the EEMBC runner does)."""
        self.board_command("tm 0")

    def enable_timer(self) -> None:
        """``enable-timer``: log ``m-lap-us-`` for each timestamp edge on D3."""
        self.board_command("enable-timer")

    def sync_baud(self, baud_rate: int) -> bool:
        """The UNO's DUT side is fixed at 9600 Bd."""
        if baud_rate != ENERGY_DUT_BAUD:
            raise IoBoardError(
                f"the Arduino IO manager cannot relay at {baud_rate} Bd",
                port=self.url,
                command=f"setbaud {baud_rate}",
                fix="use the energy build at 9600 Bd, or the STM32H573I-DK interface board",
            )
        return False


def open_io_board(
    kind: IoBoardKind,
    url: str,
    *,
    line_timeout_s: float = 5.0,
    transcript: TranscriptSink | None = None,
) -> InterfaceBoard | ArduinoIoManager:
    """Open an interface board of ``kind`` on ``url`` (not yet identified)."""
    cls = InterfaceBoard if kind == "stm32h573i-dk" else ArduinoIoManager
    board = cls(url, line_timeout_s=line_timeout_s, transcript=transcript)
    board.open()
    return board


def io_board_opener(
    kind: IoBoardKind, url: str, *, line_timeout_s: float = 5.0
) -> Callable[[TranscriptSink], CommandChannel]:
    """A ``RunResources.open_dut`` for a DUT behind an interface board."""

    def open_dut(transcript: TranscriptSink) -> CommandChannel:
        return open_io_board(kind, url, line_timeout_s=line_timeout_s, transcript=transcript)

    return open_dut
