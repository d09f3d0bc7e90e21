"""The energy bench around the emulated board: QEMU's pins drive the simulated world.

The emulated board (``firmware/emulator.py``, our energy build under QEMU) reports its
timestamp and per-inference pins as text records stamped with its own 25 MHz timer
(docs/reference/emulated-board-pins.md). ``PinBridge`` turns them into ``SimWorld``
activity (``timestamp_pulse``, ``inference``) in the world's clock; a simulated
interface board relays ``dut <cmd>`` to the board's UART socket at 9600 Bd with wire
time; a simulated energy monitor samples the world.

Time base (decision 0013): the world's clock is the board's clock. ``BoardClock`` maps
board time to world time with one offset, fixed at the boot pulse's falling edge
(``world = offset + tick / tick_hz``). Between pin records it extrapolates the board's
time from the last record at half the host's rate: under ``-icount`` the board runs ahead
of the host while it computes and about 12 % behind it while it idles (measured), so a
lower bound keeps every record at or ahead of the world's clock when it arrives, and the
monitor (paced, lagging ``lag_s``) never samples a moment before the board's edges for it
are in the world. The monitor samples world time, so every interval it measures (a window
between two timestamp edges, an inference) is exactly as long as on the board, as a real
monitor sampling the real pin would see it. Host time only paces the streaming.

Power: the monitor's supply switch boots the board (a new QEMU on the image, a new
offset at its boot pulse) or stops it, as switching a real board's supply would.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from tinybench_gui.benchmarks.catalog import get_benchmark
from tinybench_gui.devices.sim.power_profile import layer_profile
from tinybench_gui.devices.sim.sim_io_board import SimIoBoard
from tinybench_gui.devices.sim.sim_monitor import (
    MonitorKind,
    SimEnergyBench,
    SimMonitor,
    check_monitor_kind,
)
from tinybench_gui.devices.sim.world import PowerModel, SimWorld
from tinybench_gui.firmware.emulator import EmulatedBoard, EmulatorError, PinEvent
from tinybench_gui.models.lookup import find_model

_log = logging.getLogger(__name__)
_BOOT_WAIT_S = 30.0  # QEMU start and the banner at 9600 Bd, on a loaded machine


class BoardClock:
    """World time that follows the emulated board's own clock (see the module docstring).

    Before the board's boot pulse (and while it is off) world time runs with the host's
    monotonic clock; ``anchor`` fixes the offset at a board event, ``observe`` records the
    board's progress, and between records world time advances ``idle_rate`` seconds per
    host second. ``now_s`` never goes backwards.
    """

    def __init__(self, *, idle_rate: float = 0.5) -> None:
        self.idle_rate = idle_rate
        self._lock = threading.Lock()
        self._host_origin_s = time.monotonic()
        self._offset_s: float | None = None
        self._board_s = 0.0
        self._seen_host_s = 0.0
        self._last_s = 0.0

    def _estimate(self, host_s: float) -> float:
        if self._offset_s is None:
            return host_s - self._host_origin_s
        return self._offset_s + self._board_s + self.idle_rate * (host_s - self._seen_host_s)

    def now_s(self) -> float:
        """World time in seconds."""
        with self._lock:
            self._last_s = max(self._last_s, self._estimate(time.monotonic()))
            return self._last_s

    @property
    def anchored(self) -> bool:
        """Whether board time is mapped (the board booted and pulsed)."""
        return self._offset_s is not None

    def anchor(self, board_s: float) -> None:
        """Fix the offset so that the board event at ``board_s`` is now."""
        with self._lock:
            host_s = time.monotonic()
            now = max(self._last_s, self._estimate(host_s))
            self._offset_s = now - board_s
            self._board_s, self._seen_host_s, self._last_s = board_s, host_s, now

    def to_world_s(self, board_s: float) -> float:
        """The world time of a board time (after ``anchor``)."""
        if self._offset_s is None:
            raise RuntimeError("board time is not anchored yet (no boot pulse)")
        return self._offset_s + board_s

    def observe(self, board_s: float) -> None:
        """The board has reached ``board_s`` (a pin record just arrived)."""
        with self._lock:
            if board_s >= self._board_s:
                self._board_s, self._seen_host_s = board_s, time.monotonic()

    def release(self) -> None:
        """The board is off: world time goes on with the host clock from where it is."""
        with self._lock:
            host_s = time.monotonic()
            now = max(self._last_s, self._estimate(host_s))
            self._offset_s = None
            self._host_origin_s = host_s - now
            self._last_s = now


class PinBridge:
    """Pin records of one board, in order, into the world (one per boot)."""

    def __init__(self, world: SimWorld, clock: BoardClock, *, lag_s: float) -> None:
        self.world = world
        self.clock = clock
        self.lag_s = lag_s
        self._fall_s: float | None = None
        self._rise_s: float | None = None
        self.events: list[PinEvent] = []  # every record placed in the world, in order
        # How far a record's world time fell behind (> 0) or ran ahead of (< 0) the clock's
        # estimate when it arrived: the board's drift against the host between records.
        self.max_behind_s = 0.0
        self.max_ahead_s = 0.0
        # Records that came after the monitor had already sampled their time (the board
        # ran behind the clock's estimate by more than the monitor's lag).
        self.late_edges = 0

    def feed(self, event: PinEvent) -> None:
        """One pin record: anchor at the first timestamp fall, then map and hand on."""
        if not self.clock.anchored:
            if event.pin != "timestamp" or event.level != 0:
                return  # nothing before the boot pulse can be placed in world time
            self.clock.anchor(event.time_s)
        t = self.clock.to_world_s(event.time_s)
        behind_s = self.clock.now_s() - t
        self.max_behind_s = max(self.max_behind_s, behind_s)
        self.max_ahead_s = max(self.max_ahead_s, -behind_s)
        if behind_s > self.lag_s:
            self.late_edges += 1
            _log.warning(
                "emulated board pin record %.3f s behind the world clock (monitor lag %.3f s): "
                "the monitor may have sampled past it",
                behind_s,
                self.lag_s,
            )
        self.clock.observe(event.time_s)
        self.events.append(event)
        if event.pin == "timestamp":
            if event.level == 0:
                self._fall_s = t
            elif self._fall_s is not None:
                self.world.timestamp_pulse(self._fall_s, t - self._fall_s)
                self._fall_s = None
        elif event.level == 1:
            self._rise_s = t
        elif self._rise_s is not None:
            self.world.inference(self._rise_s, t)
            self._rise_s = None


class EmulatedEnergyBench(SimEnergyBench):
    """Emulated board + simulated interface board + simulated monitor, in one world.

    The same surface as ``SimBench`` (``SimEnergyBench``: ``io_board_url``,
    ``monitor_driver()``, ``close()``; and ``description()``, ``clock``, ``world``), so the
    composition root gives it the same resources.

    Parameters
    ----------
    image:
        The energy build of the firmware for the ``mps2-an386`` board.
    monitor:
        Which instrument to simulate.
    benchmark:
        The firmware's model (for the current shape of an inference).
    board_factory:
        Makes the board for an image (tests may wrap ``EmulatedBoard``).
    """

    def __init__(
        self,
        image: Path,
        monitor: MonitorKind = "ppk2",
        *,
        benchmark: str = "kws01",
        io_board: Literal["stm32h573i-dk", "arduino"] = "stm32h573i-dk",
        model: PowerModel | None = None,
        seed: int = 1,
        lag_s: float = 0.3,
        board_factory: Callable[[Path], EmulatedBoard] = EmulatedBoard,
    ) -> None:
        check_monitor_kind(monitor)
        self.image = Path(image)
        # The board boots later, on the monitor's power switch: fail now, with the fix.
        if not self.image.is_file():
            raise EmulatorError(f"firmware image {self.image} does not exist; build it first")
        if shutil.which("qemu-system-arm") is None:
            raise EmulatorError(
                "qemu-system-arm not found: install QEMU (Debian: apt-get install qemu-system-arm)"
            )
        self.benchmark = get_benchmark(benchmark).model_id
        self.lag_s = lag_s
        self._board_factory = board_factory
        self.clock = BoardClock()
        if model is None:
            model = PowerModel(
                layer_profile=layer_profile(find_model(get_benchmark(benchmark).int8_model))
            )
        self.world = SimWorld(model, seed=seed, clock=self.clock.now_s)
        # The board's inference pin edges are exact; no simulated loop-overhead gap.
        self.world.inference_pin_gap_s = 0.0
        self.world.drive_inference_pin = True
        self.board: EmulatedBoard | None = None
        self.bridge: PinBridge | None = None
        self.boots = 0
        self.errors: list[str] = []
        self._board_lock = threading.Lock()
        self._power_requests: queue.Queue[bool | None] = queue.Queue()
        self._stop = threading.Event()
        self.io_board = SimIoBoard(None, kind=io_board, wire_time=True)
        # World time may jump ahead with the board: send every sample, in bursts.
        self.monitor = SimMonitor(monitor, self.world, lag_s=lag_s, paced=True)
        self._power_thread = threading.Thread(
            target=self._power_loop, name="emu-power", daemon=True
        )
        self._power_thread.start()
        self._pin_thread = threading.Thread(target=self._pin_loop, name="emu-pins", daemon=True)
        self._pin_thread.start()
        self.world.add_power_listener(self._power_requests.put)
        if monitor == "js220":
            # It cannot switch the supply: the user powered the board, and a user starts a
            # run on a board that has booted. A banner still arriving when the runner asks
            # `name` would put every answer one command out of step.
            self.world.set_power(True)
            if not self.io_board.dut_ready.wait(_BOOT_WAIT_S):
                _log.error("the emulated board printed no m-ready within %g s", _BOOT_WAIT_S)

    # -- power: boot or stop the board ---------------------------------------------------
    def _power_loop(self) -> None:
        while True:
            on = self._power_requests.get()
            if on is None:
                return
            self._switch(on)

    def _switch(self, on: bool) -> None:
        with self._board_lock:
            # The last boot's bridge stays readable (its records and figures) until the next.
            old, self.board = self.board, None
        self.io_board.connect_dut(None)
        if old is not None:
            old.stop()
        self.clock.release()
        if not on or self._stop.is_set():
            return
        board = self._board_factory(self.image)
        try:
            url = board.start()
        except EmulatorError as exc:
            # The run then reports a DUT that did not boot; the cause is logged here.
            self.errors.append(str(exc))
            _log.error("the emulated board did not start on power-on: %s", exc)
            return
        with self._board_lock:
            self.board, self.bridge = board, PinBridge(self.world, self.clock, lag_s=self.lag_s)
            self.boots += 1
        # QEMU runs the firmware once the DUT socket is connected: the board boots now.
        self.io_board.connect_dut(url)

    def _pin_loop(self) -> None:
        while not self._stop.is_set():
            with self._board_lock:
                board, bridge = self.board, self.bridge
            if board is None or bridge is None:
                time.sleep(0.01)
                continue
            for event in board.wait_pin_events(1, timeout_s=0.02) + board.drain_pin_events():
                bridge.feed(event)

    # -- the SimBench surface (the rest is SimEnergyBench's) ------------------------------
    def description(self) -> dict[str, Any]:
        """What is emulated and simulated, for the run's provenance."""
        return {
            "simulated": True,
            "emulated_board": EmulatedBoard.machine,
            "firmware_image": str(self.image),
            "monitor": self.monitor.kind,
            "benchmark": self.benchmark,
            "io_board": self.io_board.kind,
            "idle_current_a": self.world.model.idle_current_a,
            "pin_time_base": "board timer0, offset fixed at the boot pulse (decision 0013)",
        }

    def close(self) -> None:
        """Stop the board and every simulator."""
        self._stop.set()
        self._power_requests.put(None)
        self._power_thread.join(timeout=10)
        self._pin_thread.join(timeout=2)
        with self._board_lock:
            board, self.board = self.board, None
        if board is not None:
            board.stop()
        self._close_instruments()
