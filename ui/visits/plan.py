"""The service plan built from the catalog, and its live estimate with every fee."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.money import parse_amount
from desk_app.i18n import _, format_duration_minutes, format_number, format_when
from desk_app.visits.views import Estimate, MenuService, PlanItemIn, PlanItemView, ProductChoice
from ui.context import UiContext
from ui.runner import Latest
from ui.shared.widgets import Button, ErrorLabel, show_error
from ui.visits.common import compact, money_text, muted


class PlanBuilder(QWidget):
    """Add services and products; every change is saved at once and re-priced."""

    estimate_changed = Signal(object)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.visit_id: int | None = None
        self.items: list[PlanItemIn] = []
        self._saving = Latest()
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(8)

        add_row = QHBoxLayout()
        self.service = compact(QComboBox(), 14)  # filled by _load_menus
        add_row.addWidget(self.service, 1)
        self.add_service_btn = Button(_("Add service"), "plus")
        self.add_service_btn.clicked.connect(self._add_service)
        add_row.addWidget(self.add_service_btn)
        root.addLayout(add_row)

        prod_row = QHBoxLayout()
        self.product = compact(QComboBox(), 12)
        prod_row.addWidget(self.product, 1)
        self.qty = QSpinBox()
        self.qty.setRange(1, 99)
        prod_row.addWidget(self.qty)
        self.suggest_only = QCheckBox(_("Only suggest"))
        self.suggest_only.setToolTip(_("A suggestion is shown to the client but not counted in the estimate"))
        self.add_product_btn = Button(_("Add product"), "plus")
        self.add_product_btn.clicked.connect(self._add_product)
        prod_row.addWidget(self.add_product_btn)
        root.addLayout(prod_row)
        root.addWidget(self.suggest_only)  # its own line: the row fits a 1366 px screen in Chinese too

        fee_row = QHBoxLayout()
        self.fee_text = QLineEdit()
        self.fee_text.setPlaceholderText(_("Other fee, e.g. long-hair surcharge"))
        fee_row.addWidget(self.fee_text, 1)
        self.fee_amount = QLineEdit()
        self.fee_amount.setPlaceholderText(_("Amount"))
        self.fee_amount.setMaximumWidth(110)
        self.fee_amount.returnPressed.connect(self._add_fee)
        fee_row.addWidget(self.fee_amount)
        self.add_fee_btn = Button(_("Add fee"), "plus")
        self.add_fee_btn.clicked.connect(self._add_fee)
        fee_row.addWidget(self.add_fee_btn)
        root.addLayout(fee_row)
        self.fee_error = ErrorLabel()
        root.addWidget(self.fee_error)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Plan"), _("Qty"), _("Amount"), ""])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(42)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(150)
        root.addWidget(self.table, 1)

        self.totals = QGridLayout()
        self.totals.setColumnStretch(0, 1)
        root.addLayout(self.totals)
        self.total = QLabel()
        self.total.setObjectName("total")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight)
        root.addWidget(self.total)
        self.note = muted()
        root.addWidget(self.note)

        self._load_menus()

    # ------------------------------------------------------------------ data
    def _load_menus(self) -> None:
        """The service menu and the retail products, read off the GUI thread."""
        consultation = self.ctx.services.consultation
        self.ctx.runner.run(
            self,
            lambda: (consultation.menu(), consultation.products(retail=True)),
            on_done=self._menus_loaded,
            on_error=lambda exc: show_error(self, exc),
        )

    def _menus_loaded(self, menus: tuple[list[MenuService], list[ProductChoice]]) -> None:
        cur = self.ctx.shop.currency
        menu, products = menus
        self.service.clear()
        for m in menu:
            self.service.addItem(
                f"{m.name} · {money_text(m.price_minor, cur)} · {format_duration_minutes(m.duration_min)}",
                m.id,
            )
        self.product.clear()
        for p in products:
            self.product.addItem(f"{p.name} · {money_text(p.price_minor, cur)}", p.id)

    def load(self, visit_id: int, plan: tuple[PlanItemView, ...], est: Estimate) -> None:
        self.visit_id = visit_id
        self.items = [p.as_input() for p in plan]
        self._show(est)

    def _save(self) -> None:
        """Save the whole plan off the GUI thread (saves run in the order asked; the newest
        answer is shown) and show the estimate it gives."""
        if self.visit_id is None:
            return
        actor = self.ctx.require_actor()
        vid, items = self.visit_id, list(self.items)
        consultation = self.ctx.services.consultation
        seq = self._saving.next()

        def saved(est: Estimate) -> None:
            self._show(est)
            self.estimate_changed.emit(est)

        self.ctx.runner.run(
            self,
            lambda: consultation.set_plan(actor, vid, items),
            on_done=self._saving.guard(seq, saved),
            on_error=self._saving.guard(seq, lambda exc: show_error(self, exc)),
            in_order=True,
        )

    def saving(self) -> bool:
        return self._saving.pending

    def _add_service(self) -> None:
        sid = self.service.currentData()
        if sid is None:
            return
        self.items.append(PlanItemIn("service", service_id=int(sid)))
        self._save()

    def _add_product(self) -> None:
        pid = self.product.currentData()
        if pid is None:
            return
        self.items.append(
            PlanItemIn(
                "product",
                product_id=int(pid),
                quantity=self.qty.value(),
                suggested_only=self.suggest_only.isChecked(),
            )
        )
        self._save()

    def _add_fee(self) -> None:
        """Any other fee the client will pay is named and priced now, so the bill holds no surprise."""
        text = self.fee_text.text().strip()
        if not text:
            self.fee_error.show_error(_("Name the fee (e.g. long-hair surcharge)."))
            return
        try:
            minor = parse_amount(self.fee_amount.text(), self.ctx.shop.currency).minor
        except ValueError:
            self.fee_error.show_error(_("Enter the fee as an amount, e.g. 30 or 30.50."))
            return
        if minor <= 0:
            self.fee_error.show_error(_("A fee must be more than zero."))
            return
        self.fee_error.show_error(None)
        self.items.append(PlanItemIn("fee", description=text, unit_price_minor=minor))
        self.fee_text.clear()
        self.fee_amount.clear()
        self._save()

    def _remove(self, index: int) -> None:
        if 0 <= index < len(self.items):
            del self.items[index]
            self._save()

    # ------------------------------------------------------------------ display
    def _show(self, est: Estimate) -> None:
        cur = est.currency
        rows = [(ln, False) for ln in est.lines] + [(ln, True) for ln in est.suggestions]
        self.table.setRowCount(len(rows))
        # plan items are kept in insertion order; map each shown line back to its index
        order = self._plan_order(est)
        for r, (ln, suggested) in enumerate(rows):
            name = ln.name + ("  " + _("(suggested, not in the estimate)") if suggested else "")
            if ln.member_discount_minor:
                name += "  " + _("VIP price")
            item = QTableWidgetItem(name)
            if suggested:
                item.setForeground(Qt.GlobalColor.gray)
            self.table.setItem(r, 0, item)
            self.table.setItem(r, 1, QTableWidgetItem(format_number(ln.quantity)))
            amt = QTableWidgetItem(money_text(ln.total_minor, cur))
            amt.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(r, 2, amt)
            btn = Button("", "trash", "ghost")
            btn.setToolTip(_("Remove from the plan"))
            btn.setAccessibleName(_("Remove from the plan"))
            btn.setMinimumHeight(34)
            btn.setFixedSize(44, 36)
            idx = order.get(ln.plan_item_id, -1)
            btn.clicked.connect(lambda _c=False, i=idx: self._remove(i))
            self.table.setCellWidget(r, 3, btn)
        while self.totals.count():
            litem = self.totals.takeAt(0)
            w = litem.widget() if litem is not None else None
            if w is not None:
                w.deleteLater()
        fees: list[tuple[str, int]] = [(_("Services and products"), est.subtotal_minor)]
        if est.member_discount_minor:
            fees.append(
                (
                    _("VIP price ({pct}% off)").format(pct=format_number(est.member_percent)),
                    -est.member_discount_minor,
                )
            )
        if est.discount_minor:
            fees.append((_("Discount"), -est.discount_minor))
        if est.tax_minor:
            fees.append((_("Tax (included)") if est.prices_include_tax else _("Tax"), est.tax_minor))
        elif not est.prices_include_tax:
            fees.append((_("Tax"), 0))
        for r, (label, minor) in enumerate(fees):
            self.totals.addWidget(muted(label), r, 0)
            v = QLabel(money_text(minor, cur))
            v.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.totals.addWidget(v, r, 1)
        self.total.setText(_("Estimate: {total}").format(total=money_text(est.total_minor, cur)))
        notes = [_("About {time} in the chair.").format(time=format_duration_minutes(est.duration_min))]
        if est.prices_include_tax:
            notes.append(_("Prices include tax; no other fees."))
        if est.confirmed_at is not None and est.confirmed_minor is not None:
            notes.append(
                _("Client confirmed {total} at {when}.").format(
                    total=money_text(est.confirmed_minor, cur),
                    when=format_when(est.confirmed_at),
                )
            )
        self.note.setText(" ".join(notes))

    def _plan_order(self, est: Estimate) -> dict[int, int]:
        # the estimate lines carry plan item ids in plan order; items list is in the same order
        ids = sorted([ln.plan_item_id for ln in est.lines] + [ln.plan_item_id for ln in est.suggestions])
        return {pid: i for i, pid in enumerate(ids)}

    def has_service(self) -> bool:
        return any(i.kind == "service" for i in self.items)
