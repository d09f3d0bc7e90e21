"""``tinybench firmware build``: generate and build the reference firmware for a benchmark."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "firmware",
        help="build the reference firmware (C, from the .tflite) for a board",
        description="Reference firmware: .tflite -> C generator and build (firmware/).",
    )
    sub = parser.add_subparsers(dest="firmware_command", metavar="ACTION")
    build = sub.add_parser("build", help="generate the model C and build an image")
    build.add_argument("--benchmark", required=True, help="kws01, vww01, ic01, ic02 or ad01")
    build.add_argument(
        "--board", default="mps2-an386", help="mps2-an386 (QEMU), host or nucleo-l4r5zi"
    )
    build.add_argument(
        "--energy", action="store_true", help="energy build (timestamp pin instead of m-lap-us)"
    )
    build.add_argument("--model", type=Path, help="use this .tflite instead of the official one")
    build.add_argument("--build-dir", type=Path, help="build root (default firmware/build)")
    build.set_defaults(handler=_build)
    report = sub.add_parser(
        "report", help="instructions per inference under QEMU, flash and RAM, per model"
    )
    report.add_argument("--benchmark", action="append", help="repeatable; default: every benchmark")
    report.add_argument("--inferences", type=int, default=10, help="inferences timed per model")
    report.add_argument("--build-dir", type=Path, help="build root (default firmware/build)")
    report.set_defaults(handler=_report)
    parser.set_defaults(handler=lambda _args: (parser.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from tinybench_gui.firmware.build import FirmwareBuildError, build_firmware
    from tinybench_gui.firmware.graph import UnsupportedModelError
    from tinybench_gui.firmware.targets import ModelNotFoundError

    try:
        image = build_firmware(
            args.benchmark,
            args.board,
            energy=args.energy,
            build_root=args.build_dir,
            model_file=args.model,
        )
    except (ValueError, FirmwareBuildError, ModelNotFoundError, UnsupportedModelError) as exc:
        print(f"tinybench firmware build: {exc}", file=sys.stderr)
        return 1
    mode = "energy" if image.energy else "performance"
    print(f"image: {image.path}")
    print(f"benchmark: {image.benchmark}  board: {image.board}  mode: {mode}")
    print(f"size: {image.file_size} bytes (file)")
    print(f"flash: {image.flash_bytes} bytes (weights {image.weight_bytes})")
    print(f"ram: {image.ram_bytes} bytes (arena {image.arena_bytes})")
    return 0


def _report(args: argparse.Namespace) -> int:
    from tinybench_gui.firmware.build import FirmwareBuildError
    from tinybench_gui.firmware.emulator import EmulatorError
    from tinybench_gui.firmware.report import format_table, measure
    from tinybench_gui.firmware.targets import BENCHMARKS, ModelNotFoundError

    rows = []
    for benchmark in args.benchmark or list(BENCHMARKS):
        try:
            rows.append(measure(benchmark, inferences=args.inferences, build_root=args.build_dir))
        except (ValueError, FirmwareBuildError, ModelNotFoundError, EmulatorError) as exc:
            print(f"tinybench firmware report: {benchmark}: {exc}", file=sys.stderr)
            return 1
    print(format_table(rows))
    return 0
