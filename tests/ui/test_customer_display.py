"""The customer-facing display: the bill as it is built in the client's language beside the estimate
they confirmed, VIP progress, the change after a cash payment, the thank-you with the next
appointment (booked after payment, as the visit's rebooking step does), back to the welcome; nothing
of another client and nothing private. With the display off nothing is made."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.db.models import Appointment, AppointmentService, Client, Service, Visit
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout
from ui.context import NoDisplay, UiContext

SHAMPOO = "6901234500011"  # Colour-care shampoo's barcode in the test catalog


def _private_client(services: Services, name: str, language: str, gender: str) -> int:
    cid = new_client(services.db, name, full_price_spend=420000, language=language)  # ¥4,200 of ¥5,000
    with services.db.uow() as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        c.gender = gender
        c.phone = "+8613912345678"
        c.notes = "prefers the window seat"
        c.allergies = "PPD hair dye"
        uow.commit()
    return cid


def _other_client_paid(services: Services, owner: Actor) -> None:
    """Another client, paid just before: their name and phone must never reach the display."""
    oid = new_client(services.db, "赵敏 Zhao Min")
    with services.db.uow() as uow:
        c = uow.session.get(Client, oid)
        assert c is not None
        c.phone = "+8613800138000"
        uow.commit()
    co = services.checkout
    services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=oid), 20000), [PaymentIn("card", 20000)])


def _book_next(services: Services, clock: FakeClock, branch_id: int, cid: int, staff_id: int, vid: int) -> None:
    with services.db.uow() as uow:
        start = clock() + timedelta(days=35)
        a = Appointment(branch_id=branch_id, client_id=cid, staff_id=staff_id, start_at=start,
                        end_at=start + timedelta(hours=1), block_end_at=start + timedelta(hours=1), status="booked")
        uow.session.add(a)
        uow.session.flush()
        svc = uow.session.scalars(select(Service).where(Service.code == "CUT-W")).one()
        uow.session.add(AppointmentService(appointment_id=a.id, service_id=svc.id, duration_min=60))
        v = uow.session.get(Visit, vid)
        assert v is not None
        v.next_appointment_id = a.id
        uow.commit()


@pytest.fixture
def host(qtbot: Any) -> QWidget:
    """What owns the display in the app (the main area)."""
    w = QWidget()
    qtbot.addWidget(w)
    return w


def _feed(ctx: UiContext, host: QWidget) -> Any:
    from ui.checkout.display_feed import DisplayFeed

    ctx.desk = replace(ctx.desk, customer_display=True, display_screen=0)
    feed = DisplayFeed(ctx, host)
    ctx.display = feed
    return feed


@pytest.mark.parametrize(
    ("lang", "name", "gender", "greeting"),
    [("zh_CN", "王芳", "female", "王女士"), ("en", "Hélène Dupont", "female", "Hélène")],
)
def test_the_client_follows_their_bill_pays_cash_and_is_thanked(
    qtbot: Any, host: QWidget, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch, lang: str, name: str, gender: str, greeting: str,
) -> None:
    from ui.checkout import display_feed
    from ui.checkout.customer_display import BILL, IDLE, PAID, THANKS
    from ui.checkout.screen import CheckoutScreen

    _other_client_paid(services, owner)
    cid = _private_client(services, name, lang, gender)
    leo = new_staff(services.db, owner.branch_id, "Leo Liu")
    vid = visit_at_checkout(services.db, clock, owner.branch_id, cid, leo.staff_id, ["CUT-W"])
    fmt = Fmt.for_shop(lang, ctx.shop.timezone, ctx.shop.currency)  # the client's, not the screen's (English)
    feed = _feed(ctx, host)
    win = feed.window
    assert feed.on_screen and win.isVisible() and win.state == IDLE
    assert ctx.shop.name in win.text()

    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    screen.open(visit_id=vid)
    ed, pay = screen.flow.editor, screen.flow.payment
    bill = ed.bill
    assert bill is not None and win.state == BILL
    cut = bill.lines[0]
    estimate = bill.ctx.estimate_minor
    assert estimate is not None and estimate == bill.total_minor  # the plan was the cut, confirmed

    def money(minor: int) -> str:
        return fmt.money(Decimal(minor) / 100)

    text = win.text()
    assert fmt.pick(cut.name_zh, cut.name_en) in text
    assert money(bill.total_minor) in text and fmt._("Your confirmed estimate") in text
    assert fmt._("{amount} above your estimate").format(amount="").strip() not in text
    assert f"{fmt._('Welcome, {name}').format(name=greeting)}" in text
    # VIP: ¥5,000 full-price in total makes a member; the client has ¥4,200 plus this bill
    gap = 500000 - 420000 - bill.full_price_goods_minor
    assert fmt._("{amount} more to become a VIP member").format(amount=money(gap)) in text
    assert 0 < win.vip_bar.value() < 1000

    qtbot.keyClicks(ed.search, SHAMPOO)  # a product added at the counter: above the estimate
    qtbot.keyClick(ed.search, Qt.Key.Key_Return)
    bill = ed.bill
    assert bill is not None and len(bill.lines) == 2 and bill.over_estimate_minor > 0
    text = win.text()
    shampoo = bill.lines[1]
    assert fmt.pick(shampoo.name_zh, shampoo.name_en) in text and money(bill.total_minor) in text
    assert fmt._("{amount} above your estimate").format(amount=money(bill.over_estimate_minor)) in text
    assert fmt._("Not agreed yet: we will explain the difference before you pay.") in text
    if lang == "zh_CN":
        assert "洗发" in text and "Shampoo" not in text and "Total" not in text
    else:
        assert "Colour-care shampoo" in text and "合计" not in text

    screen.flow.set_bill(services.checkout.agree_over_estimate(bill, "asked for the shampoo"))
    assert fmt._("You agreed to the difference.") in win.text()

    _book_next(services, clock, owner.branch_id, cid, leo.staff_id, vid)  # as if booked before paying
    monkeypatch.setattr(display_feed, "PAID_SECONDS", 3600)
    total = screen.flow.editor.bill.total_minor  # type: ignore[union-attr]
    handed = (total // 10000 + 1) * 10000
    pay.method_buttons["cash"].click()
    pay.tendered.setText(str(handed // 100))
    qtbot.keyClick(pay.tendered, Qt.Key.Key_F9)
    assert win.state == PAID
    text = win.text()
    assert fmt._("Your change") in text and money(handed - total) in text
    assert money(handed) in text and fmt._("Cash") in text and money(total) in text

    monkeypatch.setattr(display_feed, "THANKS_SECONDS", 0)
    screen.flow.done.continue_btn.click()  # the desk is done with the paid page
    assert win.state == THANKS
    text = win.text()
    assert fmt._("Thank you, {name}!").format(name=greeting) in text
    assert fmt._("Your next appointment") in text and "Leo" in text and "Liu" not in text
    qtbot.waitUntil(lambda: win.state == IDLE)  # then the welcome again

    assert len(feed_history(win)) > 20
    for secret in ("赵敏", "Zhao", "13800138000", "13912345678", "window seat", "PPD", name if lang == "zh_CN" else "Dupont",
                   "K0000"):
        assert all(secret not in t for t in feed_history(win)), secret


def feed_history(win: Any) -> list[str]:
    return getattr(win, "_seen", [])


@pytest.fixture(autouse=True)
def _record_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything any page of the display ever showed, for the privacy check at the end."""
    from ui.checkout import customer_display as cd

    for meth in ("show_idle", "show_bill", "show_paid", "show_thanks"):
        original = getattr(cd.CustomerDisplay, meth)

        def wrapped(self: Any, *a: Any, _o: Any = original, **k: Any) -> None:
            _o(self, *a, **k)
            self.__dict__.setdefault("_seen", []).extend(self.texts())

        monkeypatch.setattr(cd.CustomerDisplay, meth, wrapped)


def test_the_next_appointment_booked_after_payment_reaches_the_thank_you(
    qtbot: Any, host: QWidget, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.checkout import display_feed
    from ui.checkout.customer_display import PAID, THANKS
    from ui.checkout.panel import CheckoutPanel

    monkeypatch.setattr(display_feed, "PAID_SECONDS", 0)  # straight on to the thank-you
    cid = _private_client(services, "欧阳娜娜", "zh_CN", "")
    leo = new_staff(services.db, owner.branch_id, "刘杰")
    vid = visit_at_checkout(services.db, clock, owner.branch_id, cid, leo.staff_id, ["CUT-W"])
    feed = _feed(ctx, host)
    win = feed.window
    panel = CheckoutPanel(ctx, vid)
    qtbot.addWidget(panel)
    panel.show()
    assert "欢迎您，欧阳**" in win.text()  # no gender recorded: the compound surname, the rest masked
    panel.payment.method_buttons["card"].click()
    panel.pay()
    assert win.state == PAID
    qtbot.waitUntil(lambda: win.state == THANKS)
    assert "下次预约" not in win.text()
    panel.hide()  # the visit moves on to rebooking: the thank-you stays
    assert win.state == THANKS
    _book_next(services, clock, owner.branch_id, cid, leo.staff_id, vid)  # the commit tells the display
    qtbot.waitUntil(lambda: "下次预约" in win.text())
    assert "刘杰" in win.text() and win.state == THANKS


def test_leaving_checkout_and_a_missing_screen(
    qtbot: Any, host: QWidget, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock, caplog: pytest.LogCaptureFixture,
) -> None:
    from ui.checkout.customer_display import BILL, IDLE
    from ui.checkout.display_feed import DisplayFeed
    from ui.checkout.screen import CheckoutScreen

    feed = _feed(ctx, host)
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    bill = services.checkout.add_by_code(services.checkout.build_bill(owner), SHAMPOO)
    screen.flow.set_bill(bill)
    assert feed.window.state == BILL and "Colour-care shampoo" in feed.window.text()
    assert "VIP" not in feed.window.text()  # no client: no VIP talk, no estimate
    assert not feed.window.estimate_panel.isVisibleTo(feed.window)
    screen.hide()
    assert feed.window.state == IDLE and "Colour-care shampoo" not in feed.window.text()

    ctx.desk = replace(ctx.desk, display_screen=len(QApplication.screens()) + 1)
    with caplog.at_level(logging.WARNING, logger="ui.checkout.customer_display"):
        missing = DisplayFeed(ctx, host)
    assert not missing.on_screen and not missing.window.isVisible()
    assert "not connected" in caplog.text


def test_with_the_display_off_nothing_is_made_and_settings_turn_it_on(
    qtbot: Any, host: QWidget, ctx: UiContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk_app.desk import load_desk
    from ui.checkout.customer_display import CustomerDisplay
    from ui.checkout.display_feed import DisplayFeed
    from ui.main_window import MainArea
    from ui.settings.desk import ThisDeskPanel

    def displays() -> list[QWidget]:
        return [w for w in QApplication.allWidgets() if isinstance(w, CustomerDisplay)]

    assert not ctx.desk.customer_display
    before = len(displays())
    main = MainArea(ctx)
    qtbot.addWidget(main)
    assert isinstance(ctx.display, NoDisplay) and len(displays()) == before

    monkeypatch.setattr("ui.settings.desk.show_info", lambda *_a: None)
    panel = ThisDeskPanel(ctx)
    qtbot.addWidget(panel)
    # the screens by name and size, and the desk's default second screen, not connected here
    assert panel.display_screen.count() == len(QApplication.screens()) + 1 and not panel.display_screen.isEnabled()
    assert "×" in panel.display_screen.itemText(0) and "not connected" in panel.display_screen.currentText()
    panel.display_on.setChecked(True)
    panel.display_screen.setCurrentIndex(0)
    panel.save_btn.click()
    assert load_desk().customer_display and ctx.desk.display_screen == 0
    assert isinstance(ctx.display, DisplayFeed) and ctx.display.window.isVisible()
    panel.display_on.setChecked(False)
    panel.save_btn.click()
    assert isinstance(ctx.display, NoDisplay)
