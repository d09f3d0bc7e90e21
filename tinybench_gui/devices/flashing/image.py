"""Firmware images: read .bin, .hex and .elf into loadable segments, and check them.

Before anything is written to a board the image is checked against the catalog's
target: the format is readable, every segment lies in the target's flash, the total
fits, an ELF is for 32-bit Arm (and for this core, where its attributes say), and a
raw .bin starts with a plausible Cortex-M vector table. The sha256 of the file is
kept so the run file can say which firmware produced the numbers.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tinybench_gui.devices.catalog import BoardSpec, MemoryRegion

ImageFormat = Literal["bin", "hex", "elf"]
_ELF_MAGIC = b"\x7fELF"
_EM_ARM = 40
_PT_LOAD = 1
_SHT_ARM_ATTRIBUTES = 0x70000003
_TAG_CPU_ARCH = 6
# Tag_CPU_arch values (Arm ABI addenda) of the M profile, oldest first: an image may
# run on a core of the same or a later architecture in this order.
ARM_M_ARCHS: dict[int, str] = {
    11: "v6-M",
    12: "v6S-M",
    16: "v8-M.baseline",
    10: "v7-M",
    13: "v7E-M",
    17: "v8-M.mainline",
    21: "v8.1-M.mainline",
}
_ARCH_ORDER = list(ARM_M_ARCHS.values())
CORE_ARCH: dict[str, str] = {
    "cortex-m0": "v6S-M",
    "cortex-m0plus": "v6S-M",
    "cortex-m23": "v8-M.baseline",
    "cortex-m3": "v7-M",
    "cortex-m4": "v7E-M",
    "cortex-m7": "v7E-M",
    "cortex-m33": "v8-M.mainline",
    "cortex-m35p": "v8-M.mainline",
    "cortex-m55": "v8.1-M.mainline",
    "cortex-m85": "v8.1-M.mainline",
}
_EXTENSIONS: dict[str, ImageFormat] = {
    ".bin": "bin",
    ".hex": "hex",
    ".ihex": "hex",
    ".elf": "elf",
    ".axf": "elf",
    ".out": "elf",
}


class ImageError(ValueError):
    """The file is not a firmware image we can write; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Segment:
    """Bytes to place at an address."""

    address: int
    data: bytes

    @property
    def end(self) -> int:
        """One past the last byte."""
        return self.address + len(self.data)


@dataclass(frozen=True, slots=True)
class FirmwareImage:
    """A parsed image: its segments (bin: at the base it was given) and its file hash."""

    path: Path
    format: ImageFormat
    segments: tuple[Segment, ...]
    sha256: str
    file_size: int
    cpu_arch: str | None = None  # from an ELF's .ARM.attributes Tag_CPU_arch, e.g. "v7E-M"
    base_address: int | None = None  # for .bin only

    @property
    def payload_size(self) -> int:
        """Bytes to be written."""
        return sum(len(s.data) for s in self.segments)

    @property
    def start_address(self) -> int:
        """Lowest address written."""
        return min(s.address for s in self.segments)


@dataclass(frozen=True, slots=True)
class ImageCheck:
    """Result of checking an image against a target."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors


def detect_format(path: Path, head: bytes) -> ImageFormat:
    """Decide the format from the content, falling back on the extension."""
    if head.startswith(_ELF_MAGIC):
        return "elf"
    if head[:1] == b":" and re.match(rb"^:[0-9A-Fa-f]{10}", head):
        return "hex"
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS and _EXTENSIONS[suffix] == "bin":
        return "bin"
    if suffix in (".uf2",):
        raise ImageError(
            f"{path.name}: UF2 files are for the RP2040 boot drive; use the .elf or .bin"
        )
    if suffix in _EXTENSIONS:
        raise ImageError(
            f"{path.name}: the extension says {_EXTENSIONS[suffix]}, but the content is not"
        )
    raise ImageError(
        f"{path.name}: unknown image format "
        "(expected .bin, .hex or .elf/.axf from the firmware build)"
    )


def _elf_segments(path: Path, raw: bytes) -> tuple[list[Segment], str | None]:
    if len(raw) < 52:
        raise ImageError(f"{path.name}: truncated ELF header")
    if raw[4] != 1:
        raise ImageError(
            f"{path.name}: a 64-bit ELF, built for the host, not for a Cortex-M; "
            "point to the arm-none-eabi build output"
        )
    if raw[5] != 1:
        raise ImageError(f"{path.name}: big-endian ELF; Cortex-M images are little-endian")
    (machine,) = struct.unpack_from("<H", raw, 18)
    if machine != _EM_ARM:
        raise ImageError(
            f"{path.name}: ELF for machine {machine}, not Arm (40); "
            "was it built by the host compiler?"
        )
    phoff, shoff = struct.unpack_from("<II", raw, 28)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", raw, 42)
    segments: list[Segment] = []
    for i in range(phnum):
        off = phoff + i * phentsize
        if off + 32 > len(raw):
            raise ImageError(f"{path.name}: truncated program header table")
        p_type, p_offset, _vaddr, p_paddr, p_filesz = struct.unpack_from("<IIIII", raw, off)
        if p_type != _PT_LOAD or p_filesz == 0:
            continue
        if p_offset + p_filesz > len(raw):
            raise ImageError(f"{path.name}: a segment runs past the end of the file")
        segments.append(Segment(p_paddr, raw[p_offset : p_offset + p_filesz]))
    arch: str | None = None
    for i in range(shnum):
        off = shoff + i * shentsize
        if off + 24 > len(raw):
            break
        _name, sh_type, _flags, _addr, sh_offset, sh_size = struct.unpack_from("<IIIIII", raw, off)
        if sh_type == _SHT_ARM_ATTRIBUTES:
            arch = _cpu_arch(raw[sh_offset : sh_offset + sh_size])
    return segments, arch


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, pos


def _cpu_arch(section: bytes) -> str | None:
    """Tag_CPU_arch of the "aeabi" file attributes, as an architecture name."""
    if not section.startswith(b"A"):
        return None
    pos = 1
    while pos + 4 <= len(section):
        (length,) = struct.unpack_from("<I", section, pos)
        end = min(len(section), pos + max(length, 4))
        vendor_end = section.find(b"\x00", pos + 4, end)
        if vendor_end < 0:
            return None
        if section[pos + 4 : vendor_end] == b"aeabi":
            sub = vendor_end + 1
            while sub + 5 <= end:
                tag, (size,) = section[sub], struct.unpack_from("<I", section, sub + 1)
                sub_end = min(end, sub + max(size, 5))
                at = sub + 5
                while tag == 1 and at < sub_end:  # file-scope attributes
                    attr, at = _uleb(section, at)
                    if attr in (4, 5, 67) or (attr >= 32 and attr % 2 == 1):
                        stop = section.find(b"\x00", at, sub_end)
                        at = (stop if stop >= 0 else sub_end) + 1
                        continue
                    value, at = _uleb(section, at)
                    if attr == _TAG_CPU_ARCH:
                        return ARM_M_ARCHS.get(value)
                sub = sub_end
        pos = end
    return None


def _hex_segments(path: Path, text: str) -> list[Segment]:
    chunks: list[tuple[int, bytes]] = []
    upper = 0
    ended = False
    for number, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip()
        if not line:
            continue
        if not line.startswith(":") or len(line) < 11:
            raise ImageError(f"{path.name}: line {number} is not an Intel HEX record")
        try:
            record = bytes.fromhex(line[1:])
        except ValueError as exc:
            raise ImageError(f"{path.name}: line {number} has a non-hex digit") from exc
        count, address, kind = record[0], int.from_bytes(record[1:3], "big"), record[3]
        if len(record) != count + 5:
            raise ImageError(f"{path.name}: line {number} has the wrong length")
        if sum(record) & 0xFF:
            raise ImageError(f"{path.name}: line {number} fails its checksum (file damaged?)")
        data = record[4 : 4 + count]
        if kind == 0:
            chunks.append((upper + address, data))
        elif kind == 1:
            ended = True
            break
        elif kind == 2:
            upper = int.from_bytes(data, "big") << 4
        elif kind == 4:
            upper = int.from_bytes(data, "big") << 16
    if not ended:
        raise ImageError(f"{path.name}: no end-of-file record (truncated download?)")
    segments: list[Segment] = []
    for address, data in sorted(chunks):
        if segments and segments[-1].end == address:
            segments[-1] = Segment(segments[-1].address, segments[-1].data + data)
        else:
            segments.append(Segment(address, data))
    return segments


def load_image(path: str | Path, *, base_address: int | None = None) -> FirmwareImage:
    """Read an image file; a .bin is placed at ``base_address`` (default 0; the target's flash)."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read firmware {file}: {exc.strerror or exc}") from exc
    if not raw:
        raise ImageError(f"{file.name}: the file is empty")
    fmt = detect_format(file, raw[:64])
    arch: str | None = None
    if fmt == "elf":
        segments, arch = _elf_segments(file, raw)
    elif fmt == "hex":
        segments = _hex_segments(file, raw.decode("ascii", errors="replace"))
    else:
        segments = [Segment(base_address or 0, raw)]
    if not segments:
        raise ImageError(f"{file.name}: no loadable segment (an ELF without PT_LOAD data?)")
    return FirmwareImage(
        path=file,
        format=fmt,
        segments=tuple(segments),
        sha256=hashlib.sha256(raw).hexdigest(),
        file_size=len(raw),
        cpu_arch=arch,
        base_address=(base_address or 0) if fmt == "bin" else None,
    )


def _region_text(region: MemoryRegion) -> str:
    return f"0x{region.base:08X}-0x{region.end:08X}"


def check_image(image: FirmwareImage, spec: BoardSpec) -> ImageCheck:
    """Check ``image`` against the catalog entry's flash, RAM and core."""
    errors: list[str] = []
    warnings: list[str] = []
    flash = spec.flash
    if flash is None:
        warnings.append(f"the catalog gives no flash size for {spec.id}: size not checked")
    else:
        if image.payload_size > flash.size:
            errors.append(
                f"{image.path.name} needs {image.payload_size} bytes but {spec.name} has "
                f"{flash.size} bytes of flash"
            )
        for seg in image.segments:
            if not flash.contains(seg.address, len(seg.data)):
                errors.append(
                    f"segment at 0x{seg.address:08X} ({len(seg.data)} bytes) lies outside the "
                    f"flash of {spec.name} ({_region_text(flash)}): "
                    "was it linked for another board?"
                )
                break
    if image.format == "bin":
        warnings.extend(_vector_table_warnings(image, spec))
    board_arch = CORE_ARCH.get(spec.cpu or "")
    if image.cpu_arch and board_arch and image.cpu_arch in _ARCH_ORDER:
        if _ARCH_ORDER.index(image.cpu_arch) > _ARCH_ORDER.index(board_arch):
            errors.append(
                f"{image.path.name} was built for Arm{image.cpu_arch}, but {spec.name} is a "
                f"{spec.cpu} (Arm{board_arch}): it would fault at the first instruction "
                "the core lacks"
            )
        elif image.cpu_arch != board_arch:
            warnings.append(
                f"{image.path.name} was built for Arm{image.cpu_arch} and runs on the "
                f"{spec.cpu}, but not at its best (rebuild with -mcpu={spec.cpu})"
            )
    return ImageCheck(tuple(errors), tuple(warnings))


def _vector_table_warnings(image: FirmwareImage, spec: BoardSpec) -> list[str]:
    data = image.segments[0].data
    if len(data) < 8:
        return ["the .bin is shorter than a vector table"]
    stack, reset = struct.unpack_from("<II", data, 0)
    problems = []
    ram = spec.ram
    if ram is not None and not (ram.base <= stack <= ram.end):
        problems.append(f"initial stack pointer 0x{stack:08X} is not in RAM ({_region_text(ram)})")
    flash = spec.flash
    in_flash = flash is not None and (
        flash.contains(reset & ~1, 2) or (reset & ~1) < flash.size  # boot alias at 0
    )
    if not reset & 1 or (flash is not None and not in_flash):
        problems.append(f"reset vector 0x{reset:08X} is not a Thumb address in flash")
    if problems:
        return [
            f"{image.path.name} does not start with a Cortex-M vector table for {spec.name} ("
            + "; ".join(problems)
            + "): is it a .bin of another board, or built for a bootloader offset?"
        ]
    return []


def to_intel_hex(image: FirmwareImage) -> str:
    """The image as Intel HEX text (for drives that take .hex, from an ELF)."""
    lines: list[str] = []

    def record(kind: int, address: int, data: bytes) -> None:
        body = bytes([len(data), (address >> 8) & 0xFF, address & 0xFF, kind]) + data
        lines.append(":" + (body + bytes([(-sum(body)) & 0xFF])).hex().upper())

    upper = -1
    for seg in image.segments:
        for off in range(0, len(seg.data), 16):
            address = seg.address + off
            if address >> 16 != upper:
                upper = address >> 16
                record(4, 0, upper.to_bytes(2, "big"))
            chunk = seg.data[off : off + 16]
            if (address & 0xFFFF) + len(chunk) > 0x10000:
                split = 0x10000 - (address & 0xFFFF)
                record(0, address & 0xFFFF, chunk[:split])
                upper = (address + split) >> 16
                record(4, 0, upper.to_bytes(2, "big"))
                record(0, 0, chunk[split:])
            else:
                record(0, address & 0xFFFF, chunk)
    record(1, 0, b"")
    return "\n".join(lines) + "\n"
