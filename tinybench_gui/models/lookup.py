"""Find a reference model file by sha256.

Order: a path the user gives, the user cache, the folders in ``TINYBENCH_MODEL_PATH``
(``os.pathsep``-separated), then a download from the official repository, verified
by sha256 before it is moved into the cache. Every failure says where it looked.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tinybench_gui.models.known import RAW_BASE_URL, ModelRef

MODEL_PATH_ENV = "TINYBENCH_MODEL_PATH"
# A mirror of the mlcommons/tiny repository at the pinned commit (for labs behind a proxy).
MODEL_BASE_URL_ENV = "TINYBENCH_MODEL_BASE_URL"
_hash_cache: dict[tuple[str, int, int], str] = {}

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes total)


class ModelNotFoundError(FileNotFoundError):
    """No file with the model's sha256 was found or could be downloaded."""


class ModelHashMismatchError(ValueError):
    """A file given for a model does not have the model's sha256."""


def user_cache_dir() -> Path:
    """Where downloaded models are kept (``$XDG_CACHE_HOME/tinybench/models``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tinybench" / "models"


def sha256_of(path: Path) -> str:
    """The file's sha256, memoised on (path, size, mtime)."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    cached = _hash_cache.get(key)
    if cached is None:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        cached = _hash_cache[key] = digest.hexdigest()
    return cached


def search_folders() -> list[Path]:
    """The user cache, then each folder of ``TINYBENCH_MODEL_PATH``."""
    folders = [user_cache_dir()]
    for part in os.environ.get(MODEL_PATH_ENV, "").split(os.pathsep):
        if part.strip():
            folders.append(Path(part).expanduser())
    return folders


def _candidates(ref: ModelRef, folder: Path) -> list[Path]:
    # The official tree keeps models under <benchmark>/; a flat folder of files works too.
    return [folder / ref.relative_path, folder / ref.filename, folder / f"{ref.sha256}.tflite"]


def find_model(
    ref: ModelRef,
    *,
    explicit_path: Path | None = None,
    allow_download: bool = True,
    progress: ProgressCallback | None = None,
) -> Path:
    """Return a local file whose sha256 is ``ref.sha256``.

    An explicit path with another hash is an error (never silently replaced);
    files with the wrong hash elsewhere are passed over and named in the error.
    """
    if explicit_path is not None:
        if not explicit_path.is_file():
            raise ModelNotFoundError(f"model file {explicit_path} does not exist")
        got = sha256_of(explicit_path)
        if got != ref.sha256:
            raise ModelHashMismatchError(
                f"{explicit_path} has sha256 {got}, but {ref.key} ({ref.filename}) must have "
                f"{ref.sha256}. Fix: point to the official file from mlcommons/tiny."
            )
        return explicit_path
    looked: list[str] = []
    for folder in search_folders():
        for path in _candidates(ref, folder):
            if not path.is_file():
                looked.append(f"{path} (absent)")
                continue
            if sha256_of(path) == ref.sha256:
                return path
            looked.append(f"{path} (wrong sha256)")
    if allow_download:
        try:
            return download_model(ref, progress=progress)
        except (OSError, ModelHashMismatchError) as exc:
            looked.append(f"{base_url() + ref.repo_path} (download failed: {exc})")
    raise ModelNotFoundError(
        f"reference model {ref.key} ({ref.filename}, sha256 {ref.sha256[:12]}...) not found. "
        "Looked in:\n  " + "\n  ".join(looked) + f"\nFix: set {MODEL_PATH_ENV} to a folder "
        "holding the official mlperf_tiny files, or pass the model path explicitly."
    )


def base_url() -> str:
    """Where downloads come from: the official repository at the pinned commit, or a mirror."""
    return os.environ.get(MODEL_BASE_URL_ENV) or RAW_BASE_URL


def download_model(
    ref: ModelRef, *, progress: ProgressCallback | None = None, timeout_s: float = 30.0
) -> Path:
    """Download ``ref`` into the user cache, verified by sha256 before it is kept."""
    url = base_url() + ref.repo_path
    target = user_cache_dir() / ref.relative_path
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as r:
            total = int(r.headers.get("Content-Length") or ref.size_bytes)
            done = 0
            for block in iter(lambda: r.read(1 << 16), b""):
                out.write(block)
                digest.update(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
        if digest.hexdigest() != ref.sha256:
            raise ModelHashMismatchError(
                f"download of {url} has sha256 {digest.hexdigest()}, expected {ref.sha256}"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
