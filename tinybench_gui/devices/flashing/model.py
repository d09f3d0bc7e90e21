"""The data that flows through a flash: request, progress, result, and the route interface."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.probing import ProbeResult

Phase = Literal["check", "connect", "erase", "program", "copy", "verify", "reset", "probe", "done"]


@dataclass(frozen=True, slots=True)
class FlashProgress:
    """A progress report: ``fraction`` of the whole write (0-1), never going backwards."""

    phase: Phase
    fraction: float
    message: str = ""
    phase_fraction: float | None = None  # progress within the phase, when known


ProgressSink = Callable[[FlashProgress], None]


class CancelToken:
    """Set from any thread; routes check it between steps and kill their tool."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the flash to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked."""
        return self._event.is_set()

    def raise_if_cancelled(self, route: str) -> None:
        """Raise ``FlashError(CANCELLED)`` if cancel was asked."""
        if self._event.is_set():
            raise FlashError(FlashErrorKind.CANCELLED, "flash cancelled by the user", route=route)


@dataclass(frozen=True, slots=True)
class FlashRequest:
    """What to flash where.

    ``probe_serial`` picks the debug probe when several are plugged (the USB serial
    number detection shows); ``port_url`` is the board's serial port, probed after
    flashing so the user sees the new firmware answer.
    """

    board: BoardSpec
    firmware: Path
    route: str | None = None  # None: the first available route of the board
    probe_serial: str | None = None
    port_url: str | None = None
    baud_rate: int | None = None  # for the post-flash probe; default: the catalog's
    drive: Path | None = None  # mass-storage mount point (msd route)
    pack: Path | None = None  # CMSIS pack for pyOCD (offline)
    connect_under_reset: bool = False
    verify: bool = True
    timeout_s: float = 180.0
    probe_after: bool = True
    emulated_board: Any = None  # the EmulatedBoard to (re)load, for the qemu route


@dataclass(frozen=True, slots=True)
class RouteOutcome:
    """What a route reports on success."""

    verified: bool | None  # None: the route cannot verify (mass storage trusts FAIL.TXT)
    raw_output: str = ""
    notes: tuple[str, ...] = ()
    emulated_board: Any = None  # qemu route: the new running board, now the caller's
    port_url: str | None = None  # where the board answers now, if the route moved it


@dataclass(frozen=True, slots=True)
class FlashResult:
    """The whole story of one flash, for the dialog, the CLI and the run file."""

    ok: bool
    route: str
    board_id: str
    firmware: Path
    sha256: str | None
    image_format: str | None
    payload_bytes: int | None
    elapsed_s: float
    verified: bool | None = None
    error: FlashError | None = None
    raw_output: str = ""
    warnings: tuple[str, ...] = ()
    probe_after: ProbeResult | None = None
    banner: tuple[str, ...] = field(default=())
    emulated_board: Any = None  # qemu route: the running board; the caller owns it now
    port_url: str | None = None

    @property
    def error_kind(self) -> FlashErrorKind | None:
        """The classified failure, if any."""
        return self.error.kind if self.error else None


@dataclass(frozen=True, slots=True)
class RouteStatus:
    """Whether a route can be used now, and if not, how to get it."""

    name: str
    title: str
    available: bool
    reason: str = ""
    install: str = ""


class FlashRoute(Protocol):
    """One way of writing an image to a board (pyOCD, a vendor CLI, a drive copy, QEMU)."""

    name: str

    def availability(self) -> RouteStatus:
        """Whether the tool is present (cheap: no device access)."""
        ...

    def supports(self, board: BoardSpec) -> str | None:
        """None if the route can flash ``board``, else why not."""
        ...

    def flash(
        self,
        request: FlashRequest,
        image: FirmwareImage,
        progress: ProgressSink,
        cancel: CancelToken,
    ) -> RouteOutcome:
        """Write, verify and reset; raise ``FlashError`` on failure. Runs on a worker thread."""
        ...
