"""``tinybench import SRC --out RUN.h5``: old MLCommons sessions and EEMBC traces as run files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``import`` to the command line."""
    p = sub.add_parser(
        "import",
        help="import an MLCommons session folder or an EEMBC EnergyRunner trace",
        description="Convert sessions/<stamp>/ of the MLCommons runner (results.json, "
        "results.txt, log.txt) or an EnergyRunner folder (<name>-energy.bin, "
        "<name>-timestamps.json, log.txt) into a run file that `tinybench info`, "
        "`export` and the GUI open like any run.",
    )
    p.add_argument("source", type=Path, metavar="FOLDER")
    p.add_argument("--out", type=Path, required=True, metavar="RUN.h5")
    p.add_argument("--kind", choices=["mlcommons", "eembc"], default=None, help="default: detect")
    eembc = p.add_argument_group("EEMBC trace encoding (not documented by EEMBC)")
    eembc.add_argument("--sample-rate-hz", type=float, default=1000.0)
    eembc.add_argument("--dtype", default="<f4", help="numpy dtype of the .bin values")
    eembc.add_argument(
        "--quantity",
        choices=["energy_j", "current_a", "power_w"],
        default="energy_j",
        help="what each value is",
    )
    p.set_defaults(handler=import_handler)


def import_handler(args: argparse.Namespace) -> int:
    """Handler of ``tinybench import``."""
    from tinybench_gui.storage.importers import RunImportError, import_run

    options: dict[str, Any] = {"kind": args.kind}
    if args.kind != "mlcommons":
        options.update(sample_rate_hz=args.sample_rate_hz, dtype=args.dtype, quantity=args.quantity)
    try:
        out = import_run(args.source, args.out, **options)
    except (RunImportError, OSError, ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"imported {args.source} into {out}")
    return 0
