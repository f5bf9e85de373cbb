"""Settings > This desk, and what the desk does by itself after a payment: print the receipt on
its ESC/POS printer with no dialog and open the cash drawer for cash, audited. A real TCP printer
on loopback receives the bytes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.db.models import AuditEntry
from desk_app.desk import DeskSettings, load_desk
from desk_app.domain.permissions import Actor
from tests.integration.test_checkout_support import new_client, new_staff
from tests.integration.test_escpos_printers import LoopbackPrinter
from ui.context import UiContext

KICK_PIN_2 = b"\x1bp\x00\x32\x32"


@pytest.fixture
def printer() -> Iterator[LoopbackPrinter]:
    p = LoopbackPrinter()
    yield p
    p.close()


def _audits(services: Services, action: str) -> list[AuditEntry]:
    with services.db.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


def _no_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    said: list[str] = []
    for module in ("ui.settings.desk", "ui.checkout.done", "ui.checkout.cash_drawer"):
        monkeypatch.setattr(f"{module}.show_info", lambda _p, text, *_a: said.append(str(text)), raising=False)
        monkeypatch.setattr(f"{module}.show_error", lambda _p, exc, *_a: said.append("ERROR " + str(exc)),
                            raising=False)
    return said


def test_the_owner_sets_up_this_desks_printer_and_drawer(
    qtbot: Any, ctx: UiContext, services: Services, printer: LoopbackPrinter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.settings.desk import ThisDeskPanel

    said = _no_dialogs(monkeypatch)
    panel = ThisDeskPanel(ctx)
    qtbot.addWidget(panel)
    assert panel.kind_none.isChecked() and not panel.address.isEnabled() and not panel.drawer.isEnabled()
    # python-escpos's "default" model in words (the second walk saw "default" on a Chinese screen)
    generic = panel.profile.findData("default")
    assert generic >= 0 and panel.profile.itemText(generic) == "Generic ESC/POS printer"
    panel.kind_escpos.setChecked(True)
    panel.address.setText("tcp://nowhere")  # no port is fine (9100) ...
    panel.address.setText("192.168.1.50")  # ... this is not an address (no tcp://)
    panel.drawer.setChecked(True)
    panel.save_btn.click()
    assert said[-1].startswith("ERROR") and "'192.168.1.50' is not a printer address" in said[-1]
    panel.test_btn.click()  # the test page says the same, not "something went wrong"
    assert "'192.168.1.50' is not a printer address" in said[-1]
    assert load_desk() == DeskSettings()  # nothing saved
    panel.address.setText(f"tcp://127.0.0.1:{printer.port}")
    panel.paper.setCurrentIndex(panel.paper.findData("58mm"))
    panel.auto_print.setChecked(True)
    panel.save_btn.click()
    saved = load_desk()
    assert saved.receipt_printer == f"tcp://127.0.0.1:{printer.port}" and saved.cash_drawer and saved.auto_print
    assert ctx.desk == saved and saved.columns == 32
    panel.test_btn.click()
    page = printer.wait_jobs(1)[0]
    assert "测试页".encode("gb18030") in page and b"12345678901234567890123456789012\n" in page  # 32 columns
    panel.kick_btn.click()
    assert printer.wait_jobs(2)[1] == KICK_PIN_2
    (entry,) = _audits(services, "drawer_opened")
    assert entry.after == {"reason": "test", "sale_id": None, "printer": saved.receipt_printer}


def test_after_a_cash_payment_the_receipt_prints_and_the_drawer_opens(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, printer: LoopbackPrinter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.checkout.done import DonePage

    said = _no_dialogs(monkeypatch)
    ctx.desk = DeskSettings(receipt_printer=f"tcp://127.0.0.1:{printer.port}", auto_print=True, cash_drawer=True)
    co = services.checkout
    cid = new_client(services.db, "李娜")
    paid = services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 10000),
                                 [PaymentIn("cash", 10000, tendered_minor=10000)])
    page = DonePage(ctx)
    qtbot.addWidget(page)
    page.show_sale(paid, services.payments.get_sale(paid.sale_id))
    kick, receipt = printer.wait_jobs(2)[:2]
    assert kick == KICK_PIN_2
    assert paid.receipt_no.encode() in receipt and b"100.00" in receipt and receipt.endswith(b"\x1dV\x00")
    assert page.escpos_btn.isVisible() or not page.isVisible()  # one click prints it again
    assert "printing on this desk's printer" in page.note.text()  # so nobody prints it twice
    (entry,) = _audits(services, "drawer_opened")
    assert entry.after is not None and entry.after["reason"] == "sale" and entry.after["sale_id"] == paid.sale_id
    assert not [s for s in said if s.startswith("ERROR")]
    # paid by card: the receipt prints, the drawer stays shut
    paid2 = services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 5000),
                                  [PaymentIn("card", 5000)])
    page.show_sale(paid2, services.payments.get_sale(paid2.sale_id))
    jobs = printer.wait_jobs(3)
    assert len(jobs) == 3 and paid2.receipt_no.encode() in jobs[2] and len(_audits(services, "drawer_opened")) == 1


def test_a_stylist_cannot_pop_the_till_and_nothing_is_sent(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, printer: LoopbackPrinter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.checkout.cash_drawer import CashDrawerScreen

    said = _no_dialogs(monkeypatch)
    ctx.desk = DeskSettings(receipt_printer=f"tcp://127.0.0.1:{printer.port}", cash_drawer=True)
    ctx.actor = new_staff(services.db, owner.branch_id, "Leo", "stylist")
    screen = CashDrawerScreen(ctx)
    qtbot.addWidget(screen)
    screen.kick_drawer()
    assert said and said[-1].startswith("ERROR")
    assert printer.wait_jobs(1, timeout=0.5) == []  # the drawer was never kicked
    assert _audits(services, "drawer_opened") == []


def test_the_sales_list_reprints_on_this_desks_printer_after_the_visit(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, printer: LoopbackPrinter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.checkout.screen import CheckoutScreen

    said = _no_dialogs(monkeypatch)
    monkeypatch.setattr("ui.checkout.screen.show_info", lambda _p, text, *_a: said.append(str(text)))
    monkeypatch.setattr("ui.checkout.screen.show_error", lambda _p, exc, *_a: said.append("ERROR " + str(exc)))
    co = services.checkout
    cid = new_client(services.db, "李娜")
    paid = services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 8000),
                                 [PaymentIn("card", 8000)])
    screen = CheckoutScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    screen._show_sales(True)
    assert screen.selected_sale() == paid.sale_id
    assert not screen.escpos_reprint_btn.isVisible()  # no receipt printer on this desk
    ctx.desk = DeskSettings(receipt_printer=f"tcp://127.0.0.1:{printer.port}")
    screen.load_sales()
    assert screen.escpos_reprint_btn.isVisible()
    screen.escpos_reprint_btn.click()
    assert paid.receipt_no.encode() in printer.wait_jobs(1)[0] and said[-1] == "Sent to the receipt printer."
    screen.care_reprint_btn.click()  # a top-up has no care advice: said, nothing printed
    assert said[-1] == "ERROR This sale has no care advice to print."


def test_after_payment_the_receipt_prints_by_itself_on_a_system_printer_on_its_own_paper(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, cups: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real CUPS queue (cups-pdf): the 80 mm receipt comes out as an 80 mm page of text."""
    import time

    from pypdf import PdfReader

    from ui.checkout.done import DonePage

    said = _no_dialogs(monkeypatch)
    before = set(cups.out.glob("*.pdf"))
    ctx.desk = DeskSettings(receipt_printer=f"system:{cups.queue}", paper="80mm", auto_print=True)
    co = services.checkout
    cid = new_client(services.db, "Hélène Andréa")
    paid = services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 12000),
                                 [PaymentIn("card", 12000)])
    page = DonePage(ctx)
    qtbot.addWidget(page)
    page.show_sale(paid, services.payments.get_sale(paid.sale_id))
    assert not [s for s in said if s.startswith("ERROR")], said
    deadline = time.monotonic() + 60
    new: set[Any] = set()
    while not new and time.monotonic() < deadline:
        time.sleep(0.2)
        new = set(cups.out.glob("*.pdf")) - before
    (out,) = new
    time.sleep(0.5)  # cups-pdf finishes writing
    got = PdfReader(out)
    width_mm = float(got.pages[0].mediabox.width) * 25.4 / 72
    assert abs(width_mm - 80) <= 1  # an 80 mm roll, not an A4 sheet
    text = got.pages[0].extract_text()
    assert paid.receipt_no in text and "120.00" in text


def test_a_printer_that_does_not_answer_after_payment_is_said_as_such_the_sale_stays_paid(
    qtbot: Any, ctx: UiContext, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    from ui.checkout.done import DonePage

    said = _no_dialogs(monkeypatch)
    closed = socket.create_server(("127.0.0.1", 0))
    address = f"tcp://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # the printer is off
    ctx.desk = DeskSettings(receipt_printer=address, auto_print=True, cash_drawer=True)
    co = services.checkout
    cid = new_client(services.db, "李娜")
    paid = services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 10000),
                                 [PaymentIn("cash", 10000, tendered_minor=10000)])
    page = DonePage(ctx)
    qtbot.addWidget(page)
    page.show_sale(paid, services.payments.get_sale(paid.sale_id))
    drawer, receipt = [s for s in said if s.startswith("ERROR")]
    for text in (drawer, receipt):
        assert "The sale is paid." in text and address in text and "did not answer" in text
        assert "nothing was changed" not in text
    assert "cash drawer did not open" in drawer and "receipt was not printed" in receipt
    assert services.payments.get_sale(paid.sale_id).total_minor == 10000  # paid, once
    assert _audits(services, "drawer_opened") == []  # a drawer that did not open is not logged as opened
