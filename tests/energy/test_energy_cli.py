"""The energy CLI on the hardware path: the bench served by one process, `run` in another."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tinybench_gui.cli.main import main


def test_run_energy_on_served_ptys(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tinybench_gui",
            "sim",
            "serve",
            "--energy-bench",
            "lpm01a",
            "--benchmark",
            "kws01",
            "--board-profile",
            "fast-m7",
            "--no-wire-time",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(4)]
        io_board = re.search(r"io-board: (\S+)", "".join(lines))
        monitor = re.search(r"monitor:\s+(\S+)", "".join(lines))
        assert io_board, lines
        assert monitor, lines
        results = tmp_path / "energy"
        code = main(
            [
                "run",
                "--mode",
                "energy",
                "--io-board",
                io_board[1],
                "--monitor",
                monitor[1],
                "--windows",
                "2",
                "--min-window-s",
                "0.3",
                "--results-dir",
                str(results),
            ]
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    # Windows shorter than 10 s: finished, not valid for submission.
    assert code == 3
    text = (results / "results.txt").read_text()
    assert re.search(r"Median energy cost is ([\d\.]+) uJ/inf", text)
    assert "Energy mode must include exactly 5 measurements" in text
    assert (results / "energy_inf_001.png").is_file()
    assert list(results.glob("*.h5"))


def test_energy_mode_without_devices_says_what_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["run", "--mode", "energy", "--io-board", "/dev/null"])
    assert code == 1
    assert "needs --io-board PORT and --monitor" in capsys.readouterr().err
    code = main(["run", "--mode", "energy", "--io-board", "/dev/null", "--monitor", "otii:1"])
    assert code == 1
    assert "unknown energy monitor 'otii:1'" in capsys.readouterr().err
