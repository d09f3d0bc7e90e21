"""Input download efficiency through the real protocol path (issue: core §6).

The baseline is the protocol's own limit at the baud rate: one ``db`` chunk is
``db `` + 62 hex digits + ``%`` (66 bytes) out and ``m-ready\\r\\n`` (9 bytes) back,
10 bit times a byte, for 31 payload bytes: about 4.76 kB/s at 115200 baud.
"""

from __future__ import annotations

import time

from tinybench_gui.perf.figures import FigureFunction, FigureRow
from tinybench_gui.protocol.framing import DIRECT_CHUNK_BYTES


def protocol_limit_bytes_s(baud_rate: int, chunk_bytes: int = DIRECT_CHUNK_BYTES) -> float:
    """Payload bytes per second the protocol allows at ``baud_rate``."""
    out_bytes = len("db ") + 2 * chunk_bytes + 1
    back_bytes = len("m-ready\r\n")
    seconds = (out_bytes + back_bytes) * 10 / baud_rate
    return chunk_bytes / seconds


def download_efficiency(quick: bool) -> list[FigureRow]:
    """Payload rate of DutClient.load against the simulated DUT with wire time on."""
    from tinybench_gui.bench import simulated_bench
    from tinybench_gui.devices.dut import DutClient

    rows = []
    payload = bytes(range(256)) * (8 if quick else 40)
    for transport in ("pty", "tcp"):
        with simulated_bench("vww01", realtime=False, wire_time=True, transport=transport) as bench:
            channel = bench.resources().open_dut(lambda entry: None)
            try:
                dut = DutClient(channel)
                dut.identify()
                t0 = time.perf_counter()
                dut.load(payload)
                elapsed_s = time.perf_counter() - t0
            finally:
                channel.close()
            baud = bench.dut_server.baud_rate
        rows.append(
            FigureRow(
                name=f"input download over {transport}",
                value=len(payload) / elapsed_s,
                unit="B/s",
                baseline=protocol_limit_bytes_s(baud),
                target=0.95,
                note=f"baseline: protocol limit at {baud} baud (official runner seen at 3570 B/s)",
            )
        )
    return rows


FIGURES: dict[str, tuple[FigureFunction, str]] = {
    "download": (download_efficiency, "input download efficiency vs the protocol limit"),
}
