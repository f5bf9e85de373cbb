"""The client's prepaid balance and every movement (top-ups, bonuses, spending, refunds)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.checkout.bill import money as fmt_money
from desk_app.checkout.views import PrepaidMove
from desk_app.i18n import N_, _, format_when
from ui.context import UiContext
from ui.shared.widgets import Dialog, EmptyState, show_error

KINDS = {
    "topup": N_("Top-up"),
    "bonus": N_("Bonus"),
    "spend": N_("Spent"),
    "refund": N_("Refund"),
    "adjust": N_("Adjustment"),
    "hold": N_("Deposit held"),
    "release": N_("Deposit released"),
}


class PrepaidHistoryDialog(Dialog):
    def __init__(
        self, ctx: UiContext, client_id: int, client_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Prepaid balance: {name}").format(name=client_name))
        self.setMinimumSize(640, 420)
        self.cur = ctx.shop.currency
        lay = QVBoxLayout(self)
        self.head = QLabel()  # filled when the balance is read
        self.head.setObjectName("sectionTitle")
        lay.addWidget(self.head)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [_("When"), _("What"), _("Amount"), _("Balance after"), _("Receipt")]
        )
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table, 1)
        self.empty = EmptyState(
            "wallet",
            _("No prepaid balance yet"),
            _("Use Top-up on the bill to put money on the client's account."),
        )
        self.empty.setVisible(False)
        lay.addWidget(self.empty)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
        payments = ctx.services.payments
        ctx.runner.run(
            self,
            lambda: (payments.prepaid_balance(client_id), payments.prepaid_history(client_id)),
            on_done=self._show,
            on_error=lambda exc: show_error(self, exc),
        )

    def _show(self, loaded: tuple[int, list[PrepaidMove]]) -> None:
        balance, moves = loaded
        cur = self.cur
        self.head.setText(_("Available now: {amount}").format(amount=fmt_money(balance, cur)))
        self.table.setRowCount(len(moves))
        for r, m in enumerate(moves):
            what = _(KINDS.get(m.kind, m.kind)) + (f" · {m.note}" if m.note else "")
            cells = [
                format_when(m.at),
                what,
                fmt_money(m.amount_minor, cur),
                fmt_money(m.balance_after_minor, cur),
                m.receipt_no,
            ]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if c in (2, 3):
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        self.table.setVisible(bool(moves))
        self.empty.setVisible(not moves)
