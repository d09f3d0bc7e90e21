"""The emulated board as a flashing route: "flashing" restarts QEMU with the new image.

The board handle is the firmware work's ``EmulatedBoard`` (``tinybench_gui.firmware.emulator``):
``EmulatedBoard(image).start()`` returns the DUT URL. The route stops the running board
(``FlashRequest.emulated_board``), starts a new one on the image, and hands it back in
``RouteOutcome.emulated_board``; its owner (the bench) keeps it from then on. QEMU waits
for the first connection before the firmware runs, so the post-flash probe sees the banner.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.flashing.model import (
    CancelToken,
    FlashProgress,
    FlashRequest,
    ProgressSink,
    RouteOutcome,
    RouteStatus,
)

BoardFactory = Callable[[Path], Any]
_EMULATOR_MODULE = "tinybench_gui.firmware.emulator"


def _default_factory(image: Path) -> Any:
    from tinybench_gui.firmware.emulator import EmulatedBoard  # type: ignore[import-not-found,unused-ignore]

    return EmulatedBoard(image)


def _emulator_present() -> bool:
    try:
        return importlib.util.find_spec(_EMULATOR_MODULE) is not None
    except ModuleNotFoundError:  # the parent package is absent too
        return False


class QemuRoute:
    """Load an image into the emulated board by restarting it."""

    name = "qemu"

    def __init__(
        self,
        *,
        install: str = "",
        factory: BoardFactory | None = None,
        qemu: str = "qemu-system-arm",
    ) -> None:
        self.install = install
        self._factory = factory
        self.qemu = qemu

    def availability(self) -> RouteStatus:
        """Needs qemu-system-arm and the emulated-board module."""
        if shutil.which(self.qemu) is None:
            return RouteStatus(
                self.name, "QEMU", False, f"{self.qemu} is not on PATH", self.install
            )
        if self._factory is None and not _emulator_present():
            return RouteStatus(
                self.name, "QEMU", False, "this tinybench has no emulated board", self.install
            )
        return RouteStatus(self.name, "QEMU", True, f"{self.qemu} found", self.install)

    def supports(self, board: BoardSpec) -> str | None:
        """Emulated boards only."""
        return None if board.emulated else f"{board.name} is real hardware, not an emulator"

    def flash(
        self,
        request: FlashRequest,
        image: FirmwareImage,
        progress: ProgressSink,
        cancel: CancelToken,
    ) -> RouteOutcome:
        """Stop the running board, start one on ``image``."""
        if image.format != "elf":
            raise FlashError(
                FlashErrorKind.IMAGE_INVALID,
                f"the emulated board loads an ELF (QEMU -kernel), not a .{image.format}",
                hint="flash the .elf from the firmware build",
                route=self.name,
            )
        old = request.emulated_board
        if old is not None:
            progress(FlashProgress("reset", 0.1, "stopping the emulated board"))
            old.stop()
        cancel.raise_if_cancelled(self.name)
        progress(FlashProgress("program", 0.5, f"starting QEMU on {image.path.name}"))
        factory = self._factory or _default_factory
        try:
            board = factory(image.path)
            url = board.start()
        except Exception as exc:  # EmulatorError, OSError: QEMU's own words are in the text
            raise FlashError(
                FlashErrorKind.FAILED,
                f"the emulated board did not start: {exc}",
                raw_output=str(exc),
                hint="check that qemu-system-arm runs and the image was built for mps2-an386",
                route=self.name,
            ) from exc
        progress(FlashProgress("reset", 1.0, f"running at {url}"))
        return RouteOutcome(
            verified=None,
            notes=(f"emulated board running at {url}",),
            emulated_board=board,
            port_url=url,
        )
