"""Serve a simulated DUT on a pseudo-terminal or a TCP socket, with UART wire time.

Any serial client (ours, the MLCommons runner, a terminal) can open the pty path
or ``socket://host:port``. With wire time on, a byte takes 10 bit times at the
configured baud in each direction, so a download takes as long as on a real link.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Iterable
from typing import Literal

from tinybench_gui.benchmarks.catalog import Mode
from tinybench_gui.devices.sim.clock import sleep_until
from tinybench_gui.devices.sim.sim_dut import SimDut, TimedLine

Transport = Literal["pty", "tcp"]
_BITS_PER_BYTE = 10  # 8N1: start bit, 8 data bits, stop bit


class SimDutServer:
    """Owns one SimDut and the thread that serves it."""

    def __init__(
        self,
        dut: SimDut,
        *,
        transport: Transport = "pty",
        baud_rate: int | None = None,
        wire_time: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        boot: bool = True,
    ) -> None:
        self.dut = dut
        self.transport = transport
        mode: Mode = "energy" if dut.energy_mode else "performance"
        self.baud_rate = baud_rate or dut.benchmark.baud_rates[mode]
        self.wire_time = wire_time
        self._byte_s = _BITS_PER_BYTE / self.baud_rate
        self._rx_free = 0.0  # monotonic time at which the RX wire is idle again
        self._tx_free = 0.0
        self._stop = threading.Event()
        self._powered = True
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._master_fd = -1
        self._slave_fd = -1
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._pending_out = bytearray()  # output while no TCP client is connected
        self.url = ""
        if transport == "pty":
            self._master_fd, self._slave_fd = os.openpty()
            # Raw mode: no echo, no CR/LF translation, exactly the bytes a UART carries.
            tty.setraw(self._slave_fd)
            self.url = os.ttyname(self._slave_fd)
        else:
            self._listener = socket.create_server((host, port))
            self.url = f"socket://{host}:{self._listener.getsockname()[1]}"
        self._boot_lines: list[TimedLine] = dut.boot() if boot else []

    # -- lifetime -----------------------------------------------------------------------
    def start(self) -> SimDutServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(target=self._serve, name=f"sim-dut {self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the pty or socket."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for fd in (self._master_fd, self._slave_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master_fd = self._slave_fd = -1
        for s in (self._client, self._listener):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()

    def __enter__(self) -> SimDutServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- power, for an energy monitor that switches the DUT's supply ----------------------
    def power_off(self) -> None:
        """Cut power: the DUT stops answering and forgets its state."""
        with self._lock:
            self._powered = False

    def power_on(self) -> None:
        """Apply power: the DUT boots and prints its banner."""
        with self._lock:
            self._powered = True
            self._boot_lines = self.dut.boot()

    # -- the serving loop ---------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                boot, self._boot_lines = self._boot_lines, []
            if boot:
                self._send_lines(boot)
            fd = self._readable_fd()
            if fd is None:
                continue
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            data = self._read(fd)
            if not data or not self._powered:
                continue
            arrived = time.monotonic()
            done_s: float | None = None
            if self.wire_time:
                # The command is complete when its last byte is off the wire. Later times
                # are computed from this ideal instant, so a late wake-up of this thread
                # does not add to what the host sees.
                self._rx_free = max(self._rx_free, arrived) + len(data) * self._byte_s
                self._note_uart(arrived, self._rx_free)
                sleep_until(self._rx_free)
                done_s = self._rx_free - time.monotonic() + self.dut.clock.now_s()
            self._send_lines(self.dut.feed(data, done_s))

    def _readable_fd(self) -> int | None:
        if self.transport == "pty":
            return self._master_fd
        if self._client is None:
            assert self._listener is not None
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if not ready:
                return None
            self._client, _ = self._listener.accept()
            self._client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._pending_out:
                self._write(bytes(self._pending_out))
                self._pending_out.clear()
        return self._client.fileno()

    def _read(self, fd: int) -> bytes:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if not data and self.transport == "tcp" and self._client is not None:
            self._client.close()  # the client went away; wait for the next one
            self._client = None
        return data

    def _send_lines(self, lines: Iterable[TimedLine]) -> None:
        for line in lines:
            payload = (line.text + "\r\n").encode("ascii", errors="replace")
            if self.wire_time:
                start = max(self._tx_free, self.dut.clock.to_monotonic(line.t_s))
                self._tx_free = start + len(payload) * self._byte_s
                self._note_uart(start, self._tx_free)
                sleep_until(self._tx_free)
            if not self._stop.is_set():
                self._write(payload)

    def _note_uart(self, t0_mono: float, t1_mono: float) -> None:
        activity = self.dut.activity
        if activity is not None:
            offset = self.dut.clock.now_s() - time.monotonic()
            activity.uart(t0_mono + offset, t1_mono + offset)

    def _write(self, payload: bytes) -> None:
        try:
            if self.transport == "pty":
                os.write(self._master_fd, payload)
            elif self._client is not None:
                self._client.sendall(payload)
            else:
                self._pending_out += payload
        except OSError:
            pass  # the client vanished; a real UART would keep talking to nobody
