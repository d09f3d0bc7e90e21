"""The host board: the POSIX firmware build on a pseudo-terminal, for fast harness tests.

``HostBoard(image).start()`` returns the pty's path, which ``serial.serial_for_url`` opens like
any serial port; ``boot()`` then runs the firmware. Booting after the port is open matters:
pyserial flushes a port's input when it opens it, which would swallow the banner.
"""

from __future__ import annotations

import os
import subprocess
import tty
from pathlib import Path

from tinybench_gui.firmware.board_process import BoardProcess, end_process


class HostBoard(BoardProcess):
    """The host firmware build attached to a pty; ``url`` is the pty path."""

    def __init__(self, image: Path) -> None:
        self.image = Path(image)
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._slave_fd = -1
        self._master_fd = -1

    def start(self) -> str:
        """Create the pty; returns its path. The firmware runs only after :meth:`boot`."""
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: the firmware sees bytes as sent
        self._master_fd = master
        self._slave_fd = slave
        self.url = os.ttyname(slave)
        return self.url

    def boot(self) -> None:
        """Run the firmware (open the port first, or its banner is flushed away)."""
        self._process = subprocess.Popen(
            [str(self.image)], stdin=self._master_fd, stdout=self._master_fd,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(self._master_fd)
        self._master_fd = -1

    def stop(self) -> None:
        if self._process is not None:
            end_process(self._process)
            self._process = None
        for fd in (self._slave_fd, self._master_fd):
            if fd >= 0:
                os.close(fd)
        self._slave_fd = self._master_fd = -1
