"""The Stock screen (real widgets, real database; docs/stock.md): the low-stock list drafts an order
per supplier, the owner edits and sends it, the desk receives part of a delivery (past what is still
to come is refused in words and changes nothing), a count typed cell by cell is closed by the owner
with its difference, and a receptionist sees no owner's buttons."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from desk_app.container import Services
from desk_app.domain.permissions import Actor, Role
from tests.integration.test_checkout_support import product
from tests.integration.test_purchasing import _set
from ui.context import UiContext

pytestmark = pytest.mark.qt_log_ignore("parseHexColor: Unknown color name '#2F6FDE_dark'")


def _type(table: Any, row: int, col: int, text: str) -> None:
    item = table.item(row, col)
    assert item is not None
    item.setText(text)  # what typing into the cell and leaving it does


def test_order_drafted_sent_and_received_in_part(qtbot: Any, ctx: UiContext, services: Services,
                                                 owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.stock import screen as stock_screen
    from ui.stock.screen import StockScreen

    asked: list[str] = []
    monkeypatch.setattr(stock_screen, "confirm", lambda _p, title, *_a, **_k: asked.append(title) or True)

    sv = services
    sup = sv.stock.save_supplier(owner, None, {"name": "Lotus Beauty Supply"})
    pid = _set(sv, owner, "SH-COL-250", stock_qty=3, reorder_level=10, supplier_id=str(sup.id), pack_qty=6)
    screen = StockScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    screen.open(tab="to_order")
    low = screen.to_order
    names = [r[0] for r in low.table.model_.rows]
    assert any("Colour-care shampoo" in str(n) for n in names)
    row = next(r for r in low.table.model_.rows if "Colour-care shampoo" in str(r[0]))
    assert "18" in str(row[5]) and "packs of 6" in str(row[5])
    assert low.draft_btn.isVisible() and low.draft_btn.isEnabled()
    low.draft_btn.click()
    assert screen.tabs.currentWidget() is screen.orders  # the draft is shown to be checked
    orders = screen.orders
    assert orders.order is not None and orders.order.state == "draft" and "Drafted" in orders.status.text()
    assert orders.send_btn.isVisible() and not orders.receive_btn.isVisible()
    r = next(i for i, ln in enumerate(orders.order.lines) if ln.product_id == pid)
    assert screen.to_order.table.model_.rows and screen.unsaved_changes() is None
    _type(orders.lines, r, 1, "lots")
    orders.save_btn.click()  # refused: what was typed stays to be put right, and the message names the product
    assert "Colour-care shampoo" in orders.status.text() and orders.lines.item(r, 1).text() == "lots"
    assert orders.order.number in (screen.unsaved_changes() or "")
    _type(orders.lines, r, 1, "12")
    orders.send_btn.click()  # asked first; what is on screen is saved, then sent
    assert asked and orders.order.number in asked[-1]
    assert orders.order.state == "sent" and orders.order.lines[r].ordered == 12, orders.status.text()
    assert screen.unsaved_changes() is None
    assert orders.receive_btn.isVisible() and not orders.lines.isColumnHidden(5)

    _type(orders.lines, r, 5, "13")
    orders.receive_btn.click()
    assert "12 are still to come" in orders.status.text() and product(sv.db, "SH-COL-250")[2] == 3
    _type(orders.lines, r, 5, "5")
    orders.receive_btn.click()
    assert orders.order.state == "partly" and product(sv.db, "SH-COL-250")[2] == 8
    assert "Received 5 items" in orders.status.text()
    assert orders.list.model_.rows[0][2][0].endswith("Partly received")
    orders.all_btn.click()
    assert orders.lines.item(r, 5).text() == "7"
    assert orders.pdf_btn.isVisible()
    orders.write_pdf(str(tmp_path / "po.pdf"))  # what Save PDF writes once a file is chosen
    text = "".join(pg.extract_text() for pg in PdfReader(str(tmp_path / "po.pdf")).pages)
    assert f"Purchase order {orders.order.number}" in text and "Lotus Beauty Supply" in text
    assert "Colour-care shampoo 250 ml" in text and "SH-COL-250" in text and "Saved" in orders.status.text()


def test_a_count_typed_on_the_sheet_and_closed_by_the_owner(qtbot: Any, ctx: UiContext, services: Services,
                                                            owner: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.stock import screen as stock_screen
    from ui.stock.screen import StockScreen

    monkeypatch.setattr(stock_screen, "confirm", lambda *_a, **_k: True)

    sv = services
    oil_id, _price, before = product(sv.db, "OIL-50")
    screen = StockScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    screen.open(tab="counts")
    counts = screen.counts
    assert counts.past.isVisible() and "No counts yet" in counts.past.showing_empty()
    counts.scope.setCurrentIndex(counts.scope.findData("retail"))
    counts.start_btn.click()
    assert counts.current is not None and counts.sheet.isVisible() and counts.close_btn.isVisible()
    row = next(i for i, ln in enumerate(counts.current.lines) if ln.product_id == oil_id)
    _type(counts.sheet, row, 2, "lots")
    assert "type the number counted" in counts.status.text() and counts.sheet.item(row, 2).text() == ""
    _type(counts.sheet, row, 2, str(before - 1))
    assert counts.sheet.item(row, 3).text() == "▼ -1" and "1 of" in counts.hint.text()
    other = next(i for i, ln in enumerate(counts.current.lines) if ln.product_id != oil_id)
    _type(counts.sheet, other, 2, str(counts.current.lines[other].on_record + 1))  # one over: no netting to "0"
    counts.close_btn.click()
    assert "1 short, 1 over" in counts.status.text() and product(sv.db, "OIL-50")[2] == before - 1
    assert counts.past.isVisible() and counts.past.model_.rows[0][2] == "2"
    assert "1 short" in counts.past.model_.rows[0][3][0]
    counts.look_at(counts.past.model_.payloads[0])  # what a closed count counted, read only
    assert counts.sheet.isVisible() and not counts.past.isVisible() and counts.back_btn.isVisible()
    assert counts.sheet.rowCount() == 2  # the products counted
    shown = next(r for r in range(2) if counts.sheet.item(r, 0).data(Qt.ItemDataRole.UserRole) == oil_id)
    assert counts.sheet.item(shown, 3).text() == "▼ -1"
    assert not counts.sheet.item(shown, 2).flags() & Qt.ItemFlag.ItemIsEditable
    counts.back_btn.click()
    assert counts.past.isVisible()
    counts.start_btn.click()
    assert counts.current is not None
    _type(counts.sheet, 0, 2, "0")
    counts.abandon_btn.click()
    assert "abandoned" in counts.past.model_.rows[0][3][0] and counts.past.model_.rows[0][4] == "—"


def test_the_desk_receives_and_counts_but_orders_nothing(qtbot: Any, ctx: UiContext, services: Services,
                                                         owner: Actor) -> None:
    from ui.stock.screen import StockScreen

    staff = services.auth.save_staff(owner, staff_id=None, name="Desk Lin", role="receptionist", pin="4321")
    ctx.actor = Actor(staff_id=staff.id, name=staff.name, role=Role.RECEPTIONIST, branch_id=owner.branch_id)
    sup = services.stock.save_supplier(owner, None, {"name": "North Pro"})
    _set(services, owner, "CUT-OIL", stock_qty=0, reorder_level=3, supplier_id=str(sup.id))
    screen = StockScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1366, 768)
    screen.show()
    screen.open(tab="to_order")
    assert screen.to_order.table.model_.rows and not screen.to_order.draft_btn.isVisible()
    screen.open(tab="orders")
    assert not screen.orders.new_btn.isVisible()
    screen.open(tab="counts")
    assert screen.counts.start_btn.isVisible()
    screen.counts.start_btn.click()
    assert screen.counts.abandon_btn.isVisible() and not screen.counts.close_btn.isVisible()


def test_the_product_form_offers_a_supplier_added_meanwhile(qtbot: Any, ctx: UiContext, services: Services,
                                                           owner: Actor) -> None:
    """Settings › Products read its suppliers when first built; shown again after one was added (or
    retired) in the next tab, it offers the new one and names the retired one so."""
    from PySide6.QtWidgets import QComboBox

    from ui.settings.catalog import products_editor

    old = services.stock.save_supplier(owner, None, {"name": "North Pro"})
    editor = products_editor(ctx)
    qtbot.addWidget(editor)
    editor.show()
    box = editor.form.widgets["supplier_id"]
    assert isinstance(box, QComboBox) and box.findText("North Pro") >= 0
    editor.hide()
    services.stock.save_supplier(owner, None, {"name": "Pearl Beauty"})
    services.stock.save_supplier(owner, old.id, {"name": "North Pro", "active": False})
    editor.show()
    assert box.findText("Pearl Beauty") >= 0 and box.findText("North Pro (retired)") >= 0
