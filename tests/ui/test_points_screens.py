"""Loyalty points at the desk (real widgets, real database; docs/loyalty.md): the payment box names
the client's points and what they pay, puts them on the bill up to that, the screen after payment
says what was used and earned, and the client's profile shows the balance, when it lapses and its
history; a client without points, or whose points lapsed, cannot pay with them."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from desk_app import i18n
from desk_app.checkout.display import bill_screen
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


def test_a_reward_from_the_catalogue_makes_a_line_free_at_the_desk(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    """Settings > Rewards offers the hair oil for 300 points; at checkout the oil's line shows the
    reward, greys it out while the client is short, makes it free when pressed (the payment box's
    points drop by what it took), and takes it off again."""
    from ui.checkout.screen import CheckoutScreen
    from ui.settings.catalog import rewards_editor

    editor = rewards_editor(ctx)
    qtbot.addWidget(editor)
    editor.new_button.click()
    form = editor.form
    oil = product(services.db, "OIL-50")[0]
    combo = form.widgets["item"]
    assert isinstance(combo, QComboBox) and isinstance(form.widgets["points"], QLineEdit)
    combo.setCurrentIndex(combo.findData(f"product:{oil}"))
    form.widgets["points"].setText("0")
    editor.save_button.click()
    assert "1 to 10,000,000" in form.errors["points"].text() and services.catalog.rewards() == []
    form.widgets["points"].setText("300")
    editor.save_button.click()
    assert editor.status.text() == "Saved." and editor.table.rowCount() == 1
    assert [(r.item_id, r.points, r.active) for r in services.catalog.rewards()] == [(oil, 300, True)]

    poor, rich = new_client(services.db, "少积分"), new_client(services.db, "多积分")
    _earn(services, owner, poor, 1)
    held = _earn(services, owner, rich, 3)
    for cid, enough in ((poor, False), (rich, True)):
        screen = CheckoutScreen(ctx)
        qtbot.addWidget(screen)
        screen.resize(1366, 768)
        screen.open(client_id=cid)
        ed, pay = screen.flow.editor, screen.flow.payment
        qtbot.keyClicks(ed.search, "6901234500035")  # the hair oil
        qtbot.keyClick(ed.search, Qt.Key.Key_Return)
        qtbot.keyClicks(ed.search, "6901234500011")  # and another product, paid with money
        qtbot.keyClick(ed.search, Qt.Key.Key_Return)
        ed.table.selectRow(0)
        assert not ed.reward_btn.isHidden()  # the test's runner is synchronous: read at once
        assert "300" in ed.reward_btn.text() and ed.reward_btn.isEnabled() is enough
        if not enough:
            assert "takes 300" in ed.reward_btn.toolTip()
            continue
        total = ed.bill.total_minor
        ed.reward_btn.click()
        assert ed.bill.lines[0].reward_id is not None
        assert ed.bill.total_minor == total - ed.bill.lines[0].unit_price_minor
        assert "★ reward" in ed.table.item(0, 0).text()
        shown = bill_screen(ed.bill, i18n.current()).lines[0]  # the customer display's line
        assert shown.reward and shown.amount_minor == 0
        assert f"{held - 300:,}" in pay.method_buttons["points"].text()
        ed.table.selectRow(0)
        assert ed.reward_btn.text() == "Pay with money"
        # two of it take more points than she has: said under Pay before it can be pressed
        ed.plus_btn.click()
        assert ed.bill.lines[0].quantity == 2 and not pay.pay_btn.isEnabled()
        assert f"take 600 points; the client has {held:,} points" in pay.error.text()
        ed.table.selectRow(0)
        ed.minus_btn.click()
        ed.table.selectRow(0)
        assert ed.pkg_btn.isHidden()
        money = ed.bill.total_minor
        pay.method_buttons["card"].click()
        pay.pay_requested.emit()
        assert screen.flow.stack.currentWidget() is screen.flow.done
        assert "300 for rewards, 0 paid" in screen.flow.done.note.text()
        # the reward took 300; only what was paid with money earned
        assert services.points.card(owner, rich, moves=False).available == held - 300 + money // 100
        assert [m.kind for m in services.points.card(owner, rich).moves[:2]] == ["earn", "reward"]
