"""A simulated streaming instrument on a pty: its serving thread and its sample clock.

The LPM01A and PPK2 simulators differ in their protocol only. Each has one
thread that acts on the host's command bytes and, while streaming, sends the
``SimWorld`` samples due ``lag_s`` behind the world clock (the DUT reports its
activity before the instrument samples it). A ``paced`` instrument never loses
samples: it sends only what the pty's buffer takes, as fast as the host reads
(a skipping clock). The fault methods only set what the thread reads next.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from tinybench_gui.devices.sim.pty_endpoint import PtyEndpoint
from tinybench_gui.devices.sim.world import SimWorld

_TICK_S = 0.01


class PtyInstrument(ABC):
    """An instrument serving its bytes on a pty, sampling ``world``."""

    _PACED_BYTES_PER_SAMPLE: ClassVar[int]  # wire bytes a sample may take, to fit the buffer
    _PACED_MAX_SAMPLES: ClassVar[int]  # samples sent at most per turn when paced

    def __init__(
        self, world: SimWorld, *, lag_s: float, max_backlog: int, thread_name: str
    ) -> None:
        self.world = world
        self.lag_s = lag_s
        self.pty = PtyEndpoint(max_backlog=max_backlog)
        self.start_time_s = 0.0
        # Paced: never lose samples, send as fast as the host reads (a skipping clock).
        self.paced = False
        self._produced = 0
        self._stalled = False
        self._garble = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def _serve(self) -> None:
        """Start the instrument's thread; the last step of a simulator's constructor."""
        self._thread.start()

    @property
    def path(self) -> str:
        """The pty the driver opens."""
        return self.pty.path

    # -- faults --------------------------------------------------------------------------------
    def stall(self) -> None:
        """Stop sending samples without a word (the instrument hung; the port stays open)."""
        self._stalled = True

    def garble(self, data: bytes) -> None:
        """Insert raw bytes into the stream."""
        self._garble += data

    # -- the protocol ----------------------------------------------------------------------------
    @abstractmethod
    def _sending(self) -> bool:
        """Whether an acquisition is running."""

    @abstractmethod
    def _commands(self, data: bytes) -> bytes:
        """Act on the complete commands in ``data``; return an incomplete tail."""

    @abstractmethod
    def _rate_hz(self) -> float:
        """The sample rate of the running acquisition."""

    @abstractmethod
    def _send(
        self, first: int, current_a: npt.NDArray[np.float64], pins: npt.NDArray[np.uint8]
    ) -> None:
        """Encode and write samples ``first``, ``first + 1``, ... (``_write_stream``)."""

    # -- the thread ------------------------------------------------------------------------------
    def _restart_clock(self) -> None:
        """A new acquisition: sample 0 is now, less the lag; a stall is over."""
        self._stalled = False
        self.start_time_s = self.world.clock()
        self._produced = 0

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            data = self.pty.read(0.0 if self._sending() else _TICK_S)
            if data:
                pending = self._commands(pending + data)
            if self._sending():
                behind = self._stream()
                if not behind:
                    self._stop.wait(_TICK_S / 2)
            self.pty.flush()

    def _stream(self) -> bool:
        """Send the samples due; True if more are due than were sent (paced mode)."""
        rate = self._rate_hz()
        due = int((self.world.clock() - self.lag_s - self.start_time_s) * rate)
        n = due - self._produced
        if n <= 0 or self._stalled:
            return False
        if self.paced:
            self.pty.flush()
            room = (self.pty.max_backlog - self.pty.backlog) // self._PACED_BYTES_PER_SAMPLE
            n = min(n, room, self._PACED_MAX_SAMPLES)
            if n <= 0:
                return True
        t0 = self.start_time_s + self._produced / rate
        current, pins = self.world.sample(t0, n, rate)
        self._send(self._produced, current, pins)
        self._produced += n
        return self._produced < due

    def _write_stream(self, data: bytes) -> bool:
        """Write stream bytes after any ``garble`` bytes; False if the pty's buffer is full."""
        if self._garble:
            data, self._garble = self._garble + data, b""
        return self.pty.write(data)

    def close(self) -> None:
        """Stop the simulator and close the pty."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.pty.close()
