"""Provenance every run file carries about the host that recorded it."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Any

_PACKAGES = ("numpy", "h5py", "hdf5plugin", "pyserial", "ai-edge-litert", "PySide6-Essentials")


def host_provenance() -> dict[str, Any]:
    """Host OS, Python and the versions of the packages that shape a measurement."""
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    import h5py

    versions["hdf5"] = h5py.version.hdf5_version
    return {
        "host_os": platform.platform(),
        "host_name": platform.node(),
        "python": sys.version.split()[0],
        "packages": versions,
    }
