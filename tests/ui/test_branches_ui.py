"""pytest-qt: Settings > Branches (add, edit, close, reopen), the staff's branch checkboxes, this
desk's branch choice and the sign-in page listing the staff of the desk's branch (real widgets,
real SQLite, real desk.json)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit

from desk_app.container import Services
from desk_app.desk import load_desk
from desk_app.domain.permissions import Actor
from tests.integration.test_calendar_support import HOURS
from ui.context import UiContext
from ui.runner import TaskRunner
from ui.settings.branches import BranchesPanel
from ui.settings.editor import ItemEditor

pytestmark = pytest.mark.qt_log_ignore("parseHexColor: Unknown color name '#2F6FDE_dark'")


def _line(editor: ItemEditor, key: str) -> QLineEdit:
    w = editor.form.widgets[key]
    assert isinstance(w, QLineEdit)
    return w


def _quiet(monkeypatch: pytest.MonkeyPatch, answer: bool = True) -> list[str]:
    said: list[str] = []
    for module in ("ui.settings.branches", "ui.settings.desk"):
        monkeypatch.setattr(f"{module}.show_info", lambda _p, text, *_a: said.append(str(text)), raising=False)
    monkeypatch.setattr("ui.settings.branches.confirm", lambda _p, title, _t: said.append(title) or answer)
    return said


def test_the_owner_adds_edits_closes_and_reopens_a_branch(
    qtbot: Any, ctx: UiContext, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = _quiet(monkeypatch)
    panel = BranchesPanel(ctx)
    qtbot.addWidget(panel)
    ed = panel.editor
    assert ed.table.rowCount() == 1 and panel.close_btn.isVisibleTo(panel)
    ed.new_item()
    assert not panel.close_btn.isVisibleTo(panel)  # nothing to close yet
    _line(ed, "name").setText("Lotus East")
    _line(ed, "code").setText("")
    ed.save()
    assert "code" in ed.form.errors and ed.form.errors["code"].isVisibleTo(ed)  # the field says what is wrong
    assert len(services.branches.list()) == 1
    _line(ed, "code").setText("east")
    _line(ed, "address").setText("88 Dong Lu")
    _line(ed, "receipt_header").setText("Open 10-21")
    ed.save()
    east = next(b for b in services.branches.list() if b.code == "EAST")
    assert east.address == "88 Dong Lu" and east.receipt_header == "Open 10-21"
    assert ed.table.rowCount() == 2 and ed.current_id == east.id
    _line(ed, "name").setText("Lotus East Side")
    ed.save()
    assert services.branches.get(east.id).name == "Lotus East Side"
    panel.close_btn.click()
    assert said[-2].startswith("Close Lotus East Side") and not services.branches.get(east.id).active
    assert panel.reopen_btn.isVisibleTo(panel) and not panel.close_btn.isVisibleTo(panel)
    panel.reopen_btn.click()
    assert services.branches.get(east.id).active


def test_closing_the_last_branch_is_refused_on_screen(
    qtbot: Any, ctx: UiContext, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    _quiet(monkeypatch)
    panel = BranchesPanel(ctx)
    qtbot.addWidget(panel)
    panel.close_btn.click()
    assert "last open branch" in panel.editor.error.text()
    assert services.branches.list()[0].active


def test_staff_branch_checkboxes_show_with_two_branches(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.settings.staff import StaffPanel

    one = StaffPanel(ctx)
    qtbot.addWidget(one)
    assert not one.branches.isVisibleTo(one)  # one branch: nothing to choose
    main = services.shop.info().branch_id
    east = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    panel = StaffPanel(ctx)
    qtbot.addWidget(panel)
    assert panel.branches.isVisibleTo(panel) and set(panel.branches.boxes) == {main, east}
    ed = panel.editor
    ed.new_item()
    assert panel.branches.ticked() == [main]  # the owner's desk's branch, to begin with
    _line(ed, "name").setText("Leo")
    _line(ed, "pin").setText("246813")
    panel.branches.boxes[main].setChecked(False)
    ed.save()
    assert "branches" in ed.form.errors and ed.form.errors["branches"].isVisibleTo(ed)
    assert all(s.name != "Leo" for s in services.auth.list_staff())
    panel.branches.boxes[main].setChecked(True)
    panel.branches.boxes[east].setChecked(True)
    ed.save()
    leo = next(s for s in services.auth.list_staff() if s.name == "Leo")
    assert leo.branch_ids == (main, east)
    rows = {ed.table.item(r, 0).text(): ed.table.item(r, 2).text() for r in range(ed.table.rowCount())}
    assert rows["Leo"] == "MAIN, EAST"  # the list says who works where
    assert one.editor.table.isColumnHidden(2) and not ed.table.isColumnHidden(2)  # one branch: no column


def test_this_desk_chooses_its_branch_and_sign_in_lists_its_staff(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.settings.desk import ThisDeskPanel
    from ui.shell.sign_in import SignInPage

    said = _quiet(monkeypatch)
    main = services.shop.info().branch_id
    east = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    services.auth.save_staff(owner, staff_id=None, name="Amy", role="stylist", pin="246813",
                             working_hours=HOURS, branch_ids=[main])
    services.auth.save_staff(owner, staff_id=None, name="Eve", role="stylist", pin="246813",
                             working_hours=HOURS, branch_ids=[east])
    panel = ThisDeskPanel(ctx)
    qtbot.addWidget(panel)
    assert [panel.branch.itemData(i) for i in range(panel.branch.count())] == ["MAIN", "EAST"]
    assert panel.branch.currentData() == "MAIN" and panel.branch.isEnabled()
    panel.branch.setCurrentIndex(panel.branch.findData("EAST"))
    panel.save_btn.click()
    assert load_desk().branch == "EAST" and ctx.desk.branch == "EAST"
    assert "Lotus East" in said[-1]  # it says when the change takes effect
    page = SignInPage(services, TaskRunner(synchronous=True), "Lotus")
    qtbot.addWidget(page)
    names = {s.name for s in page._staff}
    assert names == {"Eve", "Mia Chen"}  # Amy works at the main branch only
    got: list[Actor] = []
    page.signed_in.connect(got.append)
    page.select(next(s.id for s in page._staff if s.name == "Eve"))
    page.type_pin("246813")
    page.submit()
    assert got and got[0].branch_id == east


def test_the_owner_looks_at_one_branch_or_all_on_today_and_the_calendar(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.calendar.screen import CalendarScreen
    from ui.today.screen import TodayScreen

    main = services.shop.info().branch_id
    east = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    services.visits.start_walk_in(owner)  # at the owner's desk: the main branch
    services.visits.start_walk_in(services.auth.sign_in(owner.staff_id, "1234", "EAST"))
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    assert today.branch.isVisibleTo(today) and today.branch.branch_id() == main  # the desk's branch first
    assert today.data is not None and len(today.data.in_progress) == 1
    today.branch.setCurrentIndex(today.branch.findData(-1))  # All branches
    today.refresh()
    assert today.branch.branch_id() is None and len(today.data.in_progress) == 2
    today.branch.setCurrentIndex(today.branch.findData(east))
    today.refresh()
    assert len(today.data.in_progress) == 1
    cal = CalendarScreen(ctx)
    qtbot.addWidget(cal)
    assert cal.branch.findData(-1) < 0  # a diary is one branch's
    assert cal.view is not None and cal.view.branch_id == main
    cal.branch.setCurrentIndex(cal.branch.findData(east))
    cal._branch_chosen()
    assert cal.view.branch_id == east


def test_a_receptionist_sees_only_the_desks_branch(qtbot: Any, services: Services, owner: Actor) -> None:
    from ui.today.screen import TodayScreen

    services.branches.add(owner, {"code": "EAST", "name": "Lotus East"})
    sid = services.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin="246813").id
    rita = services.auth.sign_in(sid, "246813", "")
    ctx = UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=rita)
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    assert not today.branch.isVisibleTo(today) and today.branch.branch_id() == rita.branch_id


def test_the_owner_looks_at_another_branchs_cash_drawer_without_touching_it(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.checkout.cash_drawer import CashDrawerScreen

    main = services.shop.info().branch_id
    east = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    services.cash.open(owner, 50_000)  # the owner's desk: the main branch, a 500.00 float
    services.cash.open(services.auth.sign_in(owner.staff_id, "1234", "EAST"), 12_300)
    screen = CashDrawerScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.branch.isVisibleTo(screen) and screen.branch.findData(-1) < 0  # a drawer is one branch's
    assert screen.branch.branch_id() == main and screen.close_btn.isVisibleTo(screen)
    assert "500.00" in screen.state.item(0, 1).text()
    screen.branch.setCurrentIndex(screen.branch.findData(east))
    screen.refresh()
    assert "123.00" in screen.state.item(0, 1).text()  # East's drawer, as counted there
    assert not any(b.isVisibleTo(screen) for b in (screen.open_btn, screen.in_btn, screen.out_btn, screen.close_btn))
    screen.branch.setCurrentIndex(screen.branch.findData(main))
    screen.refresh()
    assert "500.00" in screen.state.item(0, 1).text() and screen.close_btn.isVisibleTo(screen)


def test_sign_in_names_the_desks_branch_when_the_shop_has_several(
    qtbot: Any, services: Services, owner: Actor
) -> None:
    """Walk: a desk set to the second branch listed only its staff, and the page did not say which
    branch it was at, so someone of the first branch found no name and no reason."""
    from ui.shell.sign_in import SignInPage

    page = SignInPage(services, TaskRunner(synchronous=True), "Lotus", desk_branch=lambda: "EAST")
    qtbot.addWidget(page)
    assert page.branch_note.isHidden()  # one branch: nothing to explain
    services.branches.add(owner, {"code": "EAST", "name": "Lotus East"})
    page.reload()
    assert not page.branch_note.isHidden()
    assert "Lotus East" in page.branch_note.text() and "Settings › Staff" in page.branch_note.text()


def test_an_open_branch_reads_as_open_for_business_in_chinese(services: Services, owner: Actor) -> None:
    """Walk: Settings › Branches showed an open branch as "✓ 打开" ("open a file"), the Open
    button's word, not a branch that is trading."""
    from desk_app import i18n
    from ui.settings.branches import _status

    view = services.branches.list()[0]
    i18n.set_language("zh_CN")
    try:
        assert _status(view) == "✓ 营业中"
    finally:
        i18n.set_language("en")
    assert _status(view) == "✓ Open for business"


def test_all_branches_on_today_says_each_rows_branch(qtbot: Any, ctx: UiContext, services: Services, owner: Actor) -> None:
    """Walk: the owner chose "All branches" on Today and got one mixed list with no way to tell
    which branch a client was at."""
    from PySide6.QtCore import Qt

    from ui.today.screen import TodayScreen

    services.branches.add(owner, {"code": "EAST", "name": "Lotus East"})
    services.visits.start_walk_in(owner)  # the main branch
    services.visits.start_walk_in(services.auth.sign_in(owner.staff_id, "1234", "EAST"))
    today = TodayScreen(ctx)
    qtbot.addWidget(today)
    model = today.visits_model

    def names() -> list[str]:
        return [model.data(model.index(r, 0), Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())]

    assert not any("EAST" in n or "MAIN" in n for n in names())  # one branch shown: no code needed
    today.branch.setCurrentIndex(today.branch.findData(-1))  # All branches
    today.refresh()
    assert sorted(n.split(" · ")[0] for n in names()) == ["EAST", "MAIN"]


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # QMessageBox sizes itself on show
def test_a_question_is_written_in_the_box_not_only_in_its_window_title(qtbot: Any) -> None:
    """Walk: "Close Lotus West?" was only the window title; without a window manager (or in a macOS
    sheet) the box showed the explanation and Yes / No, not the question."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.shared.widgets import confirm

    seen: list[tuple[str, str]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append((box.text(), box.informativeText()))
        next(b for b in box.buttons() if b.text() == "No").click()

    QTimer.singleShot(0, answer)
    assert confirm(None, "Close <Lotus> West?", "Its history stays.") is False
    assert seen == [("Close <Lotus> West?", "Its history stays.")]


def test_the_side_bar_says_which_branch_the_person_works_at_here(qtbot: Any, services: Services, owner: Actor) -> None:
    """Walk: only the owner's branch picker showed a branch; a receptionist at the East desk saw
    nowhere which branch she was recording for."""
    from ui.main_window import MainArea

    one = MainArea(UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(),
                             actor=owner))
    qtbot.addWidget(one)
    assert one.role_label.text() == "Owner"  # one branch: nothing to say
    east = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    sid = services.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin="246813",
                                   branch_ids=[east]).id
    rita = services.auth.sign_in(sid, "246813", "EAST")
    main = MainArea(UiContext(services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(),
                              actor=rita))
    qtbot.addWidget(main)
    main.apply_actor()
    assert main.role_label.text() == "Receptionist · Lotus East"
