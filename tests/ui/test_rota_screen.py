"""The rota on screen (issue 21): the week of everyone at the branch, a day planned in its own box
(other hours, a break, a day off) that keeps what was typed when refused, bookings left outside
the hours named before anything is saved, read-only for staff, opened from the calendar with R."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from desk_app.calendar.service import BookingRequest
from desk_app.container import Services
from desk_app.domain import rota as rt
from desk_app.domain.permissions import Actor
from tests.integration.test_calendar_support import SH, at, new_client, new_stylist, service_id, stylist_actor
from ui.calendar.rota import DayPlanDialog, RotaDialog
from ui.context import UiContext
from ui.runner import TaskRunner

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")
NEXT_MON = date(2026, 11, 23)  # the FakeClock's today is Wednesday 18 November


def when_shown(kind: type, then: Callable[[object], None]) -> None:
    """Answer the next modal box of ``kind`` once it is on screen (its exec() runs Qt's own loop)."""

    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, kind) or not box.isVisible():
            QTimer.singleShot(10, look)
            return
        then(box)

    QTimer.singleShot(0, look)


def press(box: object, text: str) -> None:
    assert isinstance(box, QMessageBox)
    next(b for b in box.buttons() if b.text() == text).click()


def choose(dlg: RotaDialog, name: str, day: date) -> None:
    assert dlg.week is not None
    row = next(i for i, r in enumerate(dlg.week.rows) if r.name == name)
    dlg.table.setCurrentIndex(dlg.table.model().index(row, dlg.week.days.index(day) + 1))


def cell(dlg: RotaDialog, name: str, day: date) -> object:
    assert dlg.week is not None
    row = next(i for i, r in enumerate(dlg.week.rows) if r.name == name)
    return dlg.table.model_.rows[row][dlg.week.days.index(day) + 1]


def free_starts(services: Services, staff_id: int, day: date) -> list[str]:
    free = services.calendar.free_slots(staff_id, at(day, 0), at(day + timedelta(days=1), 0), 45)
    return [f.start_at.astimezone(SH).strftime("%H:%M") for f in free]


def test_the_owner_plans_a_late_shift_and_the_calendar_books_on_it(qtbot: QtBot, ctx: UiContext, services: Services) -> None:
    leo = new_stylist(services.db, "Leo")
    dlg = RotaDialog(ctx, day=NEXT_MON + timedelta(days=2))
    qtbot.addWidget(dlg)
    dlg.show()  # shown: where the focus goes after the save is asked below
    qtbot.waitExposed(dlg)
    assert dlg.week is not None and dlg.week.first == NEXT_MON and "Nov 23" in dlg.title.text()
    assert cell(dlg, "Leo", NEXT_MON) == "10:00–19:00"
    choose(dlg, "Leo", NEXT_MON)
    assert "standard hours" in dlg.note.text() and "break 13:00–13:30" in dlg.note.text()

    def fill(box: object) -> None:
        assert isinstance(box, DayPlanDialog) and box.works.isChecked() and box.start.text() == "10:00"
        box.start.setText("14")
        box.end.setText("22")
        box.break_start.setText("18")
        box.break_end.setText("18.30")
        box.note.setText("swapped with Amy")
        box._ok()

    when_shown(DayPlanDialog, fill)
    qtbot.mouseClick(dlg.plan_btn, Qt.MouseButton.LeftButton)  # the click gives the button the focus
    assert cell(dlg, "Leo", NEXT_MON) == ("✎ 14:00–22:00", "info")
    assert "planned on the rota" in dlg.note.text() and "swapped with Amy" in dlg.note.text()
    assert dlg.focusWidget() is dlg.table  # a second Enter plans again, never the next button
    (row,) = [r for r in dlg.table.model_.rows if str(r[0]).startswith("Leo")]
    assert row[-1] == f"{(7 * 60 + 30 + 6 * 510) // 60}:{(7 * 60 + 30 + 6 * 510) % 60:02d}"  # the week's hours
    starts = free_starts(services, leo, NEXT_MON)
    assert starts[0] == "14:00" and "20:00" in starts and "11:00" not in starts
    assert services.calendar.day(NEXT_MON).staff[0].planned
    dlg.back_to_standard()
    assert cell(dlg, "Leo", NEXT_MON) == "10:00–19:00" and free_starts(services, leo, NEXT_MON)[0] == "10:00"


def test_a_refused_day_is_said_in_its_box_which_keeps_what_was_typed(
    qtbot: QtBot, ctx: UiContext, services: Services
) -> None:
    new_stylist(services.db, "Leo")
    dlg = RotaDialog(ctx, day=NEXT_MON)
    qtbot.addWidget(dlg)
    choose(dlg, "Leo", NEXT_MON)
    said: list[str] = []

    def fill(box: object) -> None:
        assert isinstance(box, DayPlanDialog)
        box.start.setText("19")
        box.end.setText("10")
        box._ok()
        said.append(box.error.text())
        box.end.setText("later")
        box._ok()
        said.append(box.error.text())
        assert box.isVisible() and box.start.text() == "19" and box.end.text() == "later"
        box.reject()

    when_shown(DayPlanDialog, fill)
    dlg.plan_day()
    assert "must end after it starts" in said[0] and "hours and minutes" in said[1]
    assert cell(dlg, "Leo", NEXT_MON) == "10:00–19:00"  # nothing written


def test_a_day_off_over_a_booking_names_it_and_saves_only_when_the_owner_says_so(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor
) -> None:
    leo = new_stylist(services.db, "Leo")
    wang = new_client(services.db, "王芳")
    services.calendar.book(owner, BookingRequest(client_id=wang, staff_id=leo, start_at=at(NEXT_MON, 11),
                                                 service_ids=[service_id(services.db, "CUT-W")]))  # fmt: skip
    dlg = RotaDialog(ctx, day=NEXT_MON)
    qtbot.addWidget(dlg)
    choose(dlg, "Leo", NEXT_MON)
    asked: list[str] = []

    def fill(box: object) -> None:
        assert isinstance(box, DayPlanDialog)
        box.off.setChecked(True)
        assert not box.start.isEnabled()

        def first(q: object) -> None:
            assert isinstance(q, QMessageBox)
            asked.append(q.informativeText())
            press(q, "Go back")

        when_shown(QMessageBox, first)
        box._ok()
        assert box.isVisible()  # went back: the day's box is still open, nothing saved
        when_shown(QMessageBox, lambda q: press(q, "Save anyway"))
        box._ok()

    when_shown(DayPlanDialog, fill)
    dlg.plan_day()
    assert asked and "王芳" in asked[0] and "11:00" in asked[0] and "move them in the calendar" in asked[0]
    assert "falls on the day off" in asked[0]
    assert cell(dlg, "Leo", NEXT_MON) == ("✎ Day off", "info")
    assert free_starts(services, leo, NEXT_MON) == []
    assert [a.status for a in services.calendar.day(NEXT_MON).appointments] == ["booked"]  # kept, to be moved


def test_last_week_is_copied_after_asking(qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor) -> None:
    leo = new_stylist(services.db, "Leo")
    services.rota.set_day(owner, leo, date(2026, 11, 20), rt.OFF)  # Friday this week
    services.rota.set_day(owner, leo, NEXT_MON + timedelta(days=1), rt.DayPlan("12:00", "20:00"), "dentist")
    dlg = RotaDialog(ctx, day=NEXT_MON)
    qtbot.addWidget(dlg)
    asked: list[str] = []

    def answer(q: object) -> None:
        assert isinstance(q, QMessageBox)
        asked.append(q.informativeText() or q.text())
        press(q, "Copy last week")

    when_shown(QMessageBox, answer)
    dlg.copy_last_week()
    assert cell(dlg, "Leo", date(2026, 11, 27)) == ("✎ Day off", "info")
    assert "2 days changed" in dlg.note.text()  # Friday off, and Tuesday back to the standard hours
    assert asked and "replaced by the copy" in asked[0] and "Leo" in asked[0] and "dentist" in asked[0]


def test_staff_read_the_rota_but_do_not_plan_it(qtbot: QtBot, services: Services, owner: Actor) -> None:
    leo = new_stylist(services.db, "Leo")
    services.rota.set_day(owner, leo, NEXT_MON, rt.OFF, "holiday")
    ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(),
                    actor=stylist_actor(services.db, leo))  # fmt: skip
    dlg = RotaDialog(ctx, day=NEXT_MON)
    qtbot.addWidget(dlg)
    assert cell(dlg, "Leo", NEXT_MON) == ("✎ Day off", "info")
    assert not dlg.plan_btn.isVisibleTo(dlg) and not dlg.copy_btn.isVisibleTo(dlg)
    choose(dlg, "Leo", NEXT_MON)
    assert "holiday" in dlg.note.text()
    dlg.plan_day()  # Enter on a day: nothing opens for staff
    assert QApplication.activeModalWidget() is None


def test_a_day_already_past_is_not_planned(qtbot: QtBot, ctx: UiContext, services: Services) -> None:
    new_stylist(services.db, "Leo")
    dlg = RotaDialog(ctx)  # this week: Monday and Tuesday have passed
    qtbot.addWidget(dlg)
    assert dlg.table.currentIndex().column() == 3  # the cursor starts on today, Wednesday
    choose(dlg, "Leo", date(2026, 11, 16))
    assert not dlg.plan_btn.isEnabled() and "this day has passed" in dlg.note.text()
    assert cell(dlg, "Leo", date(2026, 11, 16)) == ("10:00–19:00", "muted")  # greyed, not bold
    dlg.go(-7)  # a week wholly past: nothing to copy into
    assert not dlg.copy_btn.isEnabled()
    dlg.go(7)
    assert dlg.copy_btn.isEnabled()


def test_the_rota_opens_on_the_calendars_day_with_the_grid_under_the_keys(qtbot: QtBot, ctx: UiContext,
                                                                          services: Services) -> None:
    """Walk: Enter on the opened rota pressed the week-before button (it had the focus) and went back
    a week; the cursor started on Monday whatever day the calendar showed."""
    new_stylist(services.db, "Leo")
    dlg = RotaDialog(ctx, day=NEXT_MON + timedelta(days=3))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.focusWidget() is dlg.table
    assert dlg.table.currentIndex().column() == 4  # Thursday


def test_the_calendar_opens_the_rota_with_r(qtbot: QtBot, ctx: UiContext, services: Services) -> None:
    from PySide6.QtGui import QShortcut

    from ui.calendar.screen import CalendarScreen

    new_stylist(services.db, "Leo")
    screen = CalendarScreen(ctx)
    qtbot.addWidget(screen)
    seen: list[date] = []

    def close(box: object) -> None:
        assert isinstance(box, RotaDialog) and box.week is not None
        seen.append(box.week.first)
        box.reject()

    when_shown(RotaDialog, close)
    sc = next(s for s in screen.findChildren(QShortcut) if s.key().toString() == "R")
    sc.activated.emit()
    assert seen == [date(2026, 11, 16)]


def test_the_time_sheet_shows_the_days_planned_hours_beside_the_punches(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.reports.timesheet import TimeSheetDialog

    leo = new_stylist(services.db, "Leo")
    services.rota.set_day(owner, leo, date(2026, 11, 18), rt.DayPlan("14:00", "22:00"), "swapped with Amy")
    sheet = TimeSheetDialog(ctx, staff_id=leo, day=date(2026, 11, 18))
    qtbot.addWidget(sheet)
    assert "Rota: 14:00–22:00 · swapped with Amy" in sheet.summary.text()
    sheet.day.setDate(sheet.day.date().addDays(1))  # Thursday: not planned
    assert "Standard hours: 10:00–19:00" in sheet.summary.text()


def test_the_week_is_saved_as_one_page_to_pin_up(qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor,
                                                 tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from desk_app import i18n

    leo = new_stylist(services.db, "Leo")
    services.rota.set_day(owner, leo, NEXT_MON, rt.DayPlan("14:00", "22:00", "18:00", "18:30"), "swapped with Amy")
    services.rota.set_day(owner, leo, NEXT_MON + timedelta(days=1), rt.OFF)
    dlg = RotaDialog(ctx, day=NEXT_MON)
    qtbot.addWidget(dlg)
    dlg.save_pdf(tmp_path / "rota.pdf")
    pages = PdfReader(str(tmp_path / "rota.pdf")).pages
    text = "".join(p.extract_text() for p in pages)
    assert len(pages) == 1 and "Rota, week of Nov 23, 2026" in text
    assert "14:00–22:00" in text and "break 18:00–18:30" in text and "swapped with Amy" in text
    assert "Day off" in text and "Leo" in text and "Stylist" in text
    assert "Saved" in dlg.note.text()
    i18n.set_language("zh_CN")
    try:
        dlg.save_pdf(tmp_path / "rota-zh.pdf")
    finally:
        i18n.set_language("en")
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "rota-zh.pdf")).pages)
    assert "排班表" in text and "休息日" in text and "技师" in text


def test_the_keys_reach_every_action(qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor) -> None:
    """Walk: Tab only went round the cells, so no button of the rota could be reached by keyboard."""
    from PySide6.QtGui import QShortcut

    leo = new_stylist(services.db, "Leo")
    services.rota.set_day(owner, leo, NEXT_MON, rt.OFF)
    dlg = RotaDialog(ctx, day=NEXT_MON)
    qtbot.addWidget(dlg)
    assert not dlg.table.tabKeyNavigation()  # Tab goes on to the buttons
    choose(dlg, "Leo", NEXT_MON)
    delete = next(s for s in dlg.table.findChildren(QShortcut) if s.key().toString() == "Del")
    delete.activated.emit()  # Delete: back to the standard hours
    assert cell(dlg, "Leo", NEXT_MON) == "10:00–19:00"
