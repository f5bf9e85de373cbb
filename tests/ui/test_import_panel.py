"""Settings > Import: detected source, mapping with a live preview, dry run, import, rejected rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.db.models import Client
from desk_app.domain.permissions import Actor
from ui.context import UiContext
from ui.settings.import_panel import ImportPanel

# the offscreen platform cannot resize a shown window's hints (harmless; the panel's dialogs may show)
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
FIX = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def _count(ctx: UiContext) -> int:
    with ctx.services.db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Client)) or 0)


def test_generic_file_mapping_preview_dry_run_and_import(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    panel = ImportPanel(ctx)
    qtbot.addWidget(panel)
    assert not panel.import_button.isEnabled()
    panel.choose_file(FIX / "generic_gbk.csv")
    assert panel.preview is not None and panel.preview.source == "generic"
    assert not panel.mapping_card.isHidden() and "GBK" in panel.source_chip.text()
    assert panel.mapping.mapping()["name"] == "姓名"
    assert panel.preview_model.rowCount() == 6
    assert panel.preview_model.data(panel.preview_model.index(0, 2)) == "张三"
    assert "✕" in panel.preview_model.data(panel.preview_model.index(4, 1))
    # un-map the name: the preview says what is missing, the import cannot start
    panel.mapping.set_field("name", "__none__")
    assert "name" in panel.source_chip.text() and not panel.import_button.isEnabled()
    panel.mapping.set_field("name", "姓名")
    assert panel.import_button.isEnabled()
    panel.run_import(dry_run=True)
    assert "nothing was saved" in panel.result_label.text() and _count(ctx) == 0
    with qtbot.waitSignal(ctx.signals.data_changed):
        panel.run_import(dry_run=False)
    assert _count(ctx) == 3 and panel.rejected_model.rowCount() == 2
    assert "3 new clients, 1 merged" in panel.result_label.text()


def test_known_source_hides_the_mapping(qtbot: QtBot, ctx: UiContext) -> None:
    panel = ImportPanel(ctx)
    qtbot.addWidget(panel)
    panel.choose_file(FIX / "square_customers.csv")
    assert panel.preview is not None and panel.preview.source == "square"
    assert panel.mapping_card.isHidden() and "Square" in panel.source_chip.text()
