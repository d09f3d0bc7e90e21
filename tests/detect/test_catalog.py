"""The board catalog: loads, is consistent, and is found in the wheel layout too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tinybench_gui.devices.catalog import (
    CatalogError,
    catalog_path,
    load_catalog,
    parse_catalog,
)

REPO = Path(__file__).resolve().parents[2]


def test_catalog_covers_the_reference_bench() -> None:
    cat = load_catalog()
    dut = cat.get("nucleo-l4r5zi")
    assert dut.role == "dut"
    assert dut.pyocd.target == "stm32l4r5zitx"
    assert dut.flash is not None
    assert dut.flash.base == 0x08000000
    assert dut.baud_rate_for("performance") == 115200
    assert dut.baud_rate_for("performance", "ad01") == 921600
    assert dut.baud_rate_for("energy", "ad01") == 9600
    assert cat.get("stm32h573i-dk").role == "io_board"
    assert cat.get("lpm01a").probe_baud_rates == (3686400,)
    # Several Nucleos share the ST-LINK/V2-1 VID:PID: detection must not pick one blindly.
    shared = cat.by_usb(0x0483, 0x374B)
    assert len(shared) >= 3
    assert {s.role for s in shared} == {"dut"}
    assert cat.by_msd_volume("node_l4r5zi") is dut


def test_every_route_has_install_hint() -> None:
    cat = load_catalog()
    for spec in cat.devices:
        for route in spec.routes:
            assert cat.routes[route].install, (spec.id, route)


def test_catalog_found_in_wheel_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINYBENCH_CATALOG", raising=False)
    package = tmp_path / "site-packages" / "tinybench_gui"
    (package / "_resources").mkdir(parents=True)
    shutil.copy(REPO / "resources" / "boards.toml", package / "_resources" / "boards.toml")
    assert catalog_path(package) == package / "_resources" / "boards.toml"
    assert catalog_path(REPO / "tinybench_gui") == REPO / "resources" / "boards.toml"
    with pytest.raises(CatalogError, match="not found"):
        catalog_path(tmp_path / "nowhere" / "tinybench_gui")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema = 2", "unsupported schema"),
        ('schema = 1\n[[device]]\nid = "x"\nrole = "toaster"', "role 'toaster'"),
        ('schema = 1\n[[device]]\nid = "x"\nrole = "dut"\nusb = ["nothex"]', "VVVV:PPPP"),
        ('schema = 1\n[[device]]\nid = "x"\nrole = "dut"\nroutes = ["magic"]', "unknown routes"),
        (
            'schema = 1\n[[device]]\nid = "x"\nrole = "dut"\n[[device]]\nid = "x"\nrole = "dut"',
            "duplicate",
        ),
        ("schema = ", "not valid TOML"),
    ],
)
def test_malformed_catalog_is_named(text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(text)
