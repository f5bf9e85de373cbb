"""Screenshots of the clients list, a profile with its allergy banner, the new-client dialog with a
duplicate warning, and the Settings tabs, in English and Chinese, on a generated demo shop.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/shots_clients.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from desk_app import i18n  # noqa: E402
from desk_app.bootstrap import open_database  # noqa: E402
from desk_app.container import Services  # noqa: E402
from desk_app.db.models import Client, Formula, Staff, Visit  # noqa: E402
from desk_app.demo.shop import generate  # noqa: E402
from desk_app.trust.auth import actor_for  # noqa: E402
from ui.context import UiContext  # noqa: E402
from ui.runner import TaskRunner  # noqa: E402
from ui.theme import apply_theme  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (1366, 768)


def _shot(app: QApplication, w: QWidget, name: str) -> None:
    w.resize(*SIZE)
    w.show()
    for _ in range(3):
        app.processEvents()
    w.grab().save(str(OUT / name))
    print("saved", name)


def _profile_client(services: Services) -> int:
    """A regular with visits, a formula, and (made sure of) an allergy."""
    with services.db.uow(write=False) as uow:
        s = uow.session
        cid = s.scalar(
            select(Visit.client_id)
            .join(Formula, Formula.visit_id == Visit.id)
            .where(Visit.client_id.is_not(None))
            .group_by(Visit.client_id)
            .order_by(func.count(Visit.id).desc())
            .limit(1)
        ) or s.scalar(select(Client.id).order_by(Client.visit_count.desc()).limit(1))
    assert cid is not None
    return int(cid)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    tmp = Path(tempfile.mkdtemp())
    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        suffix = "en" if lang == "en" else "zh"
        db_path = tmp / f"demo-{lang}.sqlite3"
        generate(str(db_path), clients=400, months=4, staff=6, seed=11, lang=lang)
        db = open_database(str(db_path))
        services = Services(db)
        with db.uow(write=False) as uow:
            owner = actor_for(uow.session.scalars(select(Staff).where(Staff.role == "owner")).first())  # type: ignore[arg-type]
        info = services.shop.info()
        i18n.set_currency(info.currency)
        i18n.set_timezone(info.timezone)
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=info, actor=owner)

        from ui.clients.screen import ClientsScreen

        clients = ClientsScreen(ctx)
        clients.open()
        _shot(app, clients, f"clients-{suffix}.png")
        clients.search.set_text("w" if lang == "en" else "王")
        _shot(app, clients, f"clients-search-{suffix}.png")

        from ui.clients.profile import ClientProfileScreen

        cid = _profile_client(services)
        p = services.clients.get(owner, cid)
        if not p.allergies:
            prefs = list(p.preferences) or (
                ["likes quiet", "usual drink: green tea"] if lang == "en" else ["喜欢安静", "常喝绿茶"]
            )
            services.clients.update(
                owner,
                cid,
                p.version,
                {
                    "allergies": "PPD hair dye (patch test positive)"
                    if lang == "en"
                    else "PPD 染发剂（皮试阳性）",
                    "preferences": prefs,
                },
            )
        prof = ClientProfileScreen(ctx)
        prof.open(client_id=cid)
        _shot(app, prof, f"client-profile-{suffix}.png")
        prof.history.setCurrentIndex(2)
        _shot(app, prof, f"client-profile-prepaid-{suffix}.png")

        from ui.clients.new_client import NewClientDialog

        dup = services.clients.get(owner, cid)
        with db.uow(write=False) as uow:
            phone = uow.session.scalar(select(Client.phone).where(Client.id == cid)) or ""
        dlg = NewClientDialog(ctx, "")
        dlg.name.setText("Wang Lei" if lang == "en" else "王磊")
        dlg.phone.setText(phone.replace("+86", ""))
        dlg.privacy.setChecked(True)
        dlg.save()  # shows the duplicate, saves nothing
        assert dlg.duplicates() and dlg.duplicates()[0].id == dup.id
        dlg.resize(640, 560)
        dlg.show()
        for _ in range(3):
            app.processEvents()
        dlg.grab().save(str(OUT / f"client-new-duplicate-{suffix}.png"))
        print("saved", f"client-new-duplicate-{suffix}.png")
        dlg.reject()

        from ui.settings.screen import SettingsScreen

        settings = SettingsScreen(ctx)
        for key in ("shop", "services", "products", "staff", "questions", "rules"):
            settings.tab(key)
            _shot(app, settings, f"settings-{key}-{suffix}.png")
        # erasing a client: the profile afterwards and what the owner is told (with a kept backup)
        services.backup.backup(reason="daily")
        from PySide6.QtWidgets import QMessageBox

        import ui.clients.profile as profile_module

        boxes: list[QMessageBox] = []

        def keep_box(
            parent: QWidget | None, text: str, title: str | None = None, boxes: list[QMessageBox] = boxes
        ) -> None:
            box = QMessageBox(parent)
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle(title or "")
            box.setText(text)
            boxes.append(box)

        profile_module.show_info = keep_box  # type: ignore[assignment]
        erased = ClientProfileScreen(ctx)
        erased.open(client_id=cid)
        erased.erase("asked by email on 17 Nov" if lang == "en" else "客户 11 月 17 日邮件要求")
        _shot(app, erased, f"client-erased-{suffix}.png")
        boxes[-1].show()
        for _ in range(3):
            app.processEvents()
        boxes[-1].grab().save(str(OUT / f"client-erased-summary-{suffix}.png"))
        print("saved", f"client-erased-summary-{suffix}.png")
        for w in (clients, prof, settings, erased):
            w.close()
        db.dispose()
    i18n.set_language("en")


if __name__ == "__main__":
    main()
