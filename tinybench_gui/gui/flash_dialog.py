"""The Flash dialog: pick an image (or build ours for the emulated board), pick a route,
see the pre-flight check, flash with progress and cancel, read the result.

Nothing here blocks the GUI thread: the image check and the firmware build run on a
``LatestOnly`` worker, the flash on the ``Flasher``'s own thread. The flash callbacks
hold only the bridge and a job number (never the dialog), so a flash that outlives a
closed dialog cannot destroy a widget from its thread.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.devices.catalog import BoardSpec
from tinybench_gui.devices.flashing import (
    Flasher,
    FlashProgress,
    FlashRequest,
    FlashResult,
    RouteStatus,
    request_for_device,
)
from tinybench_gui.gui.qt_bridge import QtBridge
from tinybench_gui.gui.tasks import LatestOnly

PROGRESS_STEPS = 1000
EMULATED_FIRMWARE_BOARD = "mps2-an386"  # firmware.targets board built for the QEMU entry
_job_numbers = itertools.count(1)
OK_STYLE = "background: #e3f4e6; color: #1d5e2c; padding: 6px; border-radius: 4px;"
ERROR_STYLE = "background: #fbe3e3; color: #7a1a1a; padding: 6px; border-radius: 4px;"
NOTE_STYLE = "color: #555; padding: 2px;"


@dataclass(frozen=True, slots=True)
class FlashProgressItem:
    """A ``FlashProgress`` of flash job ``job`` (posted from the flash thread)."""

    job: int
    progress: FlashProgress


@dataclass(frozen=True, slots=True)
class FlashDoneItem:
    """The ``FlashResult`` of flash job ``job`` (posted from the flash thread)."""

    job: int
    result: FlashResult


@dataclass(frozen=True, slots=True)
class PreflightReport:
    """What the dialog shows before Flash is enabled (built on the worker)."""

    lines: tuple[str, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    sha256: str

    @property
    def ok(self) -> bool:
        """No errors."""
        return not self.errors


def preflight(flasher: Flasher, request: FlashRequest) -> PreflightReport:
    """Check the image against the board: format, size against flash, target, sha256.

    Runs on a worker (it reads and hashes the file). An unreadable image is an error line.
    """
    try:
        image, verdict = flasher.check(request)
    except Exception as exc:  # ImageError, OSError: the user must see why
        return PreflightReport((), (f"{request.firmware.name}: {exc}",), (), "")
    board = request.board
    flash_text = (
        f"{image.payload_size:,} bytes of {board.flash.size:,} bytes of flash "
        f"({100.0 * image.payload_size / board.flash.size:.1f} %)"
        if board.flash
        else f"{image.payload_size:,} bytes (the catalog gives no flash size)"
    )
    target = image.cpu_arch or "not recorded in the image"
    lines = (
        f"format: {image.format} ({image.file_size:,} bytes on disk)",
        f"size: {flash_text}, from 0x{image.start_address:08x}",
        f"target: image built for {target}; board {board.name} ({board.cpu or 'cpu unknown'})",
        f"sha256: {image.sha256}",
    )
    return PreflightReport(lines, tuple(verdict.errors), tuple(verdict.warnings), image.sha256)


def build_emulated_firmware(benchmark: str) -> Path:
    """Build our firmware for ``benchmark`` on the emulated board (worker; cached by make)."""
    from tinybench_gui.firmware.build import build_firmware

    return build_firmware(benchmark, EMULATED_FIRMWARE_BOARD).path


def route_text(status: RouteStatus) -> list[str]:
    """The route picker's columns for one route."""
    state = "available" if status.available else "unavailable"
    how = "" if status.available else status.install
    return [status.title or status.name, state, status.reason, how]


class FlashDialog(QDialog):
    """Flash one board. ``flashed`` carries the ``FlashResult`` of a successful flash.

    Parameters
    ----------
    bridge:
        The session's bridge (callbacks reach the GUI thread through it).
    device:
        The ``DetectedDevice`` to flash, or None with ``board`` given (the emulated board).
    board:
        The catalog entry when detection could not decide it (or there is no device).
    flasher:
        Injected in tests; by default the real ``Flasher``.
    request_options:
        Extra ``FlashRequest`` fields (``port_url``, ``emulated_board``, ...).
    """

    flashed = Signal(object)

    def __init__(
        self,
        bridge: QtBridge,
        device: Any | None = None,
        *,
        board: BoardSpec | None = None,
        flasher: Flasher | None = None,
        request_options: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Flash firmware")
        self.setMinimumWidth(720)
        self.bridge = bridge
        self.device = device
        self.flasher = flasher or Flasher()
        self.request_options = dict(request_options or {})
        self.flash_result: FlashResult | None = None
        self.report: PreflightReport | None = None
        self.job: Any = None
        self._job_number = 0
        self._worker = LatestOnly(bridge, "flash-dialog")
        self._boards = self._board_choices(device, board)

        where = device.port.url if device is not None else self.request_options.get("port_url")
        title = QLabel(f"<b>{device.label if device is not None else self._boards[0].name}</b>")
        title.setToolTip(device.summary() if device is not None else "")
        self.where = QLabel(f"port: {where or '-'}")
        self.where.setStyleSheet(NOTE_STYLE)

        self.board_combo = QComboBox()
        for spec in self._boards:
            self.board_combo.addItem(spec.name, spec.id)
        self.board_combo.setEnabled(len(self._boards) > 1)
        self.board_combo.currentIndexChanged.connect(self._board_changed)

        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("firmware image (.elf, .hex, .bin)")
        self.file_edit.editingFinished.connect(self._file_changed)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)
        self.build_combo = QComboBox()
        self.build_button = QPushButton("Build ours")
        self.build_button.setToolTip(
            "Build tinybench's own firmware for this benchmark (arm-none-eabi-gcc; takes a "
            "while the first time, then make keeps it)"
        )
        self.build_button.clicked.connect(self.build_firmware)
        self.build_row = QWidget()
        build_layout = QHBoxLayout(self.build_row)
        build_layout.setContentsMargins(0, 0, 0, 0)
        build_layout.addWidget(QLabel("or build our firmware for"))
        build_layout.addWidget(self.build_combo)
        build_layout.addWidget(self.build_button)
        build_layout.addStretch(1)

        self.routes = QTreeWidget()
        self.routes.setHeaderLabels(["route", "state", "why", "how to get it"])
        self.routes.setRootIsDecorated(False)
        self.routes.setMinimumHeight(70)
        self.routes.setMaximumHeight(130)  # a board has a handful of routes
        self.routes.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.routes.itemSelectionChanged.connect(self._update_buttons)

        self.check_box = QGroupBox("Pre-flight check")
        self.check_label = QLabel("Pick a firmware image.")
        self.check_label.setWordWrap(True)
        self.check_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(self.check_box).addWidget(self.check_label)

        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        self.phase_label = QLabel("")
        self.phase_label.setStyleSheet(NOTE_STYLE)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        self.output_toggle = QToolButton()
        self.output_toggle.setText("Tool output")
        self.output_toggle.setCheckable(True)
        self.output_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.output_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.output_toggle.toggled.connect(self._toggle_output)
        self.output_toggle.hide()
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setMinimumHeight(140)
        self.output.hide()

        self.flash_button = QPushButton("Flash")
        self.flash_button.setDefault(True)
        self.flash_button.clicked.connect(self.start_flash)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.flash_button)
        buttons.addWidget(self.cancel_button)

        form = QFormLayout()
        form.addRow(title)
        form.addRow(self.where)
        form.addRow("Board", self.board_combo)
        form.addRow("Firmware", file_row)
        form.addRow("", self.build_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Route"))
        layout.addWidget(self.routes)
        layout.addWidget(self.check_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.phase_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.output_toggle)
        layout.addWidget(self.output, 1)
        layout.addStretch(0)
        layout.addLayout(buttons)

        bridge.connect_handler(self._on_item)
        self._board_changed()

    # -- choices -----------------------------------------------------------------------------
    @staticmethod
    def _board_choices(device: Any | None, board: BoardSpec | None) -> list[BoardSpec]:
        if board is not None:
            return [board]
        if device is not None and device.spec is not None:
            return [device.spec]
        if device is not None and device.candidates:
            return list(device.candidates)
        raise ValueError(
            "this device matches no catalog board: it cannot be flashed from here "
            "(add it to resources/boards.toml)"
        )

    @property
    def board(self) -> BoardSpec:
        """The board being flashed."""
        return self._boards[max(0, self.board_combo.currentIndex())]

    @property
    def firmware(self) -> Path | None:
        """The chosen image, if any."""
        text = self.file_edit.text().strip()
        return Path(text) if text else None

    def selected_route(self) -> str | None:
        """The picked route's name (only available routes can be picked)."""
        items = self.routes.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def request(self) -> FlashRequest:
        """The request for the current choices."""
        firmware = self.firmware
        if firmware is None:
            raise ValueError("pick a firmware image first")
        options = {**self.request_options, "route": self.selected_route()}
        if self.device is not None:
            return request_for_device(self.device, firmware, board=self.board, **options)
        return FlashRequest(board=self.board, firmware=firmware, **options)

    def _board_changed(self, *_args: object) -> None:
        self.routes.clear()
        first_available: QTreeWidgetItem | None = None
        for status in self.flasher.route_statuses(self.board):
            item = QTreeWidgetItem(route_text(status))
            item.setData(0, Qt.ItemDataRole.UserRole, status.name)
            item.setToolTip(3, status.install)
            if status.available:
                item.setForeground(1, Qt.GlobalColor.darkGreen)
                first_available = first_available or item
            else:
                # Shown (with how to get the tool) but not selectable.
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                item.setForeground(1, Qt.GlobalColor.darkRed)
            self.routes.addTopLevelItem(item)
        if first_available is not None:
            first_available.setSelected(True)
        emulated = self.board.emulated
        self.build_row.setVisible(emulated)
        if emulated and self.build_combo.count() == 0:
            from tinybench_gui.firmware.targets import BENCHMARKS

            self.build_combo.addItems(list(BENCHMARKS))
        self._file_changed()

    # -- the image and its check ---------------------------------------------------------------
    def set_firmware(self, path: Path) -> None:
        """Use ``path`` as the image and check it (returns at once)."""
        self.file_edit.setText(str(path))
        self._file_changed()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Firmware image", "", "Firmware (*.elf *.hex *.bin *.axf);;All files (*)"
        )
        if path:
            self.set_firmware(Path(path))

    def _file_changed(self) -> None:
        self.report = None
        self._update_buttons()
        if self.firmware is None:
            self.check_label.setText("Pick a firmware image.")
            return
        try:
            request = self.request()
        except ValueError as exc:
            self.check_label.setText(str(exc))
            return
        self.check_label.setText(f"checking {request.firmware.name}…")
        flasher = self.flasher
        self._worker.submit(lambda: preflight(flasher, request), self._show_report)

    def _show_report(self, report: PreflightReport) -> None:
        self.report = report
        parts = [*report.lines]
        parts += [f"<span style='color:#b00000'>✗ {e}</span>" for e in report.errors]
        parts += [f"<span style='color:#a06000'>⚠ {w}</span>" for w in report.warnings]
        if report.ok:
            parts.append("<span style='color:#1d7a35'>✓ ready to flash</span>")
        self.check_label.setText("<br>".join(parts))
        self._update_buttons()

    def build_firmware(self) -> None:
        """Build our firmware for the chosen benchmark on a worker (returns at once)."""
        benchmark = self.build_combo.currentText()
        self.build_button.setEnabled(False)
        self.check_label.setText(f"building tinybench firmware for {benchmark}…")

        def built(path: Path) -> None:
            self.build_button.setEnabled(True)
            self.set_firmware(path)

        def failed(exc: BaseException) -> None:
            self.build_button.setEnabled(True)
            self.check_label.setText("<span style='color:#b00000'>✗ build failed</span>")
            self._show_output(str(exc))

        self._worker.submit(lambda: build_emulated_firmware(benchmark), built, failed)

    # -- flashing -----------------------------------------------------------------------------
    @property
    def flashing(self) -> bool:
        """Whether a flash is in progress."""
        return self.job is not None and self.flash_result is None

    def _update_buttons(self) -> None:
        ready = self.report is not None and self.report.ok and self.selected_route() is not None
        self.flash_button.setEnabled(ready and not self.flashing)

    def start_flash(self) -> None:
        """Start flashing (returns at once; progress and the result come through the bridge)."""
        if self.flashing or not self.flash_button.isEnabled():
            return
        request = self.request()
        self.flash_result = None
        self._job_number = number = next(_job_numbers)
        bridge = self.bridge
        callbacks: dict[str, Any] = {
            "on_progress": lambda p: bridge.post(FlashProgressItem(number, p)),
            "on_done": lambda r: bridge.post(FlashDoneItem(number, r)),
        }
        self.job = self.flasher.start(request, **callbacks)
        self.progress.setValue(0)
        self.result_label.hide()
        self.output_toggle.hide()
        self.output.hide()
        for widget in (self.board_combo, self.file_edit, self.browse_button, self.routes):
            widget.setEnabled(False)
        self.build_button.setEnabled(False)
        self.flash_button.setEnabled(False)
        self.cancel_button.setText("Cancel flash")

    def cancel(self) -> None:
        """Cancel the flash in progress, or close the dialog."""
        if self.flashing:
            self.job.cancel()
            self.phase_label.setText("cancelling…")
            self.cancel_button.setEnabled(False)
            return
        self.reject()

    def _on_item(self, item: Any) -> None:
        if isinstance(item, FlashProgressItem) and item.job == self._job_number:
            p = item.progress
            self.progress.setValue(round(p.fraction * PROGRESS_STEPS))
            self.phase_label.setText(f"{p.phase}: {p.message}" if p.message else p.phase)
        elif isinstance(item, FlashDoneItem) and item.job == self._job_number:
            self._show_result(item.result)

    def _show_result(self, result: FlashResult) -> None:
        self.flash_result = result
        for widget in (self.board_combo, self.file_edit, self.browse_button, self.routes):
            widget.setEnabled(True)
        self.board_combo.setEnabled(len(self._boards) > 1)
        self.build_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self._update_buttons()
        if result.ok:
            self.progress.setValue(PROGRESS_STEPS)
            verified = {True: "verified", False: "NOT verified", None: "not verifiable"}
            banner = "<br>".join(result.banner) if result.banner else ""
            after = result.probe_after.summary() if result.probe_after else "not probed"
            text = (
                f"<b>Flashed</b> via {result.route} in {result.elapsed_s:.1f} s "
                f"({verified[result.verified]}); sha256 {result.sha256}<br>"
                f"the board now answers: {after}"
            )
            if banner:
                text += f"<br><tt>{banner}</tt>"
            text += "".join(f"<br>• {w}" for w in result.warnings)
            self.result_label.setStyleSheet(OK_STYLE)
            self.phase_label.setText("done")
            self.flashed.emit(result)
        else:
            error = result.error
            kind = error.kind.value if error else "failed"
            message = error.message if error else "the flash failed"
            hint = getattr(error, "hint", "") or ""
            text = f"<b>Flash failed: {kind}</b><br>{message}"
            if hint:
                text += f"<br><i>What to do:</i> {hint}"
            self.result_label.setStyleSheet(ERROR_STYLE)
            self.phase_label.setText(f"stopped ({kind})")
        self.result_label.setText(text)
        self.result_label.show()
        raw = result.raw_output or (result.error.raw_output if result.error else "")
        if raw:
            self._show_output(raw)

    def _show_output(self, text: str) -> None:
        self.output.setPlainText(text)
        self.output_toggle.show()
        self.output_toggle.setChecked(False)
        self.output.hide()

    def _toggle_output(self, shown: bool) -> None:
        self.output.setVisible(shown)
        self.output_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    def done(self, result: int) -> None:
        """Closing leaves a running flash alone only if asked to cancel first."""
        if self.flashing:
            self.cancel()
            return
        self.bridge.disconnect_handler(self._on_item)
        self._worker.close(timeout_s=0.5)
        super().done(result)
