"""Screenshots of the trust screens: audit log, Settings > Backups, Settings > Import (mapping + result).

    .venv/bin/python scripts/shots_trust.py

Builds a small shop in /tmp (clients from the GBK fixture, a few sales, backups over a week, some
refused attempts) and renders offscreen at 1366x768 into docs/screenshots/<name>-<en|zh>.png.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desk_app.container import Services
    from desk_app.domain.permissions import Actor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
FIX = ROOT / "tests" / "fixtures" / "import"
WORK = Path("/tmp/shots_trust")
NOW = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # Friday 10:30 in Shanghai


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(clock: Clock) -> tuple[Services, Actor]:
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.catalog_defaults import DEFAULT_HOURS
    from desk_app.checkout.service import PaymentIn
    from desk_app.container import Services
    from desk_app.core.service import audit
    from desk_app.db.models import Service
    from desk_app.domain.permissions import NotAllowed

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    clock.now = NOW - timedelta(days=6)
    sv = Services(open_database(str(WORK / "shop.sqlite3")), clock=clock)
    owner = sv.shop.create_shop(
        name="莲花美发美容 Lotus Hair & Spa",
        currency="CNY",
        language="zh_CN",
        owner_name="Mia Chen",
        owner_pin="1234",
    )
    sv.backup.set_folder(owner, str(WORK / "USB-BACKUP"))
    leo_v = sv.auth.save_staff(
        owner, staff_id=None, name="Leo Zhang", role="stylist", pin="5678", working_hours=DEFAULT_HOURS
    )
    amy_v = sv.auth.save_staff(owner, staff_id=None, name="Amy Wu", role="receptionist", pin="2468")
    with sv.db.uow(write=False) as uow:
        svc_ids = list(uow.session.scalars(select(Service.id).order_by(Service.id).limit(3)))
    for day in range(6):
        clock.now = NOW - timedelta(days=5 - day, hours=-1)
        amy = sv.auth.sign_in(amy_v.id, "2468")
        c = sv.clients.create(
            amy,
            {
                "name": ["孙悦", "周婷", "Emma Johnson", "刘洋", "陈静", "赵磊"][day],
                "phone": f"1370000{day:04d}",
            },
        )
        bill = sv.checkout.add_service(sv.checkout.build_bill(amy, client_id=c.id), svc_ids[day % 3])
        sv.payments.pay(amy, bill, [PaymentIn("wechat", bill.total_minor)])
        sv.backup.maybe_daily_backup()
        if day == 3:
            leo = sv.auth.sign_in(leo_v.id, "5678")
            try:
                sv.audit.export_csv(leo, WORK / "x.csv")
            except NotAllowed:
                pass
        if day == 4:
            with sv.db.uow() as uow:
                audit(
                    uow.session,
                    owner,
                    "price_change",
                    "service",
                    svc_ids[0],
                    before={"price": "380.00"},
                    after={"price": "420.00"},
                    at=clock(),
                )
                uow.commit()
            sv.clients.update(owner, c.id, sv.clients.get(owner, c.id).version, {"phone": "13700009999"})
    clock.now = NOW + timedelta(hours=9)  # 19:30, closing time
    sv.backup.close_of_day_backup(owner)
    return sv, sv.auth.sign_in(owner.staff_id, "1234")


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.settings.screen import SettingsScreen
    from ui.theme import apply_theme
    from ui.trust.audit import AuditScreen

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    clock = Clock(NOW)
    sv, owner = seed(clock)
    OUT.mkdir(parents=True, exist_ok=True)
    for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
        i18n.set_language(lang)
        ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner)
        a = AuditScreen(ctx)
        a.resize(1366, 768)
        a.show()
        app.processEvents()
        a.table.selectRow(1)
        app.processEvents()
        a.grab().save(str(OUT / f"audit-log-{suffix}.png"))
        a.close()

        s = SettingsScreen(ctx)
        s.resize(1366, 768)
        s.show()
        s.tab("backups")
        app.processEvents()
        s.grab().save(str(OUT / f"settings-backups-{suffix}.png"))
        # this desk: a thermal printer on the network, printing after payment, a drawer on it
        from desk_app.desk import DeskSettings

        ctx.desk = DeskSettings(receipt_printer="tcp://192.168.1.50:9100", paper="80mm", auto_print=True,
                                cash_drawer=True)
        s.tab("desk").show_settings(ctx.desk)  # type: ignore[attr-defined]
        app.processEvents()
        s.grab().save(str(OUT / f"settings-desk-{suffix}.png"))
        panel = s.tab("import").clients  # type: ignore[attr-defined]
        panel.choose_file(FIX / "generic_gbk.csv")  # type: ignore[attr-defined]
        app.processEvents()
        s.grab().save(str(OUT / f"settings-import-mapping-{suffix}.png"))
        panel.run_import(dry_run=True)  # type: ignore[attr-defined]
        app.processEvents()
        s.grab().save(str(OUT / f"settings-import-result-{suffix}.png"))
        # after the clients: balances still owed by the old system (a check, nothing saved)
        numbers = [c.client_number for c in sv.client_search.search(owner, "", limit=3)]
        owed = WORK / f"balances-{suffix}.csv"
        lines = ["客户编号,储值余额,有效期,次卡,剩余次数"]
        lines += [f"{n},{300 + 100 * k},2027-06-30,洗吹造型 10 次卡,{k + 2}" for k, n in enumerate(numbers or ["C000001"])]
        lines += ["C999999,100,,,", "C000001,lots,,,"]
        owed.write_text("\n".join(lines) + "\n", encoding="utf-8")
        opening = s.tab("import").show_opening()  # type: ignore[attr-defined]
        opening.choose_file(owed)  # type: ignore[attr-defined]
        opening.run_import(dry_run=True)  # type: ignore[attr-defined]
        app.processEvents()
        s.grab().save(str(OUT / f"settings-opening-{suffix}.png"))
        s.close()
    # the same shop encrypted (a file keyring stands for the OS password store here)
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db import cipher
    from scripts.shots_common import file_keyring
    from ui.settings.backup import RecoveryKeyDialog

    file_keyring(WORK)
    res = sv.backup.encrypt_data(owner)
    sv = Services(open_database(str(WORK / "shop.sqlite3")), clock=clock)
    for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
        i18n.set_language(lang)
        ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner)
        s = SettingsScreen(ctx)
        s.resize(1366, 768)
        s.show()
        s.tab("backups")
        app.processEvents()
        s.grab().save(str(OUT / f"settings-backups-encrypted-{suffix}.png"))
        d = RecoveryKeyDialog(
            cipher.recovery_text(res.key),
            s,
            i18n._("Encrypted: the database and {n} backups. The app closes now; open it again.").format(
                n=len(res.backups)
            ),
        )
        d.show()
        app.processEvents()
        d.grab().save(str(OUT / f"recovery-key-{suffix}.png"))
        d.close()
        s.close()
    sv.db.dispose()
    i18n.set_language("en")
    print("screenshots in", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
