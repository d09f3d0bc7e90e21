"""Stream a ``SimWorld`` into an ``Acquisition`` at any rate, without an instrument's wire.

The simulated instruments (``devices.sim.sim_ppk2`` ...) reproduce each monitor's
bytes up to its own rate; views and files must also be exercised at 1 MS/s
(a Joulescope's rate), which no pty carries. ``WorldFeed`` is that source: a
thread that samples the world in real time, block after block, and pushes
``SampleBlock``s into an acquisition exactly as a monitor's reader thread does.
With ``replay_s`` it samples that much of the world once and replays it in a loop
at the same pace: a speed figure then measures the consumers, not the simulator.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import numpy.typing as npt

from tinybench_gui.devices.sim.world import SimWorld
from tinybench_gui.streams.acquisition import Acquisition
from tinybench_gui.streams.blocks import SampleBlock


class WorldFeed:
    """A reader-thread stand-in: ``sample_rate_hz`` samples per second of ``world``."""

    def __init__(
        self,
        world: SimWorld,
        acquisition: Acquisition,
        *,
        sample_rate_hz: float = 100_000.0,
        block_s: float = 0.01,
        voltage: bool = True,
        replay_s: float | None = None,
    ) -> None:
        self.world = world
        self.replay_s = replay_s
        self._replay: tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]] | None = None
        self.acquisition = acquisition
        self.sample_rate_hz = sample_rate_hz
        self.block_samples = max(1, int(sample_rate_hz * block_s))
        self.voltage = voltage
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="world-feed", daemon=True)
        self.next_index = 0
        self.t0_s = 0.0

    def start(self) -> WorldFeed:
        """Start streaming from the world's present time."""
        self.t0_s = self.world.clock()
        if self.replay_s is not None:
            fs = self.sample_rate_hz
            self._replay = self.world.sample(self.t0_s, max(1, int(self.replay_s * fs)), fs)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and join."""
        self._stop.set()
        self._thread.join(5.0)

    def _run(self) -> None:
        fs = self.sample_rate_hz
        n = self.block_samples
        while not self._stop.is_set():
            due_s = self.t0_s + (self.next_index + n) / fs
            wait_s = due_s - self.world.clock()
            if wait_s > 0:
                time.sleep(min(wait_s, 0.05))
                continue
            current, pins = self._take(n)
            volts = np.full(n, self.world.supply_voltage_v, np.float32) if self.voltage else None
            block = SampleBlock(
                first_sample_index=self.next_index,
                sample_rate_hz=fs,
                current_a=current.astype(np.float32),
                voltage_v=volts,
                digital=pins,
            )
            self.acquisition.push(block)
            self.next_index += n

    def _take(self, n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
        if self._replay is None:
            fs = self.sample_rate_hz
            return self.world.sample(self.t0_s + self.next_index / fs, n, fs)
        current, pins = self._replay
        at = (self.next_index + np.arange(n)) % current.shape[0]
        return current[at], pins[at]
