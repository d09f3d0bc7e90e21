"""The one entry script of the bundle; the executable's name chooses the program.

The bundle holds two executables built from this script, ``tinybench`` (console) and
``tinybench-gui`` (windowed on Windows and macOS). Both share one folder of libraries, so
Qt, numpy and LiteRT are stored once. A renamed copy that is neither falls back to the
command line, whose ``--help`` says what it is.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def program_name(executable: str) -> str:
    """``"gui"`` for ``tinybench-gui[.exe]``, else ``"cli"``."""
    stem = Path(executable).name.lower().removesuffix(".exe")
    return "gui" if stem.endswith("-gui") else "cli"


def main() -> int:
    """Run the program the executable is named after."""
    multiprocessing.freeze_support()  # a frozen child process must not start the program
    if program_name(sys.executable) == "gui":
        from tinybench_gui.gui.startup_probe import install_if_requested

        install_if_requested(["tinybench-gui"])  # only for `tinybench perf`
        from tinybench_gui.gui.app import main as gui_main

        return gui_main()
    from tinybench_gui.cli.main import main as cli_main

    return cli_main()


if __name__ == "__main__":
    raise SystemExit(main())
