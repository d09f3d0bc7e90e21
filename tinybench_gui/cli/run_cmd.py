"""``tinybench run``: one benchmark run from the command line."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from tinybench_gui.runner.plan import RULES_MIN_WINDOW_S, RULES_WINDOWS, Mode, RunPlan

EXIT_OK, EXIT_FAILED, EXIT_NOT_VALID, EXIT_CANCELLED = 0, 1, 3, 130


def _iterations(text: str) -> int | None:
    if text == "auto":
        return None
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("iterations must be >= 1 or 'auto'")
    return value


def register(sub: Any) -> None:
    """Add ``run`` to the command line."""
    p = sub.add_parser(
        "run",
        help="run a benchmark mode on a DUT or the simulated bench",
        description=(
            "Run an MLPerf Tiny mode and write log.txt, results.txt and results.json. "
            f"Exit codes: {EXIT_OK} valid result, {EXIT_NOT_VALID} finished but not valid for "
            f"submission, {EXIT_FAILED} failed, {EXIT_CANCELLED} cancelled."
        ),
    )
    p.add_argument(
        "--dut",
        metavar="URL|sim|emulated",
        help="serial port, pyserial URL, 'sim' (the simulated DUT) or 'emulated' (our firmware "
        "on the QEMU board); energy mode: the DUT is behind --io-board",
    )
    p.add_argument("--mode", choices=[m.value for m in Mode], default="performance")
    p.add_argument(
        "--benchmark",
        choices=["kws01", "vww01", "ic01", "ic02", "ad01"],
        help="with --dut sim: the simulated DUT's model; with a real DUT: the model it must report",
    )
    p.add_argument(
        "--iterations",
        type=_iterations,
        default=None,
        metavar="N|auto",
        help="inferences per window (default: auto, calibrated to the window length)",
    )
    p.add_argument(
        "--warmups",
        type=int,
        default=None,
        help="warm-up inferences (default: the official script's)",
    )
    p.add_argument(
        "--windows", type=int, default=RULES_WINDOWS, help="timed windows (the rules: 5)"
    )
    p.add_argument(
        "--min-window-s",
        type=float,
        default=RULES_MIN_WINDOW_S,
        help="minimum timed seconds per window (the rules: 10)",
    )
    p.add_argument(
        "--dataset",
        type=Path,
        default=None,
        metavar="DIR",
        help="dataset root holding <model>/y_labels.csv (default: synthetic inputs)",
    )
    p.add_argument("--label-file", default="y_labels.csv", help="label file in the model folder")
    p.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write the results (default: a new folder in the runs folder)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="RUN.h5",
        help="HDF5 run file to write (default: <results dir>/<results dir name>.h5); "
        "never overwritten",
    )
    p.add_argument(
        "--baud", type=int, default=None, help="DUT baud rate (default: the benchmark's)"
    )
    p.add_argument(
        "--line-timeout-s", type=float, default=5.0, help="per-line timeout for commands"
    )
    p.add_argument(
        "--resume",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            "accuracy mode: continue the interrupted run in DIR after its last completed file "
            "(a run given --results-dir DIR of an interrupted run with the same plan and "
            "dataset resumes by itself)"
        ),
    )
    p.add_argument(
        "--no-host-check",
        action="store_true",
        help="accuracy mode: skip the host reference check (LiteRT int8 on every input)",
    )
    energy = p.add_argument_group("energy mode (--mode energy)")
    energy.add_argument(
        "--io-board",
        metavar="URL",
        help="interface board port (the DUT is reached through it in energy mode)",
    )
    energy.add_argument(
        "--io-board-kind",
        choices=["stm32h573i-dk", "arduino"],
        default="stm32h573i-dk",
        help="interface board type (default: the MLPerf Tiny STM32H573I-DK board)",
    )
    energy.add_argument(
        "--monitor",
        metavar="SPEC",
        help="energy monitor: lpm01a:PORT, ppk2:PORT or js220[:SERIAL]; with --sim: "
        "lpm01a, ppk2 or js220 (default ppk2)",
    )
    energy.add_argument(
        "--supply-v", type=float, default=1.8, help="DUT supply set-point in V (default 1.8)"
    )
    energy.add_argument(
        "--sim", action="store_true", help="the whole energy bench simulated (DUT, board, monitor)"
    )
    sim = p.add_argument_group("simulated bench (--dut sim)")
    sim.add_argument(
        "--realtime",
        action="store_true",
        help="let simulated inference take real time (default: skip ahead)",
    )
    sim.add_argument("--no-wire-time", action="store_true", help="do not emulate UART wire time")
    sim.add_argument(
        "--board-profile", default="nucleo-l4r5zi", help="simulated board timing profile"
    )
    sim.add_argument("--seed", type=int, default=0, help="seed for synthetic inputs and jitter")
    emulated = p.add_argument_group("emulated board (--dut emulated)")
    emulated.add_argument(
        "--firmware",
        type=Path,
        default=None,
        metavar="IMAGE",
        help="firmware image for the QEMU board (default: build the benchmark's performance "
        "or energy build now)",
    )
    p.set_defaults(handler=run)


def _recorder(out: Path | None, plan: RunPlan, resources: Any, runner: Any) -> Any:
    """The run file's recorder; a full disk during the run cancels it."""
    from tinybench_gui.runner.recorder import RunRecorder, default_run_file

    path = out or default_run_file(plan.results_dir)
    n = 1
    while out is None and path.exists():  # a resumed accuracy run: one run file per session
        n += 1
        path = plan.results_dir / f"{plan.results_dir.name}-{n}.h5"
    path.parent.mkdir(parents=True, exist_ok=True)

    def on_failure(reason: str) -> None:
        print(f"\nerror: {reason}; cancelling the run", file=sys.stderr)
        runner.cancel()

    return RunRecorder(path, plan, resources.provenance, on_failure=on_failure)


def _accuracy_preflight(args: argparse.Namespace) -> str | None:
    """Check the dataset and the resume folder before anything is opened or started."""
    from tinybench_gui.benchmarks.catalog import get_benchmark
    from tinybench_gui.benchmarks.datasets import DatasetError, load_dataset
    from tinybench_gui.runner.journal import journal_path

    model = args.benchmark or ("kws01" if args.dut in ("sim", "emulated") else None)
    if args.dataset is None:
        return (
            "accuracy mode needs --dataset DIR (the EEMBC/MLCommons layout); make a synthetic "
            f"one with `tinybench dataset synth --benchmark {model or 'kws01'} --out DIR`"
        )
    if args.resume is not None:
        if args.results_dir is not None and args.results_dir != args.resume:
            return "give either --resume DIR or --results-dir DIR, not both"
        if not journal_path(args.resume).is_file():
            return (
                f"{args.resume} holds no accuracy journal ({journal_path(args.resume).name}): "
                "nothing to resume. Fix: give the results folder of the interrupted run"
            )
    if model is not None:  # a real DUT without --benchmark is checked once it is identified
        try:
            load_dataset(args.dataset, get_benchmark(model), args.label_file)
        except DatasetError as exc:
            return f"{exc}\nNo run was started."
    return None


def _energy_resources(args: argparse.Namespace) -> tuple[Any, Any]:
    """The simulated energy bench (``--sim`` or ``--dut sim``) or the real devices."""
    from tinybench_gui.bench import real_energy_resources, simulated_energy_resources

    if args.sim or args.dut == "sim":
        from tinybench_gui.devices.sim.sim_bench import SimBench

        bench = SimBench(
            args.monitor or "ppk2",
            benchmark=args.benchmark or "ad01",
            profile=args.board_profile,
            realtime=args.realtime,
            io_board=args.io_board_kind,
            seed=args.seed or 1,
        )
        print(
            f"Simulated energy bench: {bench.monitor_kind} on {bench.monitor_url}, "
            f"interface board on {bench.io_board_url}, DUT on {bench.dut_server.url}",
            file=sys.stderr,
        )
        return bench, simulated_energy_resources(bench, line_timeout_s=args.line_timeout_s)
    if args.dut == "emulated":
        from tinybench_gui.bench import emulated_energy_bench

        emu = emulated_energy_bench(
            args.benchmark or "kws01",
            args.monitor or "ppk2",
            image=args.firmware,
            io_board=args.io_board_kind,
            seed=args.seed or 1,
        )
        print(
            f"Emulated board ({emu.benchmark}, energy build {emu.image}) behind a simulated "
            f"interface board on {emu.io_board_url}, {emu.monitor_kind} on {emu.monitor_url}",
            file=sys.stderr,
        )
        return emu, simulated_energy_resources(emu, line_timeout_s=args.line_timeout_s)
    if not args.io_board or not args.monitor:
        raise ValueError(
            "energy mode needs --io-board PORT and --monitor lpm01a:PORT|ppk2:PORT|js220[:SERIAL] "
            "(or --sim for the simulated bench)"
        )
    resources = real_energy_resources(
        args.io_board,
        args.monitor,
        io_board_kind=args.io_board_kind,
        line_timeout_s=args.line_timeout_s,
        dut_url=args.dut,
    )
    return None, resources


def run(args: argparse.Namespace) -> int:
    """Handler of ``tinybench run``."""
    from tinybench_gui.bench import serial_dut_resources, simulated_bench
    from tinybench_gui.benchmarks.catalog import get_benchmark
    from tinybench_gui.cli.progress import TerminalProgress
    from tinybench_gui.runner.context import RunResources
    from tinybench_gui.runner.paths import default_results_dir
    from tinybench_gui.runner.runner import Runner
    from tinybench_gui.runner.state import RunState

    mode = Mode(args.mode)
    if mode == Mode.ACCURACY:
        problem = _accuracy_preflight(args)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_FAILED
    results_dir = args.resume or args.results_dir or default_results_dir(args.benchmark, mode.value)
    plan = RunPlan(
        mode=mode,
        results_dir=results_dir,
        benchmark=args.benchmark,
        windows=args.windows,
        min_window_s=args.min_window_s,
        iterations=args.iterations,
        warmups=args.warmups,
        dataset_dir=args.dataset,
        label_file=args.label_file,
        seed=args.seed,
        options={"host_check": "off"} if args.no_host_check else {},
    )
    bench: Any = None
    resources: RunResources
    if mode == Mode.ENERGY:
        plan = dataclasses.replace(
            plan, options={**plan.options, "supply_voltage_v": str(args.supply_v)}
        )
        try:
            bench, resources = _energy_resources(args)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    elif args.dut is None:
        print("error: --dut is required (a port, a pyserial URL or 'sim')", file=sys.stderr)
        return EXIT_FAILED
    elif args.dut == "sim":
        try:
            bench = simulated_bench(
                args.benchmark or "kws01",
                realtime=args.realtime,
                wire_time=not args.no_wire_time,
                profile=args.board_profile,
                seed=args.seed,
            )
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: cannot start the simulated DUT: {exc}", file=sys.stderr)
            return EXIT_FAILED
        resources = bench.resources(line_timeout_s=args.line_timeout_s)
        print(f"Simulated DUT ({args.benchmark or 'kws01'}) on {bench.dut_url}", file=sys.stderr)
    elif args.dut == "emulated":
        from tinybench_gui.bench import emulated_dut

        try:
            bench = emulated_dut(args.benchmark or "kws01", image=args.firmware)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            print(f"error: cannot start the emulated board: {exc}", file=sys.stderr)
            return EXIT_FAILED
        resources = bench.resources(line_timeout_s=args.line_timeout_s)
        print(
            f"Emulated board ({bench.benchmark}, {bench.board.image}) on {bench.dut_url}",
            file=sys.stderr,
        )
    else:
        baud = args.baud
        if baud is None and args.benchmark:
            rates = {str(k): v for k, v in get_benchmark(args.benchmark).baud_rates.items()}
            baud = rates[mode.value]
        baud = baud or 115200
        resources = serial_dut_resources(args.dut, baud, line_timeout_s=args.line_timeout_s)

    runner = Runner()
    try:
        recorder = _recorder(args.out, plan, resources, runner)
    except (OSError, ValueError) as exc:
        print(f"error: cannot create the run file: {exc}", file=sys.stderr)
        if bench is not None:
            bench.close()
        return EXIT_FAILED
    runner.subscribe(recorder)
    # Energy procedures stream samples and edges into the same file.
    resources.devices.setdefault("run_writer", recorder.writer)
    runner.subscribe(TerminalProgress())
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        print("\ncancelling at the next command boundary...", file=sys.stderr)
        runner.cancel()

    signal.signal(signal.SIGINT, on_sigint)
    try:
        summary = runner.run(plan, resources)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bench is not None:
            bench.close()
        recorder.abort("tinybench stopped before the run finished")
    for line in summary.report_lines:
        print(line)
    print(f"Results in {results_dir}", file=sys.stderr)
    print(f"Run file {recorder.path}", file=sys.stderr)
    state = runner.last_state
    if state == RunState.CANCELLED:
        return EXIT_CANCELLED
    if state != RunState.DONE:
        print(f"error: {runner.status.reason}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if summary.valid else EXIT_NOT_VALID
