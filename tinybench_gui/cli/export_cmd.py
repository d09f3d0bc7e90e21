"""``tinybench export RUN.h5``: CSV of a time range, or MLCommons submission files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``export`` to the command line."""
    p = sub.add_parser(
        "export",
        help="export a run: samples as CSV, or the MLCommons submission files",
        description="--csv OUT writes time_s and the samples of [--from, --to) seconds. "
        "--submission DIR --system NAME writes results/<NAME>/<benchmark>/<mode>/ with "
        "log.txt, results.txt, results.json (and energy_inf_NNN.png), plus "
        "systems/<NAME>.json, then lints the tree with the submission checker's rules.",
    )
    p.add_argument("run_file", type=Path, metavar="RUN.h5")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--csv", type=Path, metavar="OUT", help="CSV file to write (must not exist)")
    what.add_argument("--submission", type=Path, metavar="DIR", help="submission root folder")
    p.add_argument("--from", dest="t0_s", type=float, default=None, metavar="S")
    p.add_argument("--to", dest="t1_s", type=float, default=None, metavar="S")
    p.add_argument("--system", default=None, metavar="NAME", help="system description name")
    p.add_argument(
        "--system-json",
        type=Path,
        default=None,
        metavar="FILE",
        help="values for systems/<NAME>.json (only the checker's keys are kept)",
    )
    p.set_defaults(handler=export)


def export(args: argparse.Namespace) -> int:
    """Handler of ``tinybench export``."""
    from tinybench_gui.storage.reader import load_run
    from tinybench_gui.storage.recovery import RunFileError

    try:
        run = load_run(args.run_file)
    except RunFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with run:
        if args.csv is not None:
            return _export_csv(run, args)
        return _export_submission(run, args)


def _export_csv(run: Any, args: argparse.Namespace) -> int:
    from tinybench_gui.storage.csv_export import export_csv

    try:
        rows, skipped = export_csv(run, args.csv, args.t0_s, args.t1_s)
    except FileExistsError:
        print(f"error: {args.csv} already exists; choose another name", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {rows:,d} rows to {args.csv}")
    if skipped:
        print(f"left out (other sample rate): {', '.join(skipped)}", file=sys.stderr)
    return 0


def _export_submission(run: Any, args: argparse.Namespace) -> int:
    from tinybench_gui.storage.submission import SubmissionError, export_submission, lint_tree

    if not args.system:
        print("error: --submission needs --system NAME", file=sys.stderr)
        return 2
    try:
        written = export_submission(run, args.submission, args.system, args.system_json)
    except (SubmissionError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    for result in run.results:
        if not result.valid:
            print(
                f"warning: {result.name} is not valid for submission: {result.reason}",
                file=sys.stderr,
            )
    report = lint_tree(args.submission)
    for warning in report.warnings:
        print(f"lint warning: {warning}", file=sys.stderr)
    for problem in report.problems:
        print(f"lint: {problem}", file=sys.stderr)
    if report.problems:
        print(
            f"{len(report.problems)} problem(s) the submission checker would reject",
            file=sys.stderr,
        )
        return 3
    print("lint: the tree passes the submission checker's file rules")
    return 0
