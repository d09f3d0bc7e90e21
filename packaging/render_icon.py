"""Render ``resources/icons/tinybench.svg`` to the 256 px PNG desktops and PyInstaller use.

Run after editing the SVG: ``QT_QPA_PLATFORM=offscreen python packaging/render_icon.py``.
The PNGs are committed, so building does not need this step.
"""

from __future__ import annotations

import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SIZE_PX = 256


def main() -> int:
    """Write ``tinybench.png`` (256 px) next to the SVG."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "tinybench.svg"))
    if not renderer.isValid():
        print(f"cannot read {ICONS / 'tinybench.svg'}", file=sys.stderr)
        return 1
    image = QImage(SIZE_PX, SIZE_PX, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out = ICONS / "tinybench.png"
    if not image.save(str(out)):
        print(f"cannot write {out}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
