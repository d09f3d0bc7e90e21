"""First-run model setup: get the official reference models, online or from a folder.

tinybench checks DUT results against the MLPerf Tiny reference models (found by sha256,
``models/lookup.py``). When some are not on this computer, the dialog offers to download
them (progress bar; ``download_model`` verifies the sha256 before a file is kept) or to take
them from a folder the user points to (each file is hashed; matches are copied into the
model cache, so tinybench works offline from then on).

All file and network work runs on a worker thread; the GUI thread only gets progress and
the outcome through queued signals.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tinybench_gui.models.known import KNOWN_MODELS, ModelRef
from tinybench_gui.models.lookup import (
    ModelNotFoundError,
    base_url,
    download_model,
    find_model,
    sha256_of,
    user_cache_dir,
)

SETTINGS_DISMISSED = "model_setup/dismissed"
Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, model key)


class SetupCancelledError(Exception):
    """The user cancelled the download."""


@dataclass
class SetupOutcome:
    """What a download or a folder import achieved."""

    added: list[str] = field(default_factory=list)  # model keys now available
    missing: list[str] = field(default_factory=list)  # model keys still missing
    error: str = ""  # why it stopped, with the fix


def missing_models(refs: Iterable[ModelRef] | None = None) -> list[ModelRef]:
    """The reference models not found locally (cache or ``TINYBENCH_MODEL_PATH``); no network."""
    missing = []
    for ref in refs if refs is not None else KNOWN_MODELS.values():
        try:
            find_model(ref, allow_download=False)
        except ModelNotFoundError:
            missing.append(ref)
    return missing


def download_missing(
    refs: list[ModelRef], progress: Progress, cancelled: Callable[[], bool]
) -> SetupOutcome:
    """Download ``refs`` one by one into the cache; stops at the first failure or cancel."""
    outcome = SetupOutcome()
    total = sum(ref.size_bytes for ref in refs)
    done_before = 0
    for index, ref in enumerate(refs):

        def report(done: int, _total: int, ref: ModelRef = ref, base: int = done_before) -> None:
            if cancelled():
                raise SetupCancelledError
            progress(base + done, total, ref.key)

        try:
            download_model(ref, progress=report)
        except SetupCancelledError:
            outcome.missing = [r.key for r in refs[index:]]
            outcome.error = "Download cancelled; the files already downloaded are kept."
            return outcome
        except (OSError, ValueError) as exc:
            outcome.missing = [r.key for r in refs[index:]]
            outcome.error = (
                f"Download of {ref.key} from {base_url()}{ref.repo_path} failed: {exc}. "
                "Check the network or "
                "proxy, set TINYBENCH_MODEL_BASE_URL to a mirror, or choose a folder that "
                "holds the official files."
            )
            return outcome
        outcome.added.append(ref.key)
        done_before += ref.size_bytes
    return outcome


def import_folder(
    folder: Path, refs: list[ModelRef], progress: Progress, cancelled: Callable[[], bool]
) -> SetupOutcome:
    """Copy the files below ``folder`` whose sha256 is a wanted model's into the cache."""
    wanted = {ref.sha256: ref for ref in refs}
    if not folder.is_dir():
        return SetupOutcome(missing=[r.key for r in refs], error=f"{folder} is not a folder.")
    files = sorted(p for p in folder.rglob("*.tflite") if p.is_file())
    found: dict[str, Path] = {}
    for index, path in enumerate(files):
        if cancelled():
            break
        progress(index, len(files), path.name)
        try:
            digest = sha256_of(path)
        except OSError:
            continue  # unreadable: treated as absent, named below if the model stays missing
        if digest in wanted:
            found.setdefault(digest, path)
    outcome = SetupOutcome()
    for sha, ref in wanted.items():
        source = found.get(sha)
        if source is None:
            outcome.missing.append(ref.key)
            continue
        target = user_cache_dir() / ref.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(source, partial)
        if sha256_of(partial) != sha:  # changed while copying: never keep a wrong file
            partial.unlink()
            outcome.missing.append(ref.key)
            continue
        partial.replace(target)
        outcome.added.append(ref.key)
    progress(len(files), len(files), "")
    if outcome.missing:
        outcome.error = (
            f"{folder} does not hold {', '.join(outcome.missing)} (no file with the "
            "official sha256 below it)."
        )
    return outcome


class _Relay(QObject):
    """Carries a worker's progress and outcome to the GUI thread (queued signals)."""

    progress = Signal(int, int, str)
    finished = Signal(object)


class ModelSetupDialog(QDialog):
    """Offer to download the missing reference models, or to take them from a folder."""

    def __init__(
        self,
        missing: list[ModelRef],
        parent: QWidget | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reference models")
        self.missing = list(missing)
        self.settings = settings
        self.outcome: SetupOutcome | None = None
        self.after_ready_hint = ""  # e.g. a bench that could not start without the models
        self._cancel = threading.Event()
        self._worker: threading.Thread | None = None
        self._relay = _Relay(self)
        self._relay.progress.connect(self._on_progress)
        self._relay.finished.connect(self._on_finished)

        size_mb = sum(ref.size_bytes for ref in self.missing) / 1e6
        self.message = QLabel(
            f"tinybench checks results against the official MLPerf Tiny reference models. "
            f"{len(self.missing)} of {len(KNOWN_MODELS)} are not on this computer "
            f"({size_mb:.1f} MB): {', '.join(ref.key for ref in self.missing)}.\n\n"
            "Download them from the official repository (each file is checked by its "
            "sha256), or choose a folder that holds them to work offline. Performance runs "
            "work without them."
        )
        self.message.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.download_button = QPushButton(f"Download ({size_mb:.1f} MB)")
        self.folder_button = QPushButton("Use a folder…")
        self.later_button = QPushButton("Not now")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.download_button.setDefault(True)
        self.download_button.clicked.connect(self.start_download)
        self.folder_button.clicked.connect(self._choose_folder)
        self.later_button.clicked.connect(self._later)
        self.cancel_button.clicked.connect(self._cancel.set)

        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.later_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(560, 220)

    # -- actions (GUI thread; each returns at once) -----------------------------------------
    def start_download(self) -> None:
        """Download the missing models on a worker thread."""
        refs = list(self.missing)
        self._start(lambda p, c: download_missing(refs, p, c), "Downloading…")

    def start_import(self, folder: Path) -> None:
        """Take the missing models from ``folder`` on a worker thread."""
        refs = list(self.missing)
        self._start(lambda p, c: import_folder(folder, refs, p, c), f"Reading {folder}…")

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with the reference models")
        if folder:
            self.start_import(Path(folder))

    def _later(self) -> None:
        if self.settings is not None:
            self.settings.setValue(SETTINGS_DISMISSED, True)
        self.reject()

    def _start(
        self, work: Callable[[Progress, Callable[[], bool]], SetupOutcome], text: str
    ) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._cancel.clear()
        self._busy(True)
        self.status.setText(text)
        relay, cancel = self._relay, self._cancel  # the worker holds no widget

        def run() -> None:
            try:
                outcome = work(relay.progress.emit, cancel.is_set)
            except Exception as exc:  # shown in the dialog, never lost on the worker
                outcome = SetupOutcome(error=f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(RuntimeError):  # the dialog is gone: nobody waits
                relay.finished.emit(outcome)

        self._worker = threading.Thread(target=run, name="tinybench-model-setup", daemon=True)
        self._worker.start()

    def _busy(self, busy: bool) -> None:
        self.bar.setVisible(busy or self.bar.isVisible())
        for button in (self.download_button, self.folder_button, self.later_button):
            button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)

    # -- worker results (GUI thread) -------------------------------------------------------
    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(min(done, total))
        if what:
            self.status.setText(
                f"{what}: {done / 1e6:.2f} of {total / 1e6:.2f} MB"
                if total > 1000
                else f"checking {what}"
            )

    def _on_finished(self, outcome: SetupOutcome) -> None:
        self.outcome = outcome
        self._busy(False)
        self.missing = [ref for ref in self.missing if ref.key not in outcome.added]
        if not self.missing:
            self.bar.setValue(self.bar.maximum())
            self.status.setText(
                f"All reference models are ready ({len(outcome.added)} added). "
                + self.after_ready_hint
            )
            self.download_button.setEnabled(False)
            self.folder_button.setEnabled(False)
            self.later_button.setText("Close")
            return
        added = f"{len(outcome.added)} added. " if outcome.added else ""
        self.status.setText(added + (outcome.error or "Some models are still missing."))

    def done(self, result: int) -> None:
        """Closing the dialog cancels a download in progress."""
        self._cancel.set()
        super().done(result)

    def wait_for_worker(self, timeout_s: float = 30.0) -> None:
        """Block until the worker ends (tests and shutdown only)."""
        if self._worker is not None:
            self._worker.join(timeout_s)


def offer_model_setup(
    parent: QWidget | None,
    settings: QSettings | None = None,
    *,
    force: bool = False,
    missing: list[ModelRef] | None = None,
) -> ModelSetupDialog | None:
    """Show the dialog (non-modal) when models are missing and the user has not said "not now".

    ``force`` (the menu action) shows it even after "not now", and says so when nothing is
    missing. ``missing`` is the result of ``missing_models()`` when the caller has it (that
    check hashes files). Returns the dialog, or None when nothing is shown.
    """
    if not force and settings is not None and _truthy(settings.value(SETTINGS_DISMISSED)):
        return None
    if missing is None:
        missing = missing_models()
    if not missing and not force:
        return None
    dialog = ModelSetupDialog(missing, parent, settings)
    if not missing:
        dialog.status.setText("All reference models are on this computer.")
        dialog.download_button.setEnabled(False)
        dialog.folder_button.setEnabled(False)
        dialog.later_button.setText("Close")
    dialog.setModal(False)
    dialog.show()
    return dialog


class _Found(QObject):
    """Carries the worker's list of missing models to the GUI thread."""

    found = Signal(object)


def check_then_offer(
    parent: QWidget,
    settings: QSettings | None,
    on_shown: Callable[[ModelSetupDialog | None], None],
    *,
    force: bool = False,
) -> None:
    """``offer_model_setup`` with the model check (file hashing) on a worker thread.

    Returns at once; ``on_shown`` gets the dialog (or None) on the GUI thread.
    """
    if not force and settings is not None and _truthy(settings.value(SETTINGS_DISMISSED)):
        on_shown(None)
        return
    relay = _Found(parent)  # owned by the window: the worker never holds the last reference

    def deliver(missing: list[ModelRef]) -> None:
        relay.deleteLater()
        on_shown(offer_model_setup(parent, settings, force=force, missing=missing))

    relay.found.connect(deliver)

    def check() -> None:
        missing = missing_models()
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            relay.found.emit(missing)

    threading.Thread(target=check, name="tinybench-model-check", daemon=True).start()


def _truthy(value: object) -> bool:
    # QSettings returns "true"/"false" strings from INI files and bools from the registry.
    return value is True or str(value).lower() in {"true", "1"}
