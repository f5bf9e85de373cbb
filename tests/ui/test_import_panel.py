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
    assert "name" in panel.read_error.text() and not panel.import_button.isEnabled()
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


def _quick_ctx(ctx: UiContext, db_path: Path) -> UiContext:
    """The same shop, seen through a database that waits only 0.2 s for another desk's write lock."""
    from desk_app.container import Services
    from desk_app.db.engine import Database

    quick = Database.open(db_path, ctx.services.db.clock, busy_timeout_ms=200)
    return UiContext(services=Services(quick, clock=quick.clock), runner=ctx.runner, shop=ctx.shop, actor=ctx.actor)


def test_a_busy_database_is_told_in_words_not_something_went_wrong(
    qtbot: QtBot, ctx: UiContext, db_path: Path
) -> None:
    """#14 item 7: another desk holding the write lock past the busy timeout was shown as
    "Something went wrong"; it now says the database is busy and to try again."""
    import sqlite3

    from desk_app.errors import DatabaseBusy
    from tests.ui.test_counter_newcomer import _answer_next_box
    from ui.shared.widgets import error_text

    quick = _quick_ctx(ctx, db_path)
    panel = ImportPanel(quick)
    qtbot.addWidget(panel)
    panel.choose_file(FIX / "generic_gbk.csv")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another desk in the middle of a long write
    seen: list[str] = []
    try:
        _answer_next_box("OK", seen)
        panel.run_import(dry_run=False)
        qtbot.waitUntil(lambda: bool(seen))
        with pytest.raises(Exception) as raw:  # outside a unit of work: SQLite's own words...
            with quick.services.db.engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        holder.rollback()
        holder.close()
    busy = DatabaseBusy().message
    assert seen == [busy] and "try again in a moment" in busy
    assert error_text(raw.value) == busy  # ...shown in the same words
    assert _count(ctx) == 0 and panel.import_button.isEnabled()
    quick.services.db.dispose()


def test_an_import_stopped_by_a_busy_database_shows_what_was_saved(
    qtbot: QtBot, ctx: UiContext, db_path: Path, tmp_path: Path
) -> None:
    import csv
    import sqlite3
    import threading
    import time

    from desk_app.clients.importer import BATCH_ROWS
    from tests.ui.test_counter_newcomer import _answer_next_box

    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "手机号"])
        w.writerows([f"顾客{i}", f"139{i:08d}"] for i in range(3 * BATCH_ROWS))
    quick = _quick_ctx(ctx, db_path)
    panel = ImportPanel(quick)
    qtbot.addWidget(panel)
    panel.choose_file(path)
    done = threading.Event()

    def other_desk() -> None:  # takes the write lock after the first batch and keeps it 1 s
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=5)
        try:
            while not done.is_set():
                if conn.execute("SELECT count(*) FROM clients").fetchone()[0]:
                    conn.execute("BEGIN IMMEDIATE")
                    time.sleep(1.0)
                    conn.execute("ROLLBACK")
                    return
                time.sleep(0.005)
        finally:
            conn.close()

    desk = threading.Thread(target=other_desk)
    desk.start()
    seen: list[str] = []
    try:
        _answer_next_box("OK", seen)
        panel.run_import(dry_run=False)
        qtbot.waitUntil(lambda: bool(seen), timeout=30_000)
    finally:
        done.set()
        desk.join(timeout=10)
    saved = _count(ctx)
    assert 0 < saved < 3 * BATCH_ROWS
    assert f"{saved} of {3 * BATCH_ROWS} clients were saved" in seen[0] and "database is busy" in seen[0]
    text = panel.result_label.text()
    assert "Stopped part-way" in text and f"{saved} new clients" in text and "✓" not in text
    quick.services.db.dispose()
