"""Today's service standards, as a compact strip (for the Today screen) and as the Standards tab."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desk_app.i18n import _, format_percent
from desk_app.reports.standards import KEYS, rows_for_staff, standards_summary, today_standards
from ui.context import UiContext
from ui.shared.my_month import MyMonthCard
from ui.shared.table import Cell, RowsTable
from ui.shared.widgets import Button, Card, show_error
from ui.theme import COLORS, TONE_SYMBOL

log = logging.getLogger(__name__)


def _log_error(exc: Exception) -> None:
    """A strip on the Today screen must never interrupt the desk: log, keep the last figures."""
    log.warning("could not load after-care figures: %s", exc)


def tone_of(met: int, total: int) -> str:
    if total == 0:
        return "neutral"
    rate = met / total
    return "ok" if rate >= 0.9 else ("warn" if rate >= 0.7 else "bad")


def figure(met: int, total: int) -> str:
    """ "3/4 · 75%" or "–" when nothing was measured."""
    if total == 0:
        return "–"
    from decimal import Decimal

    return f"{met}/{total} · {format_percent(Decimal(met) / Decimal(total))}"


def short_label(key: str) -> str:
    return {
        "greet": _("Greeting"),
        "reception": _("Reception"),
        "service_start": _("Service start"),
        "feedback_recorded": _("Feedback recorded"),
        "complaint_response": _("Complaint answers"),
        "followup_on_time": _("Follow-ups on time"),
        "feedback_processed": _("Feedback processed"),
    }[key]


class TodayStandardsStrip(QFrame):
    """One small tile per standard: its name, met/total and a tone with a symbol. ``refresh()`` reloads."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("card")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(14)
        title = QLabel(_("Standards today"))
        title.setObjectName("cardTitle")
        row.addWidget(title)
        self.tiles: dict[str, QLabel] = {}
        for key in KEYS:
            lbl = QLabel()
            lbl.setToolTip("")
            self.tiles[key] = lbl
            row.addWidget(lbl)
        row.addStretch()
        self.data: dict[str, dict[str, Any]] = {}

    def refresh(self) -> None:
        svc = self.ctx.services
        self.ctx.runner.run(
            self,
            lambda: today_standards(svc.db, svc.settings, svc.clock()),
            on_done=self.show_data,
            on_error=_log_error,
        )

    def show_data(self, data: dict[str, dict[str, Any]]) -> None:
        self.data = data
        for key, lbl in self.tiles.items():
            d = data[key]
            tone = tone_of(d["met"], d["total"])
            sym = TONE_SYMBOL[tone] if d["total"] else "•"
            lbl.setText(
                f"<span style='color:{COLORS['muted']}'>{short_label(key)}</span><br>"
                f"<b style='color:{COLORS[tone]}'>{sym} {figure(d['met'], d['total'])}</b>"
            )
            lbl.setToolTip(f"{d['label']} ({d['limit']})")


class StandardsTab(QWidget):
    """Standards for today, this week or this month: each figure and per staff member."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.period = "today"
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.period_buttons: dict[str, Button] = {}
        for key, label in (("today", _("Today")), ("week", _("Last 7 days")), ("month", _("Last 30 days"))):
            b = Button(label)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, k=key: self.set_period(k))
            self.group.addButton(b)
            self.period_buttons[key] = b
            bar.addWidget(b)
        bar.addStretch()
        lay.addLayout(bar)
        self.my_month_card = MyMonthCard(ctx)
        self.my_month = self.my_month_card.label
        lay.addWidget(self.my_month_card)
        card = Card(_("How often each standard was met, in all and per staff member (met / measured)"))
        self.figures = RowsTable([_("Standard"), _("Limit"), _("All"), _("Result")], stretch=-2)
        card.body.addWidget(self.figures)
        lay.addWidget(card, 1)
        self.period_buttons["today"].setChecked(True)

    def set_period(self, period: str) -> None:
        self.period = period
        self.period_buttons[period].setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        svc = self.ctx.services
        period = self.period

        def load() -> dict[str, dict[str, Any]]:
            now = svc.clock()
            if period == "today":
                return today_standards(svc.db, svc.settings, now)
            days = 7 if period == "week" else 30
            return standards_summary(svc.db, svc.settings, now - timedelta(days=days), now, now=now)

        self.ctx.runner.run(self, load, on_done=self.show_data, on_error=lambda e: show_error(self, e))
        self.my_month_card.refresh()

    def show_data(self, data: dict[str, dict[str, Any]]) -> None:
        people = rows_for_staff(data)
        rows: list[list[Cell]] = []
        for key in KEYS:
            d = data[key]
            tone = tone_of(d["met"], d["total"])
            word = {
                "ok": _("Good"),
                "warn": _("Needs attention"),
                "bad": _("Below standard"),
                "neutral": _("Nothing measured"),
            }[tone]
            cells: list[Cell] = [
                d["label"],
                d["limit"],
                figure(d["met"], d["total"]),
                (f"{TONE_SYMBOL[tone]} {word}", tone),
            ]
            for p in people:
                met, total = p.get(key, (0, 0))
                cells.append((f"{met}/{total}", tone_of(met, total)) if total else "–")
            rows.append(cells)
        headers = [_("Standard"), _("Limit"), _("All"), _("Result")] + [p["name"] for p in people]
        self.figures.set_rows(
            rows, list(KEYS), widths=[210, 190, 110, 160] + [100] * len(people), headers=headers
        )

