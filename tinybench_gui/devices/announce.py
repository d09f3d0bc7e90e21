"""Running simulators and emulators announce themselves here so detection can list them.

A pty never appears in ``serial.tools.list_ports`` (platform.md §5), so each
simulator writes a small JSON file into a per-user folder while it runs; readers
drop the files of processes that are gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Announcement:
    """One simulated or emulated device that can be opened at ``url``."""

    url: str
    role: str  # "dut", "io_board" or "energy_monitor"
    kind: str  # "simulated" or "emulated"
    description: str
    pid: int


def announce_dir() -> Path:
    """``$XDG_RUNTIME_DIR/tinybench/devices`` (or a per-user temp folder)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"tinybench-{os.getuid()}" / "devices"


def announce(item: Announcement) -> Path:
    """Publish ``item``; returns the file to remove with ``withdraw``."""
    folder = announce_dir()
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() else "_" for c in item.url)
    path = folder / f"{item.pid}-{safe}.json"
    path.write_text(json.dumps(asdict(item)), encoding="utf-8")
    return path


def withdraw(path: Path) -> None:
    """Remove an announcement; fine if it is already gone."""
    path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def announced() -> list[Announcement]:
    """Every device announced by a process that is still running."""
    folder = announce_dir()
    found: list[Announcement] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            item = Announcement(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue
        if _alive(item.pid):
            found.append(item)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return found
