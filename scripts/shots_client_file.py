"""Screenshots of the client file (docs/clients.md), in English and Chinese:

- clients-duplicates-*.png: Clients › Possible duplicates, the demo's pairs, the first side by side;
- client-merged-*.png: the kept profile after a merge, saying what was merged into it (Undo merge);
- clients-lists-*.png: Clients › Lists, the clients not seen for 60 days who agreed to marketing.

    .venv/bin/python scripts/shots_client_file.py

A demo shop whose history ends at NOW (a fixed time, so the shots do not depend on today) is made in /tmp.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 18 Nov 15:00 in Shanghai


def main() -> int:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Staff
    from desk_app.demo.shop import generate
    from desk_app.domain.client_filter import ClientFilter
    from desk_app.trust.auth import actor_for
    from ui.clients.duplicates import DuplicatesScreen
    from ui.clients.profile import ClientProfileScreen
    from ui.clients.screen import ClientsScreen
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.theme import apply_theme

    path = Path("/tmp/shots_client_file.sqlite3")
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh_CN"):
        tag = "en" if lang == "en" else "zh"
        generate(str(path), clients=300, months=6, staff=5, seed=5, today=NOW, force=True, lang=lang)
        i18n.set_language(lang)
        db = open_database(str(path), run_migrations=False)
        services = Services(db, clock=lambda: NOW)
        i18n.set_timezone(services.shop.info().timezone)
        with db.uow(write=False) as uow:
            owner = actor_for(next(x for x in uow.session.scalars(select(Staff).order_by(Staff.id))
                                   if x.role == "owner"))
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
        ctx.navigate = lambda *_a, **_k: None

        dup = DuplicatesScreen(ctx)
        dup.resize(1140, 700)
        dup.show()
        dup.open()
        app.processEvents()
        dup.grab().save(str(OUT / f"clients-duplicates-{tag}.png"))
        pair = dup.pairs[0]
        services.merges.merge(owner, pair.a.id, pair.a.version, pair.b.id, pair.b.version, pair.reasons)
        dup.close()

        profile = ClientProfileScreen(ctx)
        profile.resize(1140, 728)
        profile.show()
        profile.open(client_id=pair.a.id)
        app.processEvents()
        profile.grab().save(str(OUT / f"client-merged-{tag}.png"))
        profile.close()

        clients = ClientsScreen(ctx)
        clients.resize(1140, 700)
        clients.show()
        clients.open(view="lists")
        app.processEvents()
        lists = clients.lists
        assert lists is not None
        lists.show_filter(ClientFilter(not_seen_days=60, marketing=True))
        lists.reload()  # at once, not after the typing pause
        app.processEvents()
        clients.grab().save(str(OUT / f"clients-lists-{tag}.png"))
        clients.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
