"""The composition root: builds the bench (real or simulated) that runs use.

This is the one place that chooses between real devices and simulators; the
runner, storage and GUI only see ``RunResources`` and capabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinybench_gui.devices.serial_dut import serial_dut_opener
from tinybench_gui.devices.sim.clock import SimClock
from tinybench_gui.devices.sim.serve import SimDutServer, Transport
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.runner.context import RunResources


@dataclass
class SimulatedBench:
    """A simulated DUT served on a pty or socket, in one clock."""

    clock: SimClock
    dut_server: SimDutServer
    description: dict[str, Any] = field(default_factory=dict)

    @property
    def dut_url(self) -> str:
        """Where the simulated DUT answers."""
        return self.dut_server.url

    def resources(self, *, line_timeout_s: float = 5.0) -> RunResources:
        """What a run needs, talking to the simulated DUT over its real port."""
        return RunResources(
            open_dut=serial_dut_opener(
                self.dut_url, self.dut_server.baud_rate, line_timeout_s=line_timeout_s
            ),
            provenance={"dut": {"url": self.dut_url, "simulated": True, **self.description}},
        )

    def close(self) -> None:
        """Stop every simulator."""
        self.dut_server.stop()

    def __enter__(self) -> SimulatedBench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def simulated_bench(
    benchmark: str = "kws01",
    *,
    energy_mode: bool = False,
    realtime: bool = True,
    wire_time: bool = True,
    transport: Transport = "pty",
    profile: str = "nucleo-l4r5zi",
    model_path: Path | None = None,
    seed: int = 0,
) -> SimulatedBench:
    """Start a simulated bench. ``realtime=False`` skips over DUT computation time."""
    clock = SimClock(realtime=realtime)
    dut = SimDut(
        benchmark,
        energy_mode=energy_mode,
        profile=profile,
        clock=clock,
        model_path=model_path,
        seed=seed,
    )
    server = SimDutServer(dut, transport=transport, wire_time=wire_time).start()
    return SimulatedBench(
        clock=clock,
        dut_server=server,
        description={
            "benchmark": dut.benchmark.model_id,
            "board_profile": dut.profile.name,
            "energy_mode": energy_mode,
            "realtime": realtime,
            "wire_time": wire_time,
        },
    )


def serial_dut_resources(url: str, baud_rate: int, *, line_timeout_s: float = 5.0) -> RunResources:
    """A run on a real DUT (or anything) at ``url``."""
    return RunResources(
        open_dut=serial_dut_opener(url, baud_rate, line_timeout_s=line_timeout_s),
        provenance={"dut": {"baud_rate": baud_rate, "simulated": False, **port_provenance(url)}},
    )


def port_provenance(url: str) -> dict[str, Any]:
    """What the run file records about a port: USB identity and the firmware we flashed there."""
    from serial.tools import list_ports

    from tinybench_gui.devices.discovery import PortInfo
    from tinybench_gui.devices.flashing.history import last_flash

    info = PortInfo(url=url, origin="serial")
    if "://" not in url:
        for found in list_ports.comports():
            if found.device == url:
                info = PortInfo.from_list_port_info(found)
                break
    facts: dict[str, Any] = {"url": url, "device_key": info.key}
    if info.usb_id:
        facts["usb_vid_pid"] = info.usb_id
    if info.serial_number:
        facts["usb_serial"] = info.serial_number
    record = last_flash(info.key)
    if record is not None:
        facts["firmware"] = {
            "sha256": record.sha256,
            "file": record.firmware,
            "route": record.route,
            "flashed_at_utc": record.time_utc,
            "verified": record.verified,
        }
    return facts


# -- energy mode ------------------------------------------------------------------------------
def energy_monitor_from_spec(spec: str) -> Any:
    """A real monitor driver from ``lpm01a:URL``, ``ppk2:URL`` or ``js220[:SERIAL]`` / ``js110``."""
    from tinybench_gui.devices.energy.joulescope import JoulescopeDriver
    from tinybench_gui.devices.energy.lpm01a import Lpm01aDriver
    from tinybench_gui.devices.energy.ppk2 import Ppk2Driver

    kind, _, where = spec.partition(":")
    kind = kind.lower()
    if kind == "lpm01a" and where:
        return Lpm01aDriver(where)
    if kind == "ppk2" and where:
        return Ppk2Driver(where)
    if kind in ("js220", "js110"):
        return JoulescopeDriver(where or None)
    raise ValueError(
        f"unknown energy monitor {spec!r}: use lpm01a:PORT, ppk2:PORT or js220[:SERIAL]"
    )


def energy_resources(
    io_board_url: str,
    monitor: Any,
    *,
    io_board_kind: str = "stm32h573i-dk",
    line_timeout_s: float = 5.0,
    provenance: dict[str, Any] | None = None,
) -> RunResources:
    """An energy run: the DUT behind an interface board, measured by ``monitor``."""
    from tinybench_gui.devices.io_board import IoBoardKind, io_board_opener

    kind: IoBoardKind = "arduino" if io_board_kind == "arduino" else "stm32h573i-dk"
    return RunResources(
        open_dut=io_board_opener(kind, io_board_url, line_timeout_s=line_timeout_s),
        devices={"energy_monitor": monitor},
        provenance={
            "io_board": {"url": io_board_url, "kind": kind},
            "energy_monitor": {"port": monitor.port, "model": monitor.capabilities.model},
            **(provenance or {}),
        },
    )


def real_energy_resources(
    io_board_url: str,
    monitor_spec: str,
    *,
    io_board_kind: str = "stm32h573i-dk",
    line_timeout_s: float = 5.0,
    dut_url: str | None = None,
) -> RunResources:
    """An energy run on real devices: the board at ``io_board_url``, the monitor ``monitor_spec``.

    Nothing is opened here (the runner opens both on its thread); the CLI's flags and the
    GUI's Bench selections both end here.
    """
    return energy_resources(
        io_board_url,
        energy_monitor_from_spec(monitor_spec),
        io_board_kind=io_board_kind,
        line_timeout_s=line_timeout_s,
        provenance={"dut": {"behind_io_board": True, "url": dut_url}},
    )


def energy_monitor_spec(catalog_id: str, port_url: str, serial_number: str = "") -> str | None:
    """The ``energy_monitor_from_spec`` spec of a detected monitor (None: not a known model)."""
    model = catalog_id.lower()
    if model in ("lpm01a", "ppk2"):
        return f"{model}:{port_url}"
    if model in ("js220", "js110"):
        return f"{model}:{serial_number}" if serial_number else model
    return None


def io_board_kind_of(catalog_id: str) -> str | None:
    """The interface board kind (``stm32h573i-dk`` or ``arduino``) of a catalog entry."""
    model = catalog_id.lower()
    if model.startswith("stm32h573i"):
        return "stm32h573i-dk"
    if model.startswith("arduino"):
        return "arduino"
    return None


def simulated_energy_bench(monitor: str = "ppk2", **options: Any) -> Any:
    """Start a ``SimBench`` (DUT, interface board, ``monitor`` in one simulated world)."""
    from tinybench_gui.devices.sim.sim_bench import SimBench

    return SimBench(monitor, **options)  # type: ignore[arg-type]


def simulated_energy_resources(bench: Any, *, line_timeout_s: float = 5.0) -> RunResources:
    """Energy resources on a ``SimBench``: real drivers on the simulators' ports.

    The bench's clock is the time source: it may skip ahead of host time, and the
    runner must know how far the instrument should have streamed.
    """
    resources = energy_resources(
        bench.io_board_url,
        bench.monitor_driver(),
        io_board_kind=bench.io_board.kind,
        line_timeout_s=line_timeout_s,
        provenance={"sim": bench.description()},
    )
    resources.devices["time_source"] = bench.clock.now_s
    return resources


# -- the emulated board (QEMU mps2-an386 running our firmware) --------------------------------
def emulated_firmware(benchmark: str, *, energy: bool, image: Path | None = None) -> Path:
    """The firmware image for the emulated board: ``image`` if given, else built now."""
    if image is not None:
        if not Path(image).is_file():
            raise FileNotFoundError(
                f"firmware image {image} does not exist: build it with `tinybench firmware "
                f"build --benchmark {benchmark} --board mps2-an386{' --energy' if energy else ''}`"
            )
        return Path(image)
    from tinybench_gui.firmware.build import build_firmware

    return build_firmware(benchmark, "mps2-an386", energy=energy).path


@dataclass
class EmulatedDut:
    """The emulated board running a performance build, its UART on a TCP socket."""

    board: Any  # firmware.emulator.EmulatedBoard
    benchmark: str

    @property
    def dut_url(self) -> str:
        """The board's UART (``socket://...``)."""
        return str(self.board.url)

    def resources(self, *, line_timeout_s: float = 5.0) -> RunResources:
        """A performance or accuracy run on the emulated board."""
        return RunResources(
            open_dut=serial_dut_opener(self.dut_url, 115200, line_timeout_s=line_timeout_s),
            provenance={
                "dut": {
                    "url": self.dut_url,
                    "emulated": True,
                    "machine": self.board.machine,
                    "firmware_image": str(self.board.image),
                    "benchmark": self.benchmark,
                }
            },
        )

    def close(self) -> None:
        """Stop QEMU."""
        self.board.stop()


def emulated_dut(benchmark: str = "kws01", *, image: Path | None = None) -> EmulatedDut:
    """Start the emulated board on the performance build of ``benchmark``."""
    from tinybench_gui.firmware.emulator import EmulatedBoard

    board = EmulatedBoard(emulated_firmware(benchmark, energy=False, image=image))
    board.start()
    return EmulatedDut(board, benchmark)


def emulated_energy_bench(
    benchmark: str = "kws01", monitor: str = "ppk2", *, image: Path | None = None, **options: Any
) -> Any:
    """The emulated board (energy build) behind a simulated interface board and monitor.

    Returns an ``EmulatedEnergyBench``; ``simulated_energy_resources`` makes its run resources
    (the world clock, which follows the board's timer, is the time source).
    """
    from tinybench_gui.devices.sim.emulated_bench import EmulatedEnergyBench

    path = emulated_firmware(benchmark, energy=True, image=image)
    return EmulatedEnergyBench(path, monitor, benchmark=benchmark, **options)  # type: ignore[arg-type]
