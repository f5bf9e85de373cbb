"""Screenshots of Settings > Branches and the staff's branch checkboxes (Settings > Staff).

    .venv/bin/python scripts/shots_branches.py

Builds a small shop with three branches (one closed) in /tmp and renders offscreen at 1366x768
into docs/screenshots/settings-branches-<en|zh>.png and settings-staff-branches-<en|zh>.png.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desk_app.container import Services
    from desk_app.domain.permissions import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
WORK = Path("/tmp/shots_branches")
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # Friday 10:30 in Shanghai
os.environ["DESK_APP_HOME"] = str(WORK / "home")  # this desk's desk.json, not the person's


def seed() -> tuple[Services, Actor, int]:
    from desk_app.bootstrap import open_database
    from desk_app.catalog_defaults import DEFAULT_HOURS
    from desk_app.container import Services

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    sv = Services(open_database(str(WORK / "shop.sqlite3")), clock=lambda: NOW)
    owner = sv.shop.create_shop(name="莲花美发美容 Lotus Hair & Spa", currency="CNY", language="zh_CN",
                                owner_name="Mia Chen", owner_pin="1234", address="上海市静安区南京西路 1266 号",
                                phone="021-5555 0100")
    main = owner.branch_id
    sv.branches.edit(owner, main, {"code": "MAIN", "name": "Lotus 南京西路店", "address": "上海市静安区南京西路 1266 号",
                                   "phone": "021-5555 0100", "receipt_header": "每天 10:00-21:00 营业"})
    east = sv.branches.add(owner, {"code": "EAST", "name": "Lotus 陆家嘴店", "address": "上海市浦东新区东方路 88 号",
                                   "phone": "021-5555 0101", "receipt_header": "地铁 2 号线 陆家嘴站 3 号口"}).id
    west = sv.branches.add(owner, {"code": "WEST", "name": "Lotus 虹桥店", "address": "上海市长宁区虹桥路 1 号"}).id
    leo = sv.auth.save_staff(owner, staff_id=None, name="Leo Zhang", role="stylist", pin="567890",
                             working_hours=DEFAULT_HOURS, branch_ids=[main, east]).id
    sv.auth.save_staff(owner, staff_id=None, name="Amy Wu", role="receptionist", pin="246813", branch_ids=[main])
    sv.auth.save_staff(owner, staff_id=None, name="王静", role="stylist", pin="135790",
                       working_hours=DEFAULT_HOURS, branch_ids=[east])
    sv.branches.close(owner, west)
    return sv, sv.auth.sign_in(owner.staff_id, "1234", "MAIN"), leo


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.settings.screen import SettingsScreen
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    sv, owner, leo = seed()
    OUT.mkdir(parents=True, exist_ok=True)
    for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
        i18n.set_language(lang)
        ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner)
        s = SettingsScreen(ctx)
        s.resize(1366, 768)
        s.show()
        panel = s.tab("branches")
        editor = panel.editor  # type: ignore[attr-defined]
        editor.table.selectRow(1)
        app.processEvents()
        s.grab().save(str(OUT / f"settings-branches-{suffix}.png"))
        staff = s.tab("staff").editor  # type: ignore[attr-defined]
        row = next(i for i, x in enumerate(staff.items) if x.id == leo)
        staff.table.selectRow(row)
        app.processEvents()
        s.grab().save(str(OUT / f"settings-staff-branches-{suffix}.png"))
        s.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
