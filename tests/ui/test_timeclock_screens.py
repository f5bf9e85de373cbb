"""The time clock on screen (issue 21): clocking in and out with the PIN on the sign-in page, the
person's own clock, and the owner's time sheet with a correction and its reason."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from desk_app.container import Services
from desk_app.domain import timesheet as ts
from desk_app.domain.permissions import Actor
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_staff
from ui.context import UiContext
from ui.reports.timesheet import CorrectionDialog, TimeSheetDialog
from ui.runner import TaskRunner
from ui.shell.sign_in import SignInPage
from ui.trust.timeclock import ClockDialog

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=SH).astimezone(UTC)


def test_the_sign_in_page_clocks_in_and_out_with_the_pin_without_signing_in(
    qtbot: QtBot, services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")  # PIN 5678
    page = SignInPage(services, TaskRunner(synchronous=True), "Lotus")
    qtbot.addWidget(page)
    signed: list[Actor] = []
    page.signed_in.connect(signed.append)
    page.clock()
    assert "Tap your name first" in page.error.text()
    page.select(leo.staff_id)
    page.clock()
    assert "Type your PIN" in page.error.text()
    page.type_pin("0000")
    page.clock()
    assert page.error.text() and services.timeclock.status(leo).state == ts.OFF  # a wrong PIN: nothing
    clock.now = at(18, 9, 2)
    page.type_pin("5678")
    page.clock_btn.click()
    assert page.clock_note.text() == "Leo clocked in at 09:02." and page.clock_note.isVisibleTo(page)
    assert page.dots.text() == "" and signed == []  # the PIN is cleared; nobody signed in
    clock.now = at(18, 17, 32)
    page.select(leo.staff_id)
    page.type_pin("5678")
    page.clock()
    assert page.clock_note.text() == "Leo clocked out at 17:32 (8 h 30 min worked today)."
    assert services.timeclock.status(leo).state == ts.OFF and signed == []


def test_the_clock_offers_what_can_follow_and_a_break_is_taken(qtbot: QtBot, ctx: UiContext, services: Services,
                                                                owner: Actor, clock: FakeClock) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    ctx.actor = amy
    clock.now = at(18, 9)
    dlg = ClockDialog(ctx, services.timeclock.status(amy))
    qtbot.addWidget(dlg)
    got: list[object] = []
    dlg.punched.connect(got.append)
    assert list(dlg.buttons) == [ts.IN] and "Not clocked in" in dlg.chip.text()
    dlg.buttons[ts.IN].click()
    assert got and services.timeclock.status(amy).state == ts.ON
    clock.now = at(18, 12, 30)
    dlg = ClockDialog(ctx, services.timeclock.status(amy))
    qtbot.addWidget(dlg)
    assert list(dlg.buttons) == [ts.OUT, ts.BREAK] and "since 09:00" in dlg.chip.text()
    assert not any(b.isDefault() for b in dlg.buttons.values())  # Enter never clocks anyone out
    dlg.buttons[ts.BREAK].click()
    owner_dlg = ClockDialog(UiContext(services=ctx.services, runner=ctx.runner, shop=ctx.shop, actor=owner),
                            services.timeclock.status(owner))
    qtbot.addWidget(owner_dlg)
    assert "Time sheets" in {b.text() for b in owner_dlg.findChildren(QPushButton)}
    dlg = ClockDialog(ctx, services.timeclock.status(amy))
    qtbot.addWidget(dlg)
    assert list(dlg.buttons) == [ts.BACK, ts.OUT] and "On a break since 12:30" in dlg.chip.text()
    assert "Time sheets" not in {b.text() for b in dlg.findChildren(QPushButton)}  # the owner's, not hers


def test_the_owner_corrects_a_forgotten_clock_out_with_a_reason(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    leo = new_staff(services.db, owner.branch_id, "Leo")
    clock.now = at(17, 9)
    services.timeclock.punch(leo, ts.IN)
    clock.now = at(18, 10)
    dlg = TimeSheetDialog(ctx, staff_id=leo.staff_id, day=date(2026, 11, 17))
    qtbot.addWidget(dlg)
    assert dlg.person.currentData() == leo.staff_id
    assert "no clock-out" in dlg.summary.text() and dlg.table.model_.rowCount() == 1

    def fill() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CorrectionDialog) and w.isVisible())
        box.kind.setCurrentIndex(box.kind.findData(ts.OUT))
        box.when.setText("18")
        box._ok()  # no reason yet: said, and the box stays
        assert "Say why" in box.error.text() and box.isVisible()
        box.reason.setText("forgot to clock out; left at six")
        box._ok()

    QTimer.singleShot(0, fill)
    dlg.correct(None)
    assert "9:00 worked in 1 shift" in dlg.summary.text()
    rows = dlg.table.model_.rows
    assert [r[1] for r in rows] == ["Clock in", "Clock out"] and rows[1][3] == "forgot to clock out; left at six"
    h = services.timeclock.hours(owner, date(2026, 11, 1), date(2026, 11, 30))[leo.staff_id]
    assert (h.worked_seconds, h.unclosed) == (9 * 3600, ())
    # moving the clock-in keeps the old punch, struck through with the reason
    dlg.table.selectRow(0)

    def move() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CorrectionDialog) and w.isVisible())
        assert not box.kind.isEnabled()  # a moved punch keeps its kind
        box.when.setText("8:30")
        box.reason.setText("opened early")
        box._ok()

    QTimer.singleShot(0, move)
    dlg.correct("move")
    rows = dlg.table.model_.rows
    assert len(rows) == 3 and rows[0][0] == "08:30" and rows[2][0] == "18:00"
    struck = [r for r in rows if isinstance(r[0], tuple) and "✕" in r[0][0]]
    assert len(struck) == 1 and struck[0][3].startswith("Moved to ") and struck[0][3].endswith("08:30: opened early")


def test_a_refused_correction_is_said_in_its_box_which_keeps_what_was_typed(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    amy = new_staff(services.db, owner.branch_id, "Amy")
    clock.now = at(18, 9, 51)
    services.timeclock.punch(amy, ts.IN)
    clock.now = at(18, 12)
    dlg = TimeSheetDialog(ctx, staff_id=amy.staff_id, day=date(2026, 11, 18))
    qtbot.addWidget(dlg)
    said: list[str] = []

    def fill() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CorrectionDialog) and w.isVisible())
        box.kind.setCurrentIndex(box.kind.findData(ts.IN))
        box.when.setText("9")
        box.reason.setText("came in at nine")
        box._ok()
        said.append(box.error.text())
        assert box.isVisible() and box.reason.text() == "came in at nine" and box.when.text() == "9"
        box.reject()

    QTimer.singleShot(0, fill)
    dlg.correct(None)
    assert said and "two clock-ins in a row" in said[0] and "change the first one's time" in said[0]
    assert len(dlg.table.model_.rows) == 1  # nothing written


def test_the_owner_adds_a_whole_shift_never_clocked(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    sophie = new_staff(services.db, owner.branch_id, "Sophie")
    clock.now = at(18, 9, 45)
    services.timeclock.punch(sophie, ts.IN)
    clock.now = at(18, 12)
    dlg = TimeSheetDialog(ctx, staff_id=sophie.staff_id, day=date(2026, 11, 18))
    qtbot.addWidget(dlg)

    def fill() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, CorrectionDialog) and w.isVisible())
        box.when.setText("7")
        box.until.setText("9:00")
        box.reason.setText("opened at seven, forgot the clock")
        box._ok()

    QTimer.singleShot(0, fill)
    dlg.correct("add_shift")
    assert [r[0] for r in dlg.table.model_.rows] == ["07:00", "09:00", "09:45"]
    assert "2 shifts" in dlg.summary.text()


def test_deactivating_someone_on_the_clock_is_asked_in_settings_and_go_back_keeps_them(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    from PySide6.QtWidgets import QCheckBox, QMessageBox

    from ui.settings.staff import StaffPanel

    leo = new_staff(services.db, owner.branch_id, "Leo")
    clock.now = at(18, 9, 5)
    services.timeclock.punch(leo, ts.IN)
    panel = StaffPanel(ctx)
    qtbot.addWidget(panel)
    ed = panel.editor
    ed.reload(select_id=leo.staff_id)
    works = ed.form.widgets["active"]
    assert isinstance(works, QCheckBox) and works.isChecked()
    works.setChecked(False)
    asked: list[str] = []

    def answer(text: str) -> None:
        def look() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(10, look)
                return
            asked.append(f"{box.text()} | {box.informativeText()}")
            next(b for b in box.buttons() if b.text() == text).click()

        QTimer.singleShot(0, look)

    answer("Go back")
    ed.save()
    assert "Deactivate Leo anyway?" in asked[0] and "On the clock since" in asked[0]
    assert [s.active for s in services.auth.list_staff(active_only=False) if s.id == leo.staff_id] == [True]
    answer("Deactivate anyway")
    ed.save()
    assert ed.status.text() == "Saved."
    assert [s.active for s in services.auth.list_staff(active_only=False) if s.id == leo.staff_id] == [False]
