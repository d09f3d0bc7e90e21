"""The runner's states and an immutable status snapshot for readers on other threads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunState(StrEnum):
    """Where a run is. Terminal states: DONE, FAILED, CANCELLED."""

    IDLE = "idle"
    PREPARING = "preparing"
    DOWNLOADING = "downloading"
    WARMING_UP = "warming up"
    MEASURING = "measuring"
    SCORING = "scoring"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether this state ends a run."""
        return self in (RunState.DONE, RunState.FAILED, RunState.CANCELLED)


@dataclass(frozen=True, slots=True)
class RunnerStatus:
    """A snapshot: safe to hand to any thread."""

    state: RunState = RunState.IDLE
    step: int = 0  # e.g. window or file index, 1-based when running
    steps: int = 0
    detail: str = ""
    eta_s: float | None = None
    reason: str | None = None  # why a run failed or was cancelled
