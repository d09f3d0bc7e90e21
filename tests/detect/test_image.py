"""Image parsing and the checks made before anything is written to a board."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.detect.images import vector_table_image, write_elf
from tinybench_gui.devices.catalog import load_catalog
from tinybench_gui.devices.flashing.image import (
    ImageError,
    Segment,
    check_image,
    load_image,
    to_intel_hex,
)

L4R5 = load_catalog().get("nucleo-l4r5zi")
AN386 = load_catalog().get("qemu-mps2-an386")


def test_bin_placed_at_flash_base_and_hashed(tmp_path: Path) -> None:
    path = tmp_path / "fw.bin"
    path.write_bytes(vector_table_image(4096))
    image = load_image(path, base_address=0x08000000)
    assert image.format == "bin"
    assert image.start_address == 0x08000000
    assert len(image.sha256) == 64
    verdict = check_image(image, L4R5)
    assert verdict.ok
    assert verdict.warnings == ()


def test_bin_too_big_and_bin_of_another_board(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(vector_table_image(0x200000 + 16))
    verdict = check_image(load_image(big, base_address=0x08000000), L4R5)
    assert not verdict.ok
    assert "bytes of flash" in verdict.errors[0]
    other = tmp_path / "other.bin"
    other.write_bytes(vector_table_image(1024, sp=0x00400000, reset=0x00000400))  # even: not Thumb
    verdict = check_image(load_image(other, base_address=0x08000000), L4R5)
    assert verdict.ok
    assert "vector table" in verdict.warnings[0]


def test_elf_for_the_wrong_board_is_refused(tmp_path: Path) -> None:
    qemu_elf = write_elf(tmp_path / "dut.elf", [(0x00000000, vector_table_image(2048))])
    image = load_image(qemu_elf)
    assert image.cpu_arch == "v7E-M"
    assert check_image(image, AN386).ok
    verdict = check_image(image, L4R5)
    assert not verdict.ok
    assert "was it linked for another board" in verdict.errors[0]


def test_elf_core_mismatch(tmp_path: Path) -> None:
    m55 = write_elf(tmp_path / "m55.elf", [(0x08000000, b"\x00" * 64)], cpu_arch=21)
    verdict = check_image(load_image(m55), L4R5)
    assert not verdict.ok
    assert "Armv8.1-M.mainline" in verdict.errors[0]
    m3 = write_elf(tmp_path / "m3.elf", [(0x08000000, b"\x00" * 64)], cpu_arch=10)
    verdict = check_image(load_image(m3), L4R5)
    assert verdict.ok
    assert "-mcpu=cortex-m4" in verdict.warnings[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"elf_class": 2}, "64-bit ELF"), ({"machine": 62}, "not Arm")],
)
def test_host_elf_refused(tmp_path: Path, kwargs: dict[str, int], message: str) -> None:
    elf = write_elf(tmp_path / "host.elf", [(0x1000, b"\x90" * 16)], **kwargs)
    with pytest.raises(ImageError, match=message):
        load_image(elf)


def test_hex_round_trip_and_damage(tmp_path: Path) -> None:
    elf = write_elf(
        tmp_path / "two.elf",
        [(0x0800FFF0, bytes(range(40))), (0x08020000, b"\xaa" * 5)],  # crosses a 64 KiB line
    )
    image = load_image(elf)
    hex_path = tmp_path / "two.hex"
    hex_path.write_text(to_intel_hex(image))
    again = load_image(hex_path)
    assert again.format == "hex"
    assert again.segments == (
        Segment(0x0800FFF0, bytes(range(40))),
        Segment(0x08020000, b"\xaa" * 5),
    )
    damaged = hex_path.read_text().replace(":10", ":11", 1)
    hex_path.write_text(damaged)
    with pytest.raises(ImageError, match=r"wrong length|checksum"):
        load_image(hex_path)
    hex_path.write_text(to_intel_hex(image).rsplit(":00000001FF", 1)[0])
    with pytest.raises(ImageError, match="end-of-file"):
        load_image(hex_path)


def test_unknown_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "fw.uf2").write_bytes(b"UF2\n" + b"\x00" * 60)
    with pytest.raises(ImageError, match="UF2"):
        load_image(tmp_path / "fw.uf2")
    (tmp_path / "fw.elf").write_bytes(b"not an elf at all")
    with pytest.raises(ImageError, match="content is not"):
        load_image(tmp_path / "fw.elf")
    (tmp_path / "empty.bin").write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        load_image(tmp_path / "empty.bin")
    with pytest.raises(ImageError, match="cannot read"):
        load_image(tmp_path / "missing.bin")


@pytest.mark.qemu
def test_parser_agrees_with_objcopy(tmp_path: Path) -> None:
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.fail("arm-none-eabi-gcc missing: run scripts/dev test (it installs the toolchain)")
    # A real toolchain ELF: our segments must equal what objcopy extracts.
    src = tmp_path / "fw.c"
    src.write_text(
        'const unsigned vectors[2] __attribute__((section(".isr_vector"))) = {0x20001000u, 0x9u};\n'
        "int counter = 42;\nint main(void) { return counter; }\n"
    )
    script = tmp_path / "link.ld"
    script.write_text(
        "MEMORY { FLASH (rx): ORIGIN = 0x08000000, LENGTH = 2M\n"
        "         RAM (rwx): ORIGIN = 0x20000000, LENGTH = 640K }\n"
        "SECTIONS { .text : { KEEP(*(.isr_vector)) *(.text*) *(.rodata*) } > FLASH\n"
        "           .data : { *(.data*) } > RAM AT > FLASH }\n"
    )
    elf = tmp_path / "fw.elf"
    subprocess.run(
        [
            "arm-none-eabi-gcc",
            "-mcpu=cortex-m4",
            "-mthumb",
            "-O1",
            "-nostdlib",
            "-nostartfiles",
            "-T",
            str(script),
            "-Wl,-e,main",
            str(src),
            "-o",
            str(elf),
        ],
        check=True,
        capture_output=True,
    )
    hex_file = tmp_path / "fw.hex"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "ihex", str(elf), str(hex_file)], check=True)
    ours = load_image(elf)
    theirs = load_image(hex_file)
    assert ours.cpu_arch == "v7E-M"
    assert b"".join(s.data for s in ours.segments) == b"".join(s.data for s in theirs.segments)
    assert ours.start_address == theirs.start_address == 0x08000000
    assert len(ours.segments) == 2  # .text, and .data's load image in flash
    assert check_image(ours, L4R5).ok
