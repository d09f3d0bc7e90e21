"""SimBench: a simulated energy bench in one world.

It ties together the simulated DUT (energy build, served at 9600 Bd with wire
time), an interface board relaying to it, one simulated energy monitor and the
``SimWorld`` they share: the DUT reports its timestamp pulses, inferences and
UART traffic to the world, the monitor samples the world, and switching the
monitor's supply boots or kills the DUT. The world knows the ground truth: the
exact energy of every timed window and every inference.

Monitors: ``lpm01a``, ``ppk2`` or ``js220``, wired as ``sim_monitor.SimMonitor``.
The JS220 cannot switch the supply, so with it the DUT is powered from the start,
as a user would.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.devices.sim.clock import SimClock
from tinybench_gui.devices.sim.power_profile import layer_profile
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.devices.sim.sim_io_board import SimIoBoard
from tinybench_gui.devices.sim.sim_monitor import (
    MONITOR_KINDS,
    MonitorKind,
    SimEnergyBench,
    SimMonitor,
    check_monitor_kind,
)
from tinybench_gui.devices.sim.world import PowerModel, SimWorld
from tinybench_gui.models.lookup import find_model

__all__ = ["MONITOR_KINDS", "MonitorKind", "SimBench"]


class SimBench(SimEnergyBench):
    """DUT + interface board + energy monitor + world, all simulated.

    Parameters
    ----------
    monitor:
        Which instrument to simulate.
    benchmark:
        The simulated DUT's model.
    realtime:
        False lets the clock skip over DUT computation (monitors then catch up
        in bursts without losing samples).
    boot_delay_s:
        Time from power-on to the DUT's banner; above 5 s the DUT is "too slow".
    dut_present:
        False: the interface board answers for a DUT that is not connected.
    inference_pin:
        The DUT also drives the second pin high during each inference.
    spike_rate_hz:
        Random current spikes per second of inference (to practise finding them).
    io_board_relays_boot:
        The interface board passes on DUT output nobody asked for (the boot banner).
    wire_time:
        Emulate the DUT's 9600 Bd UART (a download then takes as long as on hardware).
    """

    def __init__(
        self,
        monitor: MonitorKind = "ppk2",
        *,
        benchmark: str = "ad01",
        profile: str = "nucleo-l4r5zi",
        realtime: bool = True,
        io_board: Literal["stm32h573i-dk", "arduino"] = "stm32h573i-dk",
        model: PowerModel | None = None,
        seed: int = 1,
        boot_delay_s: float = 0.05,
        dut_present: bool = True,
        inference_pin: bool = True,
        lag_s: float = 0.3,
        wire_time: bool = True,
        io_board_relays_boot: bool = True,
        spike_rate_hz: float = 0.0,
    ) -> None:
        check_monitor_kind(monitor)
        self.clock = SimClock(realtime=realtime)
        if model is None:
            # The inference's current shape follows the model's own operators.
            bench_info = get_benchmark(benchmark)
            model = PowerModel(
                layer_profile=layer_profile(find_model(bench_info.int8_model)),
                spike_rate_hz=spike_rate_hz,
            )
        self.world = SimWorld(model, seed=seed, clock=self.clock.now_s)
        self.dut = SimDut(
            benchmark,
            energy_mode=True,
            profile=profile,
            clock=self.clock,
            activity=self.world,
            seed=seed,
            inference_pin=inference_pin,
        )
        self.world.drive_inference_pin = inference_pin
        self.boot_delay_s = boot_delay_s
        self._timers: list[threading.Timer] = []
        powered_by_user = monitor == "js220"
        self.dut_server = SimDutServer(self.dut, boot=powered_by_user, wire_time=wire_time)
        if not powered_by_user:
            self.dut_server.power_off()  # until the monitor switches the supply on
        self.dut_server.start()
        self.io_board = SimIoBoard(
            self.dut_server.url if dut_present else None,
            kind=io_board,
            relay_unsolicited=io_board_relays_boot,
        )
        self.monitor = SimMonitor(monitor, self.world, lag_s=lag_s, paced=not realtime)
        if powered_by_user:
            self.world.set_power(True)
        self.world.add_power_listener(self._on_power)

    def _on_power(self, on: bool) -> None:
        if not on:
            self.dut_server.power_off()
            return
        timer = threading.Timer(self.boot_delay_s, self.dut_server.power_on)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def description(self) -> dict[str, Any]:
        """What is simulated, for the run's provenance."""
        return {
            "simulated": True,
            "monitor": self.monitor.kind,
            "benchmark": self.dut.benchmark.model_id,
            "board_profile": self.dut.profile.name,
            "realtime": self.clock.realtime,
            "io_board": self.io_board.kind,
            "idle_current_a": self.world.model.idle_current_a,
        }

    def close(self) -> None:
        """Stop every simulator."""
        for timer in self._timers:
            timer.cancel()
        self._close_instruments()
        self.dut_server.stop()
