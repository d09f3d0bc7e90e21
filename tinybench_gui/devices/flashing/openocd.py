"""OpenOCD as a flashing route (instruments.md §7.3).

``openocd -f interface/stlink.cfg -f target/stm32l4x.cfg -c "adapter serial <SN>"
-c "program fw.elf verify reset exit"``. OpenOCD prints no percentage, so progress
follows the ``program`` proc's banners (``** Programming Started **`` ...).
"""

from __future__ import annotations

from collections.abc import Callable

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing.errors import FlashErrorKind, rules
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.flashing.model import FlashProgress, FlashRequest, Phase, ProgressSink
from tinybench_gui.devices.flashing.tool_process import ToolRun
from tinybench_gui.devices.flashing.tool_route import ToolRoute

TOOL = "openocd"
# Banner -> (phase, overall fraction reached when it appears)
_MILESTONES: tuple[tuple[str, Phase, float], ...] = (
    ("** Programming Started **", "program", 0.05),
    ("** Programming Finished **", "program", 0.7),
    ("** Verify Started **", "verify", 0.75),
    ("** Verified OK **", "verify", 0.95),
    ("** Resetting Target **", "reset", 1.0),
)
ERROR_RULES = rules(
    (
        r"open failed|No device found|unable to find a matching|no CMSIS-DAP device found|"
        r"No J-Link device found|couldn't open|LIBUSB_ERROR_ACCESS|adapter .*not found",
        FlashErrorKind.PROBE_NOT_FOUND,
    ),
    (
        r"RDP level 1|device protection|is locked|locked, unlock|flash.* protected|"
        r"failed to unlock",
        FlashErrorKind.READ_PROTECTION,
    ),
    (r"\*\* Verify Failed \*\*|checksum mismatch|verify failed", FlashErrorKind.VERIFY_MISMATCH),
    (
        r"init mode failed|unable to connect to the target|Error connecting DP|"
        r"target not examined|Could not initialize the debug port|Cannot identify target|"
        r"Unable to reset target|\*\* Unable to reset target \*\*",
        FlashErrorKind.TARGET_NOT_RESPONDING,
    ),
    (r"couldn't open .*cfg|Can't find .*\.cfg", FlashErrorKind.TOOL_MISSING),
)


def _tcl_path(text: str) -> str:
    """A Tcl word for a path: braces keep spaces and backslashes literal."""
    return "{" + text + "}"


class OpenOcdRoute(ToolRoute):
    """Flash through OpenOCD's ``program`` proc."""

    name = "openocd"
    title = "OpenOCD"
    default_tool = TOOL
    error_rules = ERROR_RULES
    written_marker = "** Programming Finished **"
    verified_marker = "** Verified OK **"

    def supports(self, board: BoardSpec) -> str | None:
        """Needs the catalog's interface and target scripts."""
        if board.emulated:
            return "an emulated board has no debug probe"
        if not board.openocd.interface or not board.openocd.target:
            return f"OpenOCD 0.12 has no target script for {board.name}"
        return None

    def command(self, request: FlashRequest, image: FirmwareImage) -> list[str]:
        """The argv for ``request``."""
        spec = request.board.openocd
        argv = [self.tool, "-f", str(spec.interface), "-f", str(spec.target)]
        if request.probe_serial:
            argv += ["-c", f"adapter serial {request.probe_serial}"]
        if request.connect_under_reset:
            argv += ["-c", "reset_config srst_only srst_nogate connect_assert_srst"]
        program = f"program {_tcl_path(str(image.path))}"
        if image.format == "bin":
            program += f" 0x{image.start_address:08X}"
        if request.verify:
            program += " verify"
        return [*argv, "-c", program + " reset exit"]

    def follow_output(self, progress: ProgressSink) -> Callable[[str], None]:
        """Report each ``program`` banner once, when it appears (it may span chunks)."""
        seen: set[str] = set()
        text = {"all": ""}

        def on_output(chunk: str) -> None:
            text["all"] += chunk
            for banner, phase, fraction in _MILESTONES:
                if banner not in seen and banner in text["all"]:
                    seen.add(banner)
                    progress(FlashProgress(phase, fraction, banner.strip("* ")))

        return on_output

    def failure_detail(self, run: ToolRun) -> str:
        """OpenOCD's last error or banner line."""
        failed = [x for x in run.output.splitlines() if x.startswith(("Error", "** "))]
        return ": " + (failed[-1] if failed else "no output")

    def on_success(self, progress: ProgressSink) -> None:
        """Nothing to add: the ``** Resetting Target **`` banner reported the reset."""
