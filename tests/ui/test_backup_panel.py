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


def test_owner_encrypts_the_shop_and_sees_the_recovery_key(
    qtbot: QtBot, ctx: UiContext, owner: Actor, keystore: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14 item 5 from the counter: Settings > Backups says the data is not encrypted, Encrypt
    makes the database and its backups unreadable without the key, shows the recovery key once and
    closes the app; opened again, the panel says Encrypted and shows the same key on request."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db import cipher
    from ui.runner import TaskRunner

    ctx.services.clients.create(owner, {"name": "王芳", "phone": "13812345678"})
    panel = BackupPanel(ctx)
    qtbot.addWidget(panel)
    panel.backup_now()
    assert "Not encrypted" in panel.rest_status.text()
    assert not panel.encrypt_button.isHidden() and panel.encrypt_button.isEnabled()
    assert panel.key_button.isHidden()
    shown: list[str] = []
    monkeypatch.setattr(settings_backup.RecoveryKeyDialog, "exec", lambda self: shown.append(self.key.text()) or 1)
    closed: list[bool] = []
    panel.quit_app = lambda: closed.append(True)
    panel.encrypt()
    assert closed == [True] and len(shown) == 1 and len(shown[0].split()) == 16
    backups = list((db_path.parent / "backups").glob("*.sqlite3"))
    assert backups and all(cipher.is_encrypted(p) for p in [db_path, *backups])
    assert b"\xe7\x8e\x8b\xe8\x8a\xb3" not in db_path.read_bytes()  # 王芳

    db = open_database(str(db_path))  # the app opened again
    try:
        services = Services(db, clock=ctx.services.clock)
        again = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
        panel2 = BackupPanel(again)
        qtbot.addWidget(panel2)
        assert "Encrypted" in panel2.rest_status.text() and panel2.encrypt_button.isHidden()
        panel2.show_recovery_key()
        dialogs = panel2.findChildren(settings_backup.RecoveryKeyDialog)
        assert [d.key.text() for d in dialogs] == shown
        assert services.clients.get(owner, 1).name == "王芳"
    finally:
        db.dispose()


def test_without_a_password_store_encrypting_is_explained_not_offered(
    qtbot: QtBot, ctx: UiContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backends import fail

    from desk_app.db import cipher

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(cipher.KEY_ENV, raising=False)
    try:
        panel = BackupPanel(ctx)
        qtbot.addWidget(panel)
        assert "Not encrypted" in panel.rest_status.text() and "no password store" in panel.rest_label.text()
        assert not panel.encrypt_button.isEnabled()
    finally:
        keyring.set_keyring(before)


def test_a_new_computer_asks_for_the_recovery_key_at_start(
    qtbot: QtBot, keystore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app opened on an encrypted shop whose key this computer lacks asks for the recovery key
    (a wrong one is refused with a reason), keeps it, and the shop opens."""
    import keyring

    from desk_app.bootstrap import DatabaseCheckFailed, open_database
    from desk_app.db import cipher
    from desk_app.trust.at_rest import encrypt_file
    from tests.conftest import FileKeyring
    from ui import app as ui_app

    db_path = tmp_path / "shop.sqlite3"
    open_database(str(db_path)).dispose()
    key = cipher.new_key()
    encrypt_file(db_path, key)
    keyring.set_keyring(FileKeyring(tmp_path / "new-computer.cfg"))
    with pytest.raises(DatabaseCheckFailed) as caught:
        open_database(str(db_path))
    assert isinstance(caught.value.__cause__, cipher.KeyMissing)
    answers = iter([("not a key", True), (cipher.recovery_text(cipher.new_key()), True),
                    (cipher.recovery_text(key).lower(), True)])
    warned: list[str] = []
    monkeypatch.setattr(ui_app.QInputDialog, "getText", lambda *a, **k: next(answers))
    monkeypatch.setattr(ui_app.QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    assert ui_app.ask_recovery_key(db_path) is True
    assert len(warned) == 2 and "64" in warned[0] and "does not open" in warned[1]
    assert key in cipher.known_keys()
    open_database(str(db_path)).dispose()
    monkeypatch.setattr(ui_app.QInputDialog, "getText", lambda *a, **k: ("", False))
    assert ui_app.ask_recovery_key(db_path) is False
