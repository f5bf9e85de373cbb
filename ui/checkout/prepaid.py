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
from desk_app.i18n import N_, _, format_datetime
from ui.context import UiContext
from ui.shared.widgets import Dialog, EmptyState

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
        cur = ctx.shop.currency
        lay = QVBoxLayout(self)
        head = QLabel(
            _("Available now: {amount}").format(amount=fmt_money(ctx.services.payments.prepaid_balance(client_id), cur))
        )
        head.setObjectName("sectionTitle")
        lay.addWidget(head)
        moves = ctx.services.payments.prepaid_history(client_id)
        self.table = QTableWidget(len(moves), 5)
        self.table.setHorizontalHeaderLabels(
            [_("When"), _("What"), _("Amount"), _("Balance after"), _("Receipt")]
        )
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, m in enumerate(moves):
            what = _(KINDS.get(m.kind, m.kind)) + (f" · {m.note}" if m.note else "")
            cells = [
                format_datetime(m.at, "short"),
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
        lay.addWidget(self.table, 1)
        if not moves:
            self.table.setVisible(False)
            lay.addWidget(
                EmptyState(
                    "wallet",
                    _("No prepaid balance yet"),
                    _("Use Top-up on the bill to put money on the client's account."),
                )
            )
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
