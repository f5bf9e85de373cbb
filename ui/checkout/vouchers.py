"""Gift vouchers at the desk (docs/vouchers.md): look one up by its code (typed or scanned),
see what is left and where it went, and -- the owner -- move its balance to a new code."""

from __future__ import annotations

import html
import io

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.vouchers import VoucherCard
from desk_app.domain import voucher as gv
from desk_app.domain.permissions import Perm
from desk_app.i18n import N_, Fmt, _, format_date, format_when
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, Dialog, ErrorLabel, error_text, keep_room, show_info

MOVES = {
    "redeem": N_("Spent"),
    "refund": N_("Given back by a refund"),
    "void": N_("Refunded voucher"),
    "transfer": N_("Moved to a new code"),
}
TONES = {gv.State.ACTIVE: "ok", gv.State.USED: "muted", gv.State.EXPIRED: "warn", gv.State.VOID: "bad",
         gv.State.TRANSFERRED: "muted"}
SYMBOLS = {gv.State.ACTIVE: "✓", gv.State.USED: "•", gv.State.EXPIRED: "⚠", gv.State.VOID: "✕",
           gv.State.TRANSFERRED: "→"}


def _nobr(code: str) -> str:
    return f"<nobr>{html.escape(gv.shown(code))}</nobr>"


def card_text(card: VoucherCard) -> str:
    """One line about a voucher: its state, what is left and until when."""
    cur = card.currency
    parts = [f"{SYMBOLS[card.state]} {card.state_word}", _("{amount} left").format(amount=fmt_money(card.balance_minor, cur))]
    if card.expires_on is not None:
        parts.append(_("valid until {day}").format(day=format_date(card.expires_on)))
    else:
        parts.append(_("no end date"))
    return " · ".join(parts)


def _table(headers: list[str]) -> QTableWidget:
    """A read-only table whose second column takes the room left."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    head = table.horizontalHeader()
    head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(36)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


class VoucherDialog(Dialog):
    """Find a voucher by its code; its history; move it to a new code (owner)."""

    moved = Signal(str)  # the new code

    def __init__(self, ctx: UiContext, code: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.card: VoucherCard | None = None
        self._latest = Latest()
        self.setWindowTitle(_("Gift vouchers"))
        self.setMinimumSize(720, 480)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.code = QLineEdit(code)
        self.code.setPlaceholderText(_("Type or scan the code, e.g. K7QM-2XWP-9HD4"))
        self.code.setMinimumHeight(44)
        self.code.returnPressed.connect(self.look_up)
        self.code.textEdited.connect(self._typed)
        row.addWidget(self.code, 1)
        self.find_btn = Button(_("Find"), "search", "primary")
        self.find_btn.clicked.connect(self.look_up)
        row.addWidget(self.find_btn)
        lay.addLayout(row)
        self.error = ErrorLabel()
        keep_room(self.error, lines=1)
        lay.addWidget(self.error)
        self.title = QLabel(_("Type or scan a voucher's code, or choose one of the latest below."))
        self.title.setObjectName("sectionTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.title)
        self.state = QLabel()
        self.state.setObjectName("voucherState")
        lay.addWidget(self.state)
        self.facts = QLabel()
        self.facts.setObjectName("muted")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)  # a code never breaks at its dashes
        lay.addWidget(self.facts)
        self.table = _table([_("When"), _("What"), _("Amount"), _("Left after"), _("Receipt")])
        # until one is chosen: the latest vouchers, narrowed by what is typed (part of a code or a receipt)
        self.latest = _table([_("Code"), _("State"), _("Left"), _("Last day"), _("Receipt")])
        self.latest.setObjectName("latestVouchers")
        self.latest.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.latest.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.latest.setTabKeyNavigation(False)
        self.latest.activated.connect(lambda idx: self._open_row(idx.row()))
        self.latest.cellClicked.connect(lambda r, _c: self._open_row(r))
        self._latest_codes: list[str] = []
        self._list_seq = Latest()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.latest)
        self.pages.addWidget(self.table)
        lay.addWidget(self.pages, 1)
        buttons = QHBoxLayout()
        self.move_btn = Button(_("Move to a new code…"), "refresh", "secondary")
        self.move_btn.setToolTip(_("A lost or passed-on voucher: its balance moves to a new code, the old code stops working"))
        self.move_btn.clicked.connect(self._move)
        self.move_btn.setEnabled(False)
        self.move_btn.setVisible(ctx.can(Perm.REFUND))
        buttons.addWidget(self.move_btn)
        self.print_btn = Button(_("Print voucher"), "printer", "secondary")
        self.print_btn.setToolTip(_("The voucher on its own: what is left, its code, barcode and QR code, its last day"))
        self.print_btn.clicked.connect(self._print)
        self.print_btn.setEnabled(False)
        buttons.addWidget(self.print_btn)
        buttons.addStretch(1)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        bb.rejected.connect(self.reject)
        buttons.addWidget(bb)
        lay.addLayout(buttons)
        self.code.setFocus()
        if code:
            self.look_up()
        else:
            self._list("")

    def _typed(self, text: str) -> None:
        """While a code is being typed: the latest vouchers whose code or receipt has it."""
        if self.pages.currentWidget() is not self.latest:
            self.pages.setCurrentWidget(self.latest)
            self.card = None
            self.move_btn.setEnabled(False)
            self.print_btn.setEnabled(False)
            self.title.setText(_("Type or scan a voucher's code, or choose one of the latest below."))
            self.state.clear()
            self.facts.clear()
        self._list(text)

    def _list(self, text: str) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        vouchers = self.ctx.services.vouchers
        seq = self._list_seq.next()
        self.ctx.runner.run(self, lambda: vouchers.recent(actor, text, limit=50),
                            on_done=self._list_seq.guard(seq, self._show_list),
                            on_error=self._list_seq.guard(seq, self._failed))

    def _show_list(self, cards: list[VoucherCard]) -> None:
        self._latest_codes = [c.code for c in cards]
        self.latest.setRowCount(len(cards))
        for r, c in enumerate(cards):
            cells = [c.shown_code, f"{SYMBOLS[c.state]} {c.state_word}", fmt_money(c.balance_minor, c.currency),
                     format_date(c.expires_on) if c.expires_on else _("no end date"), c.receipt_no]
            for col, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if col == 2:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.latest.setItem(r, col, it)
        if not cards:
            self.error.show_error(None)
            self.title.setText(_("No voucher has been sold yet. Sell one from a bill: Gift voucher…")
                               if not self.code.text().strip() else
                               _("No voucher's code or receipt has that. Check it against the voucher."))

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self._latest_codes):
            self.code.setText(gv.shown(self._latest_codes[row]))
            self.look_up()

    def look_up(self) -> None:
        actor, text = self.ctx.actor, self.code.text()
        if actor is None:
            return
        partial = text.strip() and isinstance(gv.normalize(text), gv.CodeProblem)
        if partial and self.pages.currentWidget() is self.latest and self._latest_codes:
            if len(self._latest_codes) == 1:  # part of one code (or its receipt): that voucher
                self._open_row(0)
            else:  # several: choose in the list
                self.latest.setFocus()
                self.latest.selectRow(0)
            return
        vouchers = self.ctx.services.vouchers
        seq = self._latest.next()
        self.ctx.runner.run(self, lambda: vouchers.find(actor, text), on_done=self._latest.guard(seq, self.show_card),
                            on_error=self._latest.guard(seq, self._failed))

    def _failed(self, exc: Exception) -> None:
        self.error.show_error(error_text(exc))

    def show_card(self, card: VoucherCard) -> None:
        self.card = card
        self.pages.setCurrentWidget(self.table)
        cur = card.currency
        self.error.show_error(None)
        self.title.setText(_("Gift voucher {code}").format(code=card.shown_code))
        self.state.setText(card_text(card))
        self.state.setProperty("tone", TONES[card.state])
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        facts = [_("Worth {amount} when issued {when}").format(amount=fmt_money(card.amount_minor, cur),
                                                            when=format_when(card.issued_at))]
        if card.receipt_no:
            facts.append(_("sold on receipt {no}").format(no=card.receipt_no))
        if card.from_code:
            facts.append(_("carried over from {code}").format(code=_nobr(card.from_code))
                         + (f" ({html.escape(card.from_note)})" if card.from_note else ""))
        if card.to_code:
            facts.append(_("its balance moved to {code}").format(code=_nobr(card.to_code)))
        self.facts.setText(" · ".join(facts))
        issued = [format_when(card.issued_at),  # the first row: how it came to be
                  _("Sold") if card.receipt_no else _("Carried over from {code}").format(code=gv.shown(card.from_code)),
                  fmt_money(card.amount_minor, cur), fmt_money(card.amount_minor, cur), card.receipt_no]
        rows = [issued]
        for m in card.moves:
            what = _(MOVES.get(m.kind, m.kind)) + (f" · {m.staff_name}" if m.staff_name else "")
            if m.kind == "transfer":  # where it went, and why, as typed when it was moved
                what += " → " + gv.shown(card.to_code) + (f" · {m.note}" if m.note else "")
            rows.append([format_when(m.at), what, fmt_money(m.amount_minor, cur),
                         fmt_money(m.balance_after_minor, cur), m.receipt_no])
        self.table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setToolTip(text)  # a long reason is cut in the cell, whole here
                if c in (2, 3):
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        self.move_btn.setEnabled(card.state is gv.State.ACTIVE)
        self.print_btn.setEnabled(card.state is gv.State.ACTIVE)

    def _move(self) -> None:
        card, actor = self.card, self.ctx.actor
        if card is None or actor is None:
            return
        note, ok = QInputDialog.getText(
            self, _("Move to a new code"),
            _("The balance of {code} ({amount}) moves to a new code and {code} stops working.\nWhy?").format(
                code=card.shown_code, amount=fmt_money(card.balance_minor, card.currency)),
        )
        if not ok:
            return
        vouchers = self.ctx.services.vouchers

        def done(new: VoucherCard) -> None:
            self.code.setText(new.shown_code)
            self.show_card(new)
            self.moved.emit(new.code)
            show_info(self, _("The new code is {code}. Print the voucher for the client (Print voucher), or write "
                              "the code on a new one.").format(code=new.shown_code))

        self.ctx.runner.run(self, lambda: vouchers.transfer(actor, card.code, note), on_done=done,
                            on_error=self._failed)

    def _print(self) -> None:
        from ui.shared.print_preview import print_pdf

        card, ctx = self.card, self.ctx
        if card is None:
            return

        def render() -> tuple[bytes, str]:
            from desk_app.printing.receipt import render_voucher_slip
            from desk_app.settings import S

            buf = io.BytesIO()
            paper = ctx.desk.paper if ctx.desk.printer_kind != "none" else ctx.services.settings.get(
                S.PRINTING_RECEIPT_LAYOUT)
            fmt = Fmt.for_shop(ctx.shop.locale, ctx.shop.timezone, ctx.shop.currency)
            render_voucher_slip(card.code, card.balance_minor, card.expires_on, card.issued_at, ctx.shop, buf, fmt,
                                paper)
            return buf.getvalue(), f"voucher-{card.code}.pdf"

        self.ctx.runner.run(self, render, on_done=lambda res: print_pdf(self, res[0], res[1]), on_error=self._failed)
