"""The guided visit on screen: Today -> greeting -> needs -> service, allergies, restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLabel
from pytestqt.qtbot import QtBot

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.domain.safety import PatchResult
from desk_app.settings import S
from desk_app.visits.service import PlanItemIn
from tests.conftest import FakeClock
from tests.integration import visit_helpers as h
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.today.screen import TodayScreen
from ui.visits.formula import FormulaDialog, lock_text
from ui.visits.my_clients import MyClientsScreen
from ui.visits.safety import PatchTestDialog, SafetyDialog
from ui.visits.screen import VisitScreen


class Nav:
    """Stands in for the main window: builds the visit screen and opens it like navigate() does."""

    def __init__(self, qtbot: QtBot, ctx: UiContext) -> None:
        self.qtbot = qtbot
        self.ctx = ctx
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.visit: VisitScreen | None = None
        ctx.navigate = self

    def __call__(self, name: str, **params: Any) -> None:
        self.calls.append((name, params))
        if name == "visit":
            if self.visit is None:
                self.visit = VisitScreen(self.ctx)
                self.qtbot.addWidget(self.visit)
                self.visit.resize(1366, 768)
            self.visit.open(**params)


def _select(combo: QComboBox, data: Any) -> None:
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)


def test_new_walk_in_from_today_through_service(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    nav = Nav(qtbot, ctx)
    stylist = h.add_stylist(services.db, owner.branch_id, "Leo")
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    assert today.visits_stack.currentWidget() is today.visits_empty  # empty state says what to do

    assert today.walk_in_shortcut.key().toString() == "Ctrl+W"
    today.walk_in_shortcut.activated.emit()
    assert nav.visit is not None and nav.calls[-1][0] == "visit"
    screen = nav.visit
    assert screen.stack.currentWidget() is screen.greeting
    assert screen.stepper.state["greeting"] == "current"
    assert screen.greeting.menu_card.isVisibleTo(screen)  # walk-in without profile: the menu as introduction
    assert screen.greeting.menu.rowCount() >= 10
    today.refresh()
    assert today.queue_model.rowCount() == 1 and today.visits_model.rowCount() == 1

    # the client search (another part of the app) hands over a new client's id
    cid = h.add_client(services.db, "王小明")
    screen.greeting._chosen(cid)
    assert screen.greeting.client_card.name.text() == "王小明"
    # the step's button moves on; "Greeted" is said once, by the greeting button (it was said twice)
    assert screen.greeting.greet_btn.text() == "Continue to needs with 王小明"
    # the profile is on screen: the hello line no longer asks to find or create it
    assert "find or create" not in screen.greeting.hello_text.text()
    assert screen.greeting.menu_card.isVisibleTo(screen)  # a new client sees the menu
    clock.advance(seconds=15)
    qtbot.mouseClick(screen.greeting.greet_btn, Qt.MouseButton.LeftButton)
    assert screen.stack.currentWidget() is screen.needs
    assert screen.stepper.state["greeting"] == "done" and screen.stepper.state["needs"] == "current"

    needs = screen.needs
    _select(needs.plan.service, h.service_id(services.db, "COL-ROOT"))
    qtbot.mouseClick(needs.plan.add_service_btn, Qt.MouseButton.LeftButton)
    assert needs.plan.table.rowCount() == 1
    assert "298" in needs.plan.total.text()
    # every fee is in the estimate: a surcharge named and priced now
    needs.plan.fee_text.setText("Long hair")
    needs.plan.fee_amount.setText("thirty")
    qtbot.mouseClick(needs.plan.add_fee_btn, Qt.MouseButton.LeftButton)
    assert needs.plan.fee_error.isVisibleTo(needs) and needs.plan.table.rowCount() == 1
    needs.plan.fee_amount.setText("30")
    qtbot.mouseClick(needs.plan.add_fee_btn, Qt.MouseButton.LeftButton)
    assert needs.plan.table.rowCount() == 2 and "328" in needs.plan.total.text()
    # confirm with a required answer missing: the field says what is wrong, nothing moves on
    _select(needs.form.kind, "hair")
    qtbot.mouseClick(needs.confirm_btn, Qt.MouseButton.LeftButton)
    assert screen.stack.currentWidget() is needs
    assert needs.form.errors["hair_type"].isVisibleTo(needs)
    hair = needs.form.inputs["hair_type"]
    assert isinstance(hair, QComboBox)
    _select(hair, "fine")
    needs.form.goals.setPlainText("cover the greys")  # also the answer to "Desired result"
    needs.form.allergies.setText("PPD")
    # a colour service for a PPD allergy: the safety rule asks first (docs/safety.md); the stylist
    # records a patch test with no reaction and the confirmation goes through
    asked: list[str] = []

    def safety(dlg: Any) -> None:
        asked.append(" ".join(lbl.text() for lbl in dlg.findChildren(QLabel)))
        assert not dlg.ahead_btn.isEnabled()  # going ahead needs a reason
        _answer(PatchTestDialog, patch_test)
        dlg.patch_btn.click()

    def patch_test(dlg: Any) -> None:
        dlg.product.setText("Koleston 7/1")
        dlg.result_buttons[PatchResult.NEGATIVE].setChecked(True)
        dlg.save()

    _answer(SafetyDialog, safety)
    qtbot.mouseClick(needs.confirm_btn, Qt.MouseButton.LeftButton)
    assert asked and "Root colour" in asked[0] and "patch test" in asked[0]
    assert screen.stack.currentWidget() is screen.service
    assert screen.banner.isVisibleTo(screen) and "PPD" in screen.banner.label.text()
    view = services.visits.get(screen.visit_id or 0)
    assert view.estimate.confirmed_minor == 29800 + 3000 and view.assessment is not None

    svc = screen.service
    _select(svc.staff, stylist.staff_id)
    svc.staff.activated.emit(svc.staff.currentIndex())
    qtbot.mouseClick(svc.start_btn, Qt.MouseButton.LeftButton)
    assert "In service since" in svc.clock_label.text()
    assert "colour" in svc.advice.text().lower() or svc.advice.text()
    qtbot.mouseClick(svc.use_btn, Qt.MouseButton.LeftButton)
    assert svc.used.count() == 1
    dlg = FormulaDialog(
        svc,
        "New formula",
        lambda comps, notes: services.service_log.add_formula(owner, screen.visit_id or 0, comps, notes),
    )
    qtbot.addWidget(dlg)
    dlg.accept_save()  # an empty row: refused with a message per field
    assert dlg.error.isVisibleTo(dlg) and dlg.result_view is None
    for col, text in enumerate(["Koleston", "6/1", "20 vol", "40 g", "35", ""]):
        item = dlg.table.item(0, col)
        assert item is not None
        item.setText(text)
    dlg.accept_save()
    assert dlg.result_view is not None
    svc.changed.emit()
    assert svc.formulas.rowCount() == 1
    qtbot.mouseClick(svc.log_btn, Qt.MouseButton.LeftButton)
    assert svc.logs.count() == 1 and "Root colour" in svc.logs.item(0).text()
    clock.advance(minutes=50)
    qtbot.mouseClick(svc.finish_btn, Qt.MouseButton.LeftButton)
    assert screen.stack.currentWidget() is screen.checkout_host
    assert screen.stepper.state["service"] == "done" and screen.stepper.state["checkout"] == "current"
    done = services.visits.get(screen.visit_id or 0)
    assert done.step == "checkout" and done.service_ended_at is not None and len(done.formulas) == 1
    today.refresh()
    assert today.queue_model.rowCount() == 0


def test_booked_regular_with_allergy(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    nav = Nav(qtbot, ctx)
    stylist = h.add_stylist(services.db, owner.branch_id, "Leo")
    cid = h.add_client(services.db, "Amy Wong", allergies="latex gloves")
    sid = h.service_id(services.db, "FAC-HYD")
    old = services.visits.start_walk_in(owner, cid)
    services.visits.greet(owner, old, cid)
    services.consultation.save_assessment(owner, old, kind="skin", answers={"skin_type": "dry"}, goals="hydration")
    services.consultation.set_plan(owner, old, [PlanItemIn("service", service_id=sid)])
    services.consultation.confirm_plan(owner, old)
    services.service_log.start_service(owner, old)
    services.service_log.end_service(owner, old)
    clock.advance(days=3)
    h.book(
        services.db,
        branch_id=owner.branch_id,
        client_id=cid,
        staff_id=stylist.staff_id,
        start=clock.now + timedelta(minutes=10),
        service_ids=[sid],
    )

    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    assert today.appts_model.rowCount() == 1
    cell = today.appts_model.index(0, 1).data()
    assert "⚠" in cell and "Amy Wong" in cell
    assert "Booked" in today.appts_model.index(0, 4).data()
    today.appts.selectRow(0)
    qtbot.mouseClick(today.arrived_btn, Qt.MouseButton.LeftButton)
    screen = nav.visit
    assert screen is not None
    assert screen.stack.currentWidget() is screen.greeting
    assert screen.banner.isVisibleTo(screen) and "latex gloves" in screen.banner.label.text()
    assert "Recent visits" in screen.greeting.client_card.history.text()
    assert "Hydrating facial" in screen.greeting.client_card.history.text()
    assert not screen.greeting.menu_card.isVisibleTo(screen)  # a regular needs no introduction
    today.refresh()
    assert "Arrived" in today.appts_model.index(0, 4).data()

    # the stylist sees her, allergy first
    stylist_ctx = UiContext(
        services=services, runner=TaskRunner(synchronous=True), shop=ctx.shop, actor=stylist
    )
    mine = MyClientsScreen(stylist_ctx)
    qtbot.addWidget(mine)
    assert len(mine.cards) == 1
    texts = " ".join(w.text() for w in mine.cards[0].findChildren(type(screen.greeting.client_card.name)))
    assert "latex gloves" in texts and "Hydrating facial" in texts
    # and her own month (the appraisal), below her clients: a stylist has no Reports
    from ui.shared.my_month import my_month_text

    assert mine.my_month.label.text() == my_month_text(services.reports.my_month(stylist))
    from ui.shared.my_month import MyMonthCard

    owners = MyMonthCard(ctx)  # the owner is not appraised: pointed at the team's table
    qtbot.addWidget(owners)
    owners.refresh()
    assert "Reports" in owners.label.text()


def test_restart_opens_the_visit_at_its_step(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, db_path: Path
) -> None:
    v = services.visits
    cid = h.add_client(services.db, "Resume")
    vid = v.start_walk_in(owner, cid)
    v.greet(owner, vid, cid)
    services.consultation.save_assessment(owner, vid, kind="generic", answers={"request": "trim"}, goals="trim")
    services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=h.service_id(services.db, "CUT-W"))])
    services.consultation.confirm_plan(owner, vid)

    db2 = open_database(str(db_path))  # as after a restart: a new connection on the same file
    try:
        s2 = Services(db2)
        ctx2 = UiContext(services=s2, runner=TaskRunner(synchronous=True), shop=s2.shop.info(), actor=owner)
        screen = VisitScreen(ctx2)
        qtbot.addWidget(screen)
        screen.open(visit_id=vid)
        assert screen.stack.currentWidget() is screen.service
        assert screen.stepper.state == {
            "greeting": "done",
            "needs": "done",
            "service": "current",
            "checkout": "todo",
            "rebooking": "todo",
        }
        assert "Women" in screen.service.plan_text.text()
    finally:
        db2.dispose()


def test_skip_needs_a_reason_and_formula_lock_shown(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock, monkeypatch: Any
) -> None:
    nav = Nav(qtbot, ctx)
    services.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    cid = h.add_client(services.db, "Skipper")
    vid = services.visits.start_walk_in(owner, cid)
    nav("visit", visit_id=vid)
    screen = nav.visit
    assert screen is not None
    import ui.visits.screen as visit_mod

    monkeypatch.setattr(visit_mod, "ask_reason", lambda *a: None)  # cancelled: nothing happens
    screen.skip_step()
    assert services.visits.get(vid).step == "greeting"
    monkeypatch.setattr(visit_mod, "ask_reason", lambda *a: "regular client, known to all")
    screen.skip_step()
    assert screen.stack.currentWidget() is screen.needs
    assert screen.stepper.state["greeting"] == "skipped"
    screen.skip_step()
    assert screen.stack.currentWidget() is screen.service
    f = services.service_log.add_formula(owner, vid, [{"product": "Wella", "amount": "30 g"}])
    assert "editable until" in lock_text(f)
    clock.advance(hours=25)
    screen.reload()
    assert "locked" in screen.service.formulas.item(0, 2).text()
    shown: list[str] = []
    monkeypatch.setattr(visit_mod, "show_error", lambda _p, e: shown.append(str(e)))
    screen.skip_step()  # service is required
    assert shown and services.visits.get(vid).step == "service"
    monkeypatch.setattr(visit_mod, "ask_reason", lambda *a: "client had to leave")
    screen.cancel_visit()
    assert screen.stack.currentWidget() is screen.closed
    assert screen.closed_hint is not None and "client had to leave" in screen.closed_hint.text()


def test_today_for_a_stylist_hides_quick_sale(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor
) -> None:
    stylist = h.add_stylist(services.db, owner.branch_id, "Leo")
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    assert today.quick_sale_btn.isVisibleTo(today)
    ctx.actor = stylist
    ctx.signals.actor_changed.emit()
    assert not today.quick_sale_btn.isVisibleTo(today)  # stylists do not take payments
    assert today.walk_in_btn.isEnabled()


def test_greeted_button_records_the_greeting_before_the_profile(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    nav = Nav(qtbot, ctx)
    vid = services.visits.start_walk_in(owner)
    nav("visit", visit_id=vid)
    screen = nav.visit
    assert screen is not None
    page = screen.greeting
    assert screen.stack.currentWidget() is page
    assert page.hello_box.isVisibleTo(screen) and page.hello_btn.isEnabled()
    assert "(Ctrl+G)" in page.hello_btn.text()  # the key that works while typing the name
    assert sorted(sc.key().toString() for sc in page.hello_keys) == ["Ctrl+G", "G"]
    assert not page.greet_btn.isEnabled()  # no profile yet: cannot continue, but can say hello
    clock.advance(seconds=8)
    ctrl_g = next(sc for sc in page.hello_keys if sc.key().toString() == "Ctrl+G")
    ctrl_g.activated.emit()  # Ctrl+G works while the name is being typed in the search box
    view = services.visits.get(vid)
    assert view.greeted_at is not None and (view.greeted_at - view.arrived_at).total_seconds() == 8
    assert view.step == "greeting"  # still finding the client
    # the box stays where it was (nothing moves under the pointer) and says when
    assert page.hello_box.isVisibleTo(screen) and not page.hello_btn.isEnabled()
    assert page.hello_btn.text().startswith("Greeted at ")
    assert "greeted" in screen.times.text() and "Greeted within" not in screen.breaches.text()
    assert not any(sc.isEnabled() for sc in page.hello_keys)

    clock.advance(minutes=2)  # the new profile takes a while
    page._chosen(h.add_client(services.db, "新客户"))
    qtbot.mouseClick(page.greet_btn, Qt.MouseButton.LeftButton)
    done = services.visits.get(vid)
    assert done.step == "needs" and done.greeted_at == view.greeted_at
    assert "Greeted within" not in screen.breaches.text()


def test_choosing_the_client_also_records_the_greeting(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    nav = Nav(qtbot, ctx)
    vid = services.visits.start_walk_in(owner)
    nav("visit", visit_id=vid)
    screen = nav.visit
    assert screen is not None
    clock.advance(seconds=20)
    screen.greeting._chosen(h.add_client(services.db, "Known"))
    view = services.visits.get(vid)
    assert view.greeted_at is not None and view.step == "greeting"
    assert not screen.greeting.hello_btn.isEnabled()
    screen.greeting.mark_greeted()  # already recorded: nothing changes
    assert services.visits.get(vid).greeted_at == view.greeted_at


def _answer(kind: type, act: Any) -> None:
    """Answer the next modal dialog of ``kind`` (opened with exec()) the way a person would."""

    def answer() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, kind):
            QTimer.singleShot(10, answer)
            return
        act(dlg)

    QTimer.singleShot(0, answer)


def test_starting_the_service_with_no_stylist_chosen_asks_for_one(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, monkeypatch: Any
) -> None:
    """Walk: the owner left "— choose a stylist —" and pressed Start service; the visit was given to
    the owner. Now nothing is written: the box is marked and says to choose the stylist."""
    nav = Nav(qtbot, ctx)
    services.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    stylist = h.add_stylist(services.db, owner.branch_id, "Leo")
    vid = services.visits.start_walk_in(owner, h.add_client(services.db, "No Stylist Yet"))
    import ui.visits.screen as visit_mod
    import ui.visits.service as service_mod

    monkeypatch.setattr(visit_mod, "ask_reason", lambda *a: "regular client, known to all")
    nav("visit", visit_id=vid)
    screen = nav.visit
    assert screen is not None
    screen.skip_step()
    screen.skip_step()
    svc = screen.service
    assert screen.stack.currentWidget() is svc and svc.staff.currentData() is None
    assert not svc.log_btn.isEnabled() and not svc.log_service.isEnabled()  # logged once started
    shown: list[str] = []
    monkeypatch.setattr(service_mod, "show_error", lambda _p, e: shown.append(str(e)))
    qtbot.mouseClick(svc.start_btn, Qt.MouseButton.LeftButton)
    view = services.visits.get(vid)
    assert view.service_started_at is None and view.staff_id is None  # nothing written
    assert shown and "Choose the stylist" in shown[0] and svc.staff.property("invalid") is True
    _select(svc.staff, stylist.staff_id)
    svc.staff.activated.emit(svc.staff.currentIndex())
    qtbot.mouseClick(svc.start_btn, Qt.MouseButton.LeftButton)
    view = services.visits.get(vid)
    assert view.service_started_at is not None and view.staff_id == stylist.staff_id
    assert svc.staff.property("invalid") is False
    qtbot.waitUntil(svc.log_btn.isEnabled)
    # Enter in "Notes for next time" logs the service (the third walk needed the mouse)
    qtbot.keyClicks(svc.log_notes, "even length")
    qtbot.keyClick(svc.log_notes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(services.visits.get(vid).service_logs) == 1)
    assert services.visits.get(vid).service_logs[0].notes == "even length"


def test_todays_tables_keep_names_whole_at_the_counter_width(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: Any
) -> None:
    """The newcomer's walk at 1366x768: Today cut "Women's c…" and "Sophie Ta…" in the day's
    appointments beside half-empty name columns, and would cut the standards in progress. The
    appointments take the wider side, a name column is as wide as its names (up to a cap) and the
    in-progress standards are whole (a long stylist name is cut there instead, with a tooltip)."""
    stylist = h.add_stylist(services.db, owner.branch_id, "Sophie Taylor")
    cut = h.service_id(services.db, "CUT-W")
    for k, name in enumerate(("Amy Li", "王小明")):
        h.book(
            services.db,
            branch_id=owner.branch_id,
            client_id=h.add_client(services.db, name),
            staff_id=stylist.staff_id,
            start=clock.now + timedelta(hours=1 + k),
            service_ids=[cut],
        )
    walk_in = services.visits.start_walk_in(owner, h.add_client(services.db, "Alexandra Whitfield-Jones"))
    services.service_log.assign(owner, walk_in, stylist.staff_id, None)
    clock.advance(minutes=10)  # waiting long: more than one standard missed, a long cell
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    today.resize(1366 - 212, 768)  # the counter screen less the sidebar
    today.show()
    today.refresh()
    qtbot.waitUntil(lambda: today.appts_model.rowCount() == 2 and today.visits_model.rowCount() == 1)
    qtbot.wait(50)
    appts, visits = today.appts, today.visits
    for col in (1, 2, 3):  # client, services, stylist: none cut
        assert appts.columnWidth(col) >= appts.sizeHintForColumn(col), col
    # every column on screen: a long name or list of missed standards is cut in its own column (its
    # tooltip says them all), never pushing the client out of view
    assert sum(visits.columnWidth(c) for c in range(5)) <= visits.viewport().width()
    assert visits.horizontalScrollBar().value() == 0
    assert "," in today.visits_model.data(today.visits_model.index(0, 4))
    assert today.appts_model.data(today.appts_model.index(0, 3), Qt.ItemDataRole.ToolTipRole) == "Sophie Taylor"


def test_a_compact_combo_cuts_its_text_with_an_ellipsis_and_says_it_whole(qtbot: QtBot) -> None:
    """The newcomer's walk: the products' box read "Developer 20 vol (back bar) (12 in stock", cut
    mid-word. A compact combo box paints its text cut with "…" and its tooltip has it whole."""
    from PySide6.QtWidgets import QComboBox

    from ui.visits.common import compact

    combo = compact(QComboBox(), 12)
    qtbot.addWidget(combo)
    long = "Developer 20 vol (back bar) (12 in stock)"
    combo.addItems([long, "Short"])
    combo.resize(160, 40)
    combo.show()
    assert combo.toolTip() == long
    image = combo.grab().toImage()  # painted by the eliding filter, not clipped by Qt
    assert not image.isNull()
    combo.setCurrentIndex(1)
    assert combo.toolTip() == "Short"


def test_a_client_found_at_the_desk_arrives_on_their_confirmed_booking(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: Any
) -> None:
    """The third walk: a client whose booking today was "Confirmed" (the reminder call reached
    them) was found in Today's search and offered a walk-in: "No booking today". A confirmed
    booking is their booking: the visit opens on it."""
    nav = Nav(qtbot, ctx)
    stylist = h.add_stylist(services.db, owner.branch_id, "Leo")
    cid = h.add_client(services.db, "Yu Zhifeng")
    aid = h.book(services.db, branch_id=owner.branch_id, client_id=cid, staff_id=stylist.staff_id,
                 start=clock.now + timedelta(hours=1), service_ids=[h.service_id(services.db, "CUT-W")])
    services.calendar.confirm(owner, aid)
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    today.refresh()
    qtbot.waitUntil(lambda: today.appts_model.rowCount() == 1)
    today.client_chosen(cid)
    assert nav.calls[-1] == ("visit", {"appointment_id": aid})
    screen = nav.visit
    assert screen is not None
    qtbot.waitUntil(lambda: screen.view is not None)
    # how she came, not a status: "Booked" stayed in the header through service and payment
    assert screen.header.subtitle.text().startswith("Came on a booking")


def test_the_next_visit_shows_nothing_of_the_one_before(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor
) -> None:
    """The third walk: a new client's consultation said "✓ Saved at 04:58" before anything was
    saved, and the service step opened scrolled down where the visit before left it, its product
    still picked. Another visit starts clean."""
    from desk_app.visits.service import PlanItemIn

    nav = Nav(qtbot, ctx)
    services.settings.set(S.VISIT_REQUIRED_STEPS, ["service", "checkout"])
    cut = h.service_id(services.db, "CUT-W")

    def at_service(name: str) -> int:
        vid = services.visits.start_walk_in(owner, h.add_client(services.db, name))
        services.visits.greet(owner, vid, None)
        services.consultation.save_assessment(owner, vid, kind="generic", answers={}, goals="a trim")
        services.consultation.set_plan(owner, vid, [PlanItemIn("service", service_id=cut)])
        services.consultation.confirm_plan(owner, vid)
        return vid

    first, second = at_service("First Client"), at_service("Second Client")
    nav("visit", visit_id=first)
    screen = nav.visit
    assert screen is not None
    qtbot.waitUntil(lambda: screen.view is not None and screen.view.id == first)
    svc = screen.service
    screen.resize(1366 - 212, 600)
    screen.show()
    qtbot.waitUntil(lambda: svc.product.count() > 1)
    svc.product.setCurrentIndex(svc.product.count() - 1)
    svc.notes_saved.setText("✓ Saved at 04:58")
    svc.left_scroll.verticalScrollBar().setValue(svc.left_scroll.verticalScrollBar().maximum())
    screen.needs.set_view(services.visits.get(first))
    screen.needs.saved_note.setText("✓ Saved at 04:58")
    screen.needs.set_view(services.visits.get(first))
    assert screen.needs.saved_note.text()  # the same visit keeps its note
    nav("visit", visit_id=second)
    qtbot.waitUntil(lambda: screen.view is not None and screen.view.id == second)
    screen.needs.set_view(services.visits.get(second))
    assert svc.notes_saved.text() == "" and svc.product.currentIndex() == 0
    assert svc.left_scroll.verticalScrollBar().value() == 0
    assert screen.needs.saved_note.text() == ""


def test_cancelling_a_check_in_asks_whether_the_booking_stays(
    qtbot: QtBot, ctx: UiContext, services: Services, owner: Actor, clock: Any, monkeypatch: Any
) -> None:
    """The third walk: cancelling a mistaken check-in cancelled the client's booking. The screen
    asks, Enter and Escape keep the booking, and the visit is cancelled either way."""
    import ui.visits.screen as visit_mod

    nav = Nav(qtbot, ctx)
    stylist = h.add_stylist(services.db, owner.branch_id, "Leo")
    cid = h.add_client(services.db, "Du Huili")
    aid = h.book(services.db, branch_id=owner.branch_id, client_id=cid, staff_id=stylist.staff_id,
                 start=clock.now + timedelta(hours=3), service_ids=[h.service_id(services.db, "CUT-W")])
    vid = services.visits.arrive(owner, aid)
    nav("visit", visit_id=vid)
    screen = nav.visit
    assert screen is not None
    qtbot.waitUntil(lambda: screen.view is not None)
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(visit_mod, "ask_reason", lambda *a: "checked in by mistake")
    monkeypatch.setattr(visit_mod, "confirm", lambda _p, _t, _x, **k: asked.append(k) or False)
    screen.cancel_visit()
    qtbot.waitUntil(lambda: services.visits.get(vid).step == "cancelled")
    assert asked and asked[0]["no"] == "Keep the booking" and asked[0]["default_yes"] is False
    assert services.calendar.appointment(aid).status == "booked"
