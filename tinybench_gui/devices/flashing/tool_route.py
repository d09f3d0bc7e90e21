"""What the vendor-CLI routes (STM32CubeProgrammer, OpenOCD) share: the run and its verdict.

``ToolRoute.flash`` finds the tool on PATH, runs the route's command line, turns cancel and
timeout into classified errors, then judges the output: success needs exit code 0, the
route's "written" marker and, when verifying, its "verified" marker; otherwise the route's
error table names the cause. Each route keeps its own argv (``command``), progress parsing
(``follow_output``), error table and markers in its module.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import ClassVar

from tinybench_gui.devices.flashing.errors import (
    FlashError,
    FlashErrorKind,
    OutputRule,
    classify_output,
)
from tinybench_gui.devices.flashing.image import FirmwareImage
from tinybench_gui.devices.flashing.model import (
    CancelToken,
    FlashProgress,
    FlashRequest,
    ProgressSink,
    RouteOutcome,
    RouteStatus,
)
from tinybench_gui.devices.flashing.tool_process import ToolRun, find_tool, run_tool


class ToolRoute(abc.ABC):
    """A flashing route that runs a vendor CLI as a subprocess."""

    name: str
    title: ClassVar[str]  # the route picker's name for it
    default_tool: ClassVar[str]  # the executable looked up on PATH
    error_rules: ClassVar[tuple[OutputRule, ...]]  # in priority order
    written_marker: ClassVar[str]  # printed once the image is written
    verified_marker: ClassVar[str]  # printed once the read-back matched

    def __init__(self, tool: str | None = None, install: str = "") -> None:
        self.tool = tool if tool is not None else self.default_tool
        self.install = install

    def availability(self) -> RouteStatus:
        """Available when the tool is on PATH, else how to get it."""
        found = find_tool(self.tool)
        return RouteStatus(
            self.name,
            self.title,
            found is not None,
            f"found {found}" if found else f"{self.tool} is not on PATH",
            self.install,
        )

    @abc.abstractmethod
    def command(self, request: FlashRequest, image: FirmwareImage) -> list[str]:
        """The argv for ``request``, starting with ``self.tool``."""

    @abc.abstractmethod
    def follow_output(self, progress: ProgressSink) -> Callable[[str], None]:
        """A callback that turns the tool's output chunks into progress reports."""

    @abc.abstractmethod
    def failure_detail(self, run: ToolRun) -> str:
        """What follows "<tool> exited with N" when no error rule matches the output."""

    @abc.abstractmethod
    def on_success(self, progress: ProgressSink) -> None:
        """After a successful run, report what the tool's output did not."""

    def flash(
        self,
        request: FlashRequest,
        image: FirmwareImage,
        progress: ProgressSink,
        cancel: CancelToken,
    ) -> RouteOutcome:
        """Run the tool, follow its output, then judge its exit code and verdict strings."""
        tool = find_tool(self.tool)
        if tool is None:
            raise FlashError(
                FlashErrorKind.TOOL_MISSING,
                f"{self.tool} is not installed or not on PATH",
                hint=self.install,
                route=self.name,
            )
        argv = self.command(request, image)
        argv[0] = tool
        on_output = self.follow_output(progress)
        progress(FlashProgress("connect", 0.0, " ".join(argv)))
        run = run_tool(argv, timeout_s=request.timeout_s, cancel=cancel, on_output=on_output)
        out = run.output
        if run.cancelled:
            raise FlashError(
                FlashErrorKind.CANCELLED, "flash cancelled", raw_output=out, route=self.name
            )
        if run.timed_out:
            raise FlashError(
                FlashErrorKind.TIMEOUT,
                f"{self.tool} did not finish within {request.timeout_s:g} s",
                raw_output=out,
                route=self.name,
            )
        written = self.written_marker in out
        verified = self.verified_marker in out
        if run.returncode != 0 or not written or (request.verify and not verified):
            found = classify_output(out, self.error_rules)
            if found is not None:
                kind, line = found
                raise FlashError(kind, f"{self.tool}: {line}", raw_output=out, route=self.name)
            raise FlashError(
                FlashErrorKind.FAILED,
                f"{self.tool} exited with {run.returncode}{self.failure_detail(run)}",
                raw_output=out,
                route=self.name,
            )
        self.on_success(progress)
        return RouteOutcome(verified=verified if request.verify else None, raw_output=out)
