"""This desk's own settings: kept on this computer (the user data folder), checked, written
atomically, never taken from a damaged file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from desk_app.desk import DeskSettings, check, desk_file, load_desk, save_desk
from desk_app.paths import data_dir


def test_a_desk_starts_with_no_printer_and_keeps_what_it_saves(tmp_path: Path) -> None:
    assert desk_file().parent == data_dir()  # on this computer, beside the shop's own files
    assert load_desk() == DeskSettings() and DeskSettings().printer_kind == "none"
    mine = DeskSettings(receipt_printer="tcp://192.168.1.50:9100", paper="58mm", escpos_profile="TM-T88V",
                        auto_print=True, cash_drawer=True, drawer_pin=5)
    save_desk(mine)
    assert load_desk() == mine and mine.printer_kind == "escpos" and mine.columns == 32
    system = DeskSettings(receipt_printer="system:Front desk laser", paper="a5")
    save_desk(system, tmp_path / "other.json")
    assert load_desk(tmp_path / "other.json").system_printer == "Front desk laser"
    assert load_desk() == mine  # another file, another desk
    assert [p.name for p in desk_file().parent.iterdir() if p.name.startswith(".desk-")] == []  # no temp left


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (DeskSettings(receipt_printer="lpt1"), "not a printer address"),
        (DeskSettings(receipt_printer="tcp://"), "not a receipt printer address"),
        (DeskSettings(paper="a3"), "paper"),
        (DeskSettings(cash_drawer=True), "cash drawer"),
        (DeskSettings(receipt_printer="system:", cash_drawer=True), "cash drawer"),
        (DeskSettings(receipt_printer="usb:0x0416:0x5011", drawer_pin=3), "drawer pin"),
        (DeskSettings(sheet_printer="tcp://1.2.3.4"), "sheet printer"),
        (DeskSettings(escpos_profile="../etc"), "profile"),
        (DeskSettings(receipt_printer="tcp://10.0.0.9", paper="a5"), "80 mm or 58 mm roll"),
    ],
)
def test_what_cannot_work_is_refused_with_words(settings: DeskSettings, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        check(settings)
    with pytest.raises(ValueError):
        save_desk(settings)
    assert not desk_file().exists()  # a refused save writes nothing


def test_a_damaged_or_strange_file_means_defaults_not_a_crash() -> None:
    path = desk_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    for content in ("{not json", "[1, 2]", json.dumps({"paper": "a3"}), json.dumps({"drawer_pin": "two"})):
        path.write_text(content, encoding="utf-8")
        assert load_desk() == DeskSettings()
    path.write_text(json.dumps({"paper": "58mm", "unknown": 1}), encoding="utf-8")
    assert load_desk() == replace(DeskSettings(), paper="58mm")  # what it knows, from an older or newer app
