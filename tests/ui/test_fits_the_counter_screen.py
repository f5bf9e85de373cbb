"""Every screen and dialog fits a 1366x768 counter screen, in English and in Chinese (#13 item 20).

The window is the usable area of that screen (1366 x 728: a 40 px task bar), signed in as the
owner of the demo shop. For every side-bar screen, the visit at each step and the dialogs a desk
opens most: no horizontal scroll bar anywhere, no dialog taller than ``DIALOG_MAX_HEIGHT`` or wider
than the screen, and the main action (Pay, Save, Book) wholly visible without scrolling.
To look at them: DESK_FIT_SHOTS=/tmp/fit ./test.sh tests/ui/test_fits_the_counter_screen.py
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel, QTabBar, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from desk_app import i18n
from desk_app.db.models import Client, Visit
from tests.conftest import FakeClock
from ui.app import Shell, ensure_demo_database
from ui.main_window import MainArea
from ui.navigation import NAV
from ui.shared.widgets import DIALOG_MAX_HEIGHT
from ui.theme import apply_theme

WIDTH, HEIGHT = 1366, 728  # a 1366x768 screen less its task bar
SHOTS = os.environ.get("DESK_FIT_SHOTS", "")  # a folder: every case is also saved there as a PNG
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


# ------------------------------------------------------------------ the checks, for any widget
def horizontal_bars(root: QWidget) -> list[str]:
    """The scroll areas under ``root`` that show a horizontal scroll bar (named for the message)."""
    out = []
    for area in [root, *root.findChildren(QAbstractScrollArea)]:
        if isinstance(area, QAbstractScrollArea) and area.isVisible() and area.horizontalScrollBar().isVisible():
            out.append(f"{type(area).__name__}:{area.objectName()} in {type(area.parent()).__name__}")
    return out


def vertical_bars(root: QWidget) -> list[str]:
    """The scroll areas under ``root`` (not text editors) that show a vertical scroll bar."""
    from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

    return [
        f"{type(a).__name__}:{a.objectName()} in {type(a.parent()).__name__}"
        for a in root.findChildren(QAbstractScrollArea)
        if a.isVisible() and a.verticalScrollBar().isVisible() and not isinstance(a, QPlainTextEdit | QTextEdit)
    ]


def wholly_visible(w: QWidget) -> bool:
    """Shown, and not cut by any scroll area or the window's edge (nothing to scroll to reach it)."""
    if not w.isVisible():
        return False
    region = w.visibleRegion()
    if region.isEmpty() or region.boundingRect() != w.rect():
        return False
    top = w.window()
    corner = w.mapTo(top, w.rect().bottomRight())
    return top.rect().contains(w.mapTo(top, w.rect().topLeft())) and top.rect().contains(corner)


def settle(qtbot: QtBot, main: QWidget) -> None:
    """Let the screen's reads (on workers) come back and its layout settle."""
    for _ in range(3):
        qtbot.wait(60)
        QCoreApplication.processEvents()


def shot(w: QWidget, lang: str, name: str) -> None:
    if not SHOTS:
        return
    folder = Path(SHOTS) / lang
    folder.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(folder / f"{name}.png"))


# ------------------------------------------------------------------ the shop and the window
@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo shop, plus one visit waiting at each step for a client with a long Chinese name
    and a long English one (the widest texts a screen has to hold)."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Staff
    from desk_app.settings import S
    from tests.integration.test_calendar_support import visit_at_rebooking
    from tests.integration.test_checkout_support import new_client, visit_at_checkout

    clock = FakeClock()
    path = tmp_path_factory.mktemp("fit") / "demo.sqlite3"
    ensure_demo_database(str(path), clock=clock)
    db = open_database(str(path))
    services = Services(db, clock=clock)
    with db.uow(write=False) as uow:
        owner_id = uow.session.scalar(select(Staff.id).where(Staff.role == "owner").limit(1))
        stylist = uow.session.scalar(select(Staff.id).where(Staff.role == "stylist").order_by(Staff.id).limit(1))
    pins = {int(k): str(v) for k, v in (services.settings.get(S.DEMO_PINS) or {}).items()}
    owner = services.auth.sign_in(int(owner_id), pins.get(int(owner_id), "1111"))
    long_zh = new_client(db, "欧阳娜娜丽莎·慕容雪儿")
    long_en = new_client(db, "Alexandra Konstantinopoulou-Featherstonehaugh")
    greeting = services.visits.start_walk_in(owner, long_zh)
    needs = services.visits.start_walk_in(owner, long_en)
    services.visits.greet(owner, needs, long_en)
    visit_at_checkout(db, clock, owner.branch_id, long_zh, int(stylist), ["CUT-W", "BLOW", "COL-FULL"])
    visit_at_rebooking(db, long_en, int(stylist), ("CUT-W", "BLOW"), clock())
    assert greeting and needs
    db.dispose()
    return str(path)


@pytest.fixture(params=["en", "zh_CN"])
def main(request: pytest.FixtureRequest, qtbot: QtBot, demo_file: str) -> Iterator[MainArea]:
    lang = request.param
    i18n.set_language(lang)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font, sheet = app.font(), app.styleSheet()
    apply_theme(app)  # as the app starts: the stylesheet and the bundled fonts decide the sizes
    shell = Shell(demo_file, True, app, clock=FakeClock())
    qtbot.addWidget(shell)
    shell.setMinimumSize(0, 0)
    shell.resize(WIDTH, HEIGHT)
    shell.show()
    qtbot.waitExposed(shell)
    page = shell.sign_in
    assert page is not None
    qtbot.waitUntil(lambda: not page.staff_loading(), timeout=20000)
    # the demo's sign-in page (its staff and PINs listed) needs no taller window than the screen has
    qtbot.wait(50)
    assert shell.height() <= HEIGHT, (shell.height(), shell.minimumSizeHint(), shell.minimumHeight())
    owner = next(s for s in page._staff if s.role == "owner")
    page.select(owner.id)
    page.type_pin("1111")
    page.submit()
    qtbot.waitUntil(lambda: shell.main is not None and shell.pages.currentWidget() is shell.main, timeout=20000)
    for w in QApplication.topLevelWidgets():  # the overdue-complaints alert and PIN note at sign-in
        if w is not shell and w.isVisible():
            w.close()
    assert shell.main is not None
    shell.main.setProperty("lang", lang)
    yield shell.main
    shell.runner.wait_for_done(30_000)  # the sign-in's background work ends before the window goes
    for w in QApplication.topLevelWidgets():  # no window of this shop stays open for the next test
        if w.isVisible():
            w.close()
    i18n.set_language("en")
    if app.styleSheet() != sheet:  # each change re-polishes every live widget: only if needed
        app.setStyleSheet(sheet)
    if app.font() != font:
        app.setFont(font)


def _lang(main: MainArea) -> str:
    return str(main.property("lang"))


# ------------------------------------------------------------------ the screens
def test_every_side_bar_screen_fits_without_a_horizontal_scroll_bar(qtbot: QtBot, main: MainArea) -> None:
    failures = []
    for item in NAV:
        main.navigate(item.name)
        settle(qtbot, main)
        shot(main.window(), _lang(main), f"screen-{item.name}")
        bars = horizontal_bars(main.window())
        if bars:
            failures.append((item.name, bars))
        for tabs in main.window().findChildren(QTabBar):  # every tab in view: no scroll arrows
            needed = sum(tabs.tabSizeHint(i).width() for i in range(tabs.count()))
            if tabs.isVisible() and needed > tabs.width():
                failures.append((item.name, f"tabs need {needed} px, have {tabs.width()}"))
    assert failures == []


def test_a_regulars_profile_fits_its_tabs_and_history(qtbot: QtBot, main: MainArea) -> None:
    """The newcomer's walk: a regular's profile cut its fifth tab ("Co…", scroll arrows) and the
    visit history scrolled sideways (a formula's line widened the services column, and a products
    column did not fit beside the details). The history's products and formulas are lines under
    the visit and the services take what is left."""
    from sqlalchemy import func

    from ui.clients.profile import ClientProfileScreen

    with main.ctx.services.db.uow(write=False) as uow:
        cid = uow.session.scalar(
            select(Visit.client_id).where(Visit.client_id.is_not(None)).group_by(Visit.client_id)
            .order_by(func.count().desc()).limit(1)
        )
    main.navigate("client", client_id=cid)
    screen = main.current_screen()
    assert isinstance(screen, ClientProfileScreen)
    qtbot.waitUntil(lambda: screen.history.visits.topLevelItemCount() > 3, timeout=20000)
    settle(qtbot, main)
    shot(main.window(), _lang(main), "client-profile-regular")
    tabs = screen.history.tabBar()
    assert sum(tabs.tabSizeHint(i).width() for i in range(tabs.count())) <= tabs.width()
    assert horizontal_bars(main.window()) == []


def _visit_at(main: MainArea, step: str) -> int:
    with main.ctx.services.db.uow(write=False) as uow:
        vid = uow.session.scalar(
            select(Visit.id).where(Visit.step == step).order_by(Visit.id.desc())
        )
    assert vid is not None, f"the demo has no visit at {step}"
    return int(vid)


@pytest.mark.parametrize("step", ["greeting", "needs", "service", "checkout", "rebooking"])
def test_the_visit_fits_at_every_step_and_its_main_action_is_on_screen(
    qtbot: QtBot, main: MainArea, step: str
) -> None:
    from ui.visits.rebook import RebookPanel
    from ui.visits.screen import VisitScreen

    main.navigate("visit", visit_id=_visit_at(main, step))
    screen = main.current_screen()
    assert isinstance(screen, VisitScreen)
    qtbot.waitUntil(lambda: screen.view is not None and screen.view.step == step, timeout=20000)
    settle(qtbot, main)
    shot(main.window(), _lang(main), f"visit-{step}")
    assert horizontal_bars(main.window()) == []
    if step == "checkout":
        panel = screen._checkout
        assert panel is not None
        qtbot.waitUntil(lambda: panel.editor.bill is not None, timeout=20000)
        settle(qtbot, main)
        shot(main.window(), _lang(main), "visit-checkout-bill")
        assert horizontal_bars(main.window()) == []
        main_action = panel.payment.pay_btn
    elif step == "rebooking":
        panel = screen.findChild(RebookPanel)
        assert panel is not None
        main_action = panel.book_button
    else:
        main_action = {
            "greeting": lambda: screen.greeting.greet_btn,
            "needs": lambda: screen.needs.confirm_btn,
            "service": lambda: screen.service.start_btn if screen.service.start_btn.isVisible() else screen.service.finish_btn,
        }[step]()
    assert wholly_visible(main_action), f"{main_action.text()} is below the fold or cut at {step}"


def test_this_desks_settings_fit_with_save_on_screen(qtbot: QtBot, main: MainArea) -> None:
    """Settings > This desk: three cards side by side beside the side bar; Save and the two tests
    at the top, never below the fold."""
    from ui.settings.desk import ThisDeskPanel

    main.navigate("settings")
    screen = main.current_screen()
    panel = screen.tab("desk")  # type: ignore[attr-defined]
    assert isinstance(panel, ThisDeskPanel)
    settle(qtbot, main)
    shot(main.window(), _lang(main), "settings-desk")
    assert horizontal_bars(main.window()) == []
    for button in (panel.save_btn, panel.test_btn, panel.kick_btn):
        assert wholly_visible(button), f"{button.text()} is below the fold or cut"


def test_the_side_editors_forms_are_never_cut_at_their_right_edge(qtbot: QtBot, main: MainArea) -> None:
    """Settings' side editors scroll down, never sideways: a form wider than its card was cut at
    the right (the staff form's working hours pushed base pay, a right-aligned amount, out of
    sight, and a walk could not see what it had typed)."""
    from PySide6.QtWidgets import QScrollArea

    main.navigate("settings")
    screen = main.current_screen()
    for key in ("services", "products", "packages", "staff", "branches", "resources"):
        tab = screen.tab(key)  # type: ignore[attr-defined]
        settle(qtbot, main)
        for scroll in tab.findChildren(QScrollArea):
            form = scroll.widget()
            if form is None or not scroll.isVisible():
                continue
            need, have = form.minimumSizeHint().width(), scroll.viewport().width()
            assert need <= have, f"{key}: its form needs {need} px, its card shows {have} ({_lang(main)})"


def test_the_messages_tabs_fit_with_their_actions_on_screen(qtbot: QtBot, main: MainArea) -> None:
    """Messages: the outbox, the templates editor and the channels: no horizontal scroll bar, no tab
    bar that needs arrows, and the actions (Resend, Save template, Save, Send a test) on screen."""
    from ui.messages.screen import TABS, MessagesScreen

    main.navigate("messages")
    screen = main.current_screen()
    assert isinstance(screen, MessagesScreen)
    actions = {
        "outbox": lambda: [screen.outbox.resend_btn, screen.outbox.view_btn],
        "templates": lambda: [screen.templates.save_btn, screen.templates.reset_btn],
        "channels": lambda: [screen.channels.save_btn],
    }
    failures = []
    for key in TABS:
        screen.tab(key)
        settle(qtbot, main)
        shot(main.window(), _lang(main), f"messages-{key}")
        if horizontal_bars(main.window()):
            failures.append((key, horizontal_bars(main.window())))
        for tabs in main.window().findChildren(QTabBar):
            needed = sum(tabs.tabSizeHint(i).width() for i in range(tabs.count()) if tabs.isTabVisible(i))
            if tabs.isVisible() and needed > tabs.width():
                failures.append((key, f"tabs need {needed} px, have {tabs.width()}"))
        for button in actions[key]():
            if not wholly_visible(button):
                failures.append((key, f"{button.text()} is below the fold or cut"))
    # a refused template (its reason takes lines) leaves the page as it was: no scroll bar appears
    # and Save stays where the pointer is (walk, issue 19)
    screen.tab("templates")
    settle(qtbot, main)
    tpl = screen.templates
    before = tpl.save_btn.mapTo(main.window(), tpl.save_btn.rect().topLeft())
    tpl.body.setPlainText("{nonsense} and {another_nonsense} and {yet_another}")
    tpl.save_btn.click()
    qtbot.waitUntil(lambda: tpl.error.isVisible(), timeout=5000)
    settle(qtbot, main)
    if vertical_bars(main.window()):
        failures.append(("templates refused", vertical_bars(main.window())))
    if tpl.save_btn.mapTo(main.window(), tpl.save_btn.rect().topLeft()) != before:
        failures.append(("templates refused", "Save template moved"))
    assert failures == []


# ------------------------------------------------------------------ the dialogs
def _fits(dlg: QWidget) -> None:
    """The size the dialog opens at (its size hint within its own limits) fits the screen."""
    size = dlg.sizeHint().expandedTo(dlg.minimumSize()).boundedTo(dlg.maximumSize())
    assert size.height() <= DIALOG_MAX_HEIGHT and size.width() <= WIDTH, (type(dlg).__name__, size)
    dlg.resize(size)


def test_new_client_with_more_details_fits_and_save_stays_on_screen(qtbot: QtBot, main: MainArea) -> None:
    from ui.clients.new_client import NewClientDialog

    dlg = NewClientDialog(main.ctx, "张三丰", parent=main)
    qtbot.addWidget(dlg)
    dlg.more_button.setChecked(True)
    _fits(dlg)
    dlg.show()
    settle(qtbot, main)
    shot(dlg, _lang(main), "dialog-new-client-more")
    assert horizontal_bars(dlg) == []
    assert wholly_visible(dlg.save_button)
    dlg.reject()


def test_the_booking_dialog_fits_and_book_stays_on_screen(qtbot: QtBot, main: MainArea) -> None:
    from ui.calendar.booking import BookingDialog

    with main.ctx.services.db.uow(write=False) as uow:
        cid = uow.session.scalar(select(Client.id).order_by(Client.id).limit(1))
    dlg = BookingDialog(main.ctx, main.ctx.services.clock(), client_id=cid, parent=main)
    qtbot.addWidget(dlg)
    _fits(dlg)
    dlg.show()
    settle(qtbot, main)
    shot(dlg, _lang(main), "dialog-booking")
    assert horizontal_bars(dlg) == []
    assert wholly_visible(dlg.book_button)
    dlg.reject()


def test_a_new_booking_shows_the_services_and_notes_beside_the_client_list(qtbot: QtBot, main: MainArea) -> None:
    """The newcomer's walk: with no client chosen yet, the client search's list filled the booking
    dialog and the services, the duration and the notes were below the fold (the form scrolled).
    The services and what follows them stand beside the client; the dialog opens as tall as the
    screen allows, as wide as it fits."""
    from ui.calendar.booking import BookingDialog

    dlg = BookingDialog(main.ctx, main.ctx.services.clock(), parent=main)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.service_list.count() > 0 and dlg.search.isVisible(), timeout=20000)
    settle(qtbot, main)
    shot(dlg, _lang(main), "dialog-booking-no-client")
    assert dlg.height() <= DIALOG_MAX_HEIGHT and dlg.width() <= WIDTH
    assert dlg.body.verticalScrollBar().maximum() == 0  # nothing of the form to scroll to
    for w in (dlg.search, dlg.staff, dlg.time, dlg.service_list, dlg.duration, dlg.notes, dlg.book_button):
        assert wholly_visible(w), type(w).__name__
    assert horizontal_bars(dlg) == []
    # typing goes to the client search at once (the third walk's "xyy" was lost), and choosing a
    # client moves nothing that was above the list: the stylist and the time stay where they were
    assert dlg.focusWidget() is dlg.search.edit
    staff_at, time_at = dlg.staff.mapTo(dlg, dlg.staff.rect().topLeft()), dlg.time.mapTo(dlg, dlg.time.rect().topLeft())
    with main.ctx.services.db.uow(write=False) as uow:
        cid = uow.session.scalar(select(Client.id).order_by(Client.id).limit(1))
    dlg.set_client(int(cid))
    qtbot.waitUntil(lambda: not dlg.search.isVisible(), timeout=20000)
    settle(qtbot, main)
    assert dlg.staff.mapTo(dlg, dlg.staff.rect().topLeft()) == staff_at
    assert dlg.time.mapTo(dlg, dlg.time.rect().topLeft()) == time_at
    dlg.reject()


def _first_id(main: MainArea, model: type, *where: object) -> int:
    with main.ctx.services.db.uow(write=False) as uow:
        found = uow.session.scalar(select(model.id).where(*where).order_by(model.id.desc()).limit(1))  # type: ignore[attr-defined]
    assert found is not None, model
    return int(found)


@pytest.mark.parametrize(
    "which", ["refund", "complaint-resolve", "complaint-respond", "follow-up-call", "contact", "pin", "waitlist"]
)
def test_the_desks_other_dialogs_fit_with_their_main_action_on_screen(
    qtbot: QtBot, main: MainArea, which: str
) -> None:
    from PySide6.QtWidgets import QPushButton

    from desk_app.db.models import Complaint, FollowUp, Sale

    ctx, sv = main.ctx, main.ctx.services
    dlg: QWidget
    if which == "refund":
        from ui.checkout.refund import RefundDialog

        dlg = RefundDialog(ctx, sv.payments.get_sale(_first_id(main, Sale, Sale.kind == "sale")), parent=main)
    elif which.startswith("complaint"):
        from ui.aftercare.complaint_dialogs import ComplaintResolveDialog, ComplaintRespondDialog

        view = sv.complaints.complaint(_first_id(main, Complaint))
        cls = ComplaintResolveDialog if which.endswith("resolve") else ComplaintRespondDialog
        dlg = cls(ctx, view, parent=main)
    elif which == "follow-up-call":
        from ui.aftercare.call_dialog import FollowUpCallDialog

        dlg = FollowUpCallDialog(ctx, sv.aftercare.followup(_first_id(main, FollowUp)), parent=main)
    elif which == "contact":
        from ui.aftercare.contact_dialog import ContactLogDialog

        dlg = ContactLogDialog(ctx, parent=main)
    elif which == "pin":
        from ui.shared.widgets import PinDialog

        dlg = PinDialog(main, "A discount above 20% needs the owner's PIN.")
    else:
        from ui.calendar.booking_extra import WaitlistDialog

        dlg = WaitlistDialog(ctx, sv.clock().date(), parent=main)
    qtbot.addWidget(dlg)
    _fits(dlg)
    dlg.show()
    settle(qtbot, main)
    shot(dlg, _lang(main), f"dialog-{which}")
    assert horizontal_bars(dlg) == []
    actions = [
        b for b in dlg.findChildren(QPushButton) if b.isVisible() and (b.property("kind") == "primary" or b.isDefault())
    ]
    assert actions and all(wholly_visible(b) for b in actions), [b.text() for b in actions]
    dlg.close()


def test_the_side_bar_fits_the_counter_screen_without_squeezing(qtbot: QtBot, main: MainArea) -> None:
    """The owner's side bar (every screen, the demo badge, the clock and Switch user) fits 768 px
    whole: with Stock added its layout needed more than the window had, and the shop's name at its
    top was cut off."""
    settle(qtbot, main)
    side = main.side
    need = side.layout().minimumSize().height()
    assert need <= HEIGHT, need  # 793 px with the roomier buttons
    brand = side.findChild(QLabel, "brand")
    assert brand is not None and brand.height() >= brand.heightForWidth(brand.width())  # its name whole


def test_the_client_lists_fit_with_their_actions_on_screen(qtbot: QtBot, main: MainArea) -> None:
    """Clients > Lists (docs/clients.md, "Lists and segments"): the filters beside a page of the
    demo's clients, no horizontal scroll bar, and the count, the pager and the owner's actions (Save
    as list, Export CSV, Send a message) wholly on screen; the filters' form never cut at its right."""
    from ui.clients.screen import ClientsScreen

    main.navigate("clients", view="lists")
    screen = main.current_screen()
    assert isinstance(screen, ClientsScreen)
    panel = screen.lists
    assert panel is not None
    qtbot.waitUntil(lambda: not panel.loading() and panel.total > 0, timeout=20000)
    settle(qtbot, main)
    shot(main.window(), _lang(main), "clients-lists")
    assert horizontal_bars(main.window()) == []
    for button in (panel.save_btn, panel.export_btn, panel.send_btn, panel.next_btn, panel.segment_box,
                   panel.clear_btn, screen.lists_button, screen.search_button):  # fmt: skip
        assert wholly_visible(button), f"{button.objectName() or type(button).__name__} is below the fold or cut"
    from ui.shared.widgets import FormScroll

    form = panel.findChild(FormScroll, "clientListFilters")
    assert form is not None and form.widget() is not None
    assert form.widget().minimumSizeHint().width() <= form.viewport().width(), "the filters are cut at the right"
    assert panel.table.height() >= 5 * 44, "fewer than five rows of clients in view"
