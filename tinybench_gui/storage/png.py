"""A tiny PNG writer and trace plot (numpy + zlib; no Qt, no matplotlib).

The energy_inf_NNN.png files of a submission only need to exist and show the
window's trace; this draws the min/max band of a view in a frame labelled with its
current range, time span and window (glyphs.py holds the font).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

from tinybench_gui.storage.glyphs import GLYPH_H, draw_text, text_width

RGB = tuple[int, int, int]
_BAND: RGB = (31, 119, 180)
_MEAN: RGB = (8, 48, 107)
_FRAME: RGB = (60, 60, 60)
_GRID: RGB = (225, 225, 225)
_TEXT: RGB = (40, 40, 40)
# Room for the value labels on the left, the title above and the time span below.
_LEFT_PX, _TOP_PX, _RIGHT_PX, _BOTTOM_PX = 72, 20, 12, 20


def encode_png(rgb: npt.NDArray[np.uint8]) -> bytes:
    """PNG bytes of an (height, width, 3) uint8 image."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("encode_png needs an (h, w, 3) uint8 array")
    h, w, _ = rgb.shape
    raw = np.zeros((h, 1 + 3 * w), np.uint8)  # filter byte 0 (None) per row
    raw[:, 1:] = rgb.reshape(h, 3 * w)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def plot_band(
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    mean: npt.NDArray[np.float64] | None = None,
    *,
    height: int = 300,
    unit: str = "",
    span_s: float | None = None,
    title: str = "",
) -> bytes:
    """PNG of a min/max band (one column per value) with its mean line and a frame.

    Labelled with the plotted range (top and bottom values in ``unit``), the time
    span under the frame (``span_s``) and ``title`` above it.
    """
    n = lo.shape[0]
    left, top, right, bottom = _LEFT_PX, _TOP_PX, _RIGHT_PX, _BOTTOM_PX
    width = left + n + right
    img = np.full((top + height + bottom, width, 3), 255, np.uint8)
    finite = np.isfinite(lo) & np.isfinite(hi)
    for k in range(1, 5):  # horizontal grid at quarters
        img[top + k * height // 5, left : left + n] = _GRID
    if finite.any():
        y_min = float(np.min(lo[finite]))
        y_max = float(np.max(hi[finite]))
        span = (y_max - y_min) or (abs(y_max) or 1.0)
        pad = 0.05 * span
        y_min, y_max = y_min - pad, y_max + pad

        def row(v: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
            frac = (v - y_min) / (y_max - y_min)
            r = top + np.round((1.0 - frac) * (height - 1)).astype(np.int64)
            return np.clip(r, top, top + height - 1)

        upper = row(np.where(finite, hi, y_min))
        lower = row(np.where(finite, lo, y_min))
        for x in np.flatnonzero(finite):
            img[upper[x] : lower[x] + 1, left + x] = _BAND
        if mean is not None:
            ok = np.isfinite(mean)
            rows = row(np.where(ok, mean, y_min))
            xs = np.flatnonzero(ok)
            img[rows[xs], left + xs] = _MEAN
        suffix = f" {unit}" if unit else ""
        for value, y in ((y_max, top), (y_min, top + height - GLYPH_H)):
            text = f"{value:.4g}{suffix}"
            draw_text(img, left - 4 - text_width(text), y, text, _TEXT)
    img[top, left : left + n] = _FRAME
    img[top + height - 1, left : left + n] = _FRAME
    img[top : top + height, left] = _FRAME
    img[top : top + height, left + n - 1] = _FRAME
    if span_s is not None:
        below = top + height + 4
        draw_text(img, left, below, "0 s", _TEXT)
        end = f"{span_s:.4g} s"
        draw_text(img, left + n - text_width(end), below, end, _TEXT)
    if title:
        draw_text(img, left, (top - GLYPH_H) // 2, title, _TEXT)
    return encode_png(img)
