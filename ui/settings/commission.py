"""Settings > Pay: who earns what share of which sales, and when commission on money
taken before the service (a prepaid top-up, a package) is earned (docs/payroll.md).

The owner edits a copy of the plan in force; Save writes it as a new plan in force from the day
chosen (the months before keep their rates). Reads and the save go through the runner.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk_app import i18n
from desk_app.catalog.service import CategoryItem
from desk_app.domain import commission as cm
from desk_app.i18n import _
from ui.context import UiContext
from ui.shared.table import RowsTable
from ui.shared.widgets import Button, ErrorLabel, error_text, mark_invalid, show_error

_Loaded = tuple[cm.Plan, date | None, list[tuple[int, str]], list[CategoryItem], date]


def _what_key(scope: str, category_id: int | None) -> str:
    """The "What" box's item data: a string (a Python tuple does not survive a QVariant)."""
    return f"{scope}:{'' if category_id is None else category_id}"


class CommissionPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rates: list[cm.Rate] = []
        self.saved: cm.Plan | None = None
        self.staff: dict[int, str] = {}
        self.categories: dict[int, str] = {}
        self.currency = ctx.shop.currency
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.said = QLabel()
        self.said.setObjectName("muted")
        self.said.setWordWrap(True)
        lay.addWidget(self.said)
        rules = QFormLayout()
        self.prepaid = QComboBox()
        self.prepaid.addItem(_("When it is spent, on what it pays for"), cm.ON_REDEMPTION)
        self.prepaid.addItem(_("When the top-up is sold (what it pays for earns nothing again)"), cm.ON_SALE)
        self.package = QComboBox()
        self.package.addItem(_("When the package is sold"), cm.ON_SALE)
        self.package.addItem(_("As each session is used, by who does it"), cm.ON_REDEMPTION)
        for box in (self.prepaid, self.package):
            box.setMinimumHeight(40)
            box.setMaximumWidth(620)
        rules.addRow(_("Prepaid top-ups earn commission"), self.prepaid)
        rules.addRow(_("Packages earn commission"), self.package)
        lay.addLayout(rules)
        body = QHBoxLayout()
        self.table = RowsTable([_("Who"), _("What"), _("Rate (%)")], stretch=1, empty_text=_(
            "No rates yet: no one earns commission. Add a rate for everyone (on the right), then one "
            "for anyone paid differently."))  # fmt: skip
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._pick())
        body.addWidget(self.table, 3)
        side = QVBoxLayout()
        form = QFormLayout()
        self.who = QComboBox()
        self.what = QComboBox()
        self.rate = QLineEdit()
        self.rate.setPlaceholderText(_("15, or 10; 15 from 8000"))
        self.rate.setToolTip(_(
            "A percentage of what is sold before tax. Bands: '10; 15 from 8000' pays 10 % of the "
            "month's sales up to 8000 and 15 % of what is above."))  # fmt: skip
        self.rate.returnPressed.connect(self.put)
        for w in (self.who, self.what, self.rate):
            w.setMinimumHeight(40)
        form.addRow(_("Who"), self.who)
        form.addRow(_("What"), self.what)
        form.addRow(_("Rate (%)"), self.rate)
        side.addLayout(form)
        row = QHBoxLayout()
        self.put_btn = Button(_("Set this rate"), "check", "secondary")
        self.put_btn.clicked.connect(self.put)
        self.drop_btn = Button(_("Remove"), "trash", "secondary")
        self.drop_btn.clicked.connect(self.drop)
        row.addWidget(self.put_btn)
        row.addWidget(self.drop_btn)
        side.addLayout(row)
        self.error = ErrorLabel()
        side.addWidget(self.error)
        side.addSpacing(16)
        save_row = QFormLayout()
        self.since = QDateEdit()
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("yyyy-MM-dd")
        self.since.setMinimumHeight(40)
        save_row.addRow(_("In force from"), self.since)
        side.addLayout(save_row)
        self.save_btn = Button(_("Save the rates"), "check")
        self.save_btn.clicked.connect(self.save)
        side.addWidget(self.save_btn)
        side.addStretch(1)
        body.addLayout(side, 2)
        lay.addLayout(body, 1)
        self.reload()

    # -- data -----------------------------------------------------------------------
    def reload(self) -> None:
        actor = self.ctx.require_actor()
        svc, catalog, review = self.ctx.services.payroll, self.ctx.services.catalog, self.ctx.services.review

        def load() -> _Loaded:
            plan, since = svc.plan(actor)
            return plan, since, review.staff_choices(), catalog.categories(include_inactive=False), svc.today()

        self.ctx.runner.run(self, load, on_done=self._loaded, on_error=lambda e: show_error(self, e))

    def _loaded(self, got: _Loaded) -> None:
        plan, since, staff, cats, today = got
        self.saved = plan
        self.staff = dict(staff)
        self.categories = {c.id: c.name for c in cats}
        self.who.clear()
        self.who.addItem(_("Everyone"), None)
        for i, n in staff:
            self.who.addItem(n, i)
        self.what.clear()
        self.what.addItem(_("All services"), _what_key(cm.SERVICE, None))
        for c in cats:
            self.what.addItem(_("Services: {category}").format(category=c.name), _what_key(cm.SERVICE, c.id))
        self.what.addItem(_("Retail products"), _what_key(cm.PRODUCT, None))
        self.what.addItem(_("Packages"), _what_key(cm.PACKAGE, None))
        self.what.addItem(_("Prepaid top-ups"), _what_key(cm.PREPAID, None))
        self.prepaid.setCurrentIndex(max(0, self.prepaid.findData(plan.prepaid_rule)))
        self.package.setCurrentIndex(max(0, self.package.findData(plan.package_rule)))
        self.rates = list(plan.rates)
        first = today.replace(day=1)
        self.since.setDate(QDate(first.year, first.month, first.day))
        self.said.setText(
            _("The rates in force since {day}. A change is saved as new rates from the day you choose; "
              "months before it keep their rates.").format(day=i18n.format_date(since))
            if since else _("No commission rates yet. Set them here; the pay statements are in Reports > Pay."))  # fmt: skip
        self._fill()

    def _what_label(self, r: cm.Rate) -> str:
        if r.scope == cm.SERVICE:
            if r.category_id is None:
                return _("All services")
            return _("Services: {category}").format(category=self.categories.get(r.category_id, "?"))
        return {cm.PRODUCT: _("Retail products"), cm.PACKAGE: _("Packages"), cm.PREPAID: _("Prepaid top-ups")}[r.scope]

    def _fill(self) -> None:
        self.rates.sort(key=lambda r: (r.staff_id is not None, self.staff.get(r.staff_id or 0, ""),
                                       cm.SCOPES.index(r.scope), r.category_id or 0))  # fmt: skip
        rows = [
            [_("Everyone") if r.staff_id is None else self.staff.get(r.staff_id, "?"), self._what_label(r),
             cm.rate_text(r.tiers, self.currency, _("from"))]
            for r in self.rates
        ]  # fmt: skip
        self.table.set_rows(rows, list(self.rates))
        self.table.fit_columns({0: 200, 2: 260})

    def plan(self) -> cm.Plan:
        return cm.Plan(tuple(self.rates), str(self.prepaid.currentData()), str(self.package.currentData()))

    def unsaved_changes(self) -> str | None:
        if self.saved is not None and self.plan().to_json() != self.saved.to_json():
            return _("The commission rates you changed are not saved.")
        return None

    def discard_changes(self) -> None:
        self.reload()

    # -- edits ----------------------------------------------------------------------
    def _pick(self) -> None:
        r = self.table.current()
        if not isinstance(r, cm.Rate):
            return
        self.who.setCurrentIndex(max(0, self.who.findData(r.staff_id)))
        self.what.setCurrentIndex(max(0, self.what.findData(_what_key(r.scope, r.category_id))))
        self.rate.setText(cm.rate_text(r.tiers, self.currency, _("from")))

    def put(self) -> None:
        """Set the typed rate for the chosen person and sales (replacing theirs for the same)."""
        try:
            tiers = cm.parse_rate_text(self.rate.text(), self.currency)
        except cm.PlanError:
            self.error.setText(_("Type the rate as a percentage: 15, or bands: 10; 15 from 8000"))
            mark_invalid(self.rate, True)
            self.rate.setFocus()
            return
        mark_invalid(self.rate, False)
        self.error.setText("")
        scope, _sep, cat_text = str(self.what.currentData()).partition(":")
        cat = int(cat_text) if cat_text else None
        new = cm.Rate(self.who.currentData(), scope, cat, tiers)
        self.rates = [r for r in self.rates if r.key() != new.key()] + [new]
        self._fill()
        self.table.selectRow(self.rates.index(new))

    def drop(self) -> None:
        r = self.table.current()
        if isinstance(r, cm.Rate):
            self.rates = [x for x in self.rates if x.key() != r.key()]
            self._fill()

    def save(self) -> None:
        actor = self.ctx.require_actor()
        plan, d = self.plan(), self.since.date()
        since = date(d.year(), d.month(), d.day())
        svc = self.ctx.services.payroll
        self.save_btn.setEnabled(False)

        def done(saved: cm.Plan) -> None:
            self.save_btn.setEnabled(True)
            self.saved = saved
            self.said.setText(_("Saved: these rates are in force from {day}.").format(day=i18n.format_date(since)))

        def failed(exc: Exception) -> None:
            self.save_btn.setEnabled(True)
            self.error.setText(error_text(exc))

        self.ctx.runner.run(self, lambda: svc.save_plan(actor, plan, since), on_done=done, on_error=failed)
