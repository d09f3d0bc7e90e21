"""Opening run files that are live, crashed, damaged or not runs at all.

A run file that is still being written, or whose writer was killed, carries the
SWMR "open for write" flag: a normal open fails, a read-only ``swmr=True`` open
works and shows everything up to the last flush (platform.md §4). tinybench
opens such files read-only that way and never modifies them; ``recover`` writes a
clean copy next to them (the original is kept as the evidence).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import h5py

from tinybench_gui.storage import layout

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class RunFileError(Exception):
    """A run file cannot be read; the message says why and what to do."""


class NotHdf5Error(RunFileError):
    """The file is not HDF5 at all."""


class NotARunError(RunFileError):
    """An HDF5 file, but not a tinybench run."""


class TruncatedFileError(RunFileError):
    """The file ends before its own end-of-file address: cut short or damaged."""


class NewerLayoutError(RunFileError):
    """Written by a newer tinybench with a layout this version does not know."""


class FileBusyError(RunFileError):
    """Another process has the file open for writing without SWMR."""


def _has_hdf5_signature(path: Path) -> bool:
    # HDF5 allows a user block, so the superblock may sit at 0, 512, 1024, 2048…
    size = path.stat().st_size
    with path.open("rb") as fh:
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            if fh.read(8) == _HDF5_SIGNATURE:
                return True
            offset = 512 if offset == 0 else offset * 2
    return False


def open_run_file(path: str | os.PathLike[str]) -> tuple[h5py.File, bool]:
    """Open ``path`` read-only; returns the file and whether it was opened in SWMR mode.

    Raises a ``RunFileError`` subclass with a message for people; never an h5py error.
    """
    import hdf5plugin  # noqa: F401  (registers the Bitshuffle filter the samples need)

    p = Path(path)
    if not p.exists():
        raise RunFileError(f"{p}: no such file")
    if p.is_dir():
        raise RunFileError(f"{p} is a folder, not a run file")
    if not _has_hdf5_signature(p):
        raise NotHdf5Error(
            f"{p} is not an HDF5 file (no HDF5 signature): tinybench run files are .h5 "
            "files written by `tinybench run`; to bring in an MLCommons session or an "
            "EEMBC trace use `tinybench import`"
        )
    swmr = False
    try:
        f = h5py.File(p, "r", libver=layout.LIBVER)
    except OSError as exc:
        text = str(exc)
        if "truncated" in text:
            raise TruncatedFileError(
                f"{p} is truncated ({p.stat().st_size} bytes on disk, the file says it is "
                "longer): it was cut short, e.g. by an interrupted copy or a full disk. "
                "Copy it again from its source"
            ) from None
        if "unable to lock" in text:
            raise FileBusyError(
                f"{p} is open for writing in another process that does not allow readers "
                "(not SWMR): close it there and try again"
            ) from None
        try:
            f = h5py.File(p, "r", libver=layout.LIBVER, swmr=True)
            swmr = True
        except OSError as exc2:
            raise RunFileError(
                f"{p} cannot be opened as HDF5 ({exc2}); it may be damaged"
            ) from None
    try:
        check_run_file(f, p)
    except BaseException:
        f.close()
        raise
    return f, swmr


def check_run_file(f: h5py.File, p: Path) -> None:
    """Raise unless ``f`` is a tinybench run this version can read."""
    fmt = f.attrs.get(layout.ATTR_FORMAT)
    if isinstance(fmt, bytes):
        fmt = fmt.decode()
    if fmt != layout.FORMAT_NAME:
        raise NotARunError(
            f"{p} is an HDF5 file but not a tinybench run (no format='{layout.FORMAT_NAME}' "
            "attribute on the root group)"
        )
    version = int(f.attrs.get(layout.ATTR_LAYOUT_VERSION, 0))
    if version > layout.LAYOUT_VERSION:
        raise NewerLayoutError(
            f"{p} uses run-file layout {version}, written by a newer tinybench "
            f"({f.attrs.get(layout.ATTR_TINYBENCH_VERSION, '?')}); this tinybench reads layouts "
            f"up to {layout.LAYOUT_VERSION}: update tinybench to open it"
        )
    if version < 1:
        raise NotARunError(f"{p} has no valid layout_version attribute")


def recovered_path(path: Path) -> Path:
    """Where ``recover`` writes the clean copy of ``path``."""
    return path.with_name(path.stem + ".recovered" + path.suffix)


def recover(path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write a clean, normally openable copy of a crashed run file; returns its path.

    The original is left untouched. The copy is made with ``h5clear -s`` on a copy
    when the HDF5 tools are installed, else by copying every object through a
    read-only SWMR open (both measured in platform.md §4).
    """
    src = Path(path)
    dst = Path(out) if out is not None else recovered_path(src)
    if dst.exists():
        raise FileExistsError(f"{dst} already exists; tinybench never overwrites a file")
    f, _swmr = open_run_file(src)  # validates it is a run first
    f.close()
    h5clear = shutil.which("h5clear")
    if h5clear is not None:
        shutil.copyfile(src, dst)
        result = subprocess.run(
            [h5clear, "-s", str(dst)], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            try:
                h5py.File(dst, "r", libver=layout.LIBVER).close()
                return dst
            except OSError:
                pass
        dst.unlink()
    with (
        h5py.File(src, "r", libver=layout.LIBVER, swmr=True) as fin,
        h5py.File(dst, "x", libver=layout.LIBVER) as fout,
    ):
        for key, value in fin.attrs.items():
            fout.attrs[key] = value
        for name in fin:
            fin.copy(fin[name], fout, name=name)
    return dst
