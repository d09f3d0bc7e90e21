"""Bench: the devices on the bench, with their status, and rescan."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.gui.device_actions import DeviceActions
from tinybench_gui.gui.emulated_board import EmulatedBoardBox
from tinybench_gui.gui.session import BenchDevice, GuiSession

STATUS_COLOURS = {"ok": "#2e9d4b", "busy": "#e0a000", "error": "#d03030", "unknown": "#999999"}
COLUMNS = ("", "kind", "device", "port", "serial", "firmware banner", "build")
# probing.ProbeStatus -> status light. not_probed: the port was skipped (in use by the bench,
# or not wanted); timeout: the probe's deadline passed with no answer yet (a board booting).
PROBE_STATUS_LIGHT = {
    "identified": "ok",
    "busy": "busy",
    "not_probed": "unknown",
    "timeout": "unknown",
    "no_answer": "error",
    "error": "error",
}
# What the device column says about where a device comes from (usb: nothing, it is hardware).
ORIGIN_TAGS = {
    "simulated": "  [simulated]",
    "emulated": "  [emulated: QEMU]",
    "serial": "  [built-in serial]",
    "manual": "  [manual]",
}


def device_from_detected(device: Any) -> BenchDevice:
    """A ``discovery.DetectedDevice`` as a Bench row."""
    probe = device.probe
    status = PROBE_STATUS_LIGHT.get(probe.status, "error")
    banner = " / ".join(probe.banner[:2]) if probe.banner else (probe.name or "")
    if probe.model:
        banner = f"m-model-[{probe.model}] {banner}".strip()
    return BenchDevice(
        kind=device.role or "?",
        name=device.label,
        port=device.port.url,
        serial=device.port.serial_number or "",
        banner=banner,
        build_mode=probe.build_mode or "",
        status=status,
        simulated=device.origin in ("simulated", "emulated"),
        detail=device.summary(),
        baud_rate=probe.baud_rate,
        origin=device.origin,
    )


def origin_tag(device: BenchDevice) -> str:
    """The suffix marking a non-USB device's origin."""
    if device.origin:
        return ORIGIN_TAGS.get(device.origin, "")
    return "  [simulated]" if device.simulated else ""


class BenchPanel(QWidget):
    """Lists the session's devices and the ones the watcher finds."""

    selection_changed = Signal()  # the interface board or energy monitor for runs changed

    def __init__(self, session: GuiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._detected: dict[str, BenchDevice] = {}
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setMinimumWidth(400)
        self.tree.setMinimumHeight(140)
        self.tree.itemSelectionChanged.connect(self._selected)
        self.tree.setToolTip(
            "Select a detected DUT, interface board or energy monitor to use it for runs"
        )
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.rescan_button = QPushButton("Rescan")
        self.rescan_button.setToolTip("Enumerate the ports and probe every device again")
        self.rescan_button.clicked.connect(self.rescan)
        self.scan_state = QLabel("")
        self.scan_state.setStyleSheet("color: #666;")
        row = QHBoxLayout()
        row.addWidget(self.rescan_button)
        row.addWidget(self.scan_state, 1)
        # The list above, the device actions and diagnostics below, sized by the user.
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.tree, 1)
        top_layout.addLayout(row)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        # Device actions (flash, diagnostics) live in gui/device_actions.py.
        self._raw: dict[str, Any] = {}  # key -> DetectedDevice, for the actions
        self.emulated = EmulatedBoardBox(session)
        self.emulated.changed.connect(self.refresh)
        top_layout.addWidget(self.emulated)
        self.actions = DeviceActions(session.bridge, request_options=self.emulated.request_options)
        self.actions.flashed.connect(self.emulated.on_flashed)
        self.splitter.addWidget(self.actions)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.refresh()

    def _selected(self) -> None:
        items = self.tree.selectedItems()
        if not items:
            return
        device = items[0].data(0, Qt.ItemDataRole.UserRole)
        if device is None or device in self.session.bench_devices():
            return
        if device.kind == "io_board":
            self._use_io_board(device, items[0].data(1, Qt.ItemDataRole.UserRole))
        elif device.kind == "energy_monitor":
            self._use_monitor(device, items[0].data(1, Qt.ItemDataRole.UserRole))
        elif device.kind == "dut":
            if device.baud_rate is None:
                self.scan_state.setText(
                    f"{device.port} did not answer a probe: cannot run on it yet"
                )
                return
            self.session.selected_dut = (device.port, device.baud_rate)
            self.scan_state.setText(f"runs use the DUT on {device.port} at {device.baud_rate} Bd")

    def _catalog_id(self, key: str | None) -> str:
        raw = self._raw.get(key) if key is not None else None
        if raw is None:
            return ""
        if raw.spec is not None:
            return str(raw.spec.id)
        ids = {c.id for c in raw.candidates}
        return ids.pop() if len(ids) == 1 else str(raw.probe.name or "")

    def _use_io_board(self, device: BenchDevice, key: str | None) -> None:
        from tinybench_gui.bench import io_board_kind_of

        kind = io_board_kind_of(self._catalog_id(key))
        if kind is None:
            self.scan_state.setText(f"{device.port}: not a known interface board kind")
            return
        self.session.select_io_board(device.port, kind)
        self._energy_selection_changed(
            f"energy runs use the {kind} interface board on {device.port}"
        )

    def _use_monitor(self, device: BenchDevice, key: str | None) -> None:
        from tinybench_gui.bench import energy_monitor_spec

        spec = energy_monitor_spec(self._catalog_id(key), device.port, device.serial)
        if spec is None:
            self.scan_state.setText(f"{device.port}: not a known energy monitor model")
            return
        self.session.select_energy_monitor(spec)
        self._energy_selection_changed(f"energy runs measure with {spec}")

    def _energy_selection_changed(self, text: str) -> None:
        if not self.session.real_energy_selected:
            text += " (select an interface board and an energy monitor for energy mode)"
        self.scan_state.setText(text)
        self.selection_changed.emit()

    def rescan(self) -> None:
        """Ask the watcher for a new poll (returns at once)."""
        self.session.rescan()
        self.scan_state.setText("scanning…" if self.session.watcher else "hot-plug polling is off")

    def on_device_event(self, event: Any) -> None:
        """A watcher event (GUI thread, via the bridge)."""
        device = event.device
        if event.kind == "removed":
            self._detected.pop(device.key, None)
            self._raw.pop(device.key, None)
        else:
            self._detected[device.key] = device_from_detected(device)
            self._raw[device.key] = device
        self.scan_state.setText(f"{len(self._detected)} detected")
        self.refresh()

    def devices(self) -> list[BenchDevice]:
        """Every row shown."""
        return [*self.session.bench_devices(), *self._detected.values()]

    def refresh(self) -> None:
        """Rebuild the list."""
        if self.session.simulated:
            self.banner.setText(
                "<b>SIMULATED BENCH</b>: no hardware. These devices are simulators speaking "
                "the real protocols; results do not measure a board."
            )
            self.banner.setStyleSheet(
                "background: #fff3c4; color: #6b5100; padding: 6px; border-radius: 4px;"
            )
        else:
            self.banner.setText(
                "Plug in a DUT, an interface board or an energy monitor; the "
                "list updates by itself. Start with --sim for the simulated bench."
            )
            self.banner.setStyleSheet("color: #555; padding: 4px;")
        selected = self.selected_key()
        self.tree.clear()
        for key, device in [
            *((None, d) for d in self.session.bench_devices()),
            *self._detected.items(),
        ]:
            item = QTreeWidgetItem(
                [
                    "●",
                    device.kind,
                    device.name + origin_tag(device),
                    device.port,
                    device.serial,
                    device.banner,
                    device.build_mode,
                ]
            )
            item.setForeground(0, QBrush(QColor(STATUS_COLOURS.get(device.status, "#999"))))
            item.setToolTip(0, device.status)
            item.setToolTip(2, device.detail or device.name)
            item.setData(0, Qt.ItemDataRole.UserRole, device)
            item.setData(1, Qt.ItemDataRole.UserRole, key)
            self.tree.addTopLevelItem(item)
            if key is not None and key == selected:
                item.setSelected(True)
        self._selection_changed()

    # -- device actions -------------------------------------------------------------------------
    def selected_key(self) -> str | None:
        """The watcher key of the selected detected device (None: none or a session row)."""
        items = self.tree.selectedItems()
        return items[0].data(1, Qt.ItemDataRole.UserRole) if items else None

    def selected_device(self) -> Any | None:
        """The selected ``DetectedDevice``, if a detected device is selected."""
        key = self.selected_key()
        return self._raw.get(key) if key is not None else None

    def _selection_changed(self) -> None:
        self.actions.set_device(self.selected_device())

    def _context_menu(self, pos: Any) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        item.setSelected(True)
        menu = QMenu(self.tree)
        self.actions.fill_menu(menu)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
