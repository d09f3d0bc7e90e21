"""tinybench: a measurement workstation for the MLPerf Tiny benchmark.

The package is a Qt-free core (``protocol``, ``devices``, ``streams``, ``runner``,
``storage``, ``models``, ``benchmarks``) with a PySide6 GUI in ``gui`` on top.
"""

__version__ = "0.1.0"
