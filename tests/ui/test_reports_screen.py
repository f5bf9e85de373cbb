"""The Reports screen: figures and charts for a month, staff page, month over month, PDF/CSV/print, owner only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCharts import QBarSeries, QHorizontalBarSeries, QLineSeries
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QFileDialog

from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor, Role
from ui.context import UiContext
from ui.reports.screen import ReportsScreen
from ui.shared.print_preview import page_images, paint_pages

pytestmark = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "parseHexColor: Unknown color name '#2F6FDE_dark'"
)


@pytest.fixture
def screen(qtbot, ctx: UiContext) -> ReportsScreen:  # type: ignore[no-untyped-def]
    generate(
        ctx.services.db, start_month="2026-09", months=2, clients=30, stylists=3, visits_per_day=4, seed=6
    )
    w = ReportsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.open(month="2026-10")
    return w


def test_shows_last_months_figures_and_charts(screen: ReportsScreen) -> None:
    assert screen.month.currentData() == "2026-10"
    assert screen.report is not None
    data = screen.report.data
    assert screen.content.currentWidget() is screen.tabs
    assert screen.overview.tiles[0].value.text().replace(",", "").endswith(data["revenue"]["total"])
    assert "%" in screen.overview.tiles[0].note.text()  # compared with September
    # what "average ticket" divides (revenue ÷ visits did not give it, and a newcomer doubted it)
    assert f"by the number of sales, {data['sales']['tickets']:,} this month" in screen.overview.tiles[3].toolTip()
    day_series = screen.overview.by_day.chart().series()
    assert isinstance(day_series[0], QBarSeries) and day_series[0].barSets()[0].count() == 31
    assert isinstance(screen.staff.chart.chart().series()[0], QHorizontalBarSeries)
    assert screen.staff.table is not None and screen.staff.table.rowCount() == 3
    lines = screen.quality.over_time.chart().series()
    assert len(lines) == 3 and isinstance(lines[0], QLineSeries)
    assert screen.compare.lay.count() == 2
    assert not screen.progress.isVisible()


def test_an_empty_month_says_what_to_do(screen: ReportsScreen) -> None:
    screen.open(month="2025-01")
    assert screen.content.currentWidget() is screen.empty


def test_a_month_with_no_sale_but_clocked_hours_shows_its_pay(screen: ReportsScreen, ctx: UiContext) -> None:
    """Walk: a month with hours on the time clock and no sale showed "No figures yet": the pay
    statements owed for those hours could not be reached."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from tests.integration.test_checkout_support import new_staff

    actor = ctx.require_actor()
    kim = new_staff(ctx.services.db, actor.branch_id, "Kim")
    clock, was = ctx.services.clock, ctx.services.clock()
    for hh, kind in ((9, "in"), (17, "out")):
        clock.now = datetime(2025, 1, 6, hh, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)  # type: ignore[attr-defined]
        ctx.services.timeclock.punch(kim, kind)
    clock.now = was  # type: ignore[attr-defined]
    screen.open(month="2025-01")
    assert screen.content.currentWidget() is screen.tabs and screen.tabs.currentWidget() is screen.pay
    assert [s.name for s in screen.pay.payroll.statements] == ["Kim"]  # type: ignore[union-attr]
    assert "No sales of this person's" in screen.pay.lines.showing_empty()  # said, not a blank table
    assert [screen.tabs.isTabEnabled(i) for i in range(screen.tabs.count())] == [False] * 5 + [True]
    screen.open(month="2026-10")  # a month with sales: every page again
    assert all(screen.tabs.isTabEnabled(i) for i in range(screen.tabs.count()))


def test_save_pdf_export_csv_and_print(
    screen: ReportsScreen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr("ui.reports.screen.show_info", lambda *a, **k: None)
    screen.save_pdf()
    assert target.read_bytes().startswith(b"%PDF")
    csv_path = tmp_path / "sales.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(csv_path), ""))
    screen.export_csv("sales")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfsale_id,receipt_no")
    assert "rows" in screen.status.text()


def test_print_prints_the_monthly_pdf_not_pictures_of_the_screen(
    screen: ReportsScreen, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """Issue 15: Print painted screen captures; it now prints the PDF Save PDF writes, through the
    print preview receipts use. The printer gets one sheet per page of that PDF."""
    handed: list[bytes] = []
    monkeypatch.setattr("ui.reports.screen.print_pdf", lambda _parent, pdf, _title="": handed.append(pdf))
    screen.print_report()
    qtbot.waitUntil(lambda: bool(handed), timeout=20000)
    assert screen.report is not None and screen.ctx.actor is not None
    same = screen.ctx.services.reports.pdf_bytes(screen.ctx.actor, screen.report, "en")
    reader = PdfReader(io.BytesIO(handed[0]))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Monthly summary" in text and "Money taken" in text and "Staff performance" in text
    assert len(reader.pages) == len(PdfReader(io.BytesIO(same)).pages)
    # what the print preview sends to the printer: every page of that PDF, in order
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    paint_pages(printer, page_images(handed[0], dpi=60))
    assert len(PdfReader(str(printed)).pages) == len(reader.pages)
    assert not screen._busy and screen.print_btn.isEnabled()


def test_only_the_owner_sees_reports(qtbot, ctx: UiContext, owner: Actor) -> None:  # type: ignore[no-untyped-def]
    ctx.actor = Actor(staff_id=owner.staff_id, name="Desk", role=Role.RECEPTIONIST, branch_id=owner.branch_id)
    w = ReportsScreen(ctx)
    qtbot.addWidget(w)
    w.open(month="2026-10")
    assert w.stack.currentWidget() is w.denied and w.report is None
    assert not w.pdf_btn.isEnabled()


def test_the_staff_page_shows_the_appraisal_from_the_owners_rules(screen: ReportsScreen) -> None:
    """Issue 15: each staff member's score from the weighted parts, against the pass mark, with the
    performance pay; the same figures as the report's JSON."""
    assert screen.report is not None
    ap = screen.report.data["appraisal"]
    assert ap["rules"]["weights"] == {"quality": 50, "sales": 20, "rebooking": 20, "standards": 10}
    table = screen.staff.appraisal_table
    assert table is not None and table.rowCount() == len(ap["staff"]) > 0
    first = ap["staff"][0]
    shown = [table.item(0, c).text() for c in range(table.columnCount())]
    assert shown[-1].startswith(f"{first['performance_pay_percent']}%" if first["performance_pay_percent"] else "-")
    assert screen.staff.appraisal_note is not None and "base pay" in screen.staff.appraisal_note.text()
    assert shown[-2].startswith(first["score"] or "-")
    assert ("✓" in shown[-2]) == bool(first["passed"])


def test_the_monthly_review_page_records_and_reviews_actions(screen: ReportsScreen) -> None:
    """The owner adds an improvement action reviewing September; reviewing October, it is marked done."""
    from datetime import date

    page = screen.review
    screen.open(month="2026-09")
    assert page.month == "2026-09" and "September 2026" in page.said.text()  # the month in words
    # empty, each table says what it will hold and what to do next
    assert "last month's review" in page.previous.showing_empty()
    assert "Add action" in page.current.showing_empty()
    page.what.setText("Greeting rota at the door on Saturdays")
    page.add_btn.click()
    assert page.error.isHidden(), page.error.text()
    assert page.current.model().rowCount() == 1 and page.current.showing_empty() == ""
    assert page.current.model().index(0, 3).data() == "! To review"
    screen.open(month="2026-10")
    assert page.month == "2026-10" and page.previous.model().rowCount() == 1
    page.previous.selectRow(0)
    assert page.done_btn.isEnabled()
    page.done_btn.click()
    assert page.previous.model().index(0, 3).data() == "✓ Done"
    act = screen.ctx.services.review.review(screen.ctx.require_actor(), "2026-10").previous[0]
    assert act.outcome == "done" and act.due_on == date(2026, 10, 31)  # by the end of the next month


def test_the_status_names_the_shop_once_when_its_branch_bears_its_name(screen: ReportsScreen) -> None:
    """Walk: the demo's Reports read "November 2026 · Lotus Hair & Spa (demo) · Lotus Hair & Spa (demo)"."""
    data = screen.report.data if screen.report is not None else {}
    assert data["branch"] is not None and data["branch"]["name"] == data["shop"]["name"]
    assert screen.status.text().count(data["shop"]["name"]) == 1


def test_the_quality_page_shows_the_months_messages(screen: ReportsScreen, ctx: UiContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: sent by kind and channel, given up, no-show rate with and without a reminder."""
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QTableWidget
    from sqlalchemy import select

    from desk_app.db.models import Branch, Client, OutboxMessage

    qtbot.waitUntil(lambda: screen.report is not None and not screen._busy, timeout=20000)  # the first load
    with ctx.services.db.uow() as uow:
        cid = uow.session.scalars(select(Client.id).order_by(Client.id)).first()
        branch = uow.session.scalars(select(Branch.id).order_by(Branch.id)).first()  # the screen shows one branch
        at = datetime(2026, 10, 12, 2, tzinfo=UTC)
        for i, (kind, channel, state) in enumerate(
            (("reminder", "sms", "sent"), ("feedback", "email", "sent"), ("birthday", "sms", "failed"))
        ):
            uow.session.add(OutboxMessage(client_id=cid, branch_id=branch, kind=kind, channel=channel, language="en",
                                          dedupe_key=f"ui{i}", planned_at=at, due_at=at, state=state,
                                          sent_at=at if state == "sent" else None))
        uow.commit()
    screen.open(month="2026-10")
    # the figures are added up off the GUI thread; the first table goes at the next turn of the event loop
    qtbot.waitUntil(lambda: screen.report is not None and screen.report.data["messages"]["sent"] == 2, timeout=20000)
    qtbot.waitUntil(lambda: len(screen.quality.findChildren(QTableWidget, "report_messages")) == 1)
    table = screen.quality.findChild(QTableWidget, "report_messages")
    assert table is not None
    shown = {table.item(r, 0).text().strip(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert shown["Messages sent"] == "2"
    assert shown["Appointment reminder"] == "1" and shown["Feedback request"] == "1"
    assert shown["by Text message"] == "1" and shown["by Email"] == "1"
    assert shown["Messages not sent (failed or unsure)"] == "1"
    assert "No-show rate with a reminder" in shown and "No-show rate without a reminder" in shown


def test_the_quality_pages_tables_show_their_labels_whole_at_the_counter(  # type: ignore[no-untyped-def]
    screen: ReportsScreen, ctx: UiContext, qtbot
) -> None:
    """Walk (issue 19): at 1366x768 beside the side bar, the four tables of "Clients & quality" sat
    side by side and the Messages table's labels read "Messages…", "by Te…" (中文 "已发…"): the owner
    could not tell which figure was which. Each label is shown whole."""
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QTableWidget
    from sqlalchemy import select

    from desk_app.db.models import Branch, Client, OutboxMessage

    qtbot.waitUntil(lambda: screen.report is not None and not screen._busy, timeout=20000)
    with ctx.services.db.uow() as uow:
        cid = uow.session.scalars(select(Client.id).order_by(Client.id)).first()
        branch = uow.session.scalars(select(Branch.id).order_by(Branch.id)).first()
        at = datetime(2026, 10, 12, 2, tzinfo=UTC)
        uow.session.add(OutboxMessage(client_id=cid, branch_id=branch, kind="reminder", channel="sms", language="en",
                                      dedupe_key="fit0", planned_at=at, due_at=at, state="sent", sent_at=at))
        uow.commit()
    screen.resize(1366 - 212, 768)  # the window less the side bar
    screen.open(month="2026-10")
    qtbot.waitUntil(lambda: screen.report is not None and screen.report.data["messages"]["sent"] == 1, timeout=20000)
    qtbot.waitUntil(lambda: len(screen.quality.findChildren(QTableWidget, "report_messages")) == 1)
    screen.tabs.setCurrentWidget(screen.quality)  # laid out as the owner sees it
    qtbot.wait(50)
    table = screen.quality.findChild(QTableWidget, "report_messages")
    assert table is not None
    fm = table.fontMetrics()
    for r in range(table.rowCount()):
        label = table.item(r, 0).text()
        assert fm.horizontalAdvance(label) + 8 <= table.columnWidth(0), f"{label!r} is cut"


def test_the_staff_names_are_never_cut_short_at_the_counters_width(qtbot, screen: ReportsScreen) -> None:  # type: ignore[no-untyped-def]
    """Nine columns share the right of the staff page: the first one, stretched, got what was left
    and cut the names to "Dani…" at 1366 px. The names take their width; the figures scroll."""
    from desk_app.reports.pdf import appraisal_rows

    auth, owner = screen.ctx.services.auth, screen.ctx.actor
    assert owner is not None
    for s in auth.list_staff():
        if s.role == "stylist":  # names as long as a real team's
            auth.save_staff(owner, staff_id=s.id, name=f"{s.name} Montgomery-Whitfield", role=s.role)
    screen.resize(1366 - 212, 768)  # the window less the side bar
    screen.open(month="2026-10")
    qtbot.waitUntil(lambda: screen.report is not None and "Montgomery" in str(screen.report.data["by_staff"]),
                    timeout=20000)
    screen.tabs.setCurrentWidget(screen.staff)
    qtbot.wait(50)
    assert screen.report is not None
    for table in (screen.staff.table, screen.staff.appraisal_table):
        assert table is not None and table.rowCount() > 0
        fm = table.fontMetrics()
        for r in range(table.rowCount()):
            name = table.item(r, 0).text()
            assert fm.horizontalAdvance(name) + 8 <= table.columnWidth(0), f"{name!r} is cut"
    # Chinese headings without a space break before their bracket, so those columns stay narrow
    from ui.reports.pages import two_lines

    assert two_lines("绩效工资（占基本工资%）") == "绩效工资\n（占基本工资%）"
    assert two_lines("Checkout score") == "Checkout\nscore"
    assert appraisal_rows(screen.report.data)[0][0] == table.horizontalHeaderItem(0).text()


def test_a_month_in_progress_fits_the_counter_width(qtbot, screen: ReportsScreen) -> None:  # type: ignore[no-untyped-def]
    """The second newcomer's walk: in a month still running each tile said "▲ 194.9% vs the same
    days last month", the four tiles of a row widened the page past 1366 px (a sideways scroll
    bar, "Export CSV" cut). The comparison takes a second line instead."""
    import copy

    from PySide6.QtWidgets import QAbstractScrollArea

    screen.resize(1366 - 212, 768)  # beside the side bar
    data = copy.deepcopy(screen.report.data)
    data["period"]["complete"] = False
    for f in data["comparison"]["figures"].values():
        if f.get("delta_ratio") is not None:
            f["delta_ratio"] = "1.949"
    screen.overview.show_data(data)
    qtbot.wait(50)
    assert "vs the same days last month" in screen.overview.tiles[2].note.text()
    bars = [a for a in screen.findChildren(QAbstractScrollArea) if a.isVisible() and a.horizontalScrollBar().isVisible()]
    assert bars == []
    # in the main window the page scrolls sideways when it asks for more than it has
    assert screen.minimumSizeHint().width() <= 1366 - 212 - 40, screen.minimumSizeHint()  # its margins too


def test_month_over_month_labels_are_whole_at_the_counter_width(qtbot, screen: ReportsScreen) -> None:  # type: ignore[no-untyped-def]
    """The second newcomer's walk: month over month cut its labels to "Retail …", "Returning …"
    in English at 1366 px, beside a wide column of payment tables."""
    from PySide6.QtWidgets import QTableWidget

    screen.resize(1366 - 212 - 40, 768)
    screen.tabs.setCurrentWidget(screen.compare)
    qtbot.wait(50)
    table = next(t for t in screen.compare.findChildren(QTableWidget) if t.horizontalHeaderItem(0).text() == "Figure")
    fm = table.fontMetrics()
    widest = max(fm.horizontalAdvance(table.item(r, 0).text()) for r in range(table.rowCount()))
    assert table.columnWidth(0) >= widest + 12, (table.columnWidth(0), widest)


def test_the_staff_table_shows_every_column_at_the_counter_width(qtbot, screen: ReportsScreen) -> None:  # type: ignore[no-untyped-def]
    """The second newcomer's walk: at 1366 px in English the staff table's last column ("Service
    standards") was scrolled off to the right beside the chart."""
    screen.resize(1366 - 212 - 40, 768)
    screen.tabs.setCurrentWidget(screen.staff)
    qtbot.wait(50)
    table = screen.staff.table
    assert table is not None and table.rowCount() > 0
    assert not table.horizontalScrollBar().isVisible()
    assert table.horizontalScrollBar().maximum() == 0


def test_the_money_page_shows_what_is_owed_on_gift_vouchers(ctx: UiContext, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Walk: the voucher section was in the saved PDF only; the owner reads it on the screen too."""
    from zoneinfo import ZoneInfo

    from PySide6.QtWidgets import QTableWidget

    from desk_app.checkout.service import PaymentIn

    sv, owner = ctx.services, ctx.require_actor()
    bill = sv.checkout.add_voucher(sv.checkout.build_bill(owner), 12300)
    paid = sv.payments.pay(owner, bill, [PaymentIn("card", 12300)])
    sold = sv.payments.get_sale(paid.sale_id).sold_at.astimezone(ZoneInfo(sv.shop.info().timezone))
    w = ReportsScreen(ctx)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.open(month=f"{sold:%Y-%m}")
    qtbot.waitUntil(lambda: w.report is not None and w.report.data["gift_vouchers"]["sold"]["count"] == 1,
                    timeout=20000)
    qtbot.waitUntil(lambda: len(w.compare.findChildren(QTableWidget, "report_vouchers")) == 1)
    table = w.compare.findChild(QTableWidget, "report_vouchers")  # under the money taken (second walk)
    assert table is not None
    shown = {table.item(r, 0).text().strip(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert "123.00" in shown["Outstanding at month end"] and "123.00" in shown["Sold (1)"]
