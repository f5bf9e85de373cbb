"""Screenshots of the calendar (day and week), the booking dialog and the rebook panel, en and zh.

    .venv/bin/python scripts/shots_calendar.py

Builds a small shop in /tmp with a busy day and renders offscreen at 1366x768 into
docs/screenshots/calendar-day-<en|zh>.png, calendar-week-*, booking-dialog-*, rebook-panel-*.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 18, 6, 40, tzinfo=UTC)  # Wednesday 14:40 in Shanghai
DAY = date(2026, 11, 18)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def seed(path: Path, clock: Clock) -> tuple[Any, Any, dict[str, Any]]:
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.calendar.service import BookingRequest
    from desk_app.container import Services
    from desk_app.db.models import Appointment, Service
    from tests.integration.test_calendar_support import at, new_client, new_stylist, visit_at_rebooking

    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    db = open_database(str(path))
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(
        name="莲花美发美容 Lotus Hair & Spa",
        currency="CNY",
        language="zh_CN",
        owner_name="Mia Chen",
        owner_pin="1234",
    )
    early = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {
        "breaks": {d: [["12:00", "12:45"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    }
    leo = new_stylist(db, "Leo Zhang")
    max_ = new_stylist(db, "Max Li", early)
    ivy = new_stylist(db, "Ivy Sun")
    names = ["王芳", "李娜", "张伟", "陈静", "刘洋", "赵磊", "孙悦", "周婷", "Emma Brown", "黄磊"]
    cids = [
        new_client(db, n, phone=f"+86138{i:08d}", channel="wechat" if i % 3 == 0 else "phone")
        for i, n in enumerate(names)
    ]
    with db.uow(write=False) as uow:
        code = {c: i for c, i in uow.session.execute(select(Service.code, Service.id))}
    cal = sv.calendar
    clock.now = datetime(2026, 11, 17, 1, 0, tzinfo=UTC)  # book from the day before

    def b(client: int, staff: int, d: date, hh: int, mm: int, *codes: str) -> int:
        v = cal.book(owner, BookingRequest(cids[client], staff, at(d, hh, mm), [code[c] for c in codes]))
        return v.id

    tmr = DAY + timedelta(days=1)
    ids = {
        "a": b(0, leo, DAY, 10, 0, "CUT-W"),
        "b": b(1, leo, DAY, 11, 15, "COL-ROOT"),
        "c": b(2, leo, DAY, 14, 0, "CUT-M"),
        "d": b(3, leo, DAY, 15, 30, "BLOW"),
        "e": b(4, leo, DAY, 17, 0, "CUT-W"),
        "f": b(5, max_, DAY, 9, 30, "FAC-HYD"),
        "g": b(6, max_, DAY, 13, 0, "MASSAGE"),
        "h": b(7, max_, DAY, 15, 0, "FAC-SENS"),
        "i": b(8, ivy, DAY, 10, 30, "MANI", "PEDI"),
        "j": b(9, ivy, DAY, 14, 30, "GEL"),
        "k": b(1, 1, DAY, 16, 0, "CUT-W"),
        "l": b(2, ivy, DAY, 17, 30, "MANI"),
    }
    for d_off, hh in ((1, 10), (1, 14), (2, 11), (3, 15), (4, 10), (4, 16), (5, 12)):
        b(d_off % len(cids), leo, DAY + timedelta(days=d_off - 1 if d_off > 1 else 1), hh, 0, "CUT-W")
    b(3, ivy, tmr, 11, 0, "GEL")
    clock.now = NOW
    cal.set_reminder_status(owner, ids["b"], "confirmed")
    cal.confirm(owner, ids["e"])
    cal.confirm(owner, ids["h"])
    with db.uow() as uow:  # the morning happened: statuses as the visits left them
        for key, status in (("a", "done"), ("b", "in_service"), ("f", "done"), ("i", "arrived")):
            uow.session.get(Appointment, ids[key]).status = status
        uow.commit()
    cal.mark_no_show(owner, ids["g"])
    cal.cancel(owner, ids["d"], "客户临时出差")
    sv.waitlist.add(owner, cids[6], at(DAY, 15), at(DAY, 18), service_id=code["BLOW"], staff_id=leo)
    sv.waitlist.add(owner, cids[9], at(tmr, 10), at(tmr, 13), notes="想提前")
    visit = visit_at_rebooking(db, cids[0], leo, ("CUT-W", "BLOW"), NOW)
    return sv, owner, {"visit": visit, "leo": leo, "clients": cids, "code": code}


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    clock = Clock(NOW)
    sv, owner, info = seed(Path("/tmp/desk-shots-calendar.sqlite3"), clock)
    i18n.set_timezone("Asia/Shanghai")
    for lang, suffix in (("en", "en"), ("zh_CN", "zh")):
        i18n.set_language(lang)
        from ui.calendar.booking import BookingDialog
        from ui.calendar.screen import CalendarScreen
        from ui.visits.rebook import RebookPanel

        ctx = UiContext(services=sv, runner=TaskRunner(synchronous=True), shop=sv.shop.info(), actor=owner)
        w = CalendarScreen(ctx)
        w.resize(1366, 768)
        w.show()
        app.processEvents()
        w.grid.select(w.grid.columns[1].appts[0].id if w.grid.columns[1].appts else 0)
        app.processEvents()
        w.grab().save(str(OUT / f"calendar-day-{suffix}.png"))
        w.set_mode("week")
        w.staff_box.setCurrentIndex(max(0, w.staff_box.findData(info["leo"])))
        w.tabs.setCurrentWidget(w.waitlist)
        app.processEvents()
        w.grab().save(str(OUT / f"calendar-week-{suffix}.png"))
        w.set_mode("day")
        w.tabs.setCurrentWidget(w.reminders)
        w.step(1)
        app.processEvents()
        w.grab().save(str(OUT / f"calendar-reminders-{suffix}.png"))
        dlg = BookingDialog(
            ctx, datetime(2026, 11, 19, 8, 0, tzinfo=UTC), staff_id=info["leo"], client_id=info["clients"][4]
        )
        dlg.select_services([info["code"]["CUT-W"], info["code"]["BLOW"]])
        dlg.adjustSize()
        dlg.show()
        app.processEvents()
        dlg.grab().save(str(OUT / f"booking-dialog-{suffix}.png"))
        # the time is taken meanwhile: the nearest free times, in rows of three
        taken = [a for c in w.grid.columns if c.ident == info["leo"] for a in c.appts]
        if taken:
            dlg.set_start(taken[0].start_at, info["leo"])
            dlg.submit()
            app.processEvents()
            dlg.grab().save(str(OUT / f"booking-taken-{suffix}.png"))
        dlg.close()
        panel = RebookPanel(ctx, info["visit"])
        panel.resize(900, 560)
        panel.show()
        app.processEvents()
        if panel.slot_buttons:
            panel.slot_buttons[1].click()
        app.processEvents()
        panel.grab().save(str(OUT / f"rebook-panel-{suffix}.png"))
        panel.close()
        w.close()
    i18n.set_language("en")
    print("saved to", OUT)
    sys.stdout.flush()
    os._exit(0)  # skip PySide's teardown of the offscreen widgets


if __name__ == "__main__":
    main()
