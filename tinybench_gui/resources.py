"""Where tinybench's data files (``resources/``) are, in every way it is installed.

One lookup for three layouts:

- source checkout: ``<repo>/resources/<name>``;
- installed wheel: ``tinybench_gui/_resources/<name>`` (pyproject force-includes it there);
- PyInstaller bundle: the recipe in ``packaging/`` copies ``resources/`` to the same
  ``tinybench_gui/_resources`` beside the frozen package, so the wheel rule finds it.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


class ResourceNotFoundError(FileNotFoundError):
    """A data file is in none of the places tinybench is installed with."""


def resource_candidates(name: str, package_dir: Path | None = None) -> tuple[Path, ...]:
    """The places ``name`` may be, in the order they are tried."""
    root = package_dir or PACKAGE_DIR
    return (
        root / "_resources" / name,  # wheel and bundle
        root.parent / "resources" / name,  # source checkout
    )


def find_resource(name: str, package_dir: Path | None = None) -> Path:
    """The path of data file ``name`` (e.g. ``"boards.toml"``, ``"icons/tinybench.svg"``).

    Raises ``ResourceNotFoundError`` naming every place it looked.
    """
    candidates = resource_candidates(name, package_dir)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ResourceNotFoundError(
        f"{name} not found (looked in {', '.join(map(str, candidates))}); reinstall tinybench"
    )
