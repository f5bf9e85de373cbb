"""Settings > Pay: who earns what share of which sales, and when commission on money
taken before the service (a prepaid top-up, a package) is earned (docs/payroll.md).

The owner edits a copy of the plan in force; Save writes it as a new plan in force from the day
chosen (the months before keep their rates). Reads and the save go through the runner.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
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
from desk_app.payroll.files import then
from desk_app.reports.pdf import month_title
from ui.context import UiContext
from ui.shared.table import RowsTable
from ui.shared.widgets import Button, ErrorLabel, confirm, error_text, mark_invalid, show_error

_Loaded = tuple[cm.Plan, date | None, list[tuple[int, str]], list[CategoryItem], date]


def _what_key(scope: str, category_id: int | None) -> str:
    """The "What" box's item data: a string (a Python tuple does not survive a QVariant)."""
    return f"{scope}:{'' if category_id is None else category_id}"


def rate_error(code: str) -> str:
    """What is wrong with a typed rate, in words (desk_app/domain/commission.py's codes)."""
    words = {
        "range": _("A rate is a percentage from 0 to 100."),
        "first": _("Start with the rate alone, then each band: 10; 15 from 8000."),
        "order": _("Each further band starts at an amount above 0 and above the band before: "
                   "10; 15 from 8000; 20 from 15000."),
        "from": _("Say from what amount each further band starts: 10; 15 from 8000."),
        "decimals": _("A rate has at most two decimals: 12.5 or 12.25."),
        "empty": _("Type the rate: 15, or bands: 10; 15 from 8000."),
    }
    return words.get(code, _("Type the rate as a percentage: 15, or bands: 10; 15 from 8000"))


class CommissionPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rates: list[cm.Rate] = []
        self._picking = False  # a row chosen fills the boxes: their change must not choose a row again
        self.saved_note = ""  # said once after a save, above what is in force
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
        self.voucher = QComboBox()
        self.voucher.addItem(_("When it is spent, on what it pays for"), cm.ON_REDEMPTION)
        self.voucher.addItem(_("When the voucher is sold (what it pays for earns nothing again)"), cm.ON_SALE)
        for box in (self.prepaid, self.package, self.voucher):
            box.setMinimumHeight(40)
            box.setMaximumWidth(620)
        for box in (self.prepaid, self.package, self.voucher):
            box.activated.connect(lambda _i: self._edited())
        rules.addRow(_("Prepaid top-ups earn commission"), self.prepaid)
        rules.addRow(_("Packages earn commission"), self.package)
        rules.addRow(_("Gift vouchers earn commission"), self.voucher)
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
        self.who.currentIndexChanged.connect(lambda _i: self._choice_changed())
        self.what.currentIndexChanged.connect(lambda _i: self._choice_changed())
        form.addRow(_("Who"), self.who)
        form.addRow(_("What"), self.what)
        form.addRow(_("Rate (%)"), self.rate)
        side.addLayout(form)
        hint = QLabel(_("15: 15 % of what is sold before tax. Bands, 10; 15 from 8000: 10 % of the month's "
                        "sales up to 8000, 15 % of what is above."))  # fmt: skip
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        side.addWidget(hint)
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
        self.since = QComboBox()  # a month: a month is paid under one set of rates
        self.since.setMinimumHeight(40)
        self.since.setAccessibleName(_("In force from the month"))
        save_row.addRow(_("In force from the month"), self.since)
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
            plan, since = svc.latest_plan(actor)
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
        self.what.addItem(_("Gift vouchers"), _what_key(cm.VOUCHER, None))
        self.prepaid.setCurrentIndex(max(0, self.prepaid.findData(plan.prepaid_rule)))
        self.package.setCurrentIndex(max(0, self.package.findData(plan.package_rule)))
        self.voucher.setCurrentIndex(max(0, self.voucher.findData(plan.voucher_rule)))
        self.rates = list(plan.rates)
        self.since.clear()
        first = today.replace(day=1)
        for back in range(12, -13, -1):  # a year before (to correct a month) to a year ahead
            y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
            day = date(y, m + 1, 1)
            self.since.addItem(month_title(f"{day:%Y-%m}"), day.isoformat())
        self.since.setCurrentIndex(self.since.findData(first.isoformat()))
        if since is None:
            now_in_force = _("No commission rates yet. Set them here; the pay statements are in Reports > Pay.")
        elif since > today:
            now_in_force = _("The rates saved from {day} on (not in force yet). A change is saved as new rates "
                             "from the month you choose.").format(day=i18n.format_date(since))  # fmt: skip
        else:
            now_in_force = _("The rates in force since {day}. A change is saved as new rates from the month you "
                             "choose; months before it keep their rates.").format(day=i18n.format_date(since))  # fmt: skip
        self.said.setText(then(i18n.current(), self.saved_note, now_in_force) if self.saved_note else now_in_force)
        self.saved_note = ""
        self._fill()

    def _what_label(self, r: cm.Rate) -> str:
        if r.scope == cm.SERVICE:
            if r.category_id is None:
                return _("All services")
            return _("Services: {category}").format(category=self.categories.get(r.category_id, "?"))
        return {cm.PRODUCT: _("Retail products"), cm.PACKAGE: _("Packages"), cm.PREPAID: _("Prepaid top-ups"),
                cm.VOUCHER: _("Gift vouchers")}[r.scope]

    def _fill(self) -> None:
        self.rates.sort(key=lambda r: (r.staff_id is not None, self.staff.get(r.staff_id or 0, ""),
                                       cm.SCOPES.index(r.scope), r.category_id or 0))  # fmt: skip
        rows = [
            [_("Everyone") if r.staff_id is None else self.staff.get(r.staff_id, "?"), self._what_label(r),
             cm.rate_text(r.tiers, self.currency, _("from"), _("; "))]
            for r in self.rates
        ]  # fmt: skip
        self.table.set_rows(rows, list(self.rates))
        self.table.fit_columns({0: 200, 2: 260})

    def plan(self) -> cm.Plan:
        return cm.Plan(tuple(self.rates), str(self.prepaid.currentData()), str(self.package.currentData()),
                       str(self.voucher.currentData()))

    def unsaved_changes(self) -> str | None:
        """What is unsaved, as the guard's "Your changes to {what} are not saved." names it."""
        if self.saved is not None and self.plan().to_json() != self.saved.to_json():
            return _("the commission rates")
        return None

    def discard_changes(self) -> None:
        self.reload()

    # -- edits ----------------------------------------------------------------------
    def _pick(self) -> None:
        r = self.table.current()
        if not isinstance(r, cm.Rate) or self._picking:
            return
        self._picking = True
        try:
            self.who.setCurrentIndex(max(0, self.who.findData(r.staff_id)))
            self.what.setCurrentIndex(max(0, self.what.findData(_what_key(r.scope, r.category_id))))
        finally:
            self._picking = False
        self.rate.setText(cm.rate_text(r.tiers, self.currency, _("from"), _("; ")))
        self._clear_error()

    def _chosen_key(self) -> tuple[int | None, str, int | None]:
        scope, _sep, cat_text = str(self.what.currentData()).partition(":")
        return (self.who.currentData(), scope, int(cat_text) if cat_text else None)

    def _choice_changed(self) -> None:
        """Another person or kind of sale chosen: its rate if it has one (the row selected), else an
        empty box (the rate of the row chosen before stayed in it, as if it applied)."""
        if self._picking:
            return
        key = self._chosen_key()
        i = next((n for n, r in enumerate(self.rates) if r.key() == key), None)
        if i is None:
            self.table.clearSelection()
            self.rate.clear()
        else:
            self._picking = True
            try:
                self.table.selectRow(i)
            finally:
                self._picking = False
            self.rate.setText(cm.rate_text(self.rates[i].tiers, self.currency, _("from"), _("; ")))
        self._clear_error()

    def _edited(self) -> None:
        if self.unsaved_changes():
            self.said.setText(_("Changed, not saved yet: choose the month they start from and press Save the rates."))

    def _clear_error(self) -> None:
        self.error.show_error(None)
        mark_invalid(self.rate, False)

    def put(self) -> None:
        """Set the typed rate for the chosen person and sales (replacing theirs for the same)."""
        try:
            tiers = cm.parse_rate_text(self.rate.text(), self.currency)
        except cm.PlanError as exc:
            self.error.show_error(rate_error(exc.code))
            mark_invalid(self.rate, True)
            self.rate.setFocus()
            return
        self._clear_error()
        staff_id, scope, cat = self._chosen_key()
        new = cm.Rate(staff_id, scope, cat, tiers)
        self.rates = [r for r in self.rates if r.key() != new.key()] + [new]
        self._fill()
        self._edited()
        self.table.selectRow(self.rates.index(new))

    def drop(self) -> None:
        r = self.table.current()
        if isinstance(r, cm.Rate):
            self.rates = [x for x in self.rates if x.key() != r.key()]
            self._fill()
            self.rate.clear()
            self._edited()

    def save(self) -> None:
        actor = self.ctx.require_actor()
        plan = self.plan()
        since = date.fromisoformat(str(self.since.currentData()))
        svc = self.ctx.services.payroll
        self.ctx.runner.run(self, lambda: svc.warnings(actor, plan, since),
                            on_done=lambda warned: self._save_after(warned, plan, since),
                            on_error=lambda e: self.error.show_error(error_text(e)))  # fmt: skip

    def _save_after(self, warned: list[str], plan: cm.Plan, since: date) -> None:
        if warned and not confirm(
            self, _("Save these rates?"), "\n\n".join(warned), yes=_("Save anyway"), no=_("Go back"),
            default_yes=False,
        ):  # fmt: skip
            return
        actor = self.ctx.require_actor()
        svc = self.ctx.services.payroll
        self.save_btn.setEnabled(False)

        def done(_saved: cm.Plan) -> None:
            self.save_btn.setEnabled(True)
            self.saved_note = _("Saved: these rates are in force from {day}.").format(day=i18n.format_date(since))
            self.reload()  # the newest rates (rates saved from a later month stay in force then)

        def failed(exc: Exception) -> None:
            self.save_btn.setEnabled(True)
            self.error.show_error(error_text(exc))

        self.ctx.runner.run(self, lambda: svc.save_plan(actor, plan, since), on_done=done, on_error=failed)
