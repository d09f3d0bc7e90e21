"""The host board: the POSIX firmware build on a pseudo-terminal, for fast harness tests.

``HostBoard(image).start()`` returns the pty's path, which ``serial.serial_for_url`` opens like
any serial port. The pty is in raw mode and held open from before the firmware starts, so the
banner is not lost (platform.md §6: a pty nobody holds drops output).
"""

from __future__ import annotations

import os
import subprocess
import tty
from pathlib import Path
from types import TracebackType


class HostBoard:
    """The host firmware build attached to a pty; ``url`` is the pty path."""

    def __init__(self, image: Path) -> None:
        self.image = Path(image)
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._slave_fd = -1

    def start(self) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: the firmware sees bytes as sent
        self._slave_fd = slave
        self.url = os.ttyname(slave)
        self._process = subprocess.Popen(
            [str(self.image)], stdin=master, stdout=master, stderr=subprocess.DEVNULL
        )
        os.close(master)
        return self.url

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
            self._process = None
        if self._slave_fd >= 0:
            os.close(self._slave_fd)
            self._slave_fd = -1

    def __enter__(self) -> HostBoard:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
