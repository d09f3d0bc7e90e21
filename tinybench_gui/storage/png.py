"""A tiny PNG writer and trace plot (numpy + zlib; no Qt, no matplotlib).

The energy_inf_NNN.png files of a submission only need to exist and show the
window's trace; this draws the min/max band of a view with a plain frame.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

RGB = tuple[int, int, int]
_BAND: RGB = (31, 119, 180)
_MEAN: RGB = (8, 48, 107)
_FRAME: RGB = (60, 60, 60)
_GRID: RGB = (225, 225, 225)


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
    margin: int = 20,
) -> bytes:
    """PNG of a min/max band (one column per value) with its mean line and a frame."""
    n = lo.shape[0]
    width = n + 2 * margin
    img = np.full((height + 2 * margin, width, 3), 255, np.uint8)
    finite = np.isfinite(lo) & np.isfinite(hi)
    for k in range(1, 5):  # horizontal grid at quarters
        img[margin + k * height // 5, margin : margin + n] = _GRID
    if finite.any():
        y_min = float(np.min(lo[finite]))
        y_max = float(np.max(hi[finite]))
        span = (y_max - y_min) or (abs(y_max) or 1.0)
        pad = 0.05 * span
        y_min, y_max = y_min - pad, y_max + pad

        def row(v: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
            frac = (v - y_min) / (y_max - y_min)
            r = margin + np.round((1.0 - frac) * (height - 1)).astype(np.int64)
            return np.clip(r, margin, margin + height - 1)

        top = row(np.where(finite, hi, y_min))
        bottom = row(np.where(finite, lo, y_min))
        for x in np.flatnonzero(finite):
            img[top[x] : bottom[x] + 1, margin + x] = _BAND
        if mean is not None:
            ok = np.isfinite(mean)
            rows = row(np.where(ok, mean, y_min))
            xs = np.flatnonzero(ok)
            img[rows[xs], margin + xs] = _MEAN
    img[margin, margin : margin + n] = _FRAME
    img[margin + height - 1, margin : margin + n] = _FRAME
    img[margin : margin + height, margin] = _FRAME
    img[margin : margin + height, margin + n - 1] = _FRAME
    return encode_png(img)
