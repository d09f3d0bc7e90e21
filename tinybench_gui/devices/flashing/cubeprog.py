"""STM32CubeProgrammer's CLI (``STM32_Programmer_CLI``) as a flashing route (instruments.md §7.2).

``STM32_Programmer_CLI -c port=SWD sn=<SN> freq=4000 mode=UR reset=HWrst -w fw.elf -v -rst``.
Progress comes from the ``NN%`` tokens of its bar (carriage-return separated):
the download bar maps to 0-85 %, the verify read-back bar to 85-100 %. Success
needs the exit code *and* ``File download complete`` (plus ``Download verified
successfully`` when verifying), because the tool has been seen to print an error
and still finish with verified bars.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing.errors import FlashErrorKind, rules
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.flashing.model import FlashProgress, FlashRequest, Phase, ProgressSink
from tinybench_gui.devices.flashing.tool_process import ToolRun
from tinybench_gui.devices.flashing.tool_route import ToolRoute

TOOL = "STM32_Programmer_CLI"
_PERCENT = re.compile(r"(\d{1,3})\s*%")
_DOWNLOAD_SHARE = 0.85
ERROR_RULES = rules(
    (
        r"No debug probe detected|No ST-?LINK detected|Unable to find ST-?LINK|"
        r"DEV_USB_COMM_ERR|ST-?LINK .*not found",
        FlashErrorKind.PROBE_NOT_FOUND,
    ),
    (
        r"Read ?out protection|RDP level|is under.*protection|failed to erase memory|"
        r"Flash memory is protected|write protect",
        FlashErrorKind.READ_PROTECTION,
    ),
    (
        r"No STM32 target found|DEV_TARGET_CMD_ERR|DEV_TARGET_NOT_HALTED|DEV_TARGET_RESET_ERR|"
        r"Unable to get core ID|target not responding|DEV_CONNECT_ERR",
        FlashErrorKind.TARGET_NOT_RESPONDING,
    ),
    (r"Download verification failed|Verif\w* failed|data mismatch", FlashErrorKind.VERIFY_MISMATCH),
    (r"Parsing fail|Wrong file|file does not exist|Unsupported file", FlashErrorKind.IMAGE_INVALID),
)


class _BarParser:
    """Turn the CLI's download and read-back bars into one monotonic progress."""

    def __init__(self, progress: ProgressSink) -> None:
        self._progress = progress
        self._verifying = False
        self._fraction = 0.0

    def feed(self, chunk: str) -> None:
        if "Verifying" in chunk or "Read progress" in chunk:
            self._verifying = True
        elif "Erasing" in chunk and not self._verifying:
            self._progress(FlashProgress("erase", self._fraction, "erasing"))
        for match in _PERCENT.finditer(chunk):
            pct = min(100, int(match.group(1))) / 100
            if self._verifying:
                overall = _DOWNLOAD_SHARE + pct * (1 - _DOWNLOAD_SHARE)
            else:
                overall = pct * _DOWNLOAD_SHARE
            if overall >= self._fraction:
                self._fraction = overall
                phase: Phase = "verify" if self._verifying else "program"
                self._progress(FlashProgress(phase, overall, f"{match.group(1)} %", pct))


class CubeProgrammerRoute(ToolRoute):
    """Flash STM32 targets through ST's own CLI."""

    name = "cubeprog"
    title = "STM32CubeProgrammer CLI"
    default_tool = TOOL
    error_rules = ERROR_RULES
    written_marker = "File download complete"
    verified_marker = "Download verified successfully"

    def supports(self, board: BoardSpec) -> str | None:
        """STM32 targets only (flash at 0x08000000)."""
        if board.emulated:
            return "an emulated board has no ST-LINK"
        if board.flash is None or board.flash.base != 0x08000000:
            return "STM32CubeProgrammer only programs STM32 parts"
        return None

    def command(self, request: FlashRequest, image: FirmwareImage) -> list[str]:
        """The argv for ``request``."""
        connect = ["-c", "port=SWD"]
        if request.probe_serial:
            connect.append(f"sn={request.probe_serial}")
        connect += ["freq=4000", "mode=UR" if request.connect_under_reset else "mode=NORMAL"]
        connect.append("reset=HWrst")
        write = ["-w", str(image.path)]
        if image.format == "bin":
            write.append(f"0x{image.start_address:08X}")
        argv = [self.tool, *connect, *write]
        if request.verify:
            argv.append("-v")
        return [*argv, "-rst"]

    def follow_output(self, progress: ProgressSink) -> Callable[[str], None]:
        """Read the download and read-back bars."""
        return _BarParser(progress).feed

    def failure_detail(self, run: ToolRun) -> str:
        """Whether it failed before the download completed."""
        return "" if self.written_marker in run.output else f" before '{self.written_marker}'"

    def on_success(self, progress: ProgressSink) -> None:
        """The bars end with the read-back: report the reset (``-rst``) once the verdict is in."""
        progress(FlashProgress("reset", 1.0, "reset"))
