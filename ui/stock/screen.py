"""Stock (F11, docs/stock.md): what is at or below its reorder level and what to order of it, the
orders to suppliers (drafted, sent, received in part), and stock counts.

The desk receives deliveries and counts; the owner drafts and sends orders and books a count's
variance. Every read and write goes through the runner; a refusal or bad input is said in the
line under the buttons and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.core.service import ValidationError
from desk_app.domain import stock as st
from desk_app.domain.permissions import Perm
from desk_app.i18n import _, format_date, format_money, ngettext
from desk_app.printing.purchase_order import render_purchase_order
from desk_app.stock.service import CountView, OrderView, ToOrder, scope_word, state_word
from ui.context import UiContext
from ui.shared.files import in_documents
from ui.shared.table import Cell, RowsTable
from ui.shared.unsaved import may_leave
from ui.shared.widgets import Button, PageHeader, confirm, error_text, keep_room

TABS = ("to_order", "orders", "counts")
_TONE = {st.DRAFT: "neutral", st.SENT: "warn", st.PARTLY: "warn", st.RECEIVED: "ok", st.CANCELLED: "neutral"}
_MARK = {st.DRAFT: "✎", st.SENT: "→", st.PARTLY: "◐", st.RECEIVED: "✓", st.CANCELLED: "✕"}


def _said(label: QLabel, text: str, ok: bool = True) -> None:
    label.setObjectName("okText" if ok else "fieldError")
    label.setStyleSheet("")  # the object name's rule applies again
    label.setText(text)


class _Status(QLabel):
    """The line under a tab's buttons: what the last action did, or why it was refused."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        keep_room(self, lines=2)

    def ok(self, text: str) -> None:
        _said(self, "✓ " + text if text else "", True)

    def bad(self, exc: BaseException | str) -> None:
        _said(self, "✕ " + error_text(exc), False)


def _cell(text: str, editable: bool = False, right: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setToolTip(text)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
    it.setFlags(flags)
    if right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return it


def _grid(headers: list[str], stretch: int = 0) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(44)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
    head = t.horizontalHeader()
    head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    head.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


class ToOrderTab(QWidget):
    """What is at or below its reorder level, what is on its way, and what to order."""

    def __init__(self, ctx: UiContext, drafted: Callable[[int, str], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.drafted = drafted
        self.items: list[ToOrder] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.draft_btn = Button(_("Draft the orders"), "file", "primary")
        self.draft_btn.setToolTip(_("A draft order per usual supplier with the suggested quantities; "
                                    "you check it before it is sent (Ctrl+D)"))
        self.draft_btn.setShortcut(QKeySequence("Ctrl+D"))
        self.draft_btn.clicked.connect(self.draft)
        top.addWidget(self.draft_btn)
        lay.addLayout(top)
        self.table = RowsTable(
            [_("Product"), _("Usual supplier"), _("Stock now"), _("Reorder at"), _("On its way"), _("Suggested")],
            stretch=0,
            empty_text=_("Nothing is at or below its reorder level. Reorder levels are set in Settings › Products."),
        )
        lay.addWidget(self.table, 1)
        self.status = _Status()
        lay.addWidget(self.status)

    def refresh(self) -> None:
        self.draft_btn.setVisible(self.ctx.can(Perm.PURCHASE))
        self.status.ok("")  # what the last action said belongs to the list it was said about
        svc = self.ctx.services.stock
        self.ctx.runner.run(self, svc.to_order, on_done=self._loaded, on_error=self.status.bad)

    def _loaded(self, items: list[ToOrder]) -> None:
        self.items = items
        rows: list[list[Cell]] = []
        for t in items:
            stock: Cell = (f"! {t.on_hand}", "bad") if t.on_hand <= 0 else (f"{t.on_hand}", "warn")
            supplier: Cell = t.supplier_name if t.supplier_id else ("— " + _("none: set one in Settings"), "warn")
            suggest: Cell = ("✎ " + _("{n} on draft {order}").format(n=t.on_draft, order=t.draft_no), "neutral") \
                if t.on_draft else (ngettext("{n} (packs of {p})", "{n} (packs of {p})", t.suggested).format(
                    n=t.suggested, p=t.pack_qty) if t.pack_qty > 1 else str(t.suggested)) if t.suggested else (
                "✓ " + _("enough on its way"), "ok")
            rows.append([t.name, supplier, stock, str(t.reorder_level), str(t.on_order or "—"), suggest])
        self.table.set_rows(rows, items, widths=(0, 0, 96, 110, 110, 230))
        self.table.fit_columns({1: 240})
        need = sum(1 for t in items if t.suggested and not t.on_draft)
        text = ngettext("{n} product to order.", "{n} products to order.", need).format(n=need) if need \
            else _("Nothing to order now.") if items else ""
        if need and not self.ctx.can(Perm.PURCHASE):
            text = i18n.sentences(text, _("The owner drafts and sends the orders; you receive them under Orders."))
        self.summary.setText(text)
        self.draft_btn.setEnabled(need > 0)

    def draft(self) -> None:
        actor = self.ctx.require_actor()
        svc = self.ctx.services.stock
        self.draft_btn.setEnabled(False)

        def done(result: Any) -> None:
            names = ", ".join(f"{o.number} ({o.supplier_name})" for o in result.orders)
            text = _("Drafted: {orders}. Check each one, then send it.").format(orders=names)
            if result.no_supplier:
                text = i18n.sentences(text, _("Not ordered, no usual supplier: {names}.").format(
                    names=", ".join(result.no_supplier)))
            self.refresh()
            if result.orders:
                self.drafted(result.orders[0].id, text)  # said where the draft is shown

        def failed(exc: Exception) -> None:
            self.refresh()
            self.status.bad(exc)

        self.ctx.runner.run(self, lambda: svc.draft_from_low_stock(actor), on_done=done, on_error=failed)


class OrdersTab(QWidget):
    """The orders, newest first, and the chosen one: a draft is edited and sent, a sent order
    received (what came now, line by line), any open order cancelled."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.orders: list[OrderView] = []
        self.order: OrderView | None = None
        self.products: list[tuple[int, str]] = []
        self._select: int | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 8, 0)
        new_row = QHBoxLayout()
        self.supplier = QComboBox()
        self.supplier.setMinimumHeight(44)
        self.supplier.setToolTip(_("The supplier of a new order"))
        self.new_btn = Button(_("New order"), "plus", "secondary")
        self.new_btn.clicked.connect(self.new_order)
        new_row.addWidget(self.supplier, 1)
        new_row.addWidget(self.new_btn)
        ll.addLayout(new_row)
        self.list = RowsTable([_("Order"), _("Supplier"), _("State"), _("Total")], stretch=1,
                              empty_text=_("No orders yet. Draft them from “To order”, or start one here."))
        self.list.selectionModel().currentRowChanged.connect(lambda *_a: self._chosen())
        ll.addWidget(self.list, 1)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        rl.addWidget(self.title)
        self.detail = QLabel()
        self.detail.setObjectName("muted")
        self.detail.setWordWrap(True)
        rl.addWidget(self.detail)
        self.lines = _grid([_("Product"), _("Ordered"), _("Unit cost"), _("Received"), _("Still to come"),
                            _("Came now")])
        self.lines.itemChanged.connect(self._edited)
        self._dirty = False  # a draft's cells typed in and not saved
        rl.addWidget(self.lines, 1)
        add_row = QHBoxLayout()
        self.product = QComboBox()
        self.product.setMinimumHeight(44)
        self.product.setEditable(True)
        self.product.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.product.setToolTip(_("Type part of a product's name to find it"))
        self.product.setPlaceholderText(_("Product to add"))
        finder = self.product.completer()
        if finder is not None:  # part of a name finds it ("shamp" → "Colour-care shampoo 250 ml")
            finder.setFilterMode(Qt.MatchFlag.MatchContains)
            finder.setCompletionMode(finder.CompletionMode.PopupCompletion)
        self.add_btn = Button(_("Add"), "plus", "secondary")
        self.add_btn.clicked.connect(self.add_line)
        self.remove_btn = Button(_("Remove line"), "trash", "ghost")
        self.remove_btn.clicked.connect(self.remove_line)
        add_row.addWidget(self.product, 1)
        add_row.addWidget(self.add_btn)
        add_row.addWidget(self.remove_btn)
        self.add_box = QWidget()
        self.add_box.setLayout(add_row)
        add_row.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.add_box)
        buttons = QHBoxLayout()
        self.save_btn = Button(_("Save draft"), "check", "secondary")
        self.save_btn.clicked.connect(self.save_draft)
        self.send_btn = Button(_("Mark as sent"), "arrow-right", "primary")
        self.send_btn.setToolTip(_("Sent to the supplier (by phone, email or their site): its lines are fixed "
                                   "and it can be received"))
        self.send_btn.clicked.connect(self.send)
        self.receive_btn = Button(_("Receive"), "check", "primary")
        self.receive_btn.setToolTip(_("Type under “Came now” what the delivery brought, then receive it (Ctrl+R)"))
        self.receive_btn.setShortcut(QKeySequence("Ctrl+R"))
        self.receive_btn.clicked.connect(self.receive)
        self.all_btn = Button(_("All came"), "check", "secondary")
        self.all_btn.setToolTip(_("Fill “Came now” with everything still to come"))
        self.all_btn.clicked.connect(self.all_came)
        self.cancel_btn = Button(_("Cancel order"), "x", "ghost")
        self.cancel_btn.setToolTip(_("Nothing more is expected; what already came stays in stock"))
        self.cancel_btn.clicked.connect(self.cancel)
        self.pdf_btn = Button(_("Save PDF"), "file", "secondary")
        self.pdf_btn.setToolTip(_("The order as a PDF, to email or print for the supplier"))
        self.pdf_btn.clicked.connect(self.save_pdf)
        for b in (self.save_btn, self.send_btn, self.all_btn, self.receive_btn, self.pdf_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_btn)
        rl.addLayout(buttons)
        self.status = _Status()
        rl.addWidget(self.status)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([540, 630])
        lay.addWidget(split)
        self._show(None)

    # -- loading --------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        self._select = select if select is not None else (self.order.id if self.order else None)
        self.status.ok("")
        svc, cat = self.ctx.services.stock, self.ctx.services.catalog
        owner = self.ctx.can(Perm.PURCHASE)
        self.supplier.setVisible(owner)
        self.new_btn.setVisible(owner)

        def work() -> tuple[list[OrderView], list[tuple[int, str]], list[tuple[int, str]]]:
            orders = svc.orders()
            sups = [(x.id, x.name) for x in svc.suppliers(include_inactive=False)] if owner else []
            prods = [(p.id, f"{p.name} · {p.sku}") for p in cat.products(include_inactive=False)] if owner else []
            return orders, sups, prods

        self.ctx.runner.run(self, work, on_done=self._loaded, on_error=self.status.bad)

    def _loaded(self, data: tuple[list[OrderView], list[tuple[int, str]], list[tuple[int, str]]]) -> None:
        self.orders, sups, self.products = data
        self.supplier.clear()
        for sid, name in sups:
            self.supplier.addItem(name, sid)
        self.new_btn.setEnabled(bool(sups))
        if not sups:
            self.supplier.setPlaceholderText(_("Add suppliers in Settings › Products"))
        self.product.clear()
        for pid, name in self.products:
            self.product.addItem(name, pid)
        self.product.setCurrentIndex(-1)
        rows: list[list[Cell]] = []
        for o in self.orders:
            rows.append([o.number, o.supplier_name, (f"{_MARK[o.state]} {state_word(o.state)}", _TONE[o.state]),
                         format_money(o.total, o.currency)])
        self.list.set_rows(rows, self.orders, widths=(0, 0, 0, 116))
        self.list.fit_columns({0: 104, 2: 150})
        want = self._select
        index = next((i for i, o in enumerate(self.orders) if o.id == want), 0 if self.orders else None)
        if index is not None:
            self.list.selectRow(index)
        self._show(self.orders[index] if index is not None else None)

    # -- the chosen order -----------------------------------------------------------------------
    def _edited(self, item: QTableWidgetItem) -> None:
        if self.order is not None and self.order.state == st.DRAFT and item.column() in (1, 2):
            self._dirty = True

    def unsaved_changes(self) -> str | None:
        """A draft's typed quantities or costs not saved yet (ui/shared/unsaved.py)."""
        if self._dirty and self.order is not None:
            return _("the draft order {number}").format(number=self.order.number)
        return None

    def discard_changes(self) -> None:
        self._dirty = False
        self._show(self.order)

    def _chosen(self) -> None:
        """Another order chosen in the list: the draft being typed is asked about first."""
        picked = self.list.current()
        if picked is self.order or (picked is not None and self.order is not None and picked.id == self.order.id):
            return
        if self._dirty and not may_leave(self, self):
            index = next((i for i, o in enumerate(self.orders) if self.order and o.id == self.order.id), None)
            if index is not None:
                self.list.blockSignals(True)
                self.list.selectRow(index)
                self.list.blockSignals(False)
            return
        self.status.ok("")
        self._show(picked)

    def _show(self, order: OrderView | None) -> None:
        self._dirty = False
        self.order = order
        owner = self.ctx.can(Perm.PURCHASE)
        draft = order is not None and order.state == st.DRAFT
        open_ = order is not None and order.state in (st.SENT, st.PARTLY)
        self.lines.blockSignals(True)
        self.lines.setRowCount(0)
        if order is None:
            self.title.setText(_("No order chosen"))
            self.detail.setText(_("Choose an order on the left."))
        else:
            self.title.setText(f"{order.number} · {order.supplier_name} · {state_word(order.state)}")
            bits = [_("Started {date} by {name}").format(date=format_date(order.created_at), name=order.created_by
                                                          or "—")]
            if order.sent_at:
                bits.append(_("sent {date}").format(date=format_date(order.sent_at)))
            if order.supplier_contact:
                bits.append(order.supplier_contact)
            if order.note:
                bits.append(order.note)
            bits.append(_("Total {amount}").format(amount=format_money(order.total, order.currency)))
            self.detail.setText(" · ".join(bits))
            self.lines.setRowCount(len(order.lines))
            for r, ln in enumerate(order.lines):
                name = _cell(ln.name)
                name.setToolTip(f"{ln.name} · {ln.sku}")  # the SKU on the supplier's delivery note
                name.setData(Qt.ItemDataRole.UserRole, ln.product_id)
                self.lines.setItem(r, 0, name)
                self.lines.setItem(r, 1, _cell(str(ln.ordered), editable=draft and owner, right=True))
                self.lines.setItem(r, 2, _cell(f"{ln.unit_cost:.2f}", editable=draft and owner, right=True))
                self.lines.setItem(r, 3, _cell(str(ln.received), right=True))
                self.lines.setItem(r, 4, _cell(str(ln.open) if open_ else "—", right=True))
                came = _cell("" if open_ else "—", editable=open_ and ln.open > 0, right=True)
                came.setData(Qt.ItemDataRole.UserRole, ln.id)
                self.lines.setItem(r, 5, came)
        self.lines.blockSignals(False)
        self.lines.setColumnHidden(3, draft)
        self.lines.setColumnHidden(4, draft)
        self.lines.setColumnHidden(5, not open_)
        self.add_box.setVisible(draft and owner)
        self.save_btn.setVisible(draft and owner)
        self.send_btn.setVisible(draft and owner)
        self.receive_btn.setVisible(open_ and self.ctx.can(Perm.STOCK))
        self.all_btn.setVisible(open_ and self.ctx.can(Perm.STOCK))
        self.cancel_btn.setVisible((draft or open_) and owner)
        self.pdf_btn.setVisible(order is not None and bool(order.lines) and owner)

    def _draft_lines(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.lines.rowCount()):
            name, qty, cost = (self.lines.item(r, c) for c in (0, 1, 2))
            out.append({"product_id": name.data(Qt.ItemDataRole.UserRole) if name else 0,
                        "qty": qty.text() if qty else "", "unit_cost": cost.text() if cost else ""})
        return out

    def add_line(self) -> None:
        pid = self.product.currentData()
        if pid is None or self.order is None:
            self.status.bad(_("Choose a product from the list to add it."))
            return
        lines = self._draft_lines()
        if any(int(x["product_id"] or 0) == pid for x in lines):
            self.status.bad(_("This product is on the order already: change its quantity."))
            return
        self._save(lines + [{"product_id": pid, "qty": "1", "unit_cost": ""}],  # the product's cost
                   _("Added. Type the quantity, then save the draft."))

    def remove_line(self) -> None:
        row = self.lines.currentRow()
        if row < 0 or self.order is None:
            self.status.bad(_("Choose the line to remove."))
            return
        lines = self._draft_lines()
        del lines[row]
        self._save(lines, _("Line removed."))

    def save_draft(self) -> None:
        self._save(self._draft_lines(), _("Draft saved."))

    def _save(self, lines: list[dict[str, Any]], said: str) -> None:
        order, actor, svc = self.order, self.ctx.require_actor(), self.ctx.services.stock
        if order is None:
            return
        self._act(lambda: svc.save_draft(actor, order.id, order.version, lines, order.note), said)

    def send(self) -> None:
        order, actor, svc = self.order, self.ctx.require_actor(), self.ctx.services.stock
        if order is None:
            return
        lines = self._draft_lines()
        if not confirm(self, _("Mark {number} as sent to {supplier}?").format(number=order.number,
                                                                             supplier=order.supplier_name),
                       _("Send it to the supplier yourself (by phone, email or their site; Save PDF gives the "
                         "order as a file). Once marked sent, its lines cannot be changed."),
                       yes=_("Mark as sent"), no=_("Keep the draft"), default_yes=False):
            return

        def work() -> OrderView:
            saved = svc.save_draft(actor, order.id, order.version, lines, order.note)  # what is on screen
            return svc.send(actor, saved.id, saved.version)

        self._act(work, _("Marked as sent. Receive it here when the delivery comes."))

    def save_pdf(self) -> None:
        order = self.order
        if order is None:
            return
        path, _f = QFileDialog.getSaveFileName(self, _("Save the order"), in_documents(f"{order.number}.pdf"),
                                               _("PDF files (*.pdf)"))
        if path:
            self.write_pdf(path if path.lower().endswith(".pdf") else path + ".pdf")

    def write_pdf(self, path: str) -> None:
        """The chosen order, as it is now, written to ``path`` on the runner."""
        order, svc, fmt = self.order, self.ctx.services, i18n.current()
        if order is None:
            return

        def work() -> str:
            render_purchase_order(svc.stock.order(order.id), svc.shop.info(), path, fmt)
            return path

        self.ctx.runner.run(self, work, on_done=lambda out: self.status.ok(_("Saved {path}").format(path=out)),
                            on_error=self.status.bad)

    def all_came(self) -> None:
        if self.order is None:
            return
        for r, ln in enumerate(self.order.lines):
            it = self.lines.item(r, 5)
            if it is not None and ln.open:
                it.setText(str(ln.open))

    def receive(self) -> None:
        order, actor, svc = self.order, self.ctx.require_actor(), self.ctx.services.stock
        if order is None:
            return
        came: dict[int, str] = {}
        for r in range(self.lines.rowCount()):
            it = self.lines.item(r, 5)
            if it is not None and it.text().strip():
                came[int(it.data(Qt.ItemDataRole.UserRole))] = it.text().strip()
        n = sum(int(v) for v in came.values() if v.isdigit())
        self._act(lambda: svc.receive(actor, order.id, order.version, came),
                  ngettext("Received {n} item into stock.", "Received {n} items into stock.", n).format(n=n))

    def cancel(self) -> None:
        order, actor, svc = self.order, self.ctx.require_actor(), self.ctx.services.stock
        if order is None:
            return
        if not confirm(self, _("Cancel {number}?").format(number=order.number),
                       _("Nothing more will be expected from {supplier} on it; what already came stays in stock. "
                         "A cancelled order cannot be opened again.").format(supplier=order.supplier_name),
                       yes=_("Cancel the order"), no=_("Keep it"), default_yes=False):
            return
        self._act(lambda: svc.cancel(actor, order.id, order.version),
                  _("Cancelled: nothing more is expected from this order."))

    def new_order(self) -> None:
        sid, actor, svc = self.supplier.currentData(), self.ctx.require_actor(), self.ctx.services.stock
        if sid is None:
            self.status.bad(_("Choose a supplier."))
            return
        self._act(lambda: svc.new_order(actor, int(sid)), _("New draft. Add its products below."))

    def _act(self, work: Callable[[], OrderView], said: str) -> None:
        def done(order: OrderView) -> None:
            self.refresh(order.id)
            self.status.ok(said)
            self.ctx.signals.data_changed.emit("stock", order.id)

        def failed(exc: Exception) -> None:
            if not isinstance(exc, ValidationError):  # changed elsewhere, or gone: shown as it is now
                self.refresh()
            self.status.bad(exc)  # bad input: what was typed stays, to be put right

        self.ctx.runner.run(self, work, on_done=done, on_error=failed)


class CountsTab(QWidget):
    """A stock count: start one (the retail shelf, the back-bar or everything), type what is on the
    shelf product by product (saved as typed), then the owner closes it and the variance is booked."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.current: CountView | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        self.scope = QComboBox()
        self.scope.setMinimumHeight(44)
        for key in st.SCOPES:
            self.scope.addItem(scope_word(key), key)
        self.start_btn = Button(_("Start a count"), "list", "primary")
        self.start_btn.clicked.connect(self.start)
        self.close_btn = Button(_("Close and book the differences"), "check", "primary")
        self.close_btn.setToolTip(_("Each counted product's stock becomes what was counted; products not "
                                    "counted stay as they are"))
        self.close_btn.clicked.connect(self.close_count)
        self.abandon_btn = Button(_("Abandon"), "x", "ghost")
        self.abandon_btn.setToolTip(_("Stop this count without changing any stock"))
        self.abandon_btn.clicked.connect(self.abandon)
        for w in (self.scope, self.start_btn, self.close_btn, self.abandon_btn):
            top.addWidget(w)
        lay.addLayout(top)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)
        self.sheet = _grid([_("Product"), _("On record"), _("Counted"), _("Difference"), _("At cost")])
        self.sheet.itemChanged.connect(self._typed)
        lay.addWidget(self.sheet, 1)
        self.past = RowsTable([_("Closed on"), _("What"), _("Products counted"), _("Differences"), _("At cost"),
                               _("By")],
                              stretch=1, empty_text=_("No counts yet. Choose what to count and start one."))
        self.past.setToolTip(_("Double-click a count (or press Enter) to see what was counted"))
        self.past.activated_row.connect(self.look_at)
        lay.addWidget(self.past, 1)
        self.back_btn = Button(_("Back to the counts"), "arrow-left", "secondary")
        self.back_btn.clicked.connect(self.refresh)
        self.back_btn.setVisible(False)
        top.insertWidget(1, self.back_btn)
        self.status = _Status()
        lay.addWidget(self.status)

    def refresh(self) -> None:
        svc = self.ctx.services.stock
        self.status.ok("")
        self.ctx.runner.run(self, lambda: (svc.open_count(), svc.counts()), on_done=self._loaded,
                            on_error=self.status.bad)

    def look_at(self, c: CountView) -> None:
        """A past count, read only: what was counted against the record then, and what it booked."""
        self.current = None
        for w in (self.scope, self.start_btn, self.close_btn, self.abandon_btn, self.past):
            w.setVisible(False)
        self.back_btn.setVisible(True)
        self.sheet.setVisible(True)
        when = format_date(c.closed_at) if c.closed_at else "—"
        self.title.setText((_("Count of {what}, closed {date} by {name}") if c.status == "closed" else
                            _("Count of {what}, abandoned {date} by {name}")).format(
            what=scope_word(c.scope), date=when, name=c.closed_by or "—"))
        self.hint.setText(i18n.sentences(_("What was counted against the record at that moment."), (
            _("Nothing was booked: the count was abandoned.") if c.status != "closed" else self._booked(c))))
        self._fill(c, editable=False)

    @staticmethod
    def _booked(c: CountView) -> str:
        if not c.short and not c.over:
            return _("Every product counted matched the record.")
        return _("Booked: {short} short, {over} over, {value} at cost.").format(
            short=c.short, over=c.over, value=format_money(c.variance_value, c.currency))

    def _loaded(self, data: tuple[CountView | None, list[CountView]]) -> None:
        current, past = data
        self.current = current
        counting = current is not None
        self.back_btn.setVisible(False)
        for w in (self.scope, self.start_btn):
            w.setVisible(not counting and self.ctx.can(Perm.STOCK))
        self.close_btn.setVisible(counting and self.ctx.can(Perm.PURCHASE))
        self.abandon_btn.setVisible(counting and self.ctx.can(Perm.STOCK))
        self.sheet.setVisible(counting)
        self.past.setVisible(not counting)
        if current is None:
            self.title.setText(_("Stock counts"))
            self.hint.setText(_("Count what is on the shelf; the difference from the record is booked when the "
                                "count is closed."))
            rows: list[list[Cell]] = []
            for c in past:
                if c.status != "closed":
                    var: Cell = ("✕ " + _("abandoned: nothing booked"), "neutral")
                    value = "—"
                else:
                    var = (_("▼ {short} short · ▲ {over} over").format(short=c.short, over=c.over),
                           "bad" if c.short else "warn") if c.short or c.over else ("✓ " + _("all matched"), "ok")
                    value = format_money(c.variance_value, c.currency)
                rows.append([format_date(c.closed_at) if c.closed_at else "—", scope_word(c.scope), str(c.counted),
                             var, value, c.closed_by])
            self.past.set_rows(rows, past, widths=(150, 150, 150, 0, 140, 120))
            return
        self.title.setText(_("Counting: {what}, started {date} by {name}").format(
            what=scope_word(current.scope), date=format_date(current.started_at), name=current.started_by or "—"))
        self._say_progress(current)
        self._fill(current)

    def _say_progress(self, c: CountView) -> None:
        text = ngettext(
            "{done} of {n} product counted. Type what is on the shelf under “Counted”; it is saved as you go.",
            "{done} of {n} products counted. Type what is on the shelf under “Counted”; it is saved as you go.",
            len(c.lines)).format(done=c.counted, n=len(c.lines))
        if not self.ctx.can(Perm.PURCHASE):
            text = i18n.sentences(text, _("The owner closes the count and books the differences."))
        self.hint.setText(text)

    def _fill(self, c: CountView, editable: bool = True) -> None:
        self.sheet.blockSignals(True)
        keep = self.sheet.currentRow()
        self.sheet.setRowCount(len(c.lines))
        for r, ln in enumerate(c.lines):
            name = _cell(f"{ln.name} · {ln.sku}")
            name.setData(Qt.ItemDataRole.UserRole, ln.product_id)
            self.sheet.setItem(r, 0, name)
            self.sheet.setItem(r, 1, _cell(str(ln.on_record), right=True))
            self.sheet.setItem(r, 2, _cell("" if ln.counted is None else str(ln.counted), editable=editable,
                                           right=True))
            v = ln.variance
            diff = _cell("—" if v is None else ("✓ 0" if v == 0 else f"{'▲' if v > 0 else '▼'} {v:+d}"), right=True)
            self.sheet.setItem(r, 3, diff)
            self.sheet.setItem(r, 4, _cell("" if not v else format_money(ln.unit_cost * v, c.currency), right=True))
        if 0 <= keep < len(c.lines):
            self.sheet.setCurrentCell(keep, 2)
        self.sheet.setColumnWidth(2, max(self.sheet.columnWidth(2), 110))  # the column typed into: room to type
        self.sheet.blockSignals(False)

    def _typed(self, item: QTableWidgetItem) -> None:
        if self.current is None or item.column() != 2:
            return
        name = self.sheet.item(item.row(), 0)
        if name is None:
            return
        pid, text, count = int(name.data(Qt.ItemDataRole.UserRole)), item.text(), self.current
        actor, svc = self.ctx.require_actor(), self.ctx.services.stock

        def done(view: CountView) -> None:
            self.current = view
            self.status.ok("")
            self._fill(view)
            self._say_progress(view)

        def failed(exc: Exception) -> None:
            self.status.bad(exc)
            self._fill(count)

        self.ctx.runner.run(self, lambda: svc.record_count(actor, count.id, pid, text), on_done=done,
                            on_error=failed, in_order=True)

    def start(self) -> None:
        scope, actor, svc = self.scope.currentData(), self.ctx.require_actor(), self.ctx.services.stock
        self._act(lambda: svc.start_count(actor, scope), _("Count started. Type what is on the shelf."))

    def close_count(self) -> None:
        c, actor, svc = self.current, self.ctx.require_actor(), self.ctx.services.stock
        if c is None:
            return
        if not confirm(self, _("Close the count and book the differences?"),
                       ngettext("{done} product counted: its stock becomes what was counted. The {left} not counted "
                                "stay as they are. This cannot be undone; a new count corrects it.",
                                "{done} products counted: their stock becomes what was counted. The {left} not "
                                "counted stay as they are. This cannot be undone; a new count corrects it.",
                                c.counted).format(done=c.counted, left=len(c.lines) - c.counted),
                       yes=_("Close and book"), no=_("Keep counting"), default_yes=False):
            return
        self._act(lambda: svc.close_count(actor, c.id), "", closing=True)

    def abandon(self) -> None:
        c, actor, svc = self.current, self.ctx.require_actor(), self.ctx.services.stock
        if c is None:
            return
        if c.counted and not confirm(self, _("Abandon this count?"),
                                     ngettext("The {n} figure typed is thrown away; no stock changes.",
                                              "The {n} figures typed are thrown away; no stock changes.",
                                              c.counted).format(n=c.counted),
                                     yes=_("Abandon the count"), no=_("Keep counting"), default_yes=False):
            return
        self._act(lambda: svc.abandon_count(actor, c.id), _("Count abandoned; no stock was changed."))

    def _act(self, work: Callable[[], CountView], said: str, closing: bool = False) -> None:
        def done(view: CountView) -> None:
            self.refresh()
            if closing:
                self.status.ok(i18n.sentences(ngettext("Closed: {n} product counted.", "Closed: {n} products counted.",
                                                       view.counted).format(n=view.counted), self._booked(view)))
            else:
                self.status.ok(said)
            self.ctx.signals.data_changed.emit("stock", view.id)

        self.ctx.runner.run(self, work, on_done=done, on_error=self.status.bad)


class StockScreen(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName("screenPage")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 16)
        lay.setSpacing(10)
        self.header = PageHeader(_("Stock"), _("What to order, orders to suppliers and their deliveries, stock counts"))
        lay.addWidget(self.header)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("stockTabs")
        self.orders = OrdersTab(ctx)
        self.to_order = ToOrderTab(ctx, self._drafted)
        self.counts = CountsTab(ctx)
        self.tabs.addTab(self.to_order, _("To order"))
        self.tabs.addTab(self.orders, _("Orders"))
        self.tabs.addTab(self.counts, _("Counts"))
        self._index = 0
        self.tabs.currentChanged.connect(self._tab_changed)
        lay.addWidget(self.tabs, 1)
        for i in range(len(TABS)):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self).activated.connect(
                lambda i=i: self.tabs.setCurrentIndex(i))
        ctx.signals.actor_changed.connect(lambda: self.refresh() if self.isVisible() else None)

    def _tab_changed(self, index: int) -> None:
        if index != self._index and self.tabs.widget(self._index) is self.orders and not may_leave(self.orders, self):
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(self._index)
            self.tabs.blockSignals(False)
            return
        self._index = index
        self.refresh()

    def unsaved_changes(self) -> str | None:
        return self.orders.unsaved_changes()

    def discard_changes(self) -> None:
        self.orders.discard_changes()

    def _drafted(self, order_id: int, said: str) -> None:
        self.tabs.blockSignals(True)
        self.tabs.setCurrentWidget(self.orders)
        self._index = self.tabs.currentIndex()
        self.tabs.blockSignals(False)
        self.orders.refresh(order_id)
        self.orders.status.ok(said)

    def tab(self, key: str) -> QWidget:
        self.tabs.setCurrentIndex(TABS.index(key))
        w = self.tabs.currentWidget()
        assert w is not None
        return w

    def open(self, tab: str = "", **_params: Any) -> None:
        if tab in TABS and (self.tabs.widget(self._index) is not self.orders or may_leave(self.orders, self)):
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(TABS.index(tab))
            self._index = self.tabs.currentIndex()
            self.tabs.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        w = self.tabs.currentWidget()
        fn = getattr(w, "refresh", None)
        if callable(fn):
            fn()
