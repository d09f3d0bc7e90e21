"""SimBench: a simulated energy bench in one world.

It ties together the simulated DUT (energy build, served at 9600 Bd with wire
time), an interface board relaying to it, one simulated energy monitor and the
``SimWorld`` they share: the DUT reports its timestamp pulses, inferences and
UART traffic to the world, the monitor samples the world, and switching the
monitor's supply boots or kills the DUT. The world knows the ground truth: the
exact energy of every timed window and every inference.

Monitors: ``lpm01a`` and ``ppk2`` serve their bytes on a pty (their real drivers
open it), ``js220`` is a fake of pyjoulescope_driver's ``Driver`` (the real
driver runs on it). The JS220 cannot switch the supply, so with it the DUT is
powered from the start, as a user would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.devices.sim.clock import SimClock
from tinybench_gui.devices.sim.fake_joulescope import FakeJoulescopeDriver
from tinybench_gui.devices.sim.power_profile import layer_profile
from tinybench_gui.devices.sim.serve import SimDutServer
from tinybench_gui.devices.sim.sim_dut import SimDut
from tinybench_gui.devices.sim.sim_io_board import SimIoBoard
from tinybench_gui.devices.sim.sim_lpm01a import SimLpm01a
from tinybench_gui.devices.sim.sim_ppk2 import SimPpk2
from tinybench_gui.devices.sim.world import PowerModel, SimWorld
from tinybench_gui.models.lookup import find_model

MonitorKind = Literal["lpm01a", "ppk2", "js220"]
MONITOR_KINDS: tuple[MonitorKind, ...] = ("lpm01a", "ppk2", "js220")


class SimBench:
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
        if monitor not in MONITOR_KINDS:
            raise ValueError(f"unknown simulated monitor {monitor!r}; pick one of {MONITOR_KINDS}")
        self.monitor_kind = monitor
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
        self.monitor_sim: SimLpm01a | SimPpk2 | None = None
        self.fake_joulescope: FakeJoulescopeDriver | None = None
        if monitor == "lpm01a":
            self.monitor_sim = SimLpm01a(self.world, lag_s=lag_s)
        elif monitor == "ppk2":
            self.monitor_sim = SimPpk2(self.world, lag_s=lag_s)
        else:
            self.fake_joulescope = FakeJoulescopeDriver(self.world, lag_s=lag_s)
        if not realtime and self.monitor_sim is not None:
            self.monitor_sim.paced = True
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

    @property
    def io_board_url(self) -> str:
        """The interface board's pty."""
        return self.io_board.path

    @property
    def monitor_url(self) -> str:
        """The monitor's pty (``js220``: its device path)."""
        if self.monitor_sim is not None:
            return self.monitor_sim.path
        assert self.fake_joulescope is not None
        return self.fake_joulescope.path

    def monitor_driver(self, **options: Any) -> Any:
        """A real driver for the simulated monitor (EnergyMonitor)."""
        from tinybench_gui.devices.energy.joulescope import JoulescopeDriver
        from tinybench_gui.devices.energy.lpm01a import Lpm01aDriver
        from tinybench_gui.devices.energy.ppk2 import Ppk2Driver

        if self.monitor_kind == "lpm01a":
            return Lpm01aDriver(self.monitor_url, **options)
        if self.monitor_kind == "ppk2":
            return Ppk2Driver(self.monitor_url, **options)
        fake = self.fake_joulescope
        factory: Callable[[], Any] = lambda: fake  # noqa: E731
        return JoulescopeDriver(None, driver_factory=factory, **options)

    def description(self) -> dict[str, Any]:
        """What is simulated, for the run's provenance."""
        return {
            "simulated": True,
            "monitor": self.monitor_kind,
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
        if self.monitor_sim is not None:
            self.monitor_sim.close()
        if self.fake_joulescope is not None:
            self.fake_joulescope.close(self.fake_joulescope.path)
        self.io_board.close()
        self.dut_server.stop()

    def __enter__(self) -> SimBench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
