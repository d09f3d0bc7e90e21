"""A registry of simulated and emulated serial endpoints (platform.md §5).

``serial.tools.list_ports.comports()`` never lists ``/dev/pts/N``, so a simulator or
an emulated board announces itself here: one small JSON file per endpoint in a
folder (``$TINYBENCH_PORT_REGISTRY``, else ``$XDG_RUNTIME_DIR/tinybench/ports``, else
``<tmp>/tinybench-<uid>/ports``). Detection lists these next to the USB ports,
marked ``simulated`` or ``emulated``. Entries whose owning process died are ignored
and removed, so a crashed simulator does not linger in the list.

A simulator registers with::

    with registered_port(RegisteredPort(name="sim-dut", url=pty_path, origin="simulated",
                                        role="dut")):
        serve()
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, cast

# usb: a USB device; serial: a built-in UART (ttyS*); the rest come from this registry.
Origin = Literal["usb", "serial", "simulated", "emulated", "manual"]
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class RegisteredPort:
    """A non-USB endpoint: a pty path or a pyserial URL, and who serves it."""

    name: str
    url: str
    origin: Origin = "simulated"
    role: str | None = None  # the catalog role it plays, if the server knows
    catalog_id: str | None = None
    description: str = ""
    pid: int | None = None  # owning process; None means "do not check"
    serial_number: str | None = None


def registry_dir() -> Path:
    """The registry folder (not created)."""
    override = os.environ.get("TINYBENCH_PORT_REGISTRY")
    if override:
        return Path(override)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "tinybench" / "ports"
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"tinybench-{uid}" / "ports"


def _entry_path(folder: Path, name: str) -> Path:
    return folder / f"{_SAFE_NAME.sub('_', name)}.json"


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":
        # On Windows os.kill(pid, 0) would terminate the process: do not check there.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def register_port(entry: RegisteredPort, folder: Path | None = None) -> Path:
    """Write ``entry`` to the registry (atomically); return its file."""
    target_dir = folder or registry_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    if entry.pid is None:
        entry = RegisteredPort(**{**asdict(entry), "pid": os.getpid()})
    path = _entry_path(target_dir, entry.name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(entry), indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def unregister_port(name: str, folder: Path | None = None) -> None:
    """Remove ``name`` from the registry (no error if absent)."""
    with contextlib.suppress(FileNotFoundError):
        _entry_path(folder or registry_dir(), name).unlink()


@contextlib.contextmanager
def registered_port(entry: RegisteredPort, folder: Path | None = None) -> Iterator[Path]:
    """Register ``entry`` for the duration of the ``with`` block."""
    path = register_port(entry, folder)
    try:
        yield path
    finally:
        unregister_port(entry.name, folder)


def registered_ports(folder: Path | None = None) -> list[RegisteredPort]:
    """Every live entry, sorted by name; stale or unreadable files are dropped."""
    source = folder or registry_dir()
    if not source.is_dir():
        return []
    entries: list[RegisteredPort] = []
    for path in sorted(source.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entry = RegisteredPort(
                name=str(raw["name"]),
                url=str(raw["url"]),
                origin=cast(Origin, raw.get("origin", "simulated")),
                role=raw.get("role"),
                catalog_id=raw.get("catalog_id"),
                description=str(raw.get("description", "")),
                pid=raw.get("pid"),
                serial_number=raw.get("serial_number"),
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue  # half-written or foreign file: not ours to interpret
        if entry.pid is not None and not _pid_alive(int(entry.pid)):
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        if entry.url.startswith("/") and not Path(entry.url).exists():
            continue  # the pty is gone although the process lives on
        entries.append(entry)
    return entries
