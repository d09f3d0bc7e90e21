"""The board and instrument catalog (``resources/boards.toml``), loaded into typed records.

The catalog is data, not code: adding a board means adding a ``[[device]]`` table.
It is found in the source tree (``resources/``) or, in an installed wheel, in
``tinybench_gui/_resources`` (pyproject force-includes it there).
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from tinybench_gui.resources import ResourceNotFoundError, find_resource

Role = Literal["dut", "io_board", "energy_monitor", "probe"]
Identify = Literal["dut_name", "io_board_name", "lpm01a", "ppk2", "none"]
ROLES: tuple[Role, ...] = ("dut", "io_board", "energy_monitor", "probe")
_IDENTIFY: tuple[Identify, ...] = ("dut_name", "io_board_name", "lpm01a", "ppk2", "none")
CATALOG_FILE = "boards.toml"
DEFAULT_PROBE_BAUD_RATES: tuple[int, ...] = (115200, 921600, 9600)


class CatalogError(ValueError):
    """The catalog file is missing or malformed; the message names the file and entry."""


@dataclass(frozen=True, slots=True)
class MemoryRegion:
    """A target memory region (flash or RAM)."""

    base: int
    size: int

    @property
    def end(self) -> int:
        """One past the last address."""
        return self.base + self.size

    def contains(self, start: int, length: int) -> bool:
        """Whether ``[start, start + length)`` lies inside the region."""
        return self.base <= start and start + length <= self.end


@dataclass(frozen=True, slots=True)
class UsbId:
    """A USB vendor and product id pair."""

    vid: int
    pid: int

    @classmethod
    def parse(cls, text: str) -> UsbId:
        """Parse ``"0483:374B"``."""
        vid, _, pid = text.partition(":")
        return cls(int(vid, 16), int(pid, 16))

    def __str__(self) -> str:
        return f"{self.vid:04X}:{self.pid:04X}"


@dataclass(frozen=True, slots=True)
class PyocdSpec:
    """What pyOCD needs for this target: the target name and the CMSIS pack family."""

    target: str | None = None
    pack: str | None = None


@dataclass(frozen=True, slots=True)
class OpenocdSpec:
    """OpenOCD interface and target config scripts."""

    interface: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """A flashing route's title, the tool it needs and how to get it."""

    name: str
    title: str
    tool: str
    install: str


@dataclass(frozen=True, slots=True)
class BoardSpec:
    """One catalog entry: a kind of board or instrument."""

    id: str
    name: str
    role: Role
    usb: tuple[UsbId, ...] = ()
    product: tuple[str, ...] = ()
    identify: Identify = "none"
    emulated: bool = False
    transport: str = "serial"
    probe_baud_rates: tuple[int, ...] = DEFAULT_PROBE_BAUD_RATES
    open_settle_s: float = 0.0  # a board reset by opening its port (DTR) needs this to boot
    baud_rates: Mapping[str, int] = field(default_factory=dict)
    model_baud_rates: Mapping[str, int] = field(default_factory=dict)
    dut_baud_rate: int | None = None
    name_reply: str | None = None
    msd_volume: str | None = None
    board_id: str | None = None
    cpu: str | None = None
    flash: MemoryRegion | None = None
    ram: MemoryRegion | None = None
    routes: tuple[str, ...] = ()
    pyocd: PyocdSpec = field(default_factory=PyocdSpec)
    openocd: OpenocdSpec = field(default_factory=OpenocdSpec)
    min_firmware: str | None = None
    notes: str = ""

    def matches_usb(self, vid: int | None, pid: int | None) -> bool:
        """Whether ``vid:pid`` is one of this entry's USB ids."""
        return vid is not None and pid is not None and UsbId(vid, pid) in self.usb

    def matches_product(self, text: str | None) -> bool:
        """Whether the USB product/description string contains one of ``product``."""
        if not text or not self.product:
            return False
        low = text.lower()
        return any(p.lower() in low for p in self.product)

    def baud_rate_for(self, mode: str, model: str | None = None) -> int:
        """Host baud rate for a benchmark ``mode`` (and model, e.g. ``ad01`` at 921600)."""
        if model is not None and model in self.model_baud_rates and mode != "energy":
            return self.model_baud_rates[model]
        return self.baud_rates.get(mode, self.probe_baud_rates[0])


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every known board and instrument plus the flashing routes."""

    devices: tuple[BoardSpec, ...]
    routes: Mapping[str, RouteInfo]
    path: Path | None = None

    def get(self, device_id: str) -> BoardSpec:
        """The entry ``device_id``; ``KeyError`` names the known ids."""
        for spec in self.devices:
            if spec.id == device_id:
                return spec
        known = ", ".join(s.id for s in self.devices)
        raise KeyError(f"no board {device_id!r} in the catalog; known: {known}")

    def by_usb(self, vid: int | None, pid: int | None) -> list[BoardSpec]:
        """Every entry with this USB id (several boards share an ST-LINK's VID:PID)."""
        return [s for s in self.devices if s.matches_usb(vid, pid)]

    def by_role(self, role: Role) -> list[BoardSpec]:
        """Every entry with ``role``."""
        return [s for s in self.devices if s.role == role]

    def by_msd_volume(self, label: str) -> BoardSpec | None:
        """The entry whose probe drive has this volume label."""
        for spec in self.devices:
            if spec.msd_volume and spec.msd_volume.upper() == label.upper():
                return spec
        return None


def _region(raw: Any, where: str) -> MemoryRegion | None:
    if raw is None:
        return None
    try:
        return MemoryRegion(int(raw["base"]), int(raw["size"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{where}: a memory region needs integer base and size") from exc


def _device(raw: Mapping[str, Any], where: str) -> BoardSpec:
    try:
        device_id = str(raw["id"])
        role = raw["role"]
    except KeyError as exc:
        raise CatalogError(f"{where}: missing key {exc}") from exc
    where = f"{where} ({device_id})"
    if role not in ROLES:
        raise CatalogError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    identify = raw.get("identify", "none")
    if identify not in _IDENTIFY:
        raise CatalogError(f"{where}: identify {identify!r} is not one of {', '.join(_IDENTIFY)}")
    try:
        usb = tuple(UsbId.parse(u) for u in raw.get("usb", ()))
    except ValueError as exc:
        raise CatalogError(f"{where}: usb ids are written 'VVVV:PPPP' in hex") from exc
    pyocd_raw = raw.get("pyocd", {})
    openocd_raw = raw.get("openocd", {})
    return BoardSpec(
        id=device_id,
        name=str(raw.get("name", device_id)),
        role=cast(Role, role),
        usb=usb,
        product=tuple(str(p) for p in raw.get("product", ())),
        identify=cast(Identify, identify),
        emulated=bool(raw.get("emulated", False)),
        transport=str(raw.get("transport", "serial")),
        probe_baud_rates=tuple(
            int(b) for b in raw.get("probe_baud_rates", DEFAULT_PROBE_BAUD_RATES)
        ),
        open_settle_s=float(raw.get("open_settle_s", 0.0)),
        baud_rates={str(k): int(v) for k, v in raw.get("baud_rates", {}).items()},
        model_baud_rates={str(k): int(v) for k, v in raw.get("model_baud_rates", {}).items()},
        dut_baud_rate=raw.get("dut_baud_rate"),
        name_reply=raw.get("name_reply"),
        msd_volume=raw.get("msd_volume"),
        board_id=raw.get("board_id"),
        cpu=raw.get("cpu"),
        flash=_region(raw.get("flash"), where),
        ram=_region(raw.get("ram"), where),
        routes=tuple(str(r) for r in raw.get("routes", ())),
        pyocd=PyocdSpec(pyocd_raw.get("target"), pyocd_raw.get("pack")),
        openocd=OpenocdSpec(openocd_raw.get("interface"), openocd_raw.get("target")),
        min_firmware=raw.get("min_firmware"),
        notes=str(raw.get("notes", "")),
    )


def parse_catalog(text: str, *, path: Path | None = None) -> Catalog:
    """Parse catalog TOML text; ``CatalogError`` names the entry at fault."""
    where = str(path) if path else "catalog"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{where}: not valid TOML ({exc})") from exc
    if data.get("schema") != 1:
        raise CatalogError(f"{where}: unsupported schema {data.get('schema')!r} (expected 1)")
    devices = tuple(
        _device(raw, f"{where}: device #{i + 1}") for i, raw in enumerate(data.get("device", []))
    )
    ids = [d.id for d in devices]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"{where}: duplicate device ids {duplicates}")
    routes = {
        name: RouteInfo(
            name, str(r.get("title", name)), str(r.get("tool", "")), str(r.get("install", ""))
        )
        for name, r in data.get("route", {}).items()
    }
    for spec in devices:
        unknown = [r for r in spec.routes if r not in routes]
        if unknown:
            raise CatalogError(f"{where}: {spec.id} names unknown routes {unknown}")
    return Catalog(devices, routes, path)


def catalog_path(package_dir: Path | None = None) -> Path:
    """Where ``boards.toml`` is: ``$TINYBENCH_CATALOG``, the wheel's copy, or the source tree."""
    override = os.environ.get("TINYBENCH_CATALOG")
    if override:
        return Path(override)
    try:
        return find_resource(CATALOG_FILE, package_dir)
    except ResourceNotFoundError as exc:
        raise CatalogError(f"board catalog {exc}; or set TINYBENCH_CATALOG") from None


@functools.cache
def _load_cached(path: str, mtime_ns: int) -> Catalog:
    del mtime_ns  # part of the cache key only: an edited file is read again
    file = Path(path)
    return parse_catalog(file.read_text(encoding="utf-8"), path=file)


def load_catalog(path: Path | None = None) -> Catalog:
    """Load the catalog (cached until the file changes)."""
    file = path or catalog_path()
    try:
        mtime_ns = file.stat().st_mtime_ns
    except OSError as exc:
        raise CatalogError(f"cannot read board catalog {file}: {exc}") from exc
    return _load_cached(str(file), mtime_ns)
