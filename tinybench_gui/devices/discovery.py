"""Find the bench's boards and instruments: enumerate, match the catalog, confirm by probing.

``detect()`` lists USB serial ports (``serial.tools.list_ports.comports()``), the
simulated and emulated endpoints of the port registry, and USB devices that are not
serial ports (Joulescope, standalone probes) from sysfs on Linux. Each is matched
against the catalog by VID:PID and product string, then confirmed by a probe
(``probing.py``) run in parallel, each with its own deadline. Boards that share a
VID:PID (several ST-LINK Nucleos) are told apart by their USB serial number, which
is also their stable key across re-plugging.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tinybench_gui.devices.catalog import BoardSpec, Catalog, load_catalog
from tinybench_gui.devices.port_registry import Origin, RegisteredPort, registered_ports
from tinybench_gui.devices.probing import ProbeKind, ProbeResult, probe

ComportsFn = Callable[[], Iterable[Any]]
UNKNOWN_USB_BAUD_RATES: tuple[int, ...] = (115200, 921600, 9600)
_SYSFS_USB = Path("/sys/bus/usb/devices")
_MSD_ROOTS = (Path("/media"), Path("/run/media"), Path("/Volumes"), Path("/mnt"))


@dataclass(frozen=True, slots=True)
class PortInfo:
    """One endpoint as enumerated, before probing."""

    url: str
    origin: Origin = "usb"
    description: str = ""
    vid: int | None = None
    pid: int | None = None
    serial_number: str | None = None
    location: str | None = None
    manufacturer: str | None = None
    product: str | None = None
    interface: str | None = None
    is_serial: bool = True
    registered: RegisteredPort | None = None

    @classmethod
    def from_list_port_info(cls, info: Any) -> PortInfo:
        """Adapt a pyserial ``ListPortInfo`` (or anything with its attributes)."""
        vid = getattr(info, "vid", None)
        return cls(
            url=str(info.device),
            origin="usb" if vid is not None else "serial",
            description=str(getattr(info, "description", "") or ""),
            vid=vid,
            pid=getattr(info, "pid", None),
            serial_number=getattr(info, "serial_number", None),
            location=getattr(info, "location", None),
            manufacturer=getattr(info, "manufacturer", None),
            product=getattr(info, "product", None),
            interface=getattr(info, "interface", None),
        )

    @classmethod
    def from_registered(cls, entry: RegisteredPort) -> PortInfo:
        """A simulated or emulated endpoint from the port registry."""
        return cls(
            url=entry.url,
            origin=entry.origin,
            description=entry.description or entry.name,
            serial_number=entry.serial_number,
            registered=entry,
        )

    @property
    def usb_id(self) -> str | None:
        """``VVVV:PPPP`` or None."""
        if self.vid is None or self.pid is None:
            return None
        return f"{self.vid:04X}:{self.pid:04X}"

    @property
    def key(self) -> str:
        """A key stable across re-plugging: the USB serial number (and interface), else the URL.

        Two boards with one VID:PID differ by serial number; the two VCPs of one
        STLINK-V3 share it and differ by the interface part of ``location``.
        """
        if self.registered is not None:
            return f"{self.origin}:{self.registered.name}"
        if self.usb_id and self.serial_number:
            iface = (self.location or "").rpartition(".")[2] if self.location else ""
            suffix = f":{iface}" if iface.isdigit() else ""
            return f"usb:{self.usb_id}:{self.serial_number}{suffix}"
        return self.url


@dataclass(frozen=True, slots=True)
class DetectedDevice:
    """One device of the bench as detection sees it."""

    port: PortInfo
    candidates: tuple[BoardSpec, ...]
    probe: ProbeResult
    spec: BoardSpec | None = None  # the catalog entry, when it could be decided
    resolved_by: str = ""  # how ``spec`` was decided: usb, board_id, msd_volume, registry, ...
    warnings: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable key (see ``PortInfo.key``)."""
        return self.port.key

    @property
    def origin(self) -> Origin:
        """usb | serial | simulated | emulated | manual."""
        return self.port.origin

    @property
    def role(self) -> str | None:
        """dut | io_board | energy_monitor | probe, from the probe or else the catalog."""
        if self.probe.role:
            return self.probe.role
        if self.spec is not None:
            return self.spec.role
        roles = {c.role for c in self.candidates}
        return roles.pop() if len(roles) == 1 else None

    @property
    def label(self) -> str:
        """A human name: the catalog name, else the candidates, else the USB description."""
        if self.spec is not None:
            return self.spec.name
        if self.candidates:
            return "one of: " + ", ".join(c.id for c in self.candidates)
        return self.port.description or self.port.url

    def summary(self) -> str:
        """One line: where, what, and what the probe said."""
        tag = "" if self.origin == "usb" else f"[{self.origin}] "
        serial = f" SN {self.port.serial_number}" if self.port.serial_number else ""
        return f"{tag}{self.port.url}{serial}: {self.label} - {self.probe.summary()}"


@dataclass(frozen=True, slots=True)
class DetectOptions:
    """Knobs for ``detect``; the defaults suit an interactive scan."""

    probe: bool = True
    deadline_s: float = 5.0
    line_timeout_s: float = 0.8
    include_unknown: bool = False  # list ports matching no catalog entry (ttyS*, ...)
    probe_unknown_usb: bool = True  # a bare USB-serial adapter may well be a DUT
    include_usb_only: bool = True  # Joulescope, standalone probes (Linux sysfs)
    skip_urls: frozenset[str] = field(default_factory=frozenset)  # ports we own: never probe
    drive_roots: tuple[Path, ...] = _MSD_ROOTS  # where probe drives are mounted


DEFAULT_OPTIONS = DetectOptions()


def list_ports(
    comports: ComportsFn | None = None,
    registry_folder: Path | None = None,
) -> list[PortInfo]:
    """USB serial ports plus the registered simulated/emulated endpoints."""
    if comports is None:
        from serial.tools import list_ports as _lp

        comports = _lp.comports
    found = [PortInfo.from_list_port_info(p) for p in comports()]
    found.extend(PortInfo.from_registered(e) for e in registered_ports(registry_folder))
    return found


def _read_sysfs(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def usb_devices(sysfs_root: Path = _SYSFS_USB) -> list[PortInfo]:
    """USB devices from Linux sysfs (empty elsewhere); used for non-serial instruments."""
    if not sysfs_root.is_dir():
        return []
    found: list[PortInfo] = []
    for dev in sorted(sysfs_root.iterdir()):
        vid_text = _read_sysfs(dev / "idVendor")
        pid_text = _read_sysfs(dev / "idProduct")
        if not vid_text or not pid_text:
            continue
        try:
            vid, pid = int(vid_text, 16), int(pid_text, 16)
        except ValueError:
            continue
        product = _read_sysfs(dev / "product")
        found.append(
            PortInfo(
                url=f"usb:{dev.name}",
                description=product or "",
                vid=vid,
                pid=pid,
                serial_number=_read_sysfs(dev / "serial"),
                location=dev.name,
                manufacturer=_read_sysfs(dev / "manufacturer"),
                product=product,
                is_serial=False,
            )
        )
    return found


def mounted_volume_list(roots: Sequence[Path] = _MSD_ROOTS) -> list[tuple[str, Path]]:
    """Probe drives as (label, mount point): ``/media/<user>/NODE_L4R5ZI`` and the like.

    Two boards of one kind give two drives with the same label, hence a list.
    """
    volumes: list[tuple[str, Path]] = []
    for root in roots:
        if not root.is_dir():
            continue
        try:
            children = list(root.iterdir())
        except OSError:
            continue
        for child in children:
            with _quiet():
                if (child / "DETAILS.TXT").exists() or (child / "MBED.HTM").exists():
                    volumes.append((child.name.upper(), child))
                    continue
                if child.is_dir():  # /media/<user>/<label>
                    for sub in child.iterdir():
                        if (sub / "DETAILS.TXT").exists() or (sub / "MBED.HTM").exists():
                            volumes.append((sub.name.upper(), sub))
    return volumes


def drive_label_for_serial(serial: str | None, volumes: Sequence[tuple[str, Path]]) -> str | None:
    """The label of the probe drive whose DETAILS.TXT or MBED.HTM names this USB serial.

    DAPLink writes its ``Unique ID`` (the USB serial) into DETAILS.TXT; mbed-style drives
    put a code with it into MBED.HTM. A label found this way belongs to this very board.
    """
    if not serial:
        return None
    wanted = serial.upper()
    for label, path in volumes:
        for name in ("DETAILS.TXT", "MBED.HTM"):
            with _quiet():
                if wanted in (path / name).read_text(errors="replace")[:4096].upper():
                    return label
    return None


class _quiet:  # noqa: N801 - a tiny suppress(OSError) that mypy reads as non-swallowing
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        return kind is not None and issubclass(kind, OSError)


def match_catalog(port: PortInfo, catalog: Catalog) -> list[BoardSpec]:
    """Catalog entries this endpoint may be, best first."""
    entry = port.registered
    if entry is not None:
        if entry.catalog_id:
            try:
                return [catalog.get(entry.catalog_id)]
            except KeyError:
                pass
        pool = [s for s in catalog.devices if s.transport == "serial"]
        if port.origin == "emulated":
            pool = [s for s in pool if s.emulated]
        else:
            pool = [s for s in pool if not s.emulated and not s.usb]
        return [s for s in pool if entry.role is None or s.role == entry.role]
    by_usb = catalog.by_usb(port.vid, port.pid)
    if port.is_serial:
        by_usb = [s for s in by_usb if s.transport == "serial"]
    else:
        by_usb = [s for s in by_usb if s.transport != "serial"]
    text = " ".join(x for x in (port.product, port.description, port.interface) if x)
    # Entries whose product string also matches come first; the rest keep catalog order.
    return sorted(by_usb, key=lambda s: not s.matches_product(text))


def _probe_plan(
    port: PortInfo, candidates: Sequence[BoardSpec]
) -> tuple[ProbeKind, list[int]] | None:
    kinds = {c.identify for c in candidates}
    if kinds & {"lpm01a", "ppk2"}:
        kind: ProbeKind = "lpm01a" if "lpm01a" in kinds else "ppk2"
        return kind, []
    if not candidates or kinds & {"dut_name", "io_board_name"}:
        rates: list[int] = []
        for spec in candidates:
            rates.extend(b for b in spec.probe_baud_rates if b not in rates)
        return "dut_name", rates or list(UNKNOWN_USB_BAUD_RATES)
    return None


def _resolve(
    port: PortInfo,
    candidates: Sequence[BoardSpec],
    result: ProbeResult,
    volumes: Sequence[tuple[str, Path]],
) -> tuple[BoardSpec | None, str]:
    pool = list(candidates)
    if result.role:
        pool = [c for c in pool if c.role == result.role] or pool
    if port.registered is not None and len(pool) == 1:
        return pool[0], "registry"
    if len(pool) == 1:
        return pool[0], "usb" if port.vid is not None else "catalog"
    serial = (port.serial_number or "").upper()
    by_board_id = [c for c in pool if c.board_id and serial.startswith(c.board_id)]
    if len(by_board_id) == 1:
        return by_board_id[0], "board_id"
    label = drive_label_for_serial(port.serial_number, volumes)
    by_drive = [c for c in pool if label and c.msd_volume and c.msd_volume.upper() == label]
    if len(by_drive) == 1:
        return by_drive[0], "msd_volume"
    return None, ""


def _warnings(spec: BoardSpec | None, result: ProbeResult) -> list[str]:
    warnings = list(result.warnings)
    if result.role == "dut" and result.build_mode == "energy" and result.baud_rate != 9600:
        warnings.append(
            "energy build answering directly: energy runs go through the interface board at 9600 Bd"
        )
    if result.role == "dut" and result.build_mode == "energy":
        warnings.append(
            "this is an energy build (m-timestamp-mode-energy): performance runs need the "
            "performance build (mlcommons/tiny#65)"
        )
    if spec is not None and result.ok and result.role and spec.role != result.role:
        warnings.append(f"catalog says {spec.role}, but it answered as {result.role}")
    return warnings


def identify_port(
    port: PortInfo,
    catalog: Catalog,
    options: DetectOptions = DEFAULT_OPTIONS,
    volumes: Sequence[tuple[str, Path]] = (),
) -> DetectedDevice:
    """Match one endpoint and (unless disabled) probe it."""
    candidates = match_catalog(port, catalog)
    result = ProbeResult(status="not_probed", url=port.url)
    plan = _probe_plan(port, candidates) if port.is_serial else None
    if port.url in options.skip_urls:
        result = ProbeResult(status="busy", url=port.url, detail="in use by tinybench itself")
    elif options.probe and plan is not None and (candidates or options.probe_unknown_usb):
        kind, rates = plan
        result = probe(
            port.url,
            kind,
            rates,
            deadline_s=options.deadline_s,
            line_timeout_s=options.line_timeout_s,
            settle_s=max((c.open_settle_s for c in candidates), default=0.0),
        )
    spec, how = _resolve(port, candidates, result, volumes)
    return DetectedDevice(
        port=port,
        candidates=tuple(candidates),
        probe=result,
        spec=spec,
        resolved_by=how,
        warnings=tuple(_warnings(spec, result)),
    )


def _wanted(port: PortInfo, catalog: Catalog, options: DetectOptions) -> bool:
    if port.registered is not None or options.include_unknown:
        return True
    if match_catalog(port, catalog):
        return True
    return port.is_serial and port.vid is not None and options.probe_unknown_usb


def identify_all(
    ports: Sequence[PortInfo],
    catalog: Catalog,
    options: DetectOptions = DEFAULT_OPTIONS,
) -> list[DetectedDevice]:
    """Identify ``ports`` in parallel; returns within about ``options.deadline_s``."""
    volumes = mounted_volume_list(options.drive_roots)
    results: dict[int, DetectedDevice] = {}
    lock = threading.Lock()

    def work(index: int, port: PortInfo) -> None:
        device = identify_port(port, catalog, options, volumes)
        with lock:
            results[index] = device

    threads = [
        threading.Thread(target=work, args=(i, p), name=f"probe {p.url}", daemon=True)
        for i, p in enumerate(ports)
    ]
    for t in threads:
        t.start()
    # Every probe honours its own deadline; the margin covers opening a socket:// URL.
    limit = time.monotonic() + options.deadline_s + 6.0
    for t in threads:
        t.join(max(0.0, limit - time.monotonic()))
    devices: list[DetectedDevice] = []
    for i, port in enumerate(ports):
        with lock:
            found = results.get(i)
        if found is None:
            found = DetectedDevice(
                port=port,
                candidates=tuple(match_catalog(port, catalog)),
                probe=ProbeResult(status="timeout", url=port.url, detail="probe did not return"),
            )
        devices.append(found)
    return devices


def _sort_key(device: DetectedDevice) -> tuple[int, int, str]:
    order = {"dut": 0, "io_board": 1, "energy_monitor": 2, "probe": 3}
    origin = {"usb": 0, "serial": 1, "emulated": 2, "simulated": 3, "manual": 4}
    return (origin.get(device.origin, 9), order.get(device.role or "", 4), device.port.url)


def detect(
    catalog: Catalog | None = None,
    *,
    comports: ComportsFn | None = None,
    registry_folder: Path | None = None,
    sysfs_root: Path | None = None,
    options: DetectOptions = DEFAULT_OPTIONS,
) -> list[DetectedDevice]:
    """Detect the bench: every matching endpoint, probed, sorted by origin and role."""
    cat = catalog or load_catalog()
    ports = [p for p in list_ports(comports, registry_folder) if _wanted(p, cat, options)]
    if options.include_usb_only:
        serial_ids = {(p.vid, p.pid, p.serial_number) for p in ports}
        for dev in usb_devices(sysfs_root or _SYSFS_USB):
            specs = [s for s in cat.by_usb(dev.vid, dev.pid) if s.transport != "serial"]
            if specs and (dev.vid, dev.pid, dev.serial_number) not in serial_ids:
                ports.append(dev)
    return sorted(identify_all(ports, cat, options), key=_sort_key)


def with_probe(device: DetectedDevice, result: ProbeResult) -> DetectedDevice:
    """A copy of ``device`` with a fresh probe result (after flashing, on request)."""
    spec, how = _resolve(device.port, device.candidates, result, mounted_volume_list())
    return replace(
        device,
        probe=result,
        spec=spec or device.spec,
        resolved_by=how or device.resolved_by,
        warnings=tuple(_warnings(spec or device.spec, result)),
    )
