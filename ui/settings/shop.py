"""Settings > Shop details (what receipts show) and Settings > Time standards & rules."""

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
from desk_app.i18n import LANGUAGE_NAMES, N_, _
from desk_app.settings import DEFS, SettingDef
from desk_app.shop.details import STEPS
from desk_app.shop.service import CURRENCIES
from ui.context import UiContext
from ui.settings.editor import Field, FieldForm
from ui.shared.widgets import Button, Card, ErrorLabel, error_text, mark_invalid

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
REGIONS = ["CN", "HK", "MO", "TW", "SG", "MY", "JP", "GB", "FR", "DE", "US", "CA", "AU"]
GROUPS = {
    "standards": N_("Time standards"),
    "visit": N_("The visit"),
    "membership": N_("Membership (VIP)"),
    "money": N_("Money and tax"),
    "calendar": N_("Calendar"),
    "aftercare": N_("After the visit"),
    "security": N_("Security"),
    "printing": N_("Printing"),
}


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
                Field("currency", _("Currency"), "choice", lambda: [(c, c) for c in CURRENCIES]),
                Field("locale", _("Language"), "choice", lambda: list(LANGUAGE_NAMES.items())),
                Field("timezone", _("Time zone"), "choice", lambda: [(t, t) for t in TIMEZONES]),
                Field(
                    "region",
                    _("Country / region (for phone numbers)"),
                    "choice",
                    lambda: [(r, r) for r in REGIONS],
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
        info = self.ctx.services.shop_details.details()
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

    def save(self) -> bool:
        try:
            info = self.ctx.services.shop_details.save_details(self.ctx.require_actor(), self.form.values())
        except ValidationError as exc:
            rest = self.form.show_errors(exc.errors)
            self.error.show_error("\n".join(rest) if rest else _("Please correct the fields marked in red."))
            return False
        except Exception as exc:  # shown under the form
            self.error.show_error(error_text(exc))
            return False
        self.error.show_error(None)
        self.form.show_errors({})
        self.ctx.shop = info
        self.ctx.services.clients.forget_shop_details()
        self.ctx.services.client_search.forget_shop_details()
        self.status.setText(_("Saved. Receipts use the new details from now on."))
        return True


class RulesPanel(QWidget):
    """Every declared setting, grouped, each with its own message when the value is wrong."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.inputs: dict[str, Any] = {}
        self.errors: dict[str, ErrorLabel] = {}
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
        values = ctx.services.shop_details.setting_values()
        for group, title in GROUPS.items():
            defs = [d for d in DEFS.values() if d.group == group and d.type is not dict]
            if not defs:
                continue
            card = Card(_(title))
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.setSpacing(6)
            for d in defs:
                w = self._input(d, values.get(d.key))
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
        row.addWidget(self.save_button)
        outer.addLayout(row)

    def _input(self, d: SettingDef[Any], value: Any) -> QWidget:
        if d.key == "visit.required_steps":
            holder = QWidget()
            hl = QHBoxLayout(holder)
            hl.setContentsMargins(0, 0, 0, 0)
            boxes = {}
            for s in STEPS:
                cb = QCheckBox(step_label(s))
                cb.setChecked(s in (value or []))
                hl.addWidget(cb)
                boxes[s] = cb
            self.inputs[d.key] = boxes
            return holder
        if d.type is bool:
            cb = QCheckBox(_("Yes"))
            cb.setChecked(bool(value))
            self.inputs[d.key] = cb
            return cb
        le = QLineEdit()
        le.setMinimumHeight(38)
        if d.type is list:
            le.setText(", ".join(str(x) for x in value or []))
        else:
            le.setText("" if value is None else str(value))
        if d.type in (int, Decimal):
            le.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            le.setMaximumWidth(160)
        le.setObjectName("setting_" + d.key.replace(".", "_"))
        self.inputs[d.key] = le
        return le

    def value(self, key: str) -> Any:
        w = self.inputs[key]
        if isinstance(w, dict):
            return [s for s, cb in w.items() if cb.isChecked()]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        text = w.text().strip()
        if DEFS[key].type is list:
            return [x.strip() for x in text.split(",") if x.strip()]
        return text

    def save(self) -> bool:
        actor = self.ctx.require_actor()
        current = self.ctx.services.shop_details.setting_values()
        bad = 0
        saved = 0
        for key in self.inputs:
            value = self.value(key)
            msg = None
            try:
                before = current.get(key)
                after = self.ctx.services.shop_details.save_setting(actor, key, value)
                saved += int(after != before)
            except ValidationError as exc:
                msg = exc.errors.get(key) or exc.message
                bad += 1
            except Exception as exc:  # shown next to the setting
                msg = error_text(exc)
                bad += 1
            self.errors[key].show_error(msg)
            w = self.inputs[key]
            if isinstance(w, QLineEdit):
                mark_invalid(w, bool(msg))
        if bad:
            self.status.setText(
                _("{n} values need a correction (marked in red); the others were saved.").format(n=bad)
            )
        else:
            self.status.setText(_("Saved ({n} changed).").format(n=saved))
        return not bad
