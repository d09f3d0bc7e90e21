"""Timing profiles of simulated DUT boards.

Latency per inference = MACs x cycles per MAC / clock + a fixed overhead, with a
small Gaussian jitter. The cycles-per-MAC figures are fitted to the reference
NUCLEO-L4R5ZI results of MLPerf Tiny v0.5 (TFLite Micro + CMSIS-NN, 120 MHz):
about 180 ms KWS, 600 ms VWW, 700 ms IC and 10 ms AD per inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True, slots=True)
class BoardProfile:
    """How fast a simulated board computes and what it calls itself."""

    name: str
    vendor: str  # m-name-dut-[...]
    clock_hz: float
    cycles_per_mac: dict[str, float] = field(default_factory=dict)
    default_cycles_per_mac: float = 8.0
    overhead_s: float = 50e-6  # th_pre/th_post, loop and timer overhead per inference
    jitter_frac: float = 0.002  # relative standard deviation of one inference's latency
    max_command_chars: int = 80

    def latency_s(self, model_id: str, macs: int) -> float:
        """Mean latency of one inference of ``model_id`` with ``macs`` multiply-accumulates."""
        cpm = self.cycles_per_mac.get(model_id, self.default_cycles_per_mac)
        return macs * cpm / self.clock_hz + self.overhead_s


BOARD_PROFILES: Final[dict[str, BoardProfile]] = {
    p.name: p
    for p in (
        BoardProfile(
            name="nucleo-l4r5zi",
            vendor="unspecified",
            clock_hz=120e6,
            cycles_per_mac={"kws01": 8.2, "vww01": 9.7, "ic01": 6.7, "ic02": 6.7, "ad01": 4.7},
        ),
        # A fast board for quick demos and tests of real-time runs.
        BoardProfile(
            name="fast-m7", vendor="tinybench-sim", clock_hz=480e6, default_cycles_per_mac=2.0
        ),
    )
}
