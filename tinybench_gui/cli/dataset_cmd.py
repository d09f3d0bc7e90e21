"""``tinybench dataset``: synthesize or check a dataset tree in the official layout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

BENCHMARK_CHOICES = ["kws01", "vww01", "ic01", "ic02", "ad01"]


def register(sub: Any) -> None:
    """Add ``dataset`` to the command line."""
    p = sub.add_parser("dataset", help="synthesize or check a dataset tree (official layout)")
    dsub = p.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)

    synth = dsub.add_parser(
        "synth",
        help="write a synthetic dataset labelled by the float reference model",
        description=(
            "Write <out>/<model>/y_labels.csv and .bin inputs of the right shape and "
            "statistics, labelled by the float reference model (AD: normal and anomalous "
            "clips). Deterministic for a given --seed."
        ),
    )
    synth.add_argument("--benchmark", required=True, choices=BENCHMARK_CHOICES)
    synth.add_argument("--out", required=True, type=Path, metavar="DIR", help="dataset root")
    synth.add_argument(
        "--count", type=int, default=None, help="number of files (default: the official set's)"
    )
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(handler=run_synth)

    check = dsub.add_parser("check", help="validate a dataset tree before a run")
    check.add_argument("--benchmark", required=True, choices=BENCHMARK_CHOICES)
    check.add_argument("--dataset", required=True, type=Path, metavar="DIR", help="dataset root")
    check.add_argument("--label-file", default="y_labels.csv")
    check.set_defaults(handler=run_check)


def run_synth(args: argparse.Namespace) -> int:
    """Handler of ``tinybench dataset synth``."""
    from tinybench_gui.benchmarks.catalog import get_benchmark
    from tinybench_gui.benchmarks.synth import synthesize
    from tinybench_gui.models.lookup import ModelHashMismatchError, ModelNotFoundError

    benchmark = get_benchmark(args.benchmark)
    if args.count is not None and args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)
        return 2

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total} files", end="", file=sys.stderr, flush=True)

    try:
        report = synthesize(
            benchmark, args.out, count=args.count, seed=args.seed, progress=progress
        )
    except (ModelNotFoundError, ModelHashMismatchError, OSError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    if sys.stderr.isatty():
        print(file=sys.stderr)
    counts = ", ".join(
        f"{name} {n}" for name, n in zip(benchmark.label_names, report.label_counts, strict=True)
    )
    print(f"Wrote {report.files} files and {report.label_file}")
    print(f"Labels (float reference model): {counts}")
    if report.float_auc is not None:
        print(f"Float model AUC on this set: {report.float_auc:.3f}")
    else:
        reached = f"{report.targets_reached}/{report.files}"
        print(f"Files whose float label is the class aimed at: {reached}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Handler of ``tinybench dataset check``."""
    from tinybench_gui.benchmarks.catalog import get_benchmark
    from tinybench_gui.benchmarks.datasets import DatasetError, load_dataset

    benchmark = get_benchmark(args.benchmark)
    try:
        dataset = load_dataset(args.dataset, benchmark, args.label_file)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = [0] * len(benchmark.label_names)
    for e in dataset.entries:
        counts[e.label] += 1
    print(f"{dataset.label_file}: {len(dataset)} files, {dataset.inferences()} inferences")
    print(", ".join(f"{n} {c}" for n, c in zip(benchmark.label_names, counts, strict=True)))
    if benchmark.official_files and len(dataset) != benchmark.official_files:
        print(f"note: the official {benchmark.model_id} set has {benchmark.official_files} files")
    return 0
