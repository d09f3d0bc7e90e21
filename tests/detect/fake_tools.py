# ruff: noqa: E501 - the tools print these long lines verbatim
"""Fake flashing tools: executables written into tmp_path that print the real tools' output.

The texts follow instruments.md §7 (success and failure strings) and the tools'
published logs: STM32CubeProgrammer's header, bar and verdict lines, OpenOCD 0.12's
``program`` banners. A test picks the scenario with ``FAKE_TOOL_SCENARIO``; the
fake writes its argv to ``FAKE_TOOL_ARGV`` so the command line can be checked.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

CUBE_HEADER = """      -------------------------------------------------------------------
                        STM32CubeProgrammer v2.16.0
      -------------------------------------------------------------------

"""
CUBE_CONNECTED = """ST-LINK SN  : 066DFF494849887767123456
ST-LINK FW  : V2J37M27
Board       : NUCLEO-L4R5ZI
Voltage     : 3.26V
SWD freq    : 4000 KHz
Connect mode: Normal
Reset mode  : Hardware reset
Device ID   : 0x470
Revision ID : Rev Y
Device name : STM32L4Rx/STM32L4Sx
Flash size  : 2 MBytes
Device type : MCU
Device CPU  : Cortex-M4
BL Version  : 0x92

"""
CUBE_DOWNLOAD = """

Memory Programming ...
Opening and parsing file: fw.elf
  File          : fw.elf
  Size          : 61.32 KB
  Address       : 0x08000000


Erasing memory corresponding to segment 0:
Erasing internal memory sectors [0 15]
Download in Progress:
"""
BAR = "\r" + "".join(
    "\u2588" * (p // 2) + " " * (50 - p // 2) + f" {p}%\r" for p in (0, 12, 37, 64, 88, 100)
)
# Up to the read-back bar: what a download that is then verified prints.
CUBE_READ_BACK = (
    CUBE_HEADER
    + CUBE_CONNECTED
    + CUBE_DOWNLOAD
    + BAR
    + """

File download complete
Time elapsed during download operation: 00:00:02.417



Verifying ...


Read progress:
"""
    + BAR
)
CUBE_SCENARIOS = {
    "ok": CUBE_READ_BACK
    + """

Download verified successfully


MCU Reset

Software reset is performed
""",
    "no_probe": CUBE_HEADER + "Error: No debug probe detected.\n",
    "no_target": CUBE_HEADER
    + """ST-LINK SN  : 066DFF494849887767123456
ST-LINK FW  : V2J37M27
Board       : NUCLEO-L4R5ZI
Voltage     : 3.26V
Error: ST-LINK error (DEV_TARGET_CMD_ERR)
Error: No STM32 target found! If your product embeds Debug Authentication, please perform a discovery using Debug Authentication
""",
    "rdp": CUBE_HEADER
    + CUBE_CONNECTED
    + CUBE_DOWNLOAD
    + """Error: failed to erase memory
Error: failed to erase memory
""",
    "verify": CUBE_READ_BACK
    + """
Error: data mismatch found at address  0x08000004 (byte = 0x00 instead of 0x01)

Error: Download verification failed
""",
}
OPENOCD_HEADER = """Open On-Chip Debugger 0.12.0
Licensed under GNU GPL v2
For bug reports, read
	http://openocd.org/doc/doxygen/bugs.html
"""
OPENOCD_CONNECT = """Info : auto-selecting first available session transport "hla_swd". To override use 'transport select <transport>'.
Info : The selected transport took over low-level target control. The results might differ compared to plain JTAG/SWD
Info : clock speed 500 kHz
Info : STLINK V2J37M27 (API v2) VID:PID 0483:374B
Info : Target voltage: 3.254386
Info : [stm32l4x.cpu] Cortex-M4 r0p1 processor detected
Info : [stm32l4x.cpu] target has 6 breakpoints, 4 watchpoints
Info : starting gdb server for stm32l4x.cpu on 3333
Info : Listening on port 3333 for gdb connections
[stm32l4x.cpu] halted due to debug-request, current mode: Thread
xPSR: 0x01000000 pc: 0x08000188 msp: 0x20030000
** Programming Started **
Info : device idcode = 0x20016470 (STM32L4R/L4Sxx - Rev Z : 0x1001)
Info : RDP level 0 (0xAA)
Info : flash size = 2048 KiB
Info : flash mode : dual-bank
"""
OPENOCD_SCENARIOS = {
    "ok": OPENOCD_HEADER
    + OPENOCD_CONNECT
    + """** Programming Finished **
** Verify Started **
** Verified OK **
** Resetting Target **
shutdown command invoked
""",
    "no_probe": OPENOCD_HEADER
    + """Info : auto-selecting first available session transport "hla_swd". To override use 'transport select <transport>'.
Error: open failed
in procedure 'program'
** OpenOCD init Failed **
shutdown command invoked
""",
    "no_target": OPENOCD_HEADER
    + """Info : clock speed 500 kHz
Info : STLINK V2J37M27 (API v2) VID:PID 0483:374B
Info : Target voltage: 3.254386
Error: init mode failed (unable to connect to the target)
in procedure 'program'
** OpenOCD init Failed **
shutdown command invoked
""",
    "rdp": OPENOCD_HEADER
    + OPENOCD_CONNECT.replace("RDP level 0 (0xAA)", "RDP level 1 (0xBB)")
    + """Error: stm32l4x.cpu -- clearing lockup after double fault
Error: failed erasing sectors 0 to 15
embedded:startup.tcl:1537: Error: ** Programming Failed **
in procedure 'program'
""",
    "verify": OPENOCD_HEADER
    + OPENOCD_CONNECT
    + """** Programming Finished **
** Verify Started **
Error: checksum mismatch - attempting binary compare
diff 0 address 0x08000004. Was 0x00 instead of 0x01
** Verify Failed **
shutdown command invoked
""",
}
_SCRIPT = """#!{python}
import json, os, sys, time
scenario = os.environ.get("FAKE_TOOL_SCENARIO", "ok")
argv_file = os.environ.get("FAKE_TOOL_ARGV")
if argv_file:
    with open(argv_file, "w") as out:
        json.dump(sys.argv[1:], out)
if scenario == "hang":
    sys.stdout.write({hang_text!r})
    sys.stdout.flush()
    time.sleep(600)
scenarios = {scenarios!r}
text = scenarios[scenario]
for piece in text.split("\\r"):
    sys.stdout.write(piece + "\\r")
    sys.stdout.flush()
    time.sleep(0.002)
sys.exit(0 if scenario == "ok" else {fail_code})
"""


def install_fake_tool(
    monkeypatch: pytest.MonkeyPatch,
    bin_dir: Path,
    name: str,
    scenarios: dict[str, str],
    *,
    fail_code: int = 1,
    hang_text: str = "",
) -> Path:
    """Write ``bin_dir/name`` as an executable that replays ``scenarios``; put it first on PATH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(
        _SCRIPT.format(
            python=sys.executable, scenarios=scenarios, fail_code=fail_code, hang_text=hang_text
        )
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return path
