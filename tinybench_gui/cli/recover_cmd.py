"""``tinybench recover RUN.h5``: a clean copy of a run file whose writer was killed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``recover`` to the command line."""
    p = sub.add_parser(
        "recover",
        help="write a clean copy of a crashed run file (the original is kept)",
        description="A run whose writer was killed keeps everything up to its last flush, "
        "but plain HDF5 tools refuse it. This writes RUN.recovered.h5 (or --out) that any "
        "HDF5 reader opens; the original is not modified.",
    )
    p.add_argument("run_file", type=Path, metavar="RUN.h5")
    p.add_argument("--out", type=Path, default=None, metavar="OUT.h5")
    p.set_defaults(handler=recover_handler)


def recover_handler(args: argparse.Namespace) -> int:
    """Handler of ``tinybench recover``."""
    from tinybench_gui.storage.recovery import RunFileError, recover

    try:
        out = recover(args.run_file, args.out)
    except (RunFileError, FileExistsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"recovered copy written to {out}")
    return 0
