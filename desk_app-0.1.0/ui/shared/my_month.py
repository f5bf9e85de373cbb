"""The signed-in staff member's own month (staff appraisal, docs/service-standard.md): a compact
card on the Standards tab and on a stylist's My clients screen. Read off the GUI thread; refreshed
when the screen opens or the person changes, never on a timer (it builds the month's figures)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from desk_app.domain.permissions import Role
from desk_app.i18n import _
from ui.context import UiContext
from ui.shared.widgets import Card


class MyMonthCard(Card):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(_("My month so far (staff appraisal)"), parent)
        self.ctx = ctx
        self.label = QLabel(_("Reading your month…"))
        self.label.setObjectName("myMonth")
        self.label.setWordWrap(True)
        self.body.addWidget(self.label)
        # the list or table beside it gives way (it scrolls), never this card
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def refresh(self) -> None:
        actor = self.ctx.actor
        if actor is None:
            return
        if actor.role == Role.OWNER:  # the owner is not appraised: the team's table is theirs
            self.label.setText(_("Your team's appraisal, person by person: Reports › Staff performance."))
            return
        reports = self.ctx.services.reports
        self.ctx.runner.run(
            self,
            lambda: reports.my_month(actor),
            on_done=self.show_month,
            on_error=lambda e: self.label.setText(_("Your month could not be read: {error}").format(error=str(e))),
        )

    def show_month(self, data: dict[str, Any]) -> None:
        """Each part, the score against the pass mark, the points off for complaints and the
        performance pay."""
        self.label.setText(my_month_text(data))


def my_month_text(data: dict[str, Any]) -> str:
    me = data.get("me")
    rules = data.get("rules", {})
    if not me or me.get("score") is None:
        return _(
            "Nothing measured for you this month yet: the score comes from checkout scores, sales, rebooking "
            "and the time standards of your role."
        )
    names = {
        "quality": _("quality"),
        "sales": _("sales"),
        "rebooking": _("rebooking"),
        "standards": _("standards"),
    }
    parts = [f"{names[k]} {v}" for k, v in me.get("parts", {}).items() if v is not None and k in names]
    mark = "✓ " + _("pass") if me.get("passed") else "✕ " + _("below the pass mark")
    text = _("Score {score} of 100 ({mark} {n})").format(score=me["score"], mark=mark, n=rules.get("pass_mark", 80))
    lines = [text, " · ".join(parts)]
    if me.get("penalty"):
        lines.append(_("{n} points off for complaints").format(n=me["penalty"]))
    pay = _("Performance pay {share}% of base pay").format(share=me.get("performance_pay_percent"))
    if me.get("performance_pay") is not None and data.get("currency"):
        from decimal import Decimal

        from desk_app.i18n import format_money

        pay += " · " + format_money(Decimal(me["performance_pay"]), data["currency"])
    lines.append(pay)
    return "  ·  ".join(line for line in lines if line)
