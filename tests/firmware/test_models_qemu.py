"""The benchmarks on the emulated board: inputs over the real protocol, results vs LiteRT.

For each model the firmware's ``m-results-[...]`` must be identical to what the reference port's
post-processing (benchmarks/processing.py) gives on LiteRT's (builtin kernels, no delegates)
output for the same input, and to what the simulated DUT prints for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.firmware.conftest import require_tools
from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.benchmarks.processing import results_line, to_model_input
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.devices.transport import SerialLink
from tinybench_gui.firmware.build import FirmwareImage
from tinybench_gui.firmware.emulator import EmulatedBoard
from tinybench_gui.firmware.targets import BENCHMARKS, model_path, model_root
from tinybench_gui.models.reference import ReferenceModel

INPUTS_PER_MODEL = 2
CHUNK_BYTES = 31  # the MLCommons runner's db chunk size


def _inputs(benchmark: str, count: int) -> list[bytes]:
    bench = BENCHMARKS[benchmark]
    rng = np.random.default_rng(8)
    if bench.kind == "ad":
        # Real windows of the DCASE sample shipped with the models (5 slices x 128 mel bins).
        data = (model_root() / "ad01" / "normal_id_01_00000000_hist_librosa.bin").read_bytes()
        return [data[i * 512 : i * 512 + 2560] for i in range(count)]
    size = {"kws": 490, "ic": 3072, "vww": 27648}[bench.kind]
    return [rng.integers(0, 256, size=size, dtype=np.uint8).tobytes() for _ in range(count)]


def _expected(benchmark: str, raw: bytes) -> str:
    bench = get_benchmark(benchmark)
    model = ReferenceModel(model_path(BENCHMARKS[benchmark]))
    out = model.run(to_model_input(bench, raw, model.input))
    return results_line(bench, out, model.output, raw)


def _simulated(dut: SimDut, raw: bytes) -> str:
    """The simulated DUT's answer to the same commands (no wire: SimDut is pure logic)."""
    commands = [f"db load {len(raw)}%".encode()]
    commands += [
        f"db {raw[i : i + CHUNK_BYTES].hex()}%".encode() for i in range(0, len(raw), CHUNK_BYTES)
    ]
    commands.append(b"infer 1 0%")
    lines = [line.text for command in commands for line in dut.feed(command)]
    results = [line for line in lines if line.startswith("m-results-[")]
    assert len(results) == 1, lines
    return results[0]


def _load(link: SerialLink, raw: bytes) -> None:
    reply = link.transact(f"db load {len(raw)}")
    assert f"m-[Expecting {len(raw)} bytes]" in reply.lines
    for start in range(0, len(raw), CHUNK_BYTES):
        reply = link.transact("db " + raw[start : start + CHUNK_BYTES].hex())
    assert "m-load-done" in reply.lines


@pytest.mark.qemu
@pytest.mark.parametrize("benchmark", ["kws01", "ic01", "ad01", "vww01"])
def test_results_identical_to_litert(
    benchmark: str, firmware_image: Callable[..., FirmwareImage]
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image(benchmark, "mps2-an386")
    with EmulatedBoard(image.path) as board:
        link = SerialLink(board.url, 115200, line_timeout_s=30.0)
        with link:
            banner = link.read_until_ready("(boot)")
            assert "m-timestamp-mode-performance" in banner
            assert link.transact("profile").lines[1] == f"m-model-[{benchmark}]"
            laps = []
            sim = SimDut(benchmark)
            for raw in _inputs(benchmark, INPUTS_PER_MODEL):
                _load(link, raw)
                reply = link.transact("infer 2 1")
                results = [line for line in reply.lines if line.startswith("m-results-[")]
                assert results == [_expected(benchmark, raw)]
                assert results == [_simulated(sim, raw)]
                laps_us = [re.fullmatch(r"m-lap-us-(\d+)", line) for line in reply.lines]
                us = [int(m.group(1)) for m in laps_us if m is not None]
                assert len(us) == 2
                laps.append(us[1] - us[0])
    # Virtual time counts instructions: the same model on the same board takes the same time
    # whatever the input (no data-dependent branches in the kernels beyond clamping).
    assert max(laps) - min(laps) <= max(laps) // 100


@pytest.mark.qemu
def test_energy_build_shows_pin_edges_in_board_time(
    firmware_image: Callable[..., FirmwareImage],
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("kws01", "mps2-an386", energy=True)
    with EmulatedBoard(image.path) as board:
        with SerialLink(board.url, 9600, line_timeout_s=30.0) as link:
            banner = link.read_until_ready("(boot)")
            assert banner[0] == "m-timestamp-mode-energy"
            assert not any(line.startswith("m-lap-us-") for line in banner)
            _load(link, bytes(490))
            reply = link.transact("infer 3 0")
            assert not any(line.startswith("m-lap-us-") for line in reply.lines)
        # boot pulse (2 edges) + window start (2) + 3 inferences (6) + window end (2)
        events = board.wait_pin_events(12, timeout_s=10)
    assert [(e.pin, e.level) for e in events[:2]] == [("timestamp", 0), ("timestamp", 1)]
    window = events[2:]
    assert [(e.pin, e.level) for e in window] == [
        ("timestamp", 0), ("timestamp", 1),
        *[("inference", 1), ("inference", 0)] * 3,
        ("timestamp", 0), ("timestamp", 1),
    ]  # fmt: skip
    ticks = [e.tick for e in window]
    assert ticks == sorted(ticks)
    hold_s = window[1].time_s - window[0].time_s
    assert 0.001 <= hold_s < 0.0011  # TIMESTAMP_HOLD_US, in the board's time


def test_pin_record_parsing() -> None:
    from tinybench_gui.firmware.emulator import parse_pin_record

    event = parse_pin_record("t0 17d7840", 25_000_000)
    assert event is not None
    assert (event.pin, event.level, event.tick) == ("timestamp", 0, 25_000_000)
    assert event.time_s == 1.0
    assert parse_pin_record("# tinybench-pins v1 tick_hz=25000000", 25_000_000) is None
    with pytest.raises(ValueError, match="malformed"):
        parse_pin_record("x1 12", 25_000_000)


def test_emulator_reports_missing_image(tmp_path: Path) -> None:
    from tinybench_gui.firmware.emulator import EmulatedBoard, EmulatorError

    with pytest.raises(EmulatorError, match="build it first"):
        EmulatedBoard(tmp_path / "none.elf").start()


@pytest.mark.qemu
def test_no_orphan_qemu_after_stop_or_garbage_collection(
    firmware_image: Callable[..., FirmwareImage],
) -> None:
    import gc
    import os

    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("ad01", "mps2-an386")
    board = EmulatedBoard(image.path)
    board.start()
    assert board.running
    board.stop()
    assert not board.running
    board.stop()  # twice is fine
    board.start()  # and a stopped board starts again
    with SerialLink(board.url, 115200, line_timeout_s=30.0) as link:
        assert link.read_until_ready("(boot)")[-1] == "m-ready"
    board.stop()

    forgotten = EmulatedBoard(image.path)
    forgotten.start()
    process = forgotten._process
    assert process is not None
    del forgotten
    gc.collect()
    process.wait(timeout=10)  # the finalizer terminated it
    assert process.returncode is not None
    assert not os.path.exists(f"/proc/{process.pid}") or process.returncode is not None


@pytest.mark.qemu
def test_a_board_started_on_a_short_lived_thread_outlives_it(
    firmware_image: Callable[..., FirmwareImage],
) -> None:
    # Linux kills a PR_SET_PDEATHSIG child when the thread that forked it ends: a board
    # started by a worker (the GUI's, a flash job's) must not die with that worker.
    import threading
    import time

    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("ad01", "mps2-an386")
    board = EmulatedBoard(image.path)
    worker = threading.Thread(target=board.start)
    worker.start()
    worker.join()
    try:
        time.sleep(0.5)
        assert board.running
        with SerialLink(board.url, 115200, line_timeout_s=30.0) as link:
            assert link.read_until_ready("(boot)")[-1] == "m-ready"
    finally:
        board.stop()
