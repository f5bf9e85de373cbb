"""Settings > Shop details (what receipts show) and Settings > Standards & rules.

Both read and save on the runner: the form shows empty (Save waiting) until the values arrive,
and Save waits while the values are written. Amounts are typed in the shop's currency and rates
in percent (the setting's ``kind``); both panels take part in the unsaved-changes guard.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.core.service import ValidationError
from desk_app.i18n import LANGUAGE_NAMES, N_, _, babel_locale, ngettext
from desk_app.settings import DEFS, MONEY, PERCENT, SettingDef
from desk_app.shop.details import STEPS
from desk_app.shop.service import CURRENCIES, ShopInfo
from ui.context import UiContext
from ui.settings.editor import Field, FieldForm
from ui.shared.unit_edit import MoneyEdit, PercentEdit, UnitError
from ui.shared.widgets import Button, Card, ErrorLabel, error_text, mark_invalid, show_error

TIMEZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "America/Toronto",
    "Australia/Sydney",
    "UTC",
]
OWN_INPUTS = ("loyalty.category_rates",)  # dict settings with an input of their own
REGIONS = ["CN", "HK", "MO", "TW", "SG", "MY", "JP", "GB", "FR", "DE", "US", "CA", "AU"]
GROUPS = {
    "standards": N_("Time standards"),
    "visit": N_("The visit"),
    "membership": N_("Membership (VIP)"),
    "loyalty": N_("Loyalty points"),
    "money": N_("Money and tax"),
    "calendar": N_("Calendar"),
    "aftercare": N_("After the visit"),
    "appraisal": N_("Staff appraisal"),
    "timeclock": N_("Time clock"),
    "security": N_("Security"),
    "printing": N_("Printing"),
}


def region_name(code: str) -> str:
    """"China (CN)" / "中国 (CN)": the country in words (the list showed "CN", "HK", "MO"…)."""
    return f"{babel_locale().territories.get(code, code)} ({code})"


def currency_name(code: str) -> str:
    """"Chinese Yuan (CNY)" / "人民币 (CNY)"."""
    return f"{babel_locale().currencies.get(code, code)} ({code})"


def timezone_name(tz: str) -> str:
    """"China (Shanghai) Time" / "中国（上海）时间"; UTC as itself (Babel calls it an unknown region)."""
    if tz == "UTC":
        return "UTC"
    from babel.dates import get_timezone_location

    return str(get_timezone_location(tz, locale=babel_locale()))


def step_label(step: str) -> str:
    return {
        "greeting": _("Greeting"),
        "needs": _("Needs"),
        "service": _("Service"),
        "checkout": _("Checkout"),
        "rebooking": _("Rebooking"),
    }[step]


class ShopDetailsPanel(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        card = Card(_("Shop details for receipts"))
        self.form = FieldForm(
            [
                Field("name", _("Shop name")),
                Field("address", _("Address"), "long"),
                Field("phone", _("Phone")),
                Field("tax_number", _("Tax number")),
                Field("return_policy_zh", _("Return policy (Chinese)"), "long"),
                Field("return_policy_en", _("Return policy (English)"), "long"),
                Field("currency", _("Currency"), "choice", lambda: [(c, currency_name(c)) for c in CURRENCIES]),
                Field("locale", _("Language"), "choice", lambda: list(LANGUAGE_NAMES.items())),
                Field("timezone", _("Time zone"), "choice", lambda: [(t, timezone_name(t)) for t in TIMEZONES]),
                Field(
                    "region",
                    _("Country / region (for phone numbers)"),
                    "choice",
                    lambda: [(r, region_name(r)) for r in REGIONS],
                ),
            ]
        )
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form)
        card.body.addWidget(scroll, 1)
        self.error = ErrorLabel()
        card.body.addWidget(self.error)
        row = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("muted")
        row.addWidget(self.status, 1)
        self.save_button = Button(_("Save"), "check", "primary")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        card.body.addLayout(row)
        lay.addWidget(card, 1)
        self.load()

    def load(self) -> None:
        details = self.ctx.services.shop_details
        self.save_button.setEnabled(False)  # an empty form is never saved over the shop's details
        self.ctx.runner.run(self, details.details, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, info: ShopInfo) -> None:
        self._show(info)
        self.save_button.setEnabled(True)

    def _show(self, info: ShopInfo) -> None:
        self.form.set_values(
            {
                k: getattr(info, k)
                for k in (
                    "name",
                    "address",
                    "phone",
                    "tax_number",
                    "return_policy_zh",
                    "return_policy_en",
                    "currency",
                    "locale",
                    "timezone",
                    "region",
                )
            }
        )

    def unsaved_changes(self) -> str | None:
        """The guard's question (ui/shared/unsaved.py): details typed but not saved."""
        if self.saving() or not self.form.dirty():
            return None
        return _("the shop details")

    def discard_changes(self) -> None:
        self.form.restore()
        self.error.show_error(None)

    def _load_failed(self, exc: Exception) -> None:
        self.error.show_error(error_text(exc))

    def saving(self) -> bool:
        """True while the details are being read or written (Save waits)."""
        return not self.save_button.isEnabled()

    def save(self) -> None:
        if self.saving():
            return
        actor = self.ctx.require_actor()
        values = self.form.values()
        details = self.ctx.services.shop_details
        self.save_button.setEnabled(False)
        self.ctx.runner.run(
            self,
            lambda: details.save_details(actor, values),
            on_done=lambda info: self._saved(info, values),
            on_error=self._not_saved,
            in_order=True,
        )

    def _not_saved(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            rest = self.form.show_errors(exc.errors)
            self.error.show_error("\n".join(rest) if rest else _("Please correct the fields marked in red."))
            return
        self.error.show_error(error_text(exc))  # shown under the form

    def _saved(self, info: ShopInfo, sent: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self.error.show_error(None)
        if self.form.values() == sent:  # nothing typed meanwhile: show the saved values
            self._show(info)
        self.ctx.shop = info
        self.ctx.services.clients.forget_shop_details()
        self.ctx.services.client_search.forget_shop_details()
        self.ctx.services.client_lists.forget_shop_details()
        self.status.setText(_("Saved. Receipts use the new details from now on."))


class CategoryRates(QWidget):
    """Loyalty points per 1.00 for service categories of their own (docs/loyalty.md): one box a
    category, empty for the services' rate. Stored as {category code: rate} (loyalty.category_rates)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.setObjectName("setting_loyalty_category_rates")
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setSpacing(4)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.boxes: dict[str, QLineEdit] = {}
        self._pending: dict[str, str] = {}
        self._extra: dict[str, str] = {}  # stored rates of categories not shown (no longer sold)
        catalog = ctx.services.catalog
        ctx.runner.run(self, lambda: catalog.categories(include_inactive=False), on_done=self._categories)

    def _categories(self, cats: list[Any]) -> None:
        for c in cats:
            box = QLineEdit()
            box.setMinimumHeight(34)
            box.setMaximumWidth(160)
            box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            box.setPlaceholderText(_("as services"))
            box.setText(self._pending.get(c.code, ""))
            self.form.addRow(c.name.replace("&", "&&"), box)  # "Colour & perm", not a shortcut letter
            self.boxes[c.code] = box
        self._extra = {k: v for k, v in self._pending.items() if k not in self.boxes}

    def set_value(self, value: dict[str, str] | None) -> None:
        self._pending = dict(value or {})
        self._extra = {k: v for k, v in self._pending.items() if k not in self.boxes}
        for code, box in self.boxes.items():
            box.setText(self._pending.get(code, ""))

    def value(self) -> dict[str, str]:
        """{code: rate} of the boxes typed in (a category no longer sold keeps its rate)."""
        out = dict(self._extra)
        if not self.boxes:  # not shown yet: what was stored
            return dict(self._pending)
        out.update({code: box.text().strip() for code, box in self.boxes.items() if box.text().strip()})
        return out

    def raw(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.value().items()))

    def mark(self, message: str | None) -> None:
        """Red borders on the boxes whose rate is not one (0 to 100), or none."""
        for box in self.boxes.values():
            text = box.text().strip()
            try:
                bad = bool(message) and bool(text) and not (0 <= Decimal(text) <= 100)
            except ArithmeticError:
                bad = bool(message)
            mark_invalid(box, bad)


class RulesPanel(QWidget):
    """Every declared setting, grouped, each with its own message when the value is wrong."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.inputs: dict[str, Any] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self._values: dict[str, Any] = {}  # the stored values on show (discarding shows them again)
        self._clean: dict[str, Any] | None = None  # what the inputs showed when last loaded or saved
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setSpacing(12)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)
        for group, title in GROUPS.items():
            defs = [d for d in DEFS.values() if d.group == group and (d.type is not dict or d.key in OWN_INPUTS)]
            if not defs:
                continue
            card = Card(_(title))
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.setSpacing(6)
            for d in defs:
                w = self._input(d)
                err = ErrorLabel()
                box = QVBoxLayout()
                box.setSpacing(2)
                box.addWidget(w)
                box.addWidget(err)
                lbl = QLabel(_(d.label))
                lbl.setWordWrap(True)
                lbl.setFixedWidth(420)
                lbl.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                form.addRow(lbl, box)
                self.errors[d.key] = err
            card.body.addLayout(form)
            column.addWidget(card)
        column.addStretch(1)
        row = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.save_button = Button(_("Save rules"), "check", "primary")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)  # until the values are shown: empty inputs are never saved
        row.addWidget(self.save_button)
        outer.addLayout(row)
        details = ctx.services.shop_details
        ctx.runner.run(self, details.setting_values, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, values: dict[str, Any]) -> None:
        for key in self.inputs:
            self._values[key] = values.get(key)
            self._show_value(key, values.get(key))
        self._clean = {key: self._raw(key) for key in self.inputs}
        self.save_button.setEnabled(True)

    def _raw(self, key: str) -> Any:
        """What an input shows, as typed (to tell an edit from the stored value)."""
        w = self.inputs[key]
        if isinstance(w, CategoryRates):
            return w.raw()
        if isinstance(w, dict):
            return tuple(cb.isChecked() for cb in w.values())
        if isinstance(w, QCheckBox):
            return w.isChecked()
        return w.text().strip()

    def unsaved_changes(self) -> str | None:
        """The guard's question (ui/shared/unsaved.py): a rule typed but not saved."""
        if self._clean is None or self.saving():
            return None
        if all(self._raw(key) == raw for key, raw in self._clean.items()):
            return None
        return _("the time standards and rules")

    def discard_changes(self) -> None:
        """Show the stored values again (the person chose to leave without saving)."""
        for key in self.inputs:
            self._show_value(key, self._values.get(key))
            self._show_error(key, None)
        self._clean = {key: self._raw(key) for key in self.inputs}
        self.status.setText("")

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText(error_text(exc))

    def _show_value(self, key: str, value: Any) -> None:
        w = self.inputs[key]
        if isinstance(w, CategoryRates):
            w.set_value(value)
        elif isinstance(w, dict):
            for step, cb in w.items():
                cb.setChecked(step in (value or []))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, (MoneyEdit, PercentEdit)):
            w.set_value(value)  # minor units as "100.50", basis points as "6.5"
        elif DEFS[key].type is list:
            w.setText(", ".join(str(x) for x in value or []))
        else:
            w.setText("" if value is None else str(value))

    def _input(self, d: SettingDef[Any]) -> QWidget:
        if d.key == "loyalty.category_rates":
            rates = CategoryRates(self.ctx)
            self.inputs[d.key] = rates
            return rates
        if d.key == "visit.required_steps":
            holder = QWidget()
            hl = QHBoxLayout(holder)
            hl.setContentsMargins(0, 0, 0, 0)
            boxes = {}
            for s in STEPS:
                cb = QCheckBox(step_label(s))
                hl.addWidget(cb)
                boxes[s] = cb
            self.inputs[d.key] = boxes
            return holder
        if d.type is bool:
            cb = QCheckBox(_("Yes"))
            self.inputs[d.key] = cb
            return cb
        le: QLineEdit
        if d.kind == MONEY:
            le = MoneyEdit(self.ctx.shop.currency, minor=d.type is int)
        elif d.kind == PERCENT:
            top = None if d.maximum is None else Decimal(str(d.maximum))
            if top is not None and d.type is int:
                top = top.scaleb(-2)  # kept in basis points, typed in percent
            le = PercentEdit(basis_points=d.type is int, maximum=top)
        else:
            le = QLineEdit()
        le.setMinimumHeight(38)
        if d.type in (int, Decimal):
            le.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            le.setMaximumWidth(160)
        le.setObjectName("setting_" + d.key.replace(".", "_"))
        self.inputs[d.key] = le
        return le

    def value(self, key: str) -> Any:
        """The value to store; UnitError (with its message) for an amount or a rate that cannot be."""
        w = self.inputs[key]
        if isinstance(w, CategoryRates):
            return w.value()
        if isinstance(w, dict):
            return [s for s, cb in w.items() if cb.isChecked()]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, (MoneyEdit, PercentEdit)):
            return w.value()
        text = w.text().strip()
        if DEFS[key].type is list:
            return [x.strip() for x in text.split(",") if x.strip()]
        return text

    def saving(self) -> bool:
        """True while the values are being read or written (Save waits)."""
        return not self.save_button.isEnabled()

    def save(self) -> None:
        """Each value is saved on its own (a wrong one does not stop the others), off the GUI thread."""
        if self.saving():
            return
        actor = self.ctx.require_actor()
        values: dict[str, Any] = {}
        refused: dict[str, str] = {}  # typed amounts and rates that cannot be stored: never sent
        for key in self.inputs:
            try:
                values[key] = self.value(key)
            except UnitError as exc:
                refused[key] = exc.message
        shown = {key: self._raw(key) for key in self.inputs}
        details = self.ctx.services.shop_details

        def work() -> dict[str, tuple[Exception | None, bool, Any]]:
            current = details.setting_values()
            out: dict[str, tuple[Exception | None, bool, Any]] = {}
            for key, value in values.items():
                try:
                    after = details.save_setting(actor, key, value)
                    out[key] = (None, after != current.get(key), after)
                except Exception as exc:  # shown next to the setting
                    out[key] = (exc, False, None)
            return out

        def failed(exc: Exception) -> None:
            self.save_button.setEnabled(True)
            show_error(self, exc)

        self.save_button.setEnabled(False)
        self.ctx.runner.run(
            self,
            work,
            on_done=lambda results: self._saved(results, refused, shown),
            on_error=failed,
            in_order=True,
        )

    def _show_error(self, key: str, msg: str | None) -> None:
        self.errors[key].show_error(msg)
        w = self.inputs[key]
        if isinstance(w, QLineEdit):
            mark_invalid(w, bool(msg))
        elif isinstance(w, CategoryRates):
            w.mark(msg)

    def _saved(
        self,
        results: dict[str, tuple[Exception | None, bool, Any]],
        refused: dict[str, str],
        shown: dict[str, Any],
    ) -> None:
        self.save_button.setEnabled(True)
        bad = len(refused)
        saved = 0
        for key, refusal in refused.items():
            self._show_error(key, refusal)
        for key, (exc, changed, after) in results.items():
            msg: str | None = None
            if isinstance(exc, ValidationError):
                msg = exc.errors.get(key) or exc.message
            elif exc is not None:
                msg = error_text(exc)
            bad += int(exc is not None)
            saved += int(changed)
            self._show_error(key, msg)
            if exc is None:
                self._values[key] = after
                if self._raw(key) == shown[key]:  # nothing typed meanwhile: show it as stored
                    self._show_value(key, after)
                    shown[key] = self._raw(key)
                if self._clean is not None:
                    self._clean[key] = shown[key]
        if bad:
            self.status.setText(
                ngettext("{n} value needs a correction (marked in red); the others were saved.",
                         "{n} values need a correction (marked in red); the others were saved.", bad).format(n=bad)
            )
        else:
            self.status.setText(_("Saved ({n} changed).").format(n=saved))
