"""The first-run model setup: real downloads over loopback HTTP, sha256 checks, folders."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from tinybench_gui.gui.model_setup import (
    SETTINGS_DISMISSED,
    ModelSetupDialog,
    missing_models,
    offer_model_setup,
)
from tinybench_gui.models.known import KNOWN_MODELS
from tinybench_gui.models.lookup import sha256_of, user_cache_dir

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "mlperf_tiny"
BY_REPO_PATH = {"/" + ref.repo_path: ref for ref in KNOWN_MODELS.values()}


class _Mirror(http.server.BaseHTTPRequestHandler):
    """Serves the official files under their repository paths (corrupted when asked)."""

    corrupt = False

    def do_GET(self) -> None:
        ref = BY_REPO_PATH.get(self.path)
        if ref is None:
            self.send_error(404)
            return
        body = bytearray((SHARED / ref.relative_path).read_bytes())
        if self.corrupt:
            body[len(body) // 2] ^= 0xFF
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache and no model folders: nothing is on this computer."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TINYBENCH_MODEL_PATH", "")
    return tmp_path / "cache"


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for url in _serve(_Mirror):
        monkeypatch.setenv("TINYBENCH_MODEL_BASE_URL", url + "/")
        yield url


@pytest.fixture
def corrupt_mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    handler = type("_Corrupt", (_Mirror,), {"corrupt": True})
    for url in _serve(handler):
        monkeypatch.setenv("TINYBENCH_MODEL_BASE_URL", url + "/")
        yield url


def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_download_fills_the_cache_with_verified_files(qtbot, no_models: Path, mirror: str) -> None:
    missing = missing_models()
    assert {ref.key for ref in missing} == set(KNOWN_MODELS)
    dialog = ModelSetupDialog(missing)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    assert not dialog.download_button.isEnabled()  # busy: the click returned at once
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30_000)
    assert dialog.outcome.error == ""
    assert set(dialog.outcome.added) == set(KNOWN_MODELS)
    assert dialog.bar.value() == dialog.bar.maximum()
    assert "All reference models are ready" in dialog.status.text()
    for ref in KNOWN_MODELS.values():
        assert sha256_of(user_cache_dir() / ref.relative_path) == ref.sha256
    assert missing_models() == []


def test_a_corrupted_download_is_refused_and_nothing_kept(
    qtbot, no_models: Path, corrupt_mirror: str
) -> None:
    refs = [KNOWN_MODELS["ad01-int8"], KNOWN_MODELS["kws01-int8"]]
    dialog = ModelSetupDialog(refs)
    qtbot.addWidget(dialog)
    dialog.start_download()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30_000)
    assert "sha256" in dialog.outcome.error
    assert "TINYBENCH_MODEL_BASE_URL" in dialog.outcome.error  # the fix is named
    assert dialog.outcome.added == []
    assert dialog.outcome.missing == ["ad01-int8", "kws01-int8"]
    assert not [p for p in no_models.rglob("*") if p.is_file()]
    assert dialog.download_button.isEnabled()  # the user can try again or pick a folder


def test_an_unreachable_server_is_reported(
    qtbot, no_models: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINYBENCH_MODEL_BASE_URL", "http://127.0.0.1:9/")  # discard: refused
    dialog = ModelSetupDialog([KNOWN_MODELS["ad01-int8"]])
    qtbot.addWidget(dialog)
    dialog.start_download()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30_000)
    assert "ad01-int8" in dialog.outcome.error
    assert "choose a folder" in dialog.outcome.error
    assert dialog.outcome.error in dialog.status.text()


def test_a_folder_with_the_official_files_works_offline(qtbot, no_models: Path) -> None:
    dialog = ModelSetupDialog(missing_models())
    qtbot.addWidget(dialog)
    dialog.start_import(SHARED)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30_000)
    assert set(dialog.outcome.added) == set(KNOWN_MODELS)
    assert missing_models() == []
    assert not list(no_models.rglob("*.part"))


def test_a_folder_without_them_names_what_is_missing(
    qtbot, no_models: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "kws_ref_model.tflite").write_bytes(b"not the official file")
    (folder / "ad01_int8.tflite").write_bytes((SHARED / "ad01" / "ad01_int8.tflite").read_bytes())
    refs = [KNOWN_MODELS["ad01-int8"], KNOWN_MODELS["kws01-int8"]]
    dialog = ModelSetupDialog(refs)
    qtbot.addWidget(dialog)
    dialog.start_import(folder)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=30_000)
    assert dialog.outcome.added == ["ad01-int8"]
    assert dialog.outcome.missing == ["kws01-int8"]
    assert "kws01-int8" in dialog.status.text()
    assert dialog.missing == [KNOWN_MODELS["kws01-int8"]]


def test_offer_only_when_missing_and_not_dismissed(qtbot, no_models: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    dialog = offer_model_setup(None, settings)
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.later_button, Qt.MouseButton.LeftButton)
    assert settings.value(SETTINGS_DISMISSED) in (True, "true")
    assert offer_model_setup(None, settings) is None  # "not now" is remembered
    forced = offer_model_setup(None, settings, force=True)  # the Help menu still offers it
    assert forced is not None
    qtbot.addWidget(forced)


def test_no_offer_when_the_models_are_found(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TINYBENCH_MODEL_PATH", str(SHARED))
    assert offer_model_setup(None, _settings(tmp_path)) is None
