"""Screenshots of the rota (docs/payroll.md "Rota"), in English and Chinese:

- rota-week-*.png: Calendar > Rota, next week, with a day of leave, a long day and a swap planned;
- rota-day-*.png: the owner planning a late shift for one day;
- rota-asks-*.png: a day off over a booking: the booking is named before anything is saved;
- rota-calendar-*.png: the calendar's day with a planned day marked on the stylist's column.

    .venv/bin/python scripts/shots_rota.py

A demo shop whose history ends at NOW (a fixed time, so the shots do not depend on today) is made in /tmp.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 18 Nov 15:00 in Shanghai


def main() -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox
    from sqlalchemy import select

    from desk_app import i18n
    from desk_app.bootstrap import open_database
    from desk_app.calendar.rota import monday_of
    from desk_app.container import Services
    from desk_app.db.models import Staff
    from desk_app.demo.shop import generate
    from desk_app.trust.auth import actor_for
    from ui.calendar.rota import DayPlanDialog, RotaDialog
    from ui.calendar.screen import CalendarScreen
    from ui.context import UiContext
    from ui.runner import TaskRunner
    from ui.theme import apply_theme

    path = Path("/tmp/shots_rota.sqlite3")
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh_CN"):
        tag = "en" if lang == "en" else "zh"
        generate(str(path), clients=300, months=2, staff=6, seed=5, today=NOW, force=True, lang=lang)
        i18n.set_language(lang)
        clock = [NOW]
        db = open_database(str(path), run_migrations=False)
        services = Services(db, clock=lambda c=clock: c[0])  # type: ignore[misc]
        i18n.set_timezone(services.shop.info().timezone)
        with db.uow(write=False) as uow:
            rows = uow.session.execute(select(Staff).order_by(Staff.id)).scalars().all()
            owner = actor_for(next(s for s in rows if s.role == "owner"))
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
        next_mon = monday_of(NOW.date()) + timedelta(days=7)
        dlg = RotaDialog(ctx, day=next_mon)
        dlg.show()
        week = dlg.week
        assert week is not None
        r, c = next((i, j) for i, row in enumerate(week.rows) for j, x in enumerate(row.cells) if x.planned and x.note)
        dlg.table.setCurrentIndex(dlg.table.model().index(r, c + 1))
        app.processEvents()
        dlg.grab().save(str(OUT / f"rota-week-{tag}.png"))
        # planning a late shift: the box, filled in
        who = next(i for i, row in enumerate(week.rows) if row.role == "stylist" and not any(x.planned for x in row.cells))
        day_col = next(j for j, x in enumerate(week.rows[who].cells) if not x.plan.off) + 1
        dlg.table.setCurrentIndex(dlg.table.model().index(who, day_col))
        box = DayPlanDialog(dlg, week.rows[who].name, week.rows[who].cells[day_col - 1])
        box.start.setText("14:00")
        box.end.setText("22:00")
        box.break_start.setText("18:00")
        box.break_end.setText("18:30")
        box.note.setText("与同事换班" if tag == "zh" else "swapped with a colleague")
        box.show()
        app.processEvents()
        box.grab().save(str(OUT / f"rota-day-{tag}.png"))
        box.close()
        # a day off over bookings: named before anything is saved (the question, grabbed and answered "Go back")
        booked = {(a.staff_id, i18n.local(a.start_at).date())
                  for d in range(7) for a in services.calendar.day(next_mon + timedelta(days=d)).appointments
                  if a.status in ("booked", "confirmed")}  # fmt: skip
        busy = next((i, j) for i, row in enumerate(week.rows) for j, x in enumerate(row.cells)
                    if not x.planned and (row.staff_id, x.day) in booked)  # fmt: skip
        dlg.table.setCurrentIndex(dlg.table.model().index(busy[0], busy[1] + 1))

        def grab_question(tag: str = tag) -> None:
            q = QApplication.activeModalWidget()
            if isinstance(q, QMessageBox) and q.isVisible():
                q.grab().save(str(OUT / f"rota-asks-{tag}.png"))
                next(b for b in q.buttons() if b.text() == i18n._("Go back")).click()
                QTimer.singleShot(0, close_box)
                return
            if isinstance(q, DayPlanDialog):
                q.off.setChecked(True)
                q.note.setText("病假" if tag == "zh" else "off sick")
                QTimer.singleShot(20, lambda: grab_question(tag))  # the question opens inside _ok (its own loop)
                q._ok()
                return
            QTimer.singleShot(20, lambda: grab_question(tag))

        def close_box() -> None:
            q = QApplication.activeModalWidget()
            if isinstance(q, DayPlanDialog):
                q.reject()

        QTimer.singleShot(0, grab_question)
        dlg.plan_day()
        dlg.close()
        # the calendar on the long day: the column says it is the rota's
        long_day = next(x.day for row in week.rows for x in row.cells if x.planned and not x.plan.off)
        cal = CalendarScreen(ctx)
        cal.resize(1366, 768)
        cal.open(date=long_day)
        cal.show()
        app.processEvents()
        cal.grab().save(str(OUT / f"rota-calendar-{tag}.png"))
        cal.close()
        db.dispose()
    i18n.set_language("en")
    print("screenshots in", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
