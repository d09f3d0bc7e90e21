"""Firmware images for tests: a Cortex-M vector table, and ELF32 files written field by field."""

from __future__ import annotations

import struct
from pathlib import Path


def vector_table_image(size: int, *, sp: int = 0x20010000, reset: int = 0x08000101) -> bytes:
    """``size`` bytes starting with a plausible vector table, then a counting pattern."""
    head = struct.pack("<II", sp, reset)
    body = bytes(i & 0xFF for i in range(size - len(head)))
    return head + body


def write_elf(
    path: Path,
    segments: list[tuple[int, bytes]],
    *,
    cpu_arch: int | None = 13,  # Tag_CPU_arch: 13 = v7E-M (Cortex-M4/M7)
    machine: int = 40,
    elf_class: int = 1,
) -> Path:
    """A minimal little-endian ELF32 with one PT_LOAD per segment and .ARM.attributes."""
    ehsize, phentsize, shentsize = 52, 32, 40
    phoff = ehsize
    data_off = phoff + phentsize * len(segments)
    blobs = b""
    phdrs = b""
    for address, data in segments:
        offset = data_off + len(blobs)
        phdrs += struct.pack("<IIIIIIII", 1, offset, address, address, len(data), len(data), 5, 4)
        blobs += data
    # Tag_CPU_name (5) as gcc writes it, then Tag_CPU_arch (6) and Tag_CPU_arch_profile (7).
    body = b"\x057E-M\x00" + (bytes([6, cpu_arch]) if cpu_arch is not None else b"") + b"\x07M"
    file_attrs = b"\x01" + struct.pack("<I", 5 + len(body)) + body
    vendor = b"aeabi\x00" + file_attrs
    attrs = b"A" + struct.pack("<I", 4 + len(vendor)) + vendor
    attrs_off = data_off + len(blobs)
    shstrtab = b"\x00.ARM.attributes\x00.shstrtab\x00"
    shstr_off = attrs_off + len(attrs)
    shoff = shstr_off + len(shstrtab)
    shdrs = b"\x00" * shentsize
    shdrs += struct.pack("<IIIIIIIIII", 1, 0x70000003, 0, 0, attrs_off, len(attrs), 0, 0, 1, 0)
    shdrs += struct.pack("<IIIIIIIIII", 17, 3, 0, 0, shstr_off, len(shstrtab), 0, 0, 1, 0)
    ident = b"\x7fELF" + bytes([elf_class, 1, 1]) + b"\x00" * 9
    header = ident + struct.pack(
        "<HHIIIIIHHHHHH",
        2,
        machine,
        1,
        segments[0][0] | 1,
        phoff,
        shoff,
        0x05000200,
        ehsize,
        phentsize,
        len(segments),
        shentsize,
        3,
        2,
    )
    path.write_bytes(header + phdrs + blobs + attrs + shstrtab + shdrs)
    return path
