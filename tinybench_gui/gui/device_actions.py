"""What the Bench panel can do with the selected device: flash it, run its diagnostics.

A strip of buttons (and the same actions for the list's context menu) plus the
diagnostics view, kept out of ``bench_panel.py`` so that file stays about the list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QMessageBox, QPushButton, QVBoxLayout, QWidget

from tinybench_gui.gui.diagnostics_view import DiagnosticsView
from tinybench_gui.gui.flash_dialog import FlashDialog
from tinybench_gui.gui.qt_bridge import QtBridge

# (device) -> extra FlashRequest fields, e.g. the running emulated board for the qemu route.
RequestOptions = Callable[[Any], dict[str, Any]]


class DeviceActions(QWidget):
    """Flash… and Diagnostics for one ``DetectedDevice`` at a time.

    ``flashed`` carries ``(device, FlashResult)`` after a successful flash.
    """

    flashed = Signal(object, object)

    def __init__(
        self,
        bridge: QtBridge,
        *,
        request_options: RequestOptions | None = None,
        diagnostics_start: Any = None,
        flasher_factory: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.device: Any = None
        self.dialog: FlashDialog | None = None
        self._request_options = request_options
        self._flasher_factory = flasher_factory
        self.flash_button = QPushButton("Flash…")
        self.flash_button.setToolTip("Write a firmware image to the selected board")
        self.flash_button.clicked.connect(self.open_flash_dialog)
        self.diagnostics = DiagnosticsView(bridge, start=diagnostics_start)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.flash_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.diagnostics, 1)
        self.set_device(None)

    def set_device(self, device: Any | None) -> None:
        """The selected detected device (None: a simulated-bench row or nothing)."""
        self.device = device
        flashable = device is not None and (device.spec is not None or bool(device.candidates))
        self.flash_button.setEnabled(flashable)
        self.flash_button.setToolTip(
            "Write a firmware image to the selected board"
            if flashable
            else "select a detected board that is in the catalog"
        )
        self.diagnostics.set_device(device)

    def fill_menu(self, menu: QMenu) -> None:
        """The context menu's actions for the selected device."""
        flash = menu.addAction("Flash…")
        flash.setEnabled(self.flash_button.isEnabled())
        flash.triggered.connect(self.open_flash_dialog)
        diag = menu.addAction("Run diagnostics")
        diag.setEnabled(self.diagnostics.run_button.isEnabled())
        diag.triggered.connect(self.diagnostics.run)

    def open_flash_dialog(self) -> FlashDialog | None:
        """Open the Flash dialog (non-modal) for the selected device."""
        device = self.device
        if device is None:
            return None
        options = self._request_options(device) if self._request_options else {}
        flasher = self._flasher_factory() if self._flasher_factory else None
        try:
            dialog = FlashDialog(
                self.bridge, device, flasher=flasher, request_options=options, parent=self
            )
        except ValueError as exc:
            QMessageBox.warning(self, "Flash", str(exc))
            return None
        dialog.flashed.connect(lambda result: self.flashed.emit(device, result))
        dialog.setModal(False)
        dialog.show()
        self.dialog = dialog
        return dialog
