"""The host side of the DUT protocol: identify, download an input, infer, read results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tinybench_gui.devices.capabilities import CommandChannel
from tinybench_gui.devices.transport import LinkError, LinkTimeoutError
from tinybench_gui.protocol.framing import READY_LINE, hex_chunks
from tinybench_gui.protocol.replies import (
    ErrorReply,
    InferDone,
    LapReply,
    LoadDone,
    ModelReply,
    NameReply,
    ProfileReply,
    Reply,
    Response,
    ResultsReply,
    TimestampMode,
    TimestampModeReply,
    parse_reply,
)

_LAP_WRAP_US = 1 << 32  # m-lap-us is an unsigned long on the DUT: 32 bits on a Cortex-M
_LATE_ANSWER_S = 0.5  # quiet time that swallows a late answer to a retried command


class DutError(LinkError):
    """The DUT refused a command (``e-[...]``) or answered something unexpected."""


@dataclass(frozen=True, slots=True)
class DutIdentity:
    """What the DUT says about itself."""

    name: str
    profile: str
    model: str
    timestamp_mode: TimestampMode | None  # from the banner or the `timestamp` probe
    banner: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InferResult:
    """One ``infer N W`` round: the timed region and the output vector."""

    iterations: int
    warmups: int
    lap_start_us: int | None
    lap_end_us: int | None
    results: tuple[float, ...]
    lines: tuple[str, ...] = field(default=())

    @property
    def elapsed_us(self) -> int | None:
        """Microseconds between the two timestamps (wrap-around of the 32-bit timer handled)."""
        if self.lap_start_us is None or self.lap_end_us is None:
            return None
        return (self.lap_end_us - self.lap_start_us) % _LAP_WRAP_US

    @property
    def throughput_inf_s(self) -> float | None:
        """Inferences per second over the timed region."""
        elapsed = self.elapsed_us
        if not elapsed:
            return None
        return self.iterations / (elapsed / 1e6)


ReplyCallback = Callable[[Reply], None]
ProgressCallback = Callable[[int, int], None]  # (bytes sent, bytes total)
CancelCheck = Callable[[], bool]


class DownloadCancelledError(RuntimeError):
    """A download was stopped between two chunks at the user's request."""


class DutClient:
    """Drives a DUT through a ``CommandChannel``; used by one thread at a time."""

    def __init__(self, channel: CommandChannel, *, name_retries: int = 3) -> None:
        self.channel = channel
        self.name_retries = name_retries
        self.identity: DutIdentity | None = None

    # -- helpers ----------------------------------------------------------------------
    def _check(self, response: Response, fix: str) -> Response:
        if response.errors:
            raise DutError(
                f"DUT answered e-[{response.errors[0]}]",
                port=self.channel.url,
                command=response.command,
                last_line=response.lines[-2] if len(response.lines) > 1 else None,
                fix=fix,
            )
        return response

    def _unexpected(self, what: str, response: Response, fix: str) -> DutError:
        last = response.lines[-2] if len(response.lines) > 1 else None
        return DutError(
            what, port=self.channel.url, command=response.command, last_line=last, fix=fix
        )

    # -- identification ---------------------------------------------------------------
    def identify(self) -> DutIdentity:
        """Purge stale output, then ask ``name``, ``profile`` and probe the build mode."""
        stale = self.drain()
        banner_mode: TimestampMode | None = None
        for line in stale:
            reply = parse_reply(line)
            if isinstance(reply, TimestampModeReply):
                banner_mode = reply.mode
        name = self._name()
        profile = self.channel.transact("profile")
        profile_reply = profile.first(ProfileReply)
        model_reply = profile.first(ModelReply)
        if model_reply is None:
            raise self._unexpected(
                "no m-model-[...] in the answer to profile",
                profile,
                "this firmware is not an MLPerf Tiny benchmark build",
            )
        mode = banner_mode or self.probe_timestamp_mode()
        self.identity = DutIdentity(
            name=name,
            profile=profile_reply.profile if profile_reply else "",
            model=model_reply.model,
            timestamp_mode=mode,
            banner=tuple(stale),
        )
        return self.identity

    def drain(self, *, quiet_s: float = 0.15, max_s: float = 2.0) -> list[str]:
        """Read and return stale output until the line is quiet for ``quiet_s``.

        A board that was just reset may still be printing its banner; a command sent
        into that would be answered out of step.
        """
        lines = self.channel.purge()
        deadline = time.monotonic() + max_s
        while time.monotonic() < deadline:
            try:
                lines.append(self.channel.read_line(quiet_s))
            except LinkTimeoutError:
                break
        return lines

    def _name(self) -> str:
        last: Response | None = None
        for attempt in range(self.name_retries):
            sent_s = time.monotonic()
            last = self.channel.transact("name")
            reply = last.first(NameReply)
            if reply is not None and reply.device == "dut":
                if attempt:
                    # The answer may be the one to the first `name`, read late (a banner's
                    # m-ready ended that transaction): the retry's own answer is still on
                    # its way and would answer the next command. Wait it out, however slow
                    # this DUT answers.
                    late_s = 2 * (time.monotonic() - sent_s)
                    self.drain(quiet_s=max(_LATE_ANSWER_S, late_s), max_s=max(2.0, 2 * late_s))
                return reply.name
            self.drain()
        assert last is not None
        raise self._unexpected(
            "no m-name-dut-[...] in the answer to name",
            last,
            "is this a DUT? An interface board answers with its own name; check the port",
        )

    def probe_timestamp_mode(self) -> TimestampMode:
        """Ask ``timestamp%``: a performance build prints ``m-lap-us-``, an energy build doesn't."""
        response = self.channel.transact("timestamp")
        return "performance" if response.laps_us else "energy"

    # -- inputs -------------------------------------------------------------------------
    def load(
        self,
        payload: bytes,
        *,
        progress: ProgressCallback | None = None,
        cancelled: CancelCheck | None = None,
    ) -> None:
        """``db load N`` then lowercase-hex chunks, one round trip each, until ``m-load-done``."""
        if not payload:
            raise ValueError("nothing to download: the input is empty")
        self._check(
            self.channel.transact(f"db load {len(payload)}"),
            "the input is larger than this firmware's MAX_DB_INPUT_SIZE, or it is another model",
        )
        chunks = hex_chunks(payload, self.channel.chunk_bytes)
        sent = 0
        last: Response | None = None
        for chunk in chunks:
            if cancelled is not None and cancelled():
                raise DownloadCancelledError("download cancelled")
            last = self._check(
                self.channel.transact(chunk),
                "bytes were corrupted on the line: check the baud rate",
            )
            sent += (len(chunk) - 3) // 2
            if progress is not None:
                progress(sent, len(payload))
        assert last is not None
        if last.first(LoadDone) is None:
            raise self._unexpected(
                f"no m-load-done after {len(payload)} bytes",
                last,
                "bytes were lost on the line: check the baud rate and the cable",
            )

    # -- inference ------------------------------------------------------------------------
    def infer(
        self,
        iterations: int,
        warmups: int,
        *,
        line_timeout_s: float = 30.0,
        on_reply: ReplyCallback | None = None,
    ) -> InferResult:
        """``infer N W`` with W always explicit (the firmware's default is W=10)."""
        if iterations < 1 or warmups < 0:
            raise ValueError("iterations must be >= 1 and warmups >= 0")
        command = f"infer {iterations} {warmups}"
        self.channel.send(command)
        lines: list[str] = []
        laps: list[int] = []
        results: tuple[float, ...] | None = None
        errors: list[str] = []
        done = False
        while True:
            line = self.channel.read_line(line_timeout_s, command=command)
            lines.append(line)
            reply = parse_reply(line)
            if on_reply is not None:
                on_reply(reply)
            if isinstance(reply, LapReply):
                laps.append(reply.lap_us)
            elif isinstance(reply, ResultsReply):
                results = reply.values
            elif isinstance(reply, ErrorReply):
                errors.append(reply.message)
            elif isinstance(reply, InferDone):
                done = True
            elif line.strip() == READY_LINE:
                break
        response = Response.from_lines(command, lines)
        self._check(response, "send `infer N W` with N >= 1 and W >= 0")
        if not done or results is None:
            raise self._unexpected(
                "the inference did not finish (no m-infer-done or m-results)",
                response,
                "the firmware may have crashed: reset the board and check its banner",
            )
        return InferResult(
            iterations=iterations,
            warmups=warmups,
            lap_start_us=laps[0] if len(laps) >= 2 else None,
            lap_end_us=laps[-1] if len(laps) >= 2 else None,
            results=results,
            lines=tuple(lines),
        )

    def results(self) -> tuple[float, ...]:
        """``results%``: the last output vector again."""
        response = self._check(self.channel.transact("results"), "run an inference first")
        values = response.results
        if values is None:
            raise self._unexpected("no m-results-[...]", response, "run an inference first")
        return values
