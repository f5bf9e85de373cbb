"""Calendar screen and rebook panel with pytest-qt: book from a free slot, drag to move, keyboard moves,
cancel with a reason and the waitlist offer, reminders, rebook at checkout in two clicks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from desk_app.calendar.service import BookingRequest
from desk_app.db.models import Appointment, Visit
from desk_app.settings import S
from tests.integration.test_calendar_support import (
    at,
    new_client,
    new_stylist,
    service_id,
    visit_at_rebooking,
)
from ui.calendar.grid import _n_booked
from ui.calendar.screen import CalendarScreen
from ui.context import UiContext
from ui.visits.rebook import RebookPanel

TOMORROW = date(2026, 11, 19)
# offscreen top-level windows, and ui/theme.py replacing "@primary" inside "@primary_dark" (reported to the lead)
pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "parseHexColor: Unknown color name '#2F6FDE_dark'"
)


@pytest.fixture
def data(ctx: UiContext) -> dict[str, int]:
    db = ctx.services.db
    return {
        "leo": new_stylist(db, "Leo"),
        "amy": new_stylist(db, "Amy"),
        "cut": service_id(db, "CUT-W"),
        "wang": new_client(db, "王芳"),
        "li": new_client(db, "李娜"),
    }


@pytest.fixture
def screen(qtbot, ctx: UiContext, data) -> CalendarScreen:
    w = CalendarScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.open(date=TOMORROW)
    return w


def col_of(screen: CalendarScreen, staff_id: int) -> int:
    return next(i for i, c in enumerate(screen.grid.columns) if c.kind == "staff" and c.ident == staff_id)


def book(ctx: UiContext, data, who: str = "leo", hh: int = 11, client: str = "wang"):
    return ctx.services.calendar.book(
        ctx.require_actor(), BookingRequest(data[client], data[who], at(TOMORROW, hh), [data["cut"]])
    )


def test_book_from_a_free_slot(qtbot, screen: CalendarScreen, ctx: UiContext, data) -> None:
    ci = col_of(screen, data["leo"])
    qtbot.mouseClick(screen.grid, Qt.MouseButton.LeftButton, pos=screen.grid.point_for(ci, at(TOMORROW, 11)))
    dlg = screen.dialog
    assert dlg is not None and dlg.isVisible()
    assert dlg.start_at() == at(TOMORROW, 11) and dlg.staff.currentData() == data["leo"]
    dlg.submit()
    assert "client" in dlg.error.text().lower()  # says what to do first
    dlg.set_client(data["wang"])
    dlg.select_services([data["cut"]])
    assert dlg.duration.value() == 60
    with qtbot.waitSignal(dlg.booked):
        qtbot.mouseClick(dlg.book_button, Qt.MouseButton.LeftButton)
    appts = screen.grid.columns[ci].appts
    assert [(a.client_name, a.start_at) for a in appts] == [("王芳", at(TOMORROW, 11))]
    assert screen.grid.selected_id == appts[0].id


def test_lost_race_in_the_dialog_offers_the_nearest_times(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    ci = col_of(screen, data["leo"])
    screen.book_at(ci, at(TOMORROW, 11))
    dlg = screen.dialog
    assert dlg is not None
    book(ctx, data, hh=11, client="li")  # another desk is quicker
    dlg.set_client(data["wang"])
    dlg.select_services([data["cut"]])
    dlg.submit()
    assert dlg.isVisible() and "already booked" in dlg.error.text()
    alts = [
        dlg.alt_row.itemAt(i).widget() for i in range(dlg.alt_row.count()) if dlg.alt_row.itemAt(i).widget()
    ]
    assert alts
    alts[0].click()
    with qtbot.waitSignal(dlg.booked):
        dlg.submit()


def test_move_by_drag_and_drop(qtbot, screen: CalendarScreen, ctx: UiContext, data) -> None:
    a = book(ctx, data, hh=11)
    screen.refresh()
    grid = screen.grid
    src = grid.point_for(col_of(screen, data["leo"]), at(TOMORROW, 11))
    dst = grid.point_for(col_of(screen, data["amy"]), at(TOMORROW, 14))
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=src)
    qtbot.mouseMove(grid, pos=src + (dst - src) / 2)
    qtbot.mouseMove(grid, pos=dst)
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=dst)
    moved = ctx.services.calendar.appointment(a.id)
    assert moved.staff_id == data["amy"] and moved.start_at == at(TOMORROW, 14)
    assert [x.id for x in grid.columns[col_of(screen, data["amy"])].appts] == [a.id]


def test_keyboard_path(qtbot, screen: CalendarScreen, ctx: UiContext, data) -> None:
    a = book(ctx, data, hh=11)
    screen.refresh()
    grid = screen.grid
    grid.setFocus()
    grid.select(a.id)
    qtbot.keyClick(grid, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert ctx.services.calendar.appointment(a.id).start_at == at(TOMORROW, 11, 15)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    moved = ctx.services.calendar.appointment(a.id)
    assert moved.staff_id != data["leo"]
    # arrows walk the cursor off the appointment; Enter on a free slot opens the booking dialog there
    for _ in range(8):
        qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.selected_id == 0
    qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert screen.dialog is not None and screen.dialog.start_at() == at(TOMORROW, 13, 15)
    screen.dialog.reject()
    # PgDn / T move the day
    qtbot.keyClick(grid, Qt.Key.Key_PageDown)
    assert screen.day == TOMORROW + timedelta(days=1)
    qtbot.keyClick(grid, Qt.Key.Key_T)
    assert screen.day == date(2026, 11, 18)


def test_cancel_with_reason_offers_the_waitlist(
    qtbot, screen: CalendarScreen, ctx: UiContext, data, monkeypatch
) -> None:
    a = book(ctx, data, hh=15)
    entry = ctx.services.waitlist.add(
        ctx.require_actor(), data["li"], at(TOMORROW, 14), at(TOMORROW, 18)
    )
    screen.refresh()
    assert screen.waitlist.list.count() == 1
    monkeypatch.setattr("ui.calendar.screen.ask_reason", lambda *a, **k: "client is ill")
    screen.grid.setFocus()
    screen.grid.select(a.id)
    qtbot.keyClick(screen.grid, Qt.Key.Key_Delete)
    v = ctx.services.calendar.appointment(a.id)
    assert v.status == "cancelled" and v.cancel_reason == "client is ill"
    assert screen.tabs.currentWidget() is screen.waitlist
    assert screen.waitlist.freed.isVisible() and screen.waitlist.matches.count() == 1
    assert screen.waitlist.matches.item(0).data(Qt.ItemDataRole.UserRole) == entry.id
    assert "李娜" in screen.waitlist.matches.item(0).text()
    # the cancelled one is still drawn, with its status word
    assert screen.grid.appointment(a.id).status_label == "Cancelled"


def test_reminders_panel_marks_confirmed(qtbot, screen: CalendarScreen, ctx: UiContext, data) -> None:
    a = book(ctx, data, hh=11)
    screen.refresh()
    lst = screen.reminders.list
    assert lst.count() == 1 and "王芳" in lst.item(0).text()
    lst.setCurrentRow(0)
    screen.reminders._mark("confirmed")
    assert ctx.services.calendar.appointment(a.id).status == "confirmed"
    assert "✓" in screen.reminders.list.item(0).text()


def test_week_view_shows_one_stylist(qtbot, screen: CalendarScreen, ctx: UiContext, data) -> None:
    book(ctx, data, hh=11)
    screen.refresh()
    screen.grid.select(screen.grid.columns[col_of(screen, data["leo"])].appts[0].id)
    qtbot.keyClick(screen, Qt.Key.Key_W)
    assert screen.mode == "week" and len(screen.grid.columns) == 7
    assert screen.staff_box.currentData() == data["leo"]
    assert sum(len(c.appts) for c in screen.grid.columns) == 1


def test_rebook_in_two_clicks(qtbot, ctx: UiContext, data) -> None:
    vid = visit_at_rebooking(ctx.services.db, data["wang"], data["leo"], ("CUT-W",), ctx.services.clock())
    panel = RebookPanel(ctx, vid)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.slot_buttons and not panel.book_button.isEnabled()
    first = panel.slot_buttons[0]
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)  # click 1: select
    assert first.isChecked() and panel.book_button.isEnabled()
    with qtbot.waitSignal(panel.finished):
        qtbot.mouseClick(panel.book_button, Qt.MouseButton.LeftButton)  # click 2: book
    with ctx.services.db.uow(write=False) as uow:
        v = uow.session.get(Visit, vid)
        assert v.step == "done" and v.next_appointment_id is not None
        appt = uow.session.get(Appointment, v.next_appointment_id)
        assert appt.source == "rebook" and appt.start_at == panel.selected.start_at


def test_rebook_not_now_asks_a_reason(qtbot, ctx: UiContext, data, monkeypatch) -> None:
    vid = visit_at_rebooking(ctx.services.db, data["wang"], data["leo"], ("CUT-W",), ctx.services.clock())
    panel = RebookPanel(ctx, vid)
    qtbot.addWidget(panel)
    monkeypatch.setattr("ui.visits.rebook.ask_reason", lambda *a, **k: "will call after holiday")
    with qtbot.waitSignal(panel.finished):
        qtbot.mouseClick(panel.not_now, Qt.MouseButton.LeftButton)
    with ctx.services.db.uow(write=False) as uow:
        v = uow.session.get(Visit, vid)
        assert v.step == "done" and v.rebook_declined_reason == "will call after holiday"
        assert uow.session.scalars(select(Appointment)).all() == []


def test_rebook_panel_after_a_lost_race_shows_fresh_times(qtbot, ctx: UiContext, data) -> None:
    vid = visit_at_rebooking(ctx.services.db, data["wang"], data["leo"], ("CUT-W",), ctx.services.clock())
    panel = RebookPanel(ctx, vid)
    qtbot.addWidget(panel)
    taken = panel.proposal.same_staff[0]
    qtbot.mouseClick(panel.slot_buttons[0], Qt.MouseButton.LeftButton)
    ctx.services.calendar.book(
        ctx.require_actor(), BookingRequest(data["li"], data["leo"], taken.start_at, [data["cut"]])
    )  # another desk
    qtbot.mouseClick(panel.book_button, Qt.MouseButton.LeftButton)
    assert "already booked" in panel.error.text()
    assert taken.start_at not in [s.start_at for s in panel.proposal.same_staff]
    assert not panel.book_button.isEnabled()
    with ctx.services.db.uow(write=False) as uow:
        assert uow.session.get(Visit, vid).step == "rebooking"


def test_booking_dialog_warns_and_holds_a_deposit(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    ctx.services.settings.set(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, 5000)
    risky = new_client(ctx.services.db, "钱七", no_shows=3, prepaid_minor=20000)
    screen.book_at(col_of(screen, data["leo"]), at(TOMORROW, 11))
    dlg = screen.dialog
    assert dlg is not None
    dlg.set_client(risky)
    assert not dlg.warning.isHidden() and "missed 3" in dlg.warning.text()
    assert not dlg.deposit.isHidden() and dlg.deposit.value() == 50  # 50.00 CNY, shown in whole yuan
    dlg.select_services([data["cut"]])
    with qtbot.waitSignal(dlg.booked):
        dlg.submit()
    assert dlg.result_view is not None and dlg.result_view.deposit_minor == 5000


def test_the_waitlist_and_move_dialogs_list_and_save_through_the_runner(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    from ui.calendar.booking_extra import MoveDialog, WaitlistDialog

    dlg = WaitlistDialog(ctx, TOMORROW, data["amy"], screen)
    assert dlg.staff.currentData() == data["amy"] and dlg.service.findData(data["cut"]) > 0
    assert dlg.ok.isEnabled()
    dlg.accept()
    assert "Choose the client first" in dlg.error.text()
    dlg._client(data["li"])
    assert dlg.client_label.text().startswith("李娜 · ")
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted and not dlg.adding()
    entries = ctx.services.waitlist.entries(ctx.actor)
    assert [(e.client_id, e.staff_id) for e in entries] == [(data["li"], data["amy"])]

    a = book(ctx, data, who="leo", hh=11)
    move = MoveDialog(ctx, a, screen)
    assert move.staff.currentData() == data["leo"] and move.staff.findData(data["amy"]) >= 0
    assert move.ok.isEnabled()


def test_booking_for_a_client_names_them_and_the_feeds_are_saved(
    qtbot, screen: CalendarScreen, ctx: UiContext, data, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.calendar import screen as calendar_screen

    screen.open(client_id=data["wang"], date=TOMORROW)
    assert screen.banner.isVisibleTo(screen) and "王芳" in screen.banner.text()
    screen.open(date=TOMORROW)
    assert not screen.banner.isVisibleTo(screen)
    saved: list[tuple[str, bytes]] = []
    monkeypatch.setattr(
        calendar_screen, "save_bytes", lambda _p, _t, name, data, _f: saved.append((name, data))
    )
    screen.grid.cursor_col = col_of(screen, data["leo"])
    screen.export_feed()
    a = book(ctx, data, hh=11)
    screen._action("ics", a.id)
    screen.export_reminders()
    names = [name for name, _d in saved]
    assert names == [f"schedule-{data['leo']}.ics", f"appointment-{a.id}.ics", "reminders.csv"]
    assert saved[0][1].startswith(b"BEGIN:VCALENDAR") and saved[1][1].startswith(b"BEGIN:VCALENDAR")


TODAY = date(2026, 11, 18)  # the FakeClock's day: 10:00 in Shanghai


def test_a_new_booking_starts_with_no_client_and_enter_does_not_pick_the_last_one(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    """#13 item 5: the recent clients are listed but none is chosen or highlighted; Enter in the
    empty search picks nobody; Book says to choose the client and writes nothing."""
    ctx.services.calendar.book(  # the last client the desk worked with
        ctx.require_actor(), BookingRequest(data["wang"], data["amy"], at(TOMORROW, 15), [data["cut"]])
    )
    screen.book_at(col_of(screen, data["leo"]), at(TOMORROW, 11))
    dlg = screen.dialog
    assert dlg is not None
    qtbot.waitUntil(lambda: not dlg.search.pending() and bool(dlg.search.hits()))  # the recent clients
    assert dlg.client_id is None and dlg.search.current_hit() is None
    dlg.search.edit.setFocus()
    qtbot.keyClick(dlg.search.edit, Qt.Key.Key_Return)
    assert dlg.client_id is None
    dlg.select_services([data["cut"]])
    dlg.submit()
    assert "client" in dlg.error.text().lower()
    with ctx.services.db.uow(write=False) as uow:
        assert len(uow.session.scalars(select(Appointment)).all()) == 1  # only the one booked above


def test_the_date_is_typed_and_a_time_already_over_is_never_offered(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    """#13 item 17: the date field takes the keyboard (and never goes before today); today offers
    no time before now; a dialog opened on a past time starts at the first time from now, says
    so, and books it."""
    screen.book_at(col_of(screen, data["leo"]), at(TODAY, 8))  # 08:00, two hours ago
    dlg = screen.dialog
    assert dlg is not None
    times = [dlg.time.itemData(i) for i in range(dlg.time.count())]
    assert times and min(times) >= at(TODAY, 9, 45)  # the slot running at 10:00 at the earliest
    assert dlg.start_at() == at(TODAY, 10) and dlg.past_note.isVisibleTo(dlg)
    # typed: Up on the day goes to tomorrow, whose times start at midnight again
    dlg.date_edit.setFocus()
    dlg.date_edit.setCurrentSection(dlg.date_edit.Section.DaySection)
    qtbot.keyClick(dlg.date_edit, Qt.Key.Key_Up)
    assert dlg.day == TOMORROW and dlg.start_at() == at(TOMORROW, 10)
    assert dlg.time.itemData(0) == at(TOMORROW, 0)
    qtbot.keyClick(dlg.date_edit, Qt.Key.Key_Down)
    qtbot.keyClick(dlg.date_edit, Qt.Key.Key_Down)  # yesterday is not a choice
    assert dlg.day == TODAY
    dlg.set_client(data["wang"])
    dlg.select_services([data["cut"]])
    with qtbot.waitSignal(dlg.booked):
        dlg.submit()
    assert dlg.result_view is not None and dlg.result_view.start_at == at(TODAY, 10)


def test_the_nearest_free_times_are_all_readable_at_the_counter_size(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    """#13 item 17: after a lost race up to six alternatives show in rows of three, each button
    wide enough for its whole text, inside the dialog, in English and Chinese."""
    from desk_app import i18n

    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        try:
            screen.book_at(col_of(screen, data["leo"]), at(TOMORROW, 11))
            dlg = screen.dialog
            assert dlg is not None
            if not dlg.alternatives():
                book(ctx, data, hh=11, client="li") if lang == "en" else None
            dlg.set_client(data["wang"])
            dlg.select_services([data["cut"]])
            dlg.submit()
            alts = dlg.alternatives()
            assert len(alts) >= 3
            dlg.adjustSize()
            qtbot.waitUntil(lambda shown=alts: all(b.isVisible() for b in shown))
            assert dlg.height() <= 728 and dlg.width() <= 1366
            for b in alts:
                assert b.width() >= b.sizeHint().width(), b.text()
                assert dlg.rect().contains(b.mapTo(dlg, b.rect().bottomRight()))
            dlg.reject()
        finally:
            i18n.set_language("en")


def test_a_time_already_over_is_not_offered_as_free_in_the_calendar(
    qtbot, screen: CalendarScreen, ctx: UiContext, data
) -> None:
    """#13 item 17: clicking an empty cell of this morning (it is 11:00) says the time has passed
    and offers no Book; a cell later today is a free time with Book."""
    ctx.services.clock.advance(hours=1)  # type: ignore[attr-defined]  # the tests' FakeClock
    screen.open(date=TODAY)
    ci = col_of(screen, data["leo"])
    qtbot.mouseClick(screen.grid, Qt.MouseButton.LeftButton, pos=screen.grid.point_for(ci, at(TODAY, 10)))
    assert "passed" in screen.details.details.text() and not screen.details.buttons["book"].isVisible()
    qtbot.mouseClick(screen.grid, Qt.MouseButton.LeftButton, pos=screen.grid.point_for(ci, at(TODAY, 15)))
    assert "free time" in screen.details.details.text() and screen.details.buttons["book"].isVisible()


def test_nearest_free_times_on_another_day_name_the_day_in_words_and_are_not_cut(
    qtbot, screen: CalendarScreen, data
) -> None:
    """Walk: the stylist was off today, the nearest times were the next day, and the buttons read
    "2/8/26 10:00 · Oliver Won" (12/8/26, cut at both ends: read as February). Two lines now, the
    day in words, each button wide enough for its text, in English and Chinese."""
    from desk_app import i18n
    from desk_app.calendar.views import FreeSlot

    long_name = "Oliver Wong-Montgomery"
    for lang in ("en", "zh_CN"):
        i18n.set_language(lang)
        try:
            screen.book_at(col_of(screen, data["leo"]), at(TOMORROW, 11))
            dlg = screen.dialog
            assert dlg is not None
            later = [at(TOMORROW + timedelta(days=1), h) for h in (10, 12, 13, 14, 16)]
            slots = tuple(FreeSlot(data["leo"], long_name, s, s + timedelta(minutes=30)) for s in later)
            dlg._show_alternatives(slots)
            alts = dlg.alternatives()
            assert len(alts) == 5
            dlg.adjustSize()
            qtbot.waitUntil(lambda shown=alts: all(b.isVisible() for b in shown))
            for b in alts:
                when, who = b.text().split("\n")
                assert who == long_name and b.width() >= b.sizeHint().width(), b.text()
                assert ("Nov" in when) if lang == "en" else ("11月" in when), when  # the month in words
            dlg.reject()
        finally:
            i18n.set_language("en")


def test_a_stylist_who_is_off_is_not_shown_as_free(qtbot, ctx: UiContext, data) -> None:
    """Walk: a stylist off that day had "free" over their greyed column, and a click in it said
    "A free time"; only Book then said they were not working. Their column says "off" and a time
    in it says they are not working; a working stylist's free time is still "A free time"."""
    from sqlalchemy import update

    from desk_app.db.models import Staff
    from desk_app.domain.slots import WEEKDAYS

    day = WEEKDAYS[TOMORROW.weekday()]
    with ctx.services.db.uow() as uow:  # Leo works every day but tomorrow's weekday
        hours = {d: [["09:00", "19:00"]] for d in WEEKDAYS if d != day}
        uow.session.execute(update(Staff).where(Staff.id == data["leo"]).values(working_hours=hours))
        uow.commit()
    w = CalendarScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.open(date=TOMORROW)
    leo, amy = col_of(w, data["leo"]), col_of(w, data["amy"])
    assert w.grid.columns[leo].shifts == () and _n_booked(w.grid.columns[leo]) == "off"
    assert _n_booked(w.grid.columns[amy]) == "free"
    qtbot.mouseClick(w.grid, Qt.MouseButton.LeftButton, pos=w.grid.point_for(leo, at(TOMORROW, 14)))
    assert "Leo is not working at this time" in w.details.details.text()
    qtbot.mouseClick(w.grid, Qt.MouseButton.LeftButton, pos=w.grid.point_for(amy, at(TOMORROW, 14)))
    assert "A free time" in w.details.details.text()


def test_a_cancelled_bookings_lane_shows_its_symbol_when_the_word_does_not_fit(qtbot: object) -> None:
    """The newcomer's walk: a cancelled booking's narrow lane read "✕ Canc" (the word wrapped and
    cut). It says the whole "✕ Cancelled" when it fits, else the symbol alone."""
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.calendar.grid import lane_text

    fm = QFontMetrics(QFont())
    whole = "✕ Cancelled"
    assert lane_text(fm, "✕", "Cancelled", fm.horizontalAdvance(whole) + 1) == whole
    assert lane_text(fm, "✕", "Cancelled", fm.horizontalAdvance(whole) - 1) == "✕"
    assert lane_text(fm, "✕", "已取消", 30) == "✕"


def test_a_time_a_booking_covers_is_never_called_free(qtbot, screen: CalendarScreen, ctx: UiContext, data) -> None:  # type: ignore[no-untyped-def]
    """The third walk: on opening, the calendar's first selection (10:00, the first stylist) said
    "A free time. Press Enter or click Book" with a client booked there. The cursor on a booked
    time shows that booking."""
    book(ctx, data, hh=11)
    screen.refresh()
    ci = col_of(screen, data["leo"])
    grid = screen.grid
    grid.cursor_col = ci
    grid.cursor_min = int((at(TOMORROW, 11, 30) - grid.columns[ci].origin).total_seconds() // 60)
    screen._selected(0)  # the cursor there, nothing selected (as on opening)
    assert screen.details.appt is not None and screen.details.appt.client_name == "王芳"
    assert "free time" not in screen.details.details.text()


def test_booking_a_client_twice_at_once_asks_and_books_both_only_on_yes(  # type: ignore[no-untyped-def]
    qtbot, screen: CalendarScreen, ctx: UiContext, data, monkeypatch
) -> None:
    """The third walk: the same client was booked at overlapping times with two stylists without a
    word. The dialog names the other booking and asks; "Choose another time" writes nothing."""
    from ui.calendar import booking as booking_mod

    book(ctx, data, who="leo", hh=11)
    answers: list[bool] = [False, True]
    asked: list[dict[str, object]] = []

    def answer(_p, _title, _text, **k):  # noqa: ANN001, ANN202
        asked.append(k)
        return answers.pop(0)

    monkeypatch.setattr(booking_mod, "confirm", answer)
    others = [c for c in screen.grid.columns if c.ident != data["leo"]]
    ci = screen.grid.columns.index(others[0])
    screen.book_at(ci, at(TOMORROW, 11))
    dlg = screen.dialog
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg._loaded)
    dlg.set_client(data["wang"])
    dlg.select_services([data["cut"]])
    dlg.submit()
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert asked[0]["yes"] == "Book both" and asked[0]["default_yes"] is False
    assert "already has a booking" in dlg.error.text()

    def wangs() -> int:
        with ctx.services.db.uow(write=False) as uow:
            return len(uow.session.scalars(select(Appointment.id).where(Appointment.client_id == data["wang"])).all())

    assert wangs() == 1  # "Choose another time": nothing written
    with qtbot.waitSignal(dlg.booked):
        dlg.submit()
    assert len(asked) == 2 and wangs() == 2
