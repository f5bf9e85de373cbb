"""Settings > Backups in server mode (PostgreSQL): the server's backups, the last one, back up now
and the restore button, against the real PostgreSQL the tests start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.engine import make_url

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.models import Client
from desk_app.settings import S
from tests.conftest import OWNER_PIN, FakeClock
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.settings import backup as settings_backup
from ui.settings.backup import BackupPanel

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_ctx(qtbot: QtBot, pg_server: Any, pg_app_login: str, tmp_path: Path) -> Iterator[UiContext]:
    import psycopg
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply_theme

    role = make_url(pg_app_login).username
    admin = f"host=127.0.0.1 port={pg_server.port} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'ALTER ROLE "{role}" CREATEDB')  # as docs/server-mode.md §2 grants it
    db = open_database(pg_app_login)
    services = Services(db, clock=FakeClock())
    owner = services.shop.create_shop(
        name="Lotus Hair & Spa", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
    )
    services.settings.set(S.BACKUP_FOLDER, str(tmp_path / "backups"))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app)
    yield UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
    db.dispose()
    with psycopg.connect(admin, autocommit=True) as c:  # the databases a restore kept aside
        for (name,) in c.execute(
            "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = %s "
            "AND datname <> %s",
            (role, make_url(pg_app_login).database),
        ).fetchall():
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _names(ctx: UiContext) -> set[str]:
    with ctx.services.db.uow(write=False) as uow:
        return set(uow.session.scalars(select(Client.name)))


def test_server_backups_are_shown_made_and_restored(
    qtbot: QtBot, server_ctx: UiContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = server_ctx
    owner = ctx.actor
    assert owner is not None
    panel = BackupPanel(ctx)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.server_note.isVisible() and "pg_dump" in panel.server_note.text()
    assert panel.backup_button.isEnabled() and panel.tools_button.isVisible()
    assert not panel.encrypt_button.isVisible()  # encryption is of a SQLite file
    assert "No backup yet" in panel.status.text() and not panel.restore_button.isEnabled()
    assert panel.folder_label.text() == str(tmp_path / "backups")
    ctx.services.clients.create(owner, {"name": "Before", "phone": "13812345678"})
    panel.backup_now()
    assert "Backed up today" in panel.status.text() and "checked" in panel.notice.text()
    assert panel.files.rowCount() == 1 and panel.files.rows[0].path.endswith(".dump")
    assert panel.restore_button.isEnabled()
    ctx.services.clients.create(owner, {"name": "After", "phone": "13812345679"})
    asked: list[str] = []
    monkeypatch.setattr(settings_backup, "confirm", lambda _p, title, text: asked.append(text) or False)
    panel.table.selectRow(0)
    panel._restore_selected()
    assert asked and "disconnected" in asked[0] and _names(ctx) == {"Before", "After"}  # said no
    monkeypatch.setattr(settings_backup, "confirm", lambda *_a: True)
    with qtbot.waitSignal(ctx.signals.data_changed):
        panel._restore_selected()
    assert _names(ctx) == {"Before"}
    assert "Restored" in panel.notice.text() and "kept on the server as the database" in panel.notice.text()


def test_a_bad_file_is_refused_before_asking(
    qtbot: QtBot, server_ctx: UiContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = BackupPanel(server_ctx)
    qtbot.addWidget(panel)
    errors: list[str] = []
    monkeypatch.setattr(settings_backup, "show_error", lambda _p, exc: errors.append(str(exc)))
    monkeypatch.setattr(settings_backup, "confirm", lambda *_a: pytest.fail("asked about a bad file"))
    bad = tmp_path / "x.dump"
    bad.write_text("nope")
    panel.restore(bad)
    assert errors and "not a readable server backup" in errors[0]


def test_the_tools_folder_is_saved(qtbot: QtBot, server_ctx: UiContext, tmp_path: Path) -> None:
    panel = BackupPanel(server_ctx)
    qtbot.addWidget(panel)
    panel.set_tools(str(tmp_path))
    assert server_ctx.services.settings.get(S.BACKUP_PG_BIN) == str(tmp_path)
    assert panel.tools_label.text() == str(tmp_path)


def test_another_desk_is_told_the_server_is_away_while_it_restores(server_ctx: UiContext, pg_server: Any) -> None:
    """What a desk shows when the owner's restore has closed the database (ALLOW_CONNECTIONS false)
    and ended its session: the server's words, not "something went wrong"; afterwards it works."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    from ui.shared.widgets import error_text

    ctx = server_ctx
    live = make_url(ctx.services.db.url).database
    other = open_database(ctx.services.db.url)
    try:
        with other.uow(write=False) as uow:
            uow.session.execute(select(Client.id)).all()  # the other desk has a pooled session
        admin = f"host=127.0.0.1 port={pg_server.port} user=postgres dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'ALTER DATABASE "{live}" ALLOW_CONNECTIONS false')
            c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (live,))
            try:
                with pytest.raises(DBAPIError) as caught, other.uow(write=False) as uow:
                    uow.session.execute(select(Client.id)).all()
            finally:
                c.execute(f'ALTER DATABASE "{live}" ALLOW_CONNECTIONS true')
        text = error_text(caught.value)
        assert "server cannot be reached" in text and "Nothing was changed" in text
        with other.uow(write=False) as uow:  # and it reconnects by itself
            assert uow.session.execute(select(Client.id)).all() == []
    finally:
        other.dispose()
