"""Per-model figures of the reference firmware on the emulated board.

For each benchmark: build the mps2-an386 performance image, run ``infer N 0`` under QEMU with a
fixed ``-icount`` shift and turn the two ``m-lap-us-`` readings into instructions per inference
(virtual time is instructions x 2**shift ns). Flash and RAM come from the ELF; the reference
port's tensor arena (benchmark.md §5) is listed beside ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tinybench_gui.devices.transport import SerialLink
from tinybench_gui.firmware.build import FirmwareImage, build_firmware
from tinybench_gui.firmware.emulator import DEFAULT_ICOUNT_SHIFT, EmulatedBoard
from tinybench_gui.firmware.targets import BENCHMARKS

_LAP = re.compile(r"m-lap-us-(\d+)")


@dataclass(frozen=True)
class ModelFigures:
    """One row of the report."""

    benchmark: str
    macs: int
    instructions_per_inference: int
    flash_bytes: int
    ram_bytes: int
    arena_bytes: int
    reference_arena_bytes: int

    @property
    def instructions_per_mac(self) -> float:
        return self.instructions_per_inference / self.macs if self.macs else 0.0


def _transact(link: SerialLink, command: str) -> list[str]:
    return list(link.transact(command).lines)


def measure(
    benchmark_id: str,
    *,
    inferences: int = 10,
    icount_shift: int = DEFAULT_ICOUNT_SHIFT,
    build_root: Path | None = None,
) -> ModelFigures:
    """Build, run ``inferences`` inferences under QEMU and return the figures."""
    image: FirmwareImage = build_firmware(benchmark_id, "mps2-an386", build_root=build_root)
    bench = BENCHMARKS[benchmark_id]
    size = 2560 if bench.kind == "ad" else bench.max_db_input_size
    with (
        EmulatedBoard(image.path, icount_shift=icount_shift) as board,
        SerialLink(board.url, 115200, line_timeout_s=60.0) as link,
    ):
        link.read_until_ready("(boot)")
        _transact(link, f"db load {size}")
        chunk = "00" * 31
        for start in range(0, size, 31):
            _transact(link, "db " + chunk[: 2 * min(31, size - start)])
        lines = _transact(link, f"infer {inferences} 0")
    laps = [int(m.group(1)) for line in lines if (m := _LAP.fullmatch(line))]
    if len(laps) != 2:
        raise RuntimeError(f"{benchmark_id}: expected two m-lap-us- lines, got {lines}")
    per_inference = board.instructions(laps[1] - laps[0]) // inferences
    return ModelFigures(
        benchmark=benchmark_id,
        macs=image.macs,
        instructions_per_inference=per_inference,
        flash_bytes=image.flash_bytes,
        ram_bytes=image.ram_bytes,
        arena_bytes=image.arena_bytes,
        reference_arena_bytes=bench.reference_arena_bytes,
    )


def format_table(rows: list[ModelFigures]) -> str:
    """A Markdown table of the figures."""
    out = [
        "| model | MACs | instructions / inference | instr. / MAC | flash (B) | RAM (B) "
        "| our arena (B) | reference arena (B) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r.benchmark} | {r.macs:,} | {r.instructions_per_inference:,} | "
            f"{r.instructions_per_mac:.2f} | {r.flash_bytes:,} | {r.ram_bytes:,} | "
            f"{r.arena_bytes:,} | {r.reference_arena_bytes:,} |"
        )
    return "\n".join(out)
