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


def test_rates_typed_set_and_saved_from_a_month(
    qtbot: QtBot, ctx: UiContext, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    screen.show()
    panel = screen.tab("commission")
    assert isinstance(panel, CommissionPanel)
    assert panel.table.showing_empty()  # no rates yet: the table says what to do
    panel.what.setCurrentIndex(panel.what.findData("service:"))
    for typed, words in (("ten", "percentage"), ("120", "from 0 to 100"), ("15 from 100", "Start with the rate alone"),
                         ("10; 15", "from what amount")):  # fmt: skip
        panel.rate.setText(typed)
        qtbot.keyClick(panel.rate, Qt.Key.Key_Return)
        assert words in panel.error.text() and panel.error.isVisibleTo(panel), typed  # said, in view
        assert not panel.rates  # and not kept
    panel.rate.setText("10; 15 from 8,000")
    qtbot.keyClick(panel.rate, Qt.Key.Key_Return)
    assert not panel.error.isVisibleTo(panel)
    panel.what.setCurrentIndex(panel.what.findData("product:"))
    assert panel.rate.text() == ""  # another kind of sale: not the rate of the row chosen before
    panel.rate.setText("5")
    panel.put()
    panel.what.setCurrentIndex(panel.what.findData("service:"))
    assert panel.rate.text() == "10; 15 from 8000" and panel.table.current() == panel.rates[0]
    assert [(r.scope, r.tiers) for r in panel.rates] == [
        (cm.SERVICE, (cm.Tier(0, 1000), cm.Tier(800_000, 1500))), (cm.PRODUCT, (cm.Tier(0, 500),))]
    assert panel.unsaved_changes() == "the commission rates"  # "Your changes to the commission rates ..."
    assert "not saved yet" in panel.said.text()
    panel.prepaid.setCurrentIndex(panel.prepaid.findData(cm.ON_SALE))  # no top-up rate: a warning
    panel.package.setCurrentIndex(panel.package.findData(cm.ON_REDEMPTION))
    panel.what.setCurrentIndex(panel.what.findData("voucher:"))  # gift vouchers: a rate and their own rule
    panel.rate.setText("2")
    panel.put()
    panel.voucher.setCurrentIndex(panel.voucher.findData(cm.ON_SALE))
    # the months: a year back to a year ahead, this month first chosen; a month already over asks
    assert panel.since.currentData() == "2026-11-01" and panel.since.count() == 25
    panel.since.setCurrentIndex(panel.since.findData("2026-10-01"))
    asked: list[str] = []
    monkeypatch.setattr("ui.settings.commission.confirm",
                        lambda _p, _title, text, **_k: asked.append(text) or False)  # fmt: skip
    panel.save()
    assert "October 2026" in asked[0] and "no rate is set for top-ups" in asked[0]
    assert ctx.services.payroll.plan(owner)[1] is None  # "Go back": nothing saved
    panel.since.setCurrentIndex(panel.since.findData("2026-12-01"))
    asked.clear()
    monkeypatch.setattr("ui.settings.commission.confirm", lambda _p, _title, text, **_k: asked.append(text) or True)
    panel.save()
    assert len(asked) == 1 and "October" not in asked[0]  # a month ahead: only the top-up warning
    saved, since = ctx.services.payroll.plan(owner, date(2027, 1, 31))
    assert since == date(2026, 12, 1) and saved.package_rule == cm.ON_REDEMPTION
    assert saved.voucher_rule == cm.ON_SALE and saved.rate_for(owner.staff_id, cm.VOUCHER) is not None
    assert len(saved.rates) == 3 and panel.unsaved_changes() is None
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
