"""Data files, the icon and the .desktop entry: found in every layout, and well formed."""

from __future__ import annotations

import configparser
import struct
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.packaging.helpers import REPO
from tinybench_gui.devices.catalog import CatalogError, catalog_path
from tinybench_gui.resources import ResourceNotFoundError, find_resource, resource_candidates


def test_source_tree_resources_are_found() -> None:
    assert find_resource("boards.toml") == REPO / "resources" / "boards.toml"
    assert find_resource("icons/tinybench.svg") == REPO / "resources" / "icons" / "tinybench.svg"


def test_wheel_layout_wins_over_the_source_tree(tmp_path: Path) -> None:
    package = tmp_path / "site-packages" / "tinybench_gui"
    (package / "_resources" / "icons").mkdir(parents=True)
    (package / "_resources" / "icons" / "tinybench.png").write_bytes(b"png")
    (tmp_path / "site-packages" / "resources").mkdir()
    (tmp_path / "site-packages" / "resources" / "tinybench.desktop").write_text("[Desktop Entry]")
    found = find_resource("icons/tinybench.png", package)
    assert found == package / "_resources" / "icons" / "tinybench.png"
    # The second place is still tried when the first lacks the file.
    desktop = find_resource("tinybench.desktop", package)
    assert desktop == tmp_path / "site-packages" / "resources" / "tinybench.desktop"


def test_missing_resource_names_every_place(tmp_path: Path) -> None:
    package = tmp_path / "tinybench_gui"
    with pytest.raises(ResourceNotFoundError) as info:
        find_resource("nothing.txt", package)
    for place in resource_candidates("nothing.txt", package):
        assert str(place) in str(info.value)
    with pytest.raises(CatalogError, match="TINYBENCH_CATALOG"):
        catalog_path(package)


def test_wheel_force_includes_the_resources_where_the_lookup_looks() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    force = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["resources"] == "tinybench_gui/_resources"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(find_resource("tinybench.desktop").read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_desktop_entry_launches_the_gui_script() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "tinybench"
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    gui_scripts = config["project"]["gui-scripts"]
    program = entry["Exec"].split()[0]
    assert program in gui_scripts
    assert entry["TryExec"] == program
    assert entry["Terminal"] == "false"
    # Categories and Keywords are lists that must end with ';' (desktop entry spec).
    assert entry["Categories"].endswith(";")
    assert entry["Keywords"].endswith(";")
    assert find_resource(f"icons/{entry['Icon']}.svg").is_file()
    assert find_resource(f"icons/{entry['Icon']}.png").is_file()


def test_icons_are_a_valid_svg_and_a_256px_png() -> None:
    root = ET.parse(find_resource("icons/tinybench.svg")).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"
    png = find_resource("icons/tinybench.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width_px, height_px = struct.unpack(">II", png[16:24])
    assert (width_px, height_px) == (256, 256)
