"""The one thread that starts QEMU for the GUI.

``EmulatedBoard`` asks Linux to kill QEMU when its parent dies (``PR_SET_PDEATHSIG``), and
Linux means the parent *thread*: a board started on a short-lived worker dies with that
worker. So every QEMU the GUI starts (the emulated board, a flash through the ``qemu``
route) is started on this single thread, which lives as long as the application.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from tinybench_gui.devices.flashing import CancelToken, Flasher, FlashRequest, FlashResult

# ThreadPoolExecutor keeps its idle worker alive until shutdown (at interpreter exit).
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qemu-owner")


def run_on_qemu_thread(fn: Callable[[], Any]) -> Future[Any]:
    """Run ``fn`` on the QEMU-owning thread (returns at once)."""
    return _EXECUTOR.submit(fn)


class QemuFlashJob:
    """``Flasher.start`` for the ``qemu`` route, on the QEMU-owning thread (same callbacks)."""

    def __init__(
        self,
        flasher: Flasher,
        request: FlashRequest,
        *,
        on_progress: Callable[[Any], None],
        on_done: Callable[[FlashResult], None],
    ) -> None:
        self.cancel_token = CancelToken()
        token = self.cancel_token

        def work() -> None:
            on_done(flasher.flash(request, progress=on_progress, cancel=token))

        self._future = run_on_qemu_thread(work)

    def cancel(self) -> None:
        """Ask the flash to stop."""
        self.cancel_token.cancel()

    @property
    def done(self) -> bool:
        """Whether the flash finished."""
        return self._future.done()
