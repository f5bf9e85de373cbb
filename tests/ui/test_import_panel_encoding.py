"""Settings > Import, issue 22: the preview says which encoding the CSV was read in; choosing
another reads the file again and the preview follows; one the file is not in says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.db.models import Client
from ui.context import UiContext
from ui.settings.import_panel import ImportPanel

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def _name_in_preview(panel: ImportPanel) -> object:
    return panel.preview_model.data(panel.preview_model.index(0, 2))


def _choose(panel: ImportPanel, encoding: str) -> None:
    panel.encoding.setCurrentIndex(panel.encoding.findData(encoding))  # as staff pick it in the list


def test_changing_the_encoding_reads_the_file_again(qtbot: QtBot, ctx: UiContext, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("Name,Phone\nHélène Andréa,13812345678\n".encode("cp1252"))
    panel = ImportPanel(ctx)
    qtbot.addWidget(panel)
    panel.choose_file(path)
    assert panel.current_encoding() == "auto" and _name_in_preview(panel) == "Hélène Andréa"
    assert "Windows-1252" in panel.encoding.currentText() and "Windows-1252" in panel.source_chip.text()
    _choose(panel, "gb18030")
    assert _name_in_preview(panel) == "H閘鑞e Andr閍"  # what the file looks like read as GBK
    assert "GB18030" in panel.source_chip.text() and panel.import_button.isEnabled()
    _choose(panel, "utf-8-sig")  # not UTF-8: said in place of the preview, nothing can be imported
    assert panel.preview_model.rowCount() == 0 and not panel.import_button.isEnabled()
    assert "cannot be read as UTF-8" in panel.read_error.text() and not panel.source_chip.isVisible()
    _choose(panel, "cp1252")
    assert _name_in_preview(panel) == "Hélène Andréa" and panel.import_button.isEnabled()
    assert panel.read_error.text() == ""
    # at the counter screen's width the panel needs no sideways scrolling (newcomer walk)
    assert panel.minimumSizeHint().width() <= 1140, panel.minimumSizeHint()
    with qtbot.waitSignal(ctx.signals.data_changed):
        panel.run_import(dry_run=False)
    assert "Read as Windows-1252" in panel.result_label.text()
    with ctx.services.db.uow(write=False) as uow:
        assert list(uow.session.scalars(select(Client.name))) == ["Hélène Andréa"]
    panel.choose_file(path)  # another file (or the same again) is detected afresh
    assert panel.current_encoding() == "auto"
