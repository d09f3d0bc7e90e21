"""Model lookup: explicit path, user cache, TINYBENCH_MODEL_PATH, then a verified download."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tinybench_gui.models import lookup
from tinybench_gui.models.known import KNOWN_MODELS, ModelRef, model_ref
from tinybench_gui.models.lookup import ModelNotFoundError, find_model

SHARED = Path(__file__).resolve().parents[3] / "shared" / "mlperf_tiny"


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYBENCH_MODEL_PATH", raising=False)
    return tmp_path


def test_known_hashes_match_the_shared_sources_file() -> None:
    listed = {}
    for line in (SHARED / "SOURCES.txt").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, _size, sha, _repo = line.split()
        listed[path] = sha
    for ref in KNOWN_MODELS.values():
        assert listed[ref.relative_path] == ref.sha256, ref.key


def test_order_explicit_then_cache_then_model_path(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = model_ref("ad01-int8")
    original = SHARED / ref.relative_path
    folder = isolated / "models"
    (folder / "ad01").mkdir(parents=True)
    shutil.copy(original, folder / "ad01" / ref.filename)
    monkeypatch.setenv("TINYBENCH_MODEL_PATH", str(folder))
    assert find_model(ref, allow_download=False) == folder / "ad01" / ref.filename
    cached = lookup.user_cache_dir() / ref.relative_path
    cached.parent.mkdir(parents=True)
    shutil.copy(original, cached)
    assert find_model(ref, allow_download=False) == cached  # the cache comes first
    explicit = isolated / "mine.tflite"
    shutil.copy(original, explicit)
    assert find_model(ref, explicit_path=explicit, allow_download=False) == explicit


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: object, **kw: object) -> None:
            super().__init__(*a, directory=str(root), **kw)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()
    server.server_close()


def test_download_is_verified_and_cached(
    isolated: Path, http_root: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = http_root
    data = (SHARED / "kws01" / "kws_ref_model.tflite").read_bytes()
    ref = ModelRef(
        "kws01-int8",
        "kws01/kws_ref_model.tflite",
        hashlib.sha256(data).hexdigest(),
        "m.tflite",
        len(data),
    )
    (root / "m.tflite").write_bytes(data)
    monkeypatch.setattr(lookup, "base_url", lambda: base)
    progress: list[int] = []
    path = find_model(ref, progress=lambda done, total: progress.append(done))
    assert path == lookup.user_cache_dir() / ref.relative_path
    assert path.read_bytes() == data
    assert progress[-1] == len(data)


def test_a_download_with_the_wrong_hash_is_not_kept(
    isolated: Path, http_root: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, root = http_root
    (root / "m.tflite").write_bytes(b"tampered")
    ref = ModelRef("x", "x/m.tflite", "0" * 64, "m.tflite", 8)
    monkeypatch.setattr(lookup, "base_url", lambda: base)
    with pytest.raises(ModelNotFoundError, match=r"download failed: .*expected 0000"):
        find_model(ref)
    assert not (lookup.user_cache_dir() / "x" / "m.tflite").exists()
    assert not list(lookup.user_cache_dir().rglob("*.part"))
