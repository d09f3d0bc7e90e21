"""Log: the protocol transcript and the application's messages, filterable and searchable."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.devices.transport import TranscriptEntry

MAX_ENTRIES = 200_000
MAX_SHOWN = 20_000  # lines kept in the text widget; filtering re-renders from the entries
FLUSH_PERIOD_MS = 100


def format_entry(entry: TranscriptEntry, origin_s: float) -> str:
    """``  12.345 dut> text`` (``<`` for lines the host sent)."""
    mark = "<" if entry.direction == "tx" else ">"
    return f"{entry.host_time_s - origin_s:9.3f} {entry.source:>5}{mark} {entry.text}"


class LogView(QWidget):
    """Appends in batches (a timer, not one widget update per line)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[TranscriptEntry] = []
        self._pending: list[TranscriptEntry] = []
        self.origin_s = 0.0
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_SHOWN)
        self.text.setStyleSheet("font-family: monospace; font-size: 11px;")
        self.source = QComboBox()
        self.source.addItem("all sources", "")
        self.source.currentIndexChanged.connect(self.rerender)
        self.search = QLineEdit()
        self.search.setPlaceholderText("search…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.rerender)
        self.follow = QCheckBox("follow")
        self.follow.setChecked(True)
        self.count = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(self.source)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.follow)
        bar.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_PERIOD_MS)
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def set_origin(self, origin_s: float) -> None:
        """Times are shown relative to this host time (the run's start)."""
        self.origin_s = origin_s

    def add(self, entry: TranscriptEntry) -> None:
        """Queue a line (shown at the next flush)."""
        self._pending.append(entry)

    def _matches(self, entry: TranscriptEntry) -> bool:
        source = self.source.currentData()
        if source and entry.source != source:
            return False
        needle = self.search.text()
        return not needle or needle.lower() in entry.text.lower()

    def flush(self) -> None:
        """Show the queued lines."""
        if not self._pending:
            return
        new, self._pending = self._pending, []
        known = {self.source.itemData(i) for i in range(self.source.count())}
        for entry in new:
            if entry.source not in known:
                self.source.addItem(entry.source, entry.source)
                known.add(entry.source)
        self.entries.extend(new)
        if len(self.entries) > MAX_ENTRIES:
            del self.entries[: len(self.entries) - MAX_ENTRIES]
        lines = [format_entry(e, self.origin_s) for e in new if self._matches(e)]
        if lines:
            self.text.appendPlainText("\n".join(lines))
            if self.follow.isChecked():
                self.text.moveCursor(QTextCursor.MoveOperation.End)
        self.count.setText(f"{len(self.entries)} lines")

    def rerender(self) -> None:
        """Apply the filter and search to every kept line."""
        self.flush()
        lines = [format_entry(e, self.origin_s) for e in self.entries if self._matches(e)]
        self.text.setPlainText("\n".join(lines[-MAX_SHOWN:]))
        self.text.moveCursor(QTextCursor.MoveOperation.End)

    def shown_text(self) -> str:
        """What the widget shows (tests)."""
        self.flush()
        return self.text.toPlainText()
