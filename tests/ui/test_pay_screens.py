"""Settings > Pay and Reports > Pay (issue 21): rates typed as a person types them, saved
as a new plan from a day on, and the month's statements on screen and saved to files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desk_app.demo.sample import generate
from desk_app.domain import commission as cm
from desk_app.domain.permissions import Actor
from ui.context import UiContext
from ui.reports.screen import ReportsScreen
from ui.settings.commission import CommissionPanel
from ui.settings.screen import SettingsScreen

pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "parseHexColor: Unknown color name '#2F6FDE_dark'"
)


def test_rates_typed_set_and_saved_from_a_day(qtbot: QtBot, ctx: UiContext, owner: Actor) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    panel = screen.tab("commission")
    assert isinstance(panel, CommissionPanel)
    assert panel.table.showing_empty()  # no rates yet: the table says what to do
    panel.what.setCurrentIndex(panel.what.findData("service:"))
    panel.rate.setText("ten")
    qtbot.keyClick(panel.rate, Qt.Key.Key_Return)
    assert "percentage" in panel.error.text() and not panel.rates  # a bad rate is said, not kept
    panel.rate.setText("10; 15 from 8000")
    qtbot.keyClick(panel.rate, Qt.Key.Key_Return)
    panel.what.setCurrentIndex(panel.what.findData("product:"))
    panel.rate.setText("5")
    panel.put()
    assert [(r.scope, r.tiers) for r in panel.rates] == [
        (cm.SERVICE, (cm.Tier(0, 1000), cm.Tier(800_000, 1500))), (cm.PRODUCT, (cm.Tier(0, 500),))]
    assert panel.unsaved_changes()  # leaving the tab asks
    panel.package.setCurrentIndex(panel.package.findData(cm.ON_REDEMPTION))
    panel.since.setDate(panel.since.date().addMonths(1))
    panel.save()
    saved, since = ctx.services.payroll.plan(owner, date(2027, 1, 31))
    assert since is not None and since.day == 1 and saved.package_rule == cm.ON_REDEMPTION
    assert len(saved.rates) == 2 and panel.unsaved_changes() is None
    assert "Saved" in panel.said.text()


def test_the_pay_page_shows_and_saves_the_month(
    qtbot: QtBot, ctx: UiContext, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(ctx.services.db, start_month="2026-09", months=2, clients=30, stylists=3, visits_per_day=4, seed=6)
    ctx.services.payroll.save_plan(owner, cm.parse_plan({"rates": [
        {"scope": "service", "tiers": [[0, 1000]]}, {"scope": "product", "tiers": [[0, 500]]}]}), date(2026, 9, 1))
    w = ReportsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.open(month="2026-10")
    w.show_page(w.pages.index(next(p for p in w.pages if p[0] is w.pay)))
    page = w.pay
    p = page.payroll
    assert p is not None and p.month == "2026-10" and len(p.statements) >= 3
    assert page.people.model_.rowCount() == len(p.statements)
    first = p.statements[0]
    assert first.commission_minor > 0 and page.person_title.text().startswith(first.name)
    assert page.lines.model_.rowCount() == len(first.lines) and page.groups.model_.rowCount() >= 2
    assert "Rates in force from" in page.said.text()
    target = tmp_path / "pay.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr("ui.reports.pay.show_info", lambda *a, **k: None)
    page.save("xlsx")
    assert first.name in load_workbook(target).sheetnames
    pdf = tmp_path / "one"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), ""))
    page.save("pdf")
    assert (tmp_path / "one.pdf").read_bytes().startswith(b"%PDF")
