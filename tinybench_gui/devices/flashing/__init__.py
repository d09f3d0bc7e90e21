"""Firmware flashing: image checks, routes (pyOCD, STM32CubeProgrammer, OpenOCD, drive copy,
QEMU) and the ``Flasher`` that runs them on a worker thread.

GUI use::

    flasher = Flasher()
    request = request_for_device(detected_device, Path("kws.elf"))
    statuses = flasher.route_statuses(board)           # for the route picker
    image, verdict = flasher.check(request)            # before enabling "Flash"
    job = flasher.start(request, on_progress=..., on_done=...)
    job.cancel()
"""

from tinybench_gui.devices.flashing.errors import FlashError, FlashErrorKind
from tinybench_gui.devices.flashing.flasher import (
    Flasher,
    FlashJob,
    default_routes,
    request_for_device,
)
from tinybench_gui.devices.flashing.image import (
    FirmwareImage,
    ImageCheck,
    ImageError,
    check_image,
    load_image,
)
from tinybench_gui.devices.flashing.model import (
    CancelToken,
    FlashProgress,
    FlashRequest,
    FlashResult,
    FlashRoute,
    RouteStatus,
)

__all__ = [
    "CancelToken",
    "FirmwareImage",
    "FlashError",
    "FlashErrorKind",
    "FlashJob",
    "FlashProgress",
    "FlashRequest",
    "FlashResult",
    "FlashRoute",
    "Flasher",
    "ImageCheck",
    "ImageError",
    "RouteStatus",
    "check_image",
    "default_routes",
    "load_image",
    "request_for_device",
]
