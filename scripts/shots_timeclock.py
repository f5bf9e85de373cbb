"""Screenshots of the time clock (docs/payroll.md "Time clock"), in English and Chinese:

- timeclock-signin-*.png: the sign-in page after a stylist clocked in with their PIN;
- timeclock-clock-*.png: a stylist's own clock, on a break;
- timeclock-pay-*.png: Reports > Pay with the Hours column and a forgotten clock-out named;
- timeclock-sheet-*.png: the owner's time sheet of that day, corrected with a reason.

    .venv/bin/python scripts/shots_timeclock.py

A demo shop whose history ends at NOW (a fixed time, so the shots do not depend on today) is made in /tmp.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, timedelta
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
    from desk_app.db.models import Setting, Staff
    from desk_app.demo.shop import generate
    from desk_app.domain import timesheet as ts
    from desk_app.trust.auth import actor_for
    from ui.context import UiContext
    from ui.reports.screen import ReportsScreen
    from ui.reports.timesheet import TimeSheetDialog
    from ui.runner import TaskRunner
    from ui.shell.sign_in import SignInPage
    from ui.theme import apply_theme
    from ui.trust.timeclock import ClockDialog

    path = Path("/tmp/shots_timeclock.sqlite3")
    generate(str(path), clients=300, months=2, staff=6, seed=5, today=NOW, force=True)
    app = QApplication.instance() or QApplication([])
    apply_theme(app)  # type: ignore[arg-type]
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "zh_CN"):
        tag = "en" if lang == "en" else "zh"
        i18n.set_language(lang)
        clock = [NOW]
        db = open_database(str(path), run_migrations=False)
        services = Services(db, clock=lambda c=clock: c[0])  # type: ignore[misc]
        i18n.set_timezone(services.shop.info().timezone)
        with db.uow(write=False) as uow:
            rows = uow.session.execute(select(Staff).order_by(Staff.id)).scalars().all()
            owner = actor_for(next(s for s in rows if s.role == "owner"))
            staff = [actor_for(s) for s in rows if s.role != "owner"]
        last, first = staff[-1], staff[0]
        with db.uow(write=False) as uow:
            pins = uow.session.scalar(select(Setting.value).where(Setting.key == "demo.pins")) or {}
        # the sign-in page: the last stylist (not on the clock today) clocks in with the PIN
        page = SignInPage(services, TaskRunner(synchronous=True), services.shop.info().name, demo_mode=True)
        page.resize(1366, 768)
        page.show()
        page.select(last.staff_id)
        page.type_pin(str(pins[str(last.staff_id)]))
        page.clock()
        app.processEvents()
        page.grab().save(str(OUT / f"timeclock-signin-{tag}.png"))
        page.close()
        # their own clock after a break began
        clock[0] = NOW + timedelta(hours=1, minutes=5)
        services.timeclock.punch(last, ts.BREAK)
        ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=last)
        dlg = ClockDialog(ctx, services.timeclock.status(last))
        dlg.show()
        app.processEvents()
        dlg.grab().save(str(OUT / f"timeclock-clock-{tag}.png"))
        dlg.close()
        # Reports > Pay: hours, and the day the first stylist forgot to clock out
        octx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner)
        rep = ReportsScreen(octx)
        rep.resize(1366, 768)
        rep.open(month="2026-11")
        rep.show()
        rep.show_page(rep.page_count() - 1)
        app.processEvents()
        pay = rep.pay
        for i, s in enumerate(pay.payroll.statements if pay.payroll else ()):
            if s.hours is not None and s.hours.unclosed:
                pay.people.selectRow(i)
                forgot = s.hours.unclosed[0]
                forgot_id = s.staff_id
                break
        else:
            forgot, forgot_id = date(2026, 11, 4), first.staff_id
        app.processEvents()
        rep.grab().save(str(OUT / f"timeclock-pay-{tag}.png"))
        # the owner's time sheet of that day, the clock-out added with a reason
        sheet = TimeSheetDialog(octx, staff_id=forgot_id, day=forgot)
        sheet.show()
        app.processEvents()
        at_six = datetime.combine(forgot, datetime.min.time(), tzinfo=i18n.timezone()) + timedelta(hours=21, minutes=5)
        services.timeclock.correct(owner, forgot_id, kind=ts.OUT, at=at_six.astimezone(UTC),
                                   reason="忘记下班打卡，21:05 离店" if lang != "en" else "forgot to clock out; left at 21:05")
        sheet.reload()
        app.processEvents()
        sheet.grab().save(str(OUT / f"timeclock-sheet-{tag}.png"))
        sheet.close()
        rep.close()
        db.dispose()
        generate(str(path), clients=300, months=2, staff=6, seed=5, today=NOW, force=True)  # as it was, for zh
    i18n.set_language("en")
    print("screenshots in", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
