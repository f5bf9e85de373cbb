"""Screenshots of connecting a desk to the shop's server: the welcome screen (with its "Connect to
the shop's server" card) and the Connect dialog after a connection test against a real PostgreSQL
server (started here in /tmp, tests/pg.py), in English and Chinese.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots_server.py

Then a shop on that server: Settings > Backups after a server backup (pg_dump, verified), and
Settings > Safety with the owner key scripts use.

Writes docs/screenshots/welcome-<en|zh>.png, server-connect-<en|zh>.png,
settings-backups-server-<en|zh>.png and settings-safety-owner-key-<en|zh>.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from desk_app import i18n  # noqa: E402
from scripts.shots_common import file_keyring, wait  # noqa: E402
from ui.theme import apply_theme  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    from tests.pg import PgServer
    from ui.app import Shell
    from ui.runner import TaskRunner
    from ui.settings.server import ServerDialog

    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    tmp = Path(tempfile.mkdtemp())
    os.environ["DESK_APP_HOME"] = str(tmp / "home")

    file_keyring(tmp)
    server = PgServer().start()
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE ROLE desk LOGIN PASSWORD 'choose-a-long-password' IN ROLE password_logins")
            c.execute("CREATE DATABASE salon OWNER desk")
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname=salon", autocommit=True) as c:
            c.execute("CREATE EXTENSION btree_gist")
            c.execute("CREATE EXTENSION pg_trgm")
        for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
            i18n.set_language(lang)
            welcome = Shell(str(tmp / f"empty-{lang}.sqlite3"), False, app)
            welcome.resize(1366, 768)
            welcome.show()
            for _ in range(5):
                app.processEvents()
            welcome.grab().save(str(OUT / f"welcome-{suffix}.png"))
            runner = TaskRunner()
            dlg = ServerDialog(runner, welcome)
            dlg.host.setText("127.0.0.1")
            dlg.port.setValue(server.port)
            dlg.database.setText("salon")
            dlg.user.setText("desk")
            dlg.password_edit.setText("choose-a-long-password")
            dlg.show()
            dlg.test()
            wait(app, lambda d=dlg: d.last is not None)  # type: ignore[misc]
            for _ in range(5):
                app.processEvents()
            dlg.grab().save(str(OUT / f"server-connect-{suffix}.png"))
            dlg.close()
            runner.wait_for_done()
            welcome.close()
            welcome.database.dispose()
        _shop_on_the_server(app, server, tmp)
    finally:
        server.stop()
    print("saved to", OUT)


def _shop_on_the_server(app: QApplication, server: object, tmp: Path) -> None:
    """Settings > Backups and Settings > Safety of a shop kept on the server, in both languages."""
    import psycopg
    from PySide6.QtWidgets import QWidget

    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.settings import S
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.settings.backup import BackupPanel
    from ui.settings.safety import SafetyPanel

    port = server.port  # type: ignore[attr-defined]
    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as c:
        c.execute("ALTER ROLE desk CREATEDB")  # docs/server-mode.md §2: the backup is verified in a scratch database
    os.environ["PGPASSWORD"] = "choose-a-long-password"
    db = open_database(f"postgresql+psycopg://desk@127.0.0.1:{port}/salon")
    try:
        sv = Services(db)
        owner = sv.shop.create_shop(name="莲花美发美容 Lotus Hair & Spa", currency="CNY", language="zh_CN",
                                    owner_name="Mia Chen", owner_pin="246810")
        sv.settings.set(S.BACKUP_FOLDER, str(tmp / "backups"))
        for name, phone in (("王芳", "13812345678"), ("Emma Li", "13987654321")):
            sv.clients.create(owner, {"name": name, "phone": phone})
        sv.backup.backup(actor=owner)
        sv.owner_key.create(owner)
        for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
            i18n.set_language(lang)
            ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner)
            panels: tuple[tuple[str, QWidget], ...] = (
                ("settings-backups-server", BackupPanel(ctx)), ("settings-safety-owner-key", SafetyPanel(ctx)))
            for stem, panel in panels:
                panel.resize(1366, 700)
                panel.show()
                for _ in range(5):
                    app.processEvents()
                panel.grab().save(str(OUT / f"{stem}-{suffix}.png"))
                panel.close()
    finally:
        db.dispose()
        os.environ.pop("PGPASSWORD", None)


if __name__ == "__main__":
    main()
