"""The emulated board (QEMU mps2-an386 running our firmware) as a device of the Bench panel.

Offered when qemu-system-arm and arm-none-eabi-gcc are present. Starting it builds our
firmware for the chosen benchmark and starts QEMU on a worker; the board's UART is then
registered in the port registry (origin ``emulated``, role ``dut``) so detection lists
it like any board, and runs can target it ("use for runs"). Flashing it through the Flash
dialog (the ``qemu`` route) restarts QEMU; the new board is adopted here.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from tinybench_gui.devices.port_registry import RegisteredPort, register_port, unregister_port

_log = logging.getLogger(__name__)
CATALOG_ID = "qemu-mps2-an386"
FIRMWARE_BOARD = "mps2-an386"
BAUD_RATE = 115200  # QEMU's UART ignores it; the catalog's rate for the record
REQUIRED_TOOLS = ("qemu-system-arm", "arm-none-eabi-gcc")


def missing_tools() -> list[str]:
    """The tools the emulated board needs that are not on PATH."""
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


def build_image(benchmark: str) -> Path:
    """Our firmware for ``benchmark`` on the emulated board (worker; make rebuilds only changes)."""
    from tinybench_gui.firmware.build import build_firmware

    return build_firmware(benchmark, FIRMWARE_BOARD).path


def boot_board(image: Path) -> tuple[Any, str]:
    """Start QEMU on ``image`` (worker); returns the board and its DUT URL."""
    from tinybench_gui.firmware.emulator import EmulatedBoard

    board = EmulatedBoard(image)
    try:
        return board, board.start()
    except Exception:
        board.stop()
        raise


class EmulatedBoardBox(QWidget):
    """'Emulated board (QEMU)': start/stop, benchmark, and whether runs target it.

    ``changed`` fires when the board starts, stops or is replaced by a flash.
    """

    changed = Signal()

    def __init__(
        self,
        session: Any,
        *,
        build: Callable[[str], Path] = build_image,
        boot: Callable[[Path], tuple[Any, str]] = boot_board,
        registry_folder: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._build = build
        self._boot = boot
        self._registry_folder = registry_folder
        self.board: Any = None
        self.url: str | None = None
        self.benchmark_id: str | None = None
        self.state = "stopped"  # stopped | starting | running | failed
        self.problem = ""
        session.closers.append(self.close_board)
        from tinybench_gui.firmware.targets import BENCHMARKS

        self.benchmark = QComboBox()
        self.benchmark.addItems(list(BENCHMARKS))
        self.start_button = QPushButton("Emulated board (QEMU)")
        self.start_button.setToolTip(
            "Build tinybench's firmware for this benchmark and run it on an emulated "
            "Cortex-M4 (QEMU mps2-an386). Emulated: its timings are not a real board's."
        )
        self.start_button.clicked.connect(self.toggle)
        self.use_for_runs = QCheckBox("use for runs")
        self.use_for_runs.setToolTip("Performance and accuracy runs go to the emulated board")
        self.use_for_runs.toggled.connect(self._use_for_runs)
        self.use_for_runs.setEnabled(False)
        self.state_label = QLabel("")
        self.state_label.setStyleSheet("color: #666;")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.start_button)
        row.addWidget(self.benchmark)
        row.addWidget(self.use_for_runs)
        row.addWidget(self.state_label, 1)
        missing = missing_tools()
        if missing:
            self.start_button.setEnabled(False)
            self.benchmark.setEnabled(False)
            self.state_label.setText(
                f"needs {', '.join(missing)} (Debian: apt-get install qemu-system-arm "
                "gcc-arm-none-eabi libnewlib-arm-none-eabi)"
            )

    # -- control (GUI thread, returns at once) ------------------------------------------------
    def toggle(self) -> None:
        """Start the board, or stop it if it runs."""
        if self.state == "running":
            self.stop()
        elif self.state != "starting":
            self.start()

    def start(self) -> None:
        """Build the firmware and boot QEMU on a worker."""
        benchmark = self.benchmark.currentText()
        self.state = "starting"
        self.benchmark_id = benchmark
        self.start_button.setEnabled(False)
        self.state_label.setText(f"building our {benchmark} firmware and starting QEMU…")
        build, boot, bridge = self._build, self._boot, self.session.bridge
        deliver = self._deliver

        def work() -> None:
            try:
                board, url = boot(build(benchmark))
            except Exception as exc:
                _log.exception("the emulated board did not start")
                text = f"{type(exc).__name__}: {exc}"
                bridge.call_soon(lambda: deliver(None, None, text))
                return
            bridge.call_soon(lambda: deliver(board, url, None))

        threading.Thread(target=work, name="emulated-board-start", daemon=True).start()

    def _deliver(self, board: Any, url: str | None, problem: str | None) -> None:
        self.start_button.setEnabled(True)
        if board is None or url is None:
            self.state = "failed"
            self.problem = problem or "failed"
            self.state_label.setText(f"did not start: {self.problem}")
            self.session.message(f"The emulated board did not start: {self.problem}")
            self.changed.emit()
            return
        self.adopt(board, url)

    def adopt(self, board: Any, url: str) -> None:
        """Make ``board`` (running at ``url``) the emulated board; register its port."""
        if self.url is not None:
            unregister_port(self._entry_name(), self._registry_folder)
        self.board, self.url, self.state = board, url, "running"
        register_port(
            RegisteredPort(
                name=self._entry_name(),
                url=url,
                origin="emulated",
                role="dut",
                catalog_id=CATALOG_ID,
                description=f"QEMU mps2-an386 running tinybench firmware ({self.benchmark_id})",
                pid=os.getpid(),
                serial_number="QEMU",
            ),
            self._registry_folder,
        )
        self.start_button.setText("Stop emulated board")
        self.use_for_runs.setEnabled(True)
        self.state_label.setText(f"EMULATED board running at {url}")
        self.session.message(f"Emulated board (QEMU) running {self.benchmark_id} at {url}")
        self._use_for_runs(self.use_for_runs.isChecked())
        self.session.rescan()
        self.changed.emit()

    def stop(self) -> None:
        """Stop QEMU (on a worker: it may take a moment) and unregister the port."""
        board, self.board = self.board, None
        if self.url is not None:
            unregister_port(self._entry_name(), self._registry_folder)
        self.url = None
        self.state = "stopped"
        self.use_for_runs.setChecked(False)
        self.use_for_runs.setEnabled(False)
        self.start_button.setText("Emulated board (QEMU)")
        self.state_label.setText("")
        if board is not None:
            threading.Thread(target=board.stop, name="emulated-board-stop", daemon=True).start()
        self.session.rescan()
        self.changed.emit()

    def _use_for_runs(self, on: bool) -> None:
        if on and self.url is not None:
            self.session.select_dut(self.url, BAUD_RATE)
        elif self.session.selected_dut is not None and self.session.selected_dut[0] == self.url:
            self.session.select_dut(None)

    def _entry_name(self) -> str:
        return f"tinybench-gui-qemu-{os.getpid()}"

    # -- the Flash dialog --------------------------------------------------------------------
    def request_options(self, device: Any) -> dict[str, Any]:
        """For a flash of our emulated board: the running board, so the qemu route replaces it."""
        if self.board is not None and device.port.url == self.url:
            return {"emulated_board": self.board}
        return {}

    def on_flashed(self, device: Any, result: Any) -> None:
        """After a qemu flash: the route started a new board; adopt it."""
        if getattr(result, "emulated_board", None) is not None and result.port_url:
            if device.port.url == self.url:
                self.board = None  # the route stopped it
            self.adopt(result.emulated_board, result.port_url)

    def close_board(self) -> None:
        """Stop the board now (window closing)."""
        board, self.board = self.board, None
        if self.url is not None:
            unregister_port(self._entry_name(), self._registry_folder)
            self.url = None
        if board is not None:
            board.stop()
