"""pytest-qt: a walk-in paying part cash, part prepaid with a product and a tip; a refund; a day closed."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from desk_app.db.models import Sale, Visit
from desk_app.domain.permissions import Actor
from desk_app.services.checkout import PaymentIn
from desk_app.services.container import Services
from desk_app.services.integrity import check_invariants
from tests.conftest import FakeClock
from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout
from ui.context import UiContext


@pytest.fixture
def ctx(qtbot: object, services: Services, owner: Actor) -> UiContext:
    """Like tests/ui/conftest.py's, with the style sheet's colours substituted longest name first
    (ui/theme.py turns "@primary_dark" into "#2F6FDE_dark"; reported to the lead)."""
    from PySide6.QtWidgets import QApplication

    from desk_app.resources import read_text
    from ui.runner import TaskRunner
    from ui.theme import COLORS, load_bundled_fonts, ui_font

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    load_bundled_fonts()
    app.setFont(ui_font())
    qss = read_text("style.qss")
    for key in sorted(COLORS, key=len, reverse=True):
        qss = qss.replace("@" + key, COLORS[key])
    app.setStyleSheet(qss)
    return UiContext(
        services=services, runner=TaskRunner(synchronous=True), shop=services.shop.info(), actor=owner
    )


def _amounts(monkeypatch: pytest.MonkeyPatch, module: str, values: list[int]) -> None:
    it = iter(values)
    monkeypatch.setattr(f"{module}.ask_amount", lambda *a, **k: next(it))


def test_walk_in_pays_part_cash_part_prepaid_with_product_and_tip(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.screens.checkout import CheckoutScreen

    cid = new_client(services.db, "李娜")
    co = services.checkout
    co.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 5000), [PaymentIn("card", 5000)])
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.open(client_id=cid)
    ed, pay = screen.flow.editor, screen.flow.payment
    qtbot.keyClicks(ed.search, "6901234500011")  # the barcode scanner types, then Enter
    qtbot.keyClick(ed.search, Qt.Key.Key_Return)
    assert ed.bill is not None and ed.bill.views[0].name.startswith("Colour-care shampoo")
    _amounts(monkeypatch, "ui.widgets.checkout_editor", [1500])
    asked: list[list[str]] = []

    def pick_owner(
        _parent: object, _title: str, _label: str, items: list[str], *_a: object
    ) -> tuple[str, bool]:
        asked.append(items)
        return owner.name, True

    monkeypatch.setattr("ui.widgets.checkout_editor.QInputDialog.getItem", pick_owner)
    ed.tip_btn.click()
    assert asked and owner.name in asked[0]  # nobody served: the desk chooses who gets the tip
    assert ed.bill.p.tip_minor == 1500
    total = ed.bill.total_minor
    assert "Colour-care shampoo" in ed.composition.text()
    pay.method_buttons["prepaid"].click()  # up to the balance: 50.00
    pay.method_buttons["cash"].click()  # the rest
    pay.tendered.setText("200")
    assert "Change" in pay.change.text()
    assert pay.pay_btn.isEnabled()
    qtbot.keyClick(pay.tendered, Qt.Key.Key_F9)
    assert screen.flow.stack.currentWidget() is screen.flow.done
    with services.db.uow(write=False) as uow:
        sale = uow.session.scalars(select(Sale).order_by(Sale.id.desc())).first()
        assert sale is not None and sale.total_minor == total and sale.client_id == cid
        sale_id = sale.id
    view = co.get_sale(sale_id)
    assert {p.method: p.amount_minor for p in view.payments} == {"prepaid": 5000, "cash": total - 5000}
    assert view.change_minor == 20000 - (total - 5000)
    assert "Change" in screen.flow.done.change.text()
    assert check_invariants(services.db) == []


def test_visit_panel_pays_then_asks_satisfaction(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, clock: FakeClock
) -> None:
    from ui.widgets.checkout_panel import CheckoutPanel

    leo = new_staff(services.db, owner.branch_id)
    vid = visit_at_checkout(
        services.db, clock, owner.branch_id, new_client(services.db), leo.staff_id, ["CUT-W"]
    )
    panel = CheckoutPanel(ctx, vid)
    qtbot.addWidget(panel)
    panel.payment.method_buttons["card"].click()
    panel.payment.pay_btn.click()
    assert panel.stack.currentWidget() is panel.done
    with qtbot.waitSignal(panel.paid, timeout=1000) as sig:
        panel.done.score_buttons[3].click()  # 4 of 5
    with services.db.uow(write=False) as uow:
        v = uow.session.get(Visit, vid)
        assert v is not None and v.step == "rebooking" and v.satisfaction == 4
        assert sig.args == [uow.session.scalars(select(Sale.id)).one()]


def test_refund_a_line_from_the_sales_list(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.screens.checkout import CheckoutScreen
    from ui.widgets.checkout_refund import RefundDialog

    co = services.checkout
    b = co.add_counter_item(co.add_counter_item(co.build_bill(owner), "Cut", 10000), "Wash", 3000)
    paid = co.pay(owner, b, [PaymentIn("cash", 13000)])
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.sales_btn.click()
    assert screen.sales.rowCount() == 1 and screen.selected_sale() == paid.sale_id
    dlg = RefundDialog(ctx, co.get_sale(paid.sale_id), False, screen)
    qtbot.addWidget(dlg)
    dlg.lines.item(1).setCheckState(Qt.CheckState.Checked)
    dlg.submit()
    assert "reason" in dlg.error.text().lower()
    dlg.reason.setPlainText("wash not done")
    dlg.submit()
    assert dlg.result_sale is not None and dlg.result_sale.total_minor == -3000
    screen.load_sales()
    assert screen.sales.rowCount() == 2
    assert co.get_sale(paid.sale_id).refundable_minor == 10000


def test_day_closed_with_the_drawer_balanced(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.screens.cash_drawer import CashDrawerScreen

    screen = CashDrawerScreen(ctx)
    qtbot.addWidget(screen)
    assert screen.open_btn.isVisible() is False or screen.open_btn.isVisibleTo(screen)
    _amounts(monkeypatch, "ui.screens.cash_drawer", [50000, 70000])
    screen.open_drawer()
    assert screen.close_btn.isVisibleTo(screen)
    co = services.checkout
    b = co.add_counter_item(co.build_bill(owner), "Cut", 20000)
    co.pay(owner, b, [PaymentIn("cash", 20000, tendered_minor=20000)])
    screen.refresh()
    assert any("700.00" in (screen.state.item(r, 1).text()) for r in range(screen.state.rowCount()))
    screen.close_day()
    assert screen.open_btn.isVisibleTo(screen)
    texts = [screen.z.item(r, 2).text() for r in range(screen.z.rowCount()) if screen.z.item(r, 2)]
    assert any("balanced" in t for t in texts)
    assert screen.past.rowCount() == 1


def test_prepaid_history_dialog_lists_movements(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.widgets.checkout_prepaid import PrepaidHistoryDialog

    cid = new_client(services.db, "李娜")
    co = services.checkout
    co.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 5000), [PaymentIn("card", 5000)])
    b = co.add_counter_item(co.build_bill(owner, client_id=cid), "Wash", 2000)
    co.pay(owner, b, [PaymentIn("prepaid", 2000)])
    dlg = PrepaidHistoryDialog(ctx, cid, "李娜")
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 2
    assert dlg.table.item(0, 1).text().startswith("Spent") and "30.00" in dlg.table.item(0, 3).text()


def test_discount_as_percent_needs_the_owner_pin_above_the_limit(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.widgets.checkout_editor import BillEditor

    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    ctx.actor = desk
    ed = BillEditor(ctx)
    qtbot.addWidget(ed)
    co = services.checkout
    ed.set_bill(co.add_counter_item(co.build_bill(desk), "Cut", 10000))
    ed.table.selectRow(0)
    monkeypatch.setattr("ui.widgets.checkout_editor.QInputDialog.getText", lambda *a, **k: ("30%", True))
    monkeypatch.setattr("ui.widgets.checkout_editor.ask_reason", lambda *a, **k: "redo of a bad cut")
    pins = iter(["1234"])
    monkeypatch.setattr("ui.widgets.checkout_editor.ask_pin", lambda *a, **k: next(pins))
    ed._line_discount()
    assert ed.bill is not None and ed.bill.views[0].discount_minor == 3000
    assert ed.bill.discount_approved_by_id == owner.staff_id
