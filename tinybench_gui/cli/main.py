"""Entry point of ``tinybench``.

Each subcommand lives in its own module ``tinybench_gui.cli.<name>_cmd`` with a
``register(subparsers)`` function; heavy imports stay inside the handlers so that
``tinybench --help`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tinybench_gui import __version__

# Order is the order shown by --help.
SUBCOMMAND_MODULES: tuple[str, ...] = (
    "run",
    "sim",
    "detect",
    "flash",
    "doctor",
    "perf",
    "info",
    "export",
    "recover",
    "import",
    "dataset",
    "firmware",
)


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar."""
    parser = argparse.ArgumentParser(
        prog="tinybench",
        description="MLPerf Tiny measurement workstation, headless.",
    )
    parser.add_argument("--version", action="version", version=f"tinybench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"tinybench_gui.cli.{name}_cmd")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tinybench``; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
