"""Energy runs on the emulated board: QEMU's pin records drive the simulated world.

The energy build runs under QEMU behind the simulated interface board (9600 Bd wire time);
its timestamp and inference pins reach the world in the board's own time; a simulated PPK2
samples that world and the runner measures between the edges it sees.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.firmware.conftest import require_tools
from tinybench_gui.bench import emulated_energy_bench, simulated_energy_resources
from tinybench_gui.cli.main import main
from tinybench_gui.firmware.build import FirmwareImage
from tinybench_gui.runner.plan import Mode, RunPlan
from tinybench_gui.runner.recorder import RunRecorder
from tinybench_gui.runner.runner import Runner
from tinybench_gui.runner.state import RunState

ITERATIONS = 4
WINDOWS = 2


@pytest.mark.qemu
def test_energy_run_on_the_emulated_board_matches_the_world(
    firmware_image: Callable[..., FirmwareImage], tmp_path: Path
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("kws01", "mps2-an386", energy=True)
    plan = RunPlan(
        Mode.ENERGY, tmp_path / "run", windows=WINDOWS, min_window_s=0.0, iterations=ITERATIONS
    )
    with emulated_energy_bench("kws01", "ppk2", image=image.path) as bench:
        resources = simulated_energy_resources(bench, line_timeout_s=10.0)
        recorder = RunRecorder(tmp_path / "run.h5", plan, resources.provenance)
        resources.devices["run_writer"] = recorder.writer
        runner = Runner()
        runner.subscribe(recorder)
        summary = runner.run(plan, resources)
        truths = bench.world.truth_windows()[-WINDOWS:]
        bridge = bench.bridge
        assert bridge is not None
        events = list(bridge.events)
        boots = bench.boots
    assert runner.last_state == RunState.DONE, runner.status.reason
    assert boots == 1  # the monitor switched the supply on once
    assert bridge.late_edges == 0  # no record came after the monitor had sampled its time
    # The windows in the world are the board's own: timestamp falls in board time.
    falls = [e.time_s for e in events if e.pin == "timestamp" and e.level == 0]
    starts, stops = falls[-2 * WINDOWS :: 2], falls[-2 * WINDOWS + 1 :: 2]
    board_windows_s = [b - a for a, b in zip(starts, stops, strict=True)]
    for truth, board_s in zip(truths, board_windows_s, strict=True):
        assert truth.duration_s == pytest.approx(board_s, abs=1e-9)
    for window, truth in zip(summary.windows, truths, strict=True):
        assert window.iterations == truth.inferences == ITERATIONS
        # The PPK2 samples every 10 us: the window's edges within one sample of the board's.
        assert window.runtime_s == pytest.approx(truth.duration_s, abs=2e-5)
        assert window.energy_j == pytest.approx(truth.energy_j, rel=1e-3)
        assert window.extra["per_inference"]["count"] == ITERATIONS
    inferences = [e for e in events if e.pin == "inference"]
    assert len(inferences) >= 2 * ITERATIONS * WINDOWS


@pytest.mark.qemu
def test_energy_run_from_the_command_line(
    firmware_image: Callable[..., FirmwareImage],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("kws01", "mps2-an386", energy=True)
    code = main(
        ["run", "--mode", "energy", "--dut", "emulated", "--benchmark", "kws01",
         "--firmware", str(image.path), "--monitor", "js220", "--iterations", "2",
         "--windows", "2", "--min-window-s", "0", "--results-dir", str(tmp_path / "energy")]
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 3, out.err  # finished; 2 short windows are not valid for submission
    assert "model kws01, energy build" in out.out + out.err
    text = (tmp_path / "energy" / "results.txt").read_text()
    assert "Median energy cost is" in text
    assert "Energy data for trial 2" in text


@pytest.mark.qemu
def test_a_user_powered_board_has_booted_when_the_bench_is_ready(
    firmware_image: Callable[..., FirmwareImage],
) -> None:
    # With a JS220 nobody switches the supply during the run: the board is on before it
    # starts, so its boot banner must be out before the runner's first `dut name`.
    require_tools("qemu-system-arm", "arm-none-eabi-gcc", "make")
    image = firmware_image("kws01", "mps2-an386", energy=True)
    with emulated_energy_bench("kws01", "js220", image=image.path) as bench:
        assert bench.io_board.dut_ready.is_set()
        assert bench.boots == 1
