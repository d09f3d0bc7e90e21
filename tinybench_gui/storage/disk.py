"""Free disk space: checked before a run and watched during it."""

from __future__ import annotations

import shutil
from pathlib import Path


class DiskSpaceError(OSError):
    """Not enough free disk space to start or continue a run."""


def disk_free_bytes(folder: Path) -> int:
    """Free bytes on the file system holding ``folder``."""
    return int(shutil.disk_usage(folder).free)


def format_bytes(n: float) -> str:
    """``n`` bytes for people: ``512 MB``, ``3.2 GB``."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit in ("B", "kB") or n >= 100 else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
