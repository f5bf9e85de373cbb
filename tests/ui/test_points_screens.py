"""Loyalty points at the desk (real widgets, real database; docs/loyalty.md): the payment box names
the client's points and what they pay, puts them on the bill up to that, the screen after payment
says what was used and earned, and the client's profile shows the balance, when it lapses and its
history; a client without points, or whose points lapsed, cannot pay with them."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_client, product
from ui.context import UiContext

pytestmark = pytest.mark.qt_log_ignore("parseHexColor: Unknown color name '#2F6FDE_dark'")


def _earn(services: Services, owner: Actor, cid: int, qty: int) -> int:
    bill = services.checkout.add_product(services.checkout.build_bill(owner, client_id=cid),
                                         product(services.db, "OIL-50")[0], qty)
    services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    return bill.total_minor // 100


def test_points_pay_part_of_a_bill_from_the_payment_box(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.checkout.screen import CheckoutScreen

    cid = new_client(services.db, "积分客")
    held = _earn(services, owner, cid, 5)
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.open(client_id=cid)
    ed, pay = screen.flow.editor, screen.flow.payment
    qtbot.keyClicks(ed.search, "6901234500035")  # the hair oil's barcode
    qtbot.keyClick(ed.search, Qt.Key.Key_Return)
    total = ed.bill.total_minor
    button = pay.method_buttons["points"]
    assert button.isEnabled() and f"{held:,}" in button.text() and f"{held / 100:.2f}" in button.toolTip()
    pay.amounts["points"].setText(f"{(held + 100) / 100:.2f}")  # more than the points pay: said before Pay
    pay.amounts["card"].setText(f"{max(total - held - 100, 0) / 100:.2f}")
    assert not pay.pay_btn.isEnabled() and "pay at most" in pay.error.text() and f"{held:,}" in pay.error.text()
    pay.amounts["card"].clear()
    button.click()
    assert pay.amounts["points"].text() == f"{min(total, held) / 100:.2f}"  # up to what the points pay
    pay.method_buttons["card"].click()
    assert pay.pay_btn.isEnabled()
    pay.pay_requested.emit()
    assert screen.flow.stack.currentWidget() is screen.flow.done
    earned = (total - min(total, held)) // 100
    left = held - min(total, held) + earned
    note = screen.flow.done.note.text()
    assert f"{min(total, held):,} used" in note and f"{earned:,} earned" in note and f"{left:,} now" in note
    assert services.points.card(owner, cid).balance == left


def test_no_client_or_lapsed_points_pay_nothing(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    from ui.checkout.screen import CheckoutScreen

    services.settings.set(S.POINTS_LAPSE_DAYS, 10)
    cid = new_client(services.db, "久未到店")
    _earn(services, owner, cid, 2)
    clock.advance(days=11)
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.open()
    pay = screen.flow.payment
    qtbot.keyClicks(screen.flow.editor.search, "6901234500035")
    qtbot.keyClick(screen.flow.editor.search, Qt.Key.Key_Return)
    assert not pay.method_buttons["points"].isEnabled()  # no client on the bill
    assert "client" in pay.method_buttons["points"].toolTip()
    screen.open(client_id=cid)
    qtbot.keyClicks(screen.flow.editor.search, "6901234500035")
    qtbot.keyClick(screen.flow.editor.search, Qt.Key.Key_Return)
    button = pay.method_buttons["points"]
    assert not button.isEnabled() and "lapsed" in button.toolTip()


def test_the_profile_shows_points_when_they_lapse_and_their_history(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.clients.profile import ClientProfileScreen

    cid = new_client(services.db, "积分档案")
    screen = ClientProfileScreen(ctx)
    qtbot.addWidget(screen)
    screen.open(client_id=cid)
    assert "point" not in screen.summary.values["member"].text()
    assert screen.history.points_box.currentWidget() is screen.history.points_box.empty  # says how points come
    held = _earn(services, owner, cid, 3)
    screen.open(client_id=cid)
    member = screen.summary.values["member"].text()
    assert "Regular" in member and f"{held:,} points" in member and "lapse on" in member
    assert screen.history.points.rowCount() == 1
    assert screen.history.points.item(0, 1).text() == "Earned" and screen.history.points.item(0, 2).text() == f"+{held:,}"
    assert screen.history.points.item(0, 4).text().startswith("R")
