"""Gift vouchers at the desk (real widgets, real database): sold from the bill, spent by code in the
payment box, refused with the reason, looked up and moved to a new code in the vouchers dialog."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.domain import voucher as gv
from desk_app.domain.permissions import Actor
from tests.integration.test_checkout_support import product
from ui.context import UiContext


def _sold_code(services: Services, owner: Actor, amount: int) -> str:
    bill = services.checkout.add_voucher(services.checkout.build_bill(owner), amount)
    paid = services.payments.pay(owner, bill, [PaymentIn("card", amount)])
    return services.payments.get_sale(paid.sale_id).vouchers_sold[0].code


def test_sold_from_the_bill_then_spent_by_its_code(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.checkout.screen import CheckoutScreen

    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.open()
    ed, pay = screen.flow.editor, screen.flow.payment
    monkeypatch.setattr("ui.checkout.editor.ask_amount", lambda *a, **k: 20000)
    ed.voucher_btn.click()
    assert ed.bill is not None and [v.kind for v in ed.bill.views] == ["gift_voucher"]
    assert "gift voucher" in ed.composition.text().lower() or "gift voucher" in ed.bill.views[0].explanation
    pay.method_buttons["card"].click()
    qtbot.keyClick(pay.amounts["card"], Qt.Key.Key_F9)
    assert screen.flow.stack.currentWidget() is screen.flow.done
    code = services.vouchers.recent(owner)[0].code
    assert gv.shown(code) in screen.flow.done.note.text()  # the code is on the screen, not only on paper
    # a new sale, paid with the voucher by its code (typed with dashes, in lower case)
    screen.open()
    qtbot.keyClicks(ed.search, "6901234500035")  # the hair oil's barcode
    qtbot.keyClick(ed.search, Qt.Key.Key_Return)
    total = ed.bill.total_minor
    assert total == product(services.db, "OIL-50")[1]
    monkeypatch.setattr("ui.checkout.payment.QInputDialog.getText", lambda *a, **k: (gv.shown(code).lower(), True))
    pay.method_buttons["voucher"].click()
    assert pay.voucher is not None and pay.voucher.code == code
    assert pay.amounts["voucher"].text() == f"{min(total, 20000) / 100:.2f}"
    assert gv.shown(code)[-4:] in pay.method_buttons["voucher"].text() and "200.00" in pay.method_buttons["voucher"].toolTip()
    pay.method_buttons["cash"].click()
    assert pay.pay_btn.isEnabled()
    pay.pay_requested.emit()
    assert screen.flow.stack.currentWidget() is screen.flow.done
    card = services.vouchers.find(owner, code)
    assert card.balance_minor == max(0, 20000 - total)
    assert f"{gv.shown(code)}: CN¥{card.balance_minor / 100:.2f} left" in screen.flow.done.note.text()


def test_a_wrong_or_used_code_is_said_in_the_payment_box(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.checkout.screen import CheckoutScreen

    code = _sold_code(services, owner, 5000)
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.open()
    ed, pay = screen.flow.editor, screen.flow.payment
    qtbot.keyClicks(ed.search, "6901234500035")
    qtbot.keyClick(ed.search, Qt.Key.Key_Return)
    typo = code[:-1] + next(ch for ch in gv.ALPHABET if ch != code[-1])
    monkeypatch.setattr("ui.checkout.payment.QInputDialog.getText", lambda *a, **k: (typo, True))
    pay.method_buttons["voucher"].click()
    assert pay.voucher is None and "typing mistake" in pay.error.text()
    assert pay.amounts["voucher"].text() == ""
    # moved to a new code: the old one is refused with where it went
    services.vouchers.transfer(owner, code, "lost")
    monkeypatch.setattr("ui.checkout.payment.QInputDialog.getText", lambda *a, **k: (code, True))
    pay.method_buttons["voucher"].click()
    assert pay.voucher is None and "moved to a new code" in pay.error.text()
    new_code = services.vouchers.recent(owner)[0].code
    assert gv.shown(new_code) in pay.error.text()  # and where it went


def test_the_vouchers_dialog_finds_one_and_moves_it(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.checkout.vouchers import VoucherDialog

    code = _sold_code(services, owner, 30000)
    dlg = VoucherDialog(ctx)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.code, gv.shown(code))
    qtbot.keyClick(dlg.code, Qt.Key.Key_Return)
    assert dlg.card is not None and gv.shown(code) in dlg.title.text()
    assert "Valid" in dlg.state.text() and "300.00" in dlg.state.text()
    assert dlg.move_btn.isEnabled() and dlg.table.rowCount() == 1  # how it came to be: sold, on its receipt
    assert "Sold" in dlg.table.item(0, 1).text() and dlg.table.item(0, 4).text().startswith("R")
    monkeypatch.setattr("ui.checkout.vouchers.QInputDialog.getText", lambda *a, **k: ("passed on to her sister", True))
    told: list[str] = []
    monkeypatch.setattr("ui.checkout.vouchers.show_info", lambda _p, text, *a: told.append(text))
    dlg.move_btn.click()
    new = services.vouchers.recent(owner)[0]
    assert new.code != code and told and gv.shown(new.code) in told[0]
    assert gv.shown(new.code) in dlg.title.text() and gv.shown(code) in dlg.facts.text()
    assert "passed on to her sister" in dlg.facts.text()  # why it came here, on the new code too
    # the new code printed on its own: the value left, the code, until when
    printed: list[bytes] = []
    monkeypatch.setattr("ui.shared.print_preview.print_pdf", lambda _p, pdf, _t="": printed.append(pdf))
    assert dlg.print_btn.isEnabled()
    dlg.print_btn.click()
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(BytesIO(printed[0])).pages)
    assert gv.shown(new.code) in text and "300.00" in text and "Valid until" in text
    dlg.code.setText(code)
    dlg.look_up()
    assert "Moved to a new code" in dlg.state.text() and not dlg.move_btn.isEnabled()
    assert not dlg.print_btn.isEnabled()  # a dead code is not printed again
    assert dlg.table.rowCount() == 2 and "300.00" in dlg.table.item(1, 2).text()
    moved = dlg.table.item(1, 1).text()  # where it went and why, as typed (no "to", no bare code)
    assert "passed on to her sister" in moved and gv.shown(new.code) in moved and not moved.startswith("to ")
    dlg.code.setText("nonsense")
    dlg.look_up()
    assert dlg.error.isVisibleTo(dlg) and "12 letters" in dlg.error.text()


def test_two_vouchers_on_one_bill_and_too_much_on_one_is_said_before_pay(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Walk: a second code replaced the first silently; 200 typed on a voucher with 150.50 left read
    "Covered exactly" and was refused only after Pay."""
    from ui.checkout.screen import CheckoutScreen

    first, second = _sold_code(services, owner, 5000), _sold_code(services, owner, 30000)
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.open()
    ed, pay = screen.flow.editor, screen.flow.payment
    ed._apply(lambda b: services.checkout.add_product(b, product(services.db, "OIL-50")[0], 2))
    total = ed.bill.total_minor
    screen.show()
    pay_at = pay.pay_btn.mapTo(screen, pay.pay_btn.rect().topLeft())
    for code in (first, second):
        monkeypatch.setattr("ui.checkout.payment.QInputDialog.getText", lambda *a, c=code, **k: (c, True))
        pay.method_buttons["voucher"].click()
    assert [(c.code, a) for c, a in pay.more_vouchers] == [(first, 5000)]
    assert gv.shown(first) in pay.vouchers_note.text() and pay.vouchers_note.isVisibleTo(pay)
    assert pay.amounts["voucher"].text() == f"{min(30000, total - 5000) / 100:.2f}"
    # too much on the second: said at once, Pay waits
    pay.amounts["voucher"].setText(f"{30000 / 100 + 1:.2f}")
    assert not pay.pay_btn.isEnabled() and "has CN¥300.00 left" in pay.error.text()
    assert pay.pay_btn.mapTo(screen, pay.pay_btn.rect().topLeft()) == pay_at  # Pay never moved (second walk)
    pay.amounts["voucher"].clear()
    pay.method_buttons["voucher"].click()  # the same code again: what it covers, up to its balance
    assert f"…{second[-4:]}" in pay.method_buttons["voucher"].text()  # which voucher the field is for
    qtbot.keyClicks(pay.tendered, "5000")  # cash handed over typed first: the cash amount is what is due
    assert pay.amounts["cash"].text() == f"{(total - 5000 - min(30000, total - 5000)) / 100:.2f}" or total <= 35000
    assert pay.pay_btn.isEnabled()
    pay.pay_requested.emit()
    assert screen.flow.stack.currentWidget() is screen.flow.done
    assert services.vouchers.find(owner, first).balance_minor == 0
    assert services.vouchers.find(owner, second).balance_minor == 30000 - min(30000, total - 5000)


def test_the_vouchers_dialog_lists_the_latest_and_narrows_them_as_a_code_is_typed(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor
) -> None:
    from ui.checkout.vouchers import VoucherDialog

    empty = VoucherDialog(ctx)
    qtbot.addWidget(empty)
    assert empty.latest.rowCount() == 0 and "Gift voucher" in empty.title.text()  # what to do when none is sold
    codes = [_sold_code(services, owner, amount) for amount in (10000, 20000, 30000)]
    dlg = VoucherDialog(ctx)
    qtbot.addWidget(dlg)
    assert dlg.pages.currentWidget() is dlg.latest and dlg.latest.rowCount() == 3
    assert dlg.latest.item(0, 0).text() == gv.shown(codes[-1])  # the latest first
    assert "300.00" in dlg.latest.item(0, 2).text() and "Valid" in dlg.latest.item(0, 1).text()
    # part of a code narrows the list; Enter opens the one it matches
    part = next(codes[1][:5] for _ in [0] if not any(c[:5] in o for c in [codes[1]] for o in (codes[0], codes[2])))
    qtbot.keyClicks(dlg.code, part.lower())
    assert [dlg.latest.item(r, 0).text() for r in range(dlg.latest.rowCount())] == [gv.shown(codes[1])]
    qtbot.keyClick(dlg.code, Qt.Key.Key_Return)
    assert dlg.card is not None and dlg.card.code == codes[1] and dlg.pages.currentWidget() is dlg.table
    assert "200.00" in dlg.state.text() and dlg.print_btn.isEnabled()
    # typing again goes back to the list; a click opens a row
    dlg.code.clear()
    qtbot.keyClicks(dlg.code, "R")  # receipt numbers start with R
    assert dlg.pages.currentWidget() is dlg.latest and dlg.latest.rowCount() == 3 and not dlg.print_btn.isEnabled()
    dlg._open_row(2)
    assert dlg.card is not None and dlg.card.code == codes[0]
