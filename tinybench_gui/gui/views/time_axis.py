"""The trace's time axis, cheap enough to repaint on every scrolled frame.

While the trace follows live data its time range changes on every frame, so
the axis is redrawn 30 times a second. pyqtgraph's ``AxisItem`` measures every
label of three tick levels with ``QPainter.boundingRect``, records the result
into a ``QPicture`` and plays it back: about 2.5 ms a frame here, as much as
the whole current trace. This axis draws labelled major ticks and unlabelled
minor ticks straight to the painter, measuring labels with font metrics;
everything else (the axis label, links, mouse handling) is ``AxisItem``'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

MANTISSAS = (1.0, 2.0, 5.0)
LABEL_GAP_PX = 24.0  # free space between two labels
MINOR_TICK_ALPHA = 110


@dataclass(slots=True)
class Ticks:
    """Where to draw, in pixels from the axis' left end."""

    step: float = 0.0
    major_px: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # one per major tick
    minor_px: list[float] = field(default_factory=list)


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _label(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def ticks(lo: float, hi: float, width_px: float, text_px: Callable[[str], float]) -> Ticks:
    """Ticks for seconds ``[lo, hi]`` over ``width_px``: the smallest 1-2-5 step whose
    widest label (``text_px`` measures one) still leaves ``LABEL_GAP_PX`` free."""
    span = hi - lo
    if not span > 0 or not width_px > 0:
        return Ticks()
    widest = -max(abs(lo), abs(hi))  # with a sign: as wide as a label gets
    exponent = math.floor(math.log10(span / max(width_px / 30.0, 1.0)))
    step = span
    for _ in range(40):
        fits = [
            m * 10.0**exponent
            for m in MANTISSAS
            if m * 10.0**exponent / span * width_px
            >= text_px(_label(widest, _decimals(m * 10.0**exponent))) + LABEL_GAP_PX
        ]
        if fits:
            step = fits[0]
            break
        exponent += 1
    decimals = _decimals(step)
    mantissa = round(step / 10.0 ** math.floor(math.log10(step) + 1e-9))
    minor = step / (4.0 if mantissa == 2 else 5.0)  # 0.5 under a 2, else fifths
    per_major = round(step / minor)
    scale = width_px / span
    out = Ticks(step=step)
    for k in range(math.ceil(lo / minor), math.floor(hi / minor) + 1):
        x = (k * minor - lo) * scale
        if k % per_major == 0:
            out.major_px.append(x)
            out.labels.append(_label(k * minor, decimals))
        else:
            out.minor_px.append(x)
    return out


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """A bottom axis in seconds: major ticks with labels, minor ticks without."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("bottom", **kwargs)
        self.enableAutoSIPrefix(False)
        self._metrics: tuple[QFont, QFontMetricsF] | None = None

    def _font_metrics(self, painter: QPainter) -> QFontMetricsF:
        font = self.style["tickFont"] or painter.font()
        if self._metrics is None or self._metrics[0] != font:
            self._metrics = (QFont(font), QFontMetricsF(font))
        painter.setFont(font)
        return self._metrics[1]

    def paint(self, painter: QPainter, *_args: object) -> None:
        lo, hi = sorted(float(v) for v in self.range)
        bounds = self.mapRectFromParent(self.geometry())
        metrics = self._font_metrics(painter)
        found = ticks(lo, hi, bounds.width(), metrics.horizontalAdvance)
        if not found.major_px and not found.minor_px:
            return
        left, top, right = bounds.left(), bounds.top(), bounds.right()
        tick_px = float(self.style["tickLength"])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(self.pen())
        painter.drawLine(QLineF(left, top, right, top))
        tick_pen = QPen(self.tickPen())
        painter.setPen(tick_pen)
        painter.drawLines([QLineF(left + x, top, left + x, top + tick_px) for x in found.major_px])
        faint = QColor(tick_pen.color())
        faint.setAlpha(MINOR_TICK_ALPHA)
        tick_pen.setColor(faint)
        painter.setPen(tick_pen)
        minor = tick_px / 1.5
        painter.drawLines([QLineF(left + x, top, left + x, top + minor) for x in found.minor_px])
        painter.setPen(self.textPen())
        baseline = top + max(0.0, tick_px) + self.style["tickTextOffset"][1] + metrics.ascent()
        for x, text in zip(found.major_px, found.labels, strict=True):
            half = metrics.horizontalAdvance(text) / 2.0
            if left <= left + x - half and left + x + half <= right:
                painter.drawText(QPointF(left + x - half, baseline), text)
