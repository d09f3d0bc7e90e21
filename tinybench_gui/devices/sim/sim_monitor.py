"""The simulated energy monitor of a simulated bench, and the bench surface around it.

Both simulated energy benches (``SimBench`` with the simulated DUT, ``EmulatedEnergyBench``
with the emulated board) wire their monitor the same way: ``lpm01a`` and ``ppk2`` serve their
bytes on a pty (their real drivers open it), ``js220`` is a fake of pyjoulescope_driver's
``Driver`` (the real driver runs on it). ``SimMonitor`` is that wiring; ``SimEnergyBench`` is
what the composition root and the CLI use of either bench (``io_board_url``,
``monitor_url``, ``monitor_driver()``, ``close()``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Literal, Self

from tinybench_gui.devices.sim.fake_joulescope import FakeJoulescopeDriver
from tinybench_gui.devices.sim.sim_io_board import SimIoBoard
from tinybench_gui.devices.sim.sim_lpm01a import SimLpm01a
from tinybench_gui.devices.sim.sim_ppk2 import SimPpk2
from tinybench_gui.devices.sim.world import SimWorld

MonitorKind = Literal["lpm01a", "ppk2", "js220"]
MONITOR_KINDS: tuple[MonitorKind, ...] = ("lpm01a", "ppk2", "js220")


def check_monitor_kind(kind: str) -> None:
    """Refuse an unknown monitor before a bench starts anything."""
    if kind not in MONITOR_KINDS:
        raise ValueError(f"unknown simulated monitor {kind!r}; pick one of {MONITOR_KINDS}")


class SimMonitor:
    """One simulated energy monitor sampling ``world``.

    Parameters
    ----------
    kind:
        Which instrument to simulate.
    world:
        What the monitor samples (and whose supply it switches).
    lag_s:
        How far behind world time the monitor samples.
    paced:
        World time may jump ahead of the host's: the pty monitors then send every sample,
        in bursts (the JS220 fake always does).
    """

    def __init__(self, kind: MonitorKind, world: SimWorld, *, lag_s: float, paced: bool) -> None:
        self.kind = kind
        self.sim: SimLpm01a | SimPpk2 | None = None
        self.fake_joulescope: FakeJoulescopeDriver | None = None
        if kind == "lpm01a":
            self.sim = SimLpm01a(world, lag_s=lag_s)
        elif kind == "ppk2":
            self.sim = SimPpk2(world, lag_s=lag_s)
        else:
            self.fake_joulescope = FakeJoulescopeDriver(world, lag_s=lag_s)
        if paced and self.sim is not None:
            self.sim.paced = True

    @property
    def url(self) -> str:
        """The monitor's pty (``js220``: its device path)."""
        if self.sim is not None:
            return self.sim.path
        assert self.fake_joulescope is not None
        return self.fake_joulescope.path

    def driver(self, **options: Any) -> Any:
        """A real driver for the simulated monitor (EnergyMonitor)."""
        from tinybench_gui.devices.energy.joulescope import JoulescopeDriver
        from tinybench_gui.devices.energy.lpm01a import Lpm01aDriver
        from tinybench_gui.devices.energy.ppk2 import Ppk2Driver

        if self.kind == "lpm01a":
            return Lpm01aDriver(self.url, **options)
        if self.kind == "ppk2":
            return Ppk2Driver(self.url, **options)
        fake = self.fake_joulescope
        factory: Callable[[], Any] = lambda: fake  # noqa: E731
        return JoulescopeDriver(None, driver_factory=factory, **options)

    def close(self) -> None:
        """Stop the simulator."""
        if self.sim is not None:
            self.sim.close()
        if self.fake_joulescope is not None:
            self.fake_joulescope.close(self.fake_joulescope.path)


class SimEnergyBench(ABC):
    """The surface both simulated energy benches give the composition root.

    A subclass sets ``io_board`` and ``monitor`` and implements ``close()`` (which calls
    ``_close_instruments()``).
    """

    io_board: SimIoBoard
    monitor: SimMonitor

    @property
    def monitor_kind(self) -> MonitorKind:
        """Which instrument is simulated."""
        return self.monitor.kind

    @property
    def monitor_sim(self) -> SimLpm01a | SimPpk2 | None:
        """The pty monitor's simulator (None for ``js220``)."""
        return self.monitor.sim

    @property
    def io_board_url(self) -> str:
        """The interface board's pty."""
        return self.io_board.path

    @property
    def monitor_url(self) -> str:
        """The monitor's pty (``js220``: its device path)."""
        return self.monitor.url

    def monitor_driver(self, **options: Any) -> Any:
        """A real driver for the simulated monitor (EnergyMonitor)."""
        return self.monitor.driver(**options)

    def _close_instruments(self) -> None:
        self.monitor.close()
        self.io_board.close()

    @abstractmethod
    def close(self) -> None:
        """Stop every simulator."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
