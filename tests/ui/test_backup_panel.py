"""Settings > Backups: back up now with progress, choose the folder, restore a chosen backup after a confirm."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app.db.models import Client
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from ui.context import UiContext
from ui.settings import backup as settings_backup
from ui.settings.backup import BackupPanel


def _names(ctx: UiContext) -> set[str]:
    with ctx.services.db.uow(write=False) as uow:
        return set(uow.session.scalars(select(Client.name)))


def test_backup_now_then_restore_it(
    qtbot: QtBot,
    ctx: UiContext,
    owner: Actor,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    panel = BackupPanel(ctx)
    qtbot.addWidget(panel)
    assert "No backup yet" in panel.status.text() and not panel.restore_button.isEnabled()
    panel.set_folder(str(tmp_path / "usb"))
    assert panel.folder_label.text() == str(tmp_path / "usb")
    ctx.services.clients.create(owner, {"name": "Before", "phone": "13812345678"})
    panel.backup_now()
    assert "Backed up today" in panel.status.text() and "checked" in panel.notice.text()
    assert panel.files.rowCount() == 1 and panel.restore_button.isEnabled()
    assert panel.progress.isHidden()
    ctx.services.clients.create(owner, {"name": "After", "phone": "13812345679"})
    asked: list[str] = []
    monkeypatch.setattr(settings_backup, "confirm", lambda _p, title, _t: asked.append(title) or False)
    panel.table.selectRow(0)
    panel._restore_selected()
    assert asked and _names(ctx) == {"Before", "After"}  # said no: nothing changed
    monkeypatch.setattr(settings_backup, "confirm", lambda *_a: True)
    with qtbot.waitSignal(ctx.signals.data_changed):
        panel._restore_selected()
    assert _names(ctx) == {"Before"}
    assert "Restored" in panel.notice.text() and "kept as" in panel.notice.text()


def test_keep_setting_and_a_broken_file(
    qtbot: QtBot, ctx: UiContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = BackupPanel(ctx)
    qtbot.addWidget(panel)
    panel.keep.setValue(5)
    assert ctx.services.settings.get(S.BACKUP_KEEP) == 5
    from desk_app.trust.audit import AuditFilter

    logged = ctx.services.audit.list_entries(
        ctx.require_actor(), AuditFilter(entity="setting", entity_id="backup.keep")
    )
    assert logged and logged[0].after == {"backup.keep": 5}
    errors: list[str] = []
    monkeypatch.setattr(settings_backup, "show_error", lambda _p, e: errors.append(str(e)))
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    panel.restore(junk)
    assert errors and "not a database backup" in errors[0]
