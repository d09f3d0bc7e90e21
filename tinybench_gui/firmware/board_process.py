"""What the two board processes (``EmulatedBoard``, ``HostBoard``) share.

Each runs a firmware image in a child process: ``with board:`` starts it and stops it, and
stopping ends the child politely first (``end_process``).
"""

from __future__ import annotations

import subprocess
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


def end_process(process: subprocess.Popen[bytes], timeout_s: float = 5.0) -> None:
    """Terminate ``process``; kill it if it has not exited within ``timeout_s``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)


class BoardProcess(ABC):
    """A firmware image in a child process; ``with`` runs ``start()`` and ``stop()``."""

    @abstractmethod
    def start(self) -> str:
        """Start the board; returns the pyserial URL of its DUT port."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the board's process and close its ports. Safe to call twice."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
