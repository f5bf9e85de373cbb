"""Issue 15: the monthly figures are mutually possible, over several generated months and a month in progress.

Rates lie in 0..1, parts are never more than their wholes, the money reconciles (money taken = revenue
+ top-ups sold - paid from prepaid; the stylists' bars add up to service revenue) and a month that is
not over at the report's time says so and is compared with the same days of the month before. The
JSON, the PDF and the screen are checked alike. The demo shop's history ends at a fixed time, never today.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from desk_app.db.engine import Database
from desk_app.demo.shop import generate
from desk_app.i18n import Fmt
from desk_app.reports.monthly import build_monthly
from desk_app.reports.pdf import render_pdf_bytes
from desk_app.reports.sqlhelp import Period

NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 18 Nov 15:00 in Shanghai: November is in progress
MONTHS = ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("consistency") / "demo.sqlite3"
    generate(str(path), clients=300, months=4, staff=6, seed=11, today=NOW, lang="en")
    db = Database.open(str(path), clock=lambda: NOW)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def reports(shop: Database) -> dict[str, dict[str, Any]]:
    return {m: build_monthly(shop, m, now=NOW) for m in MONTHS}


def _rates(d: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every ``*rate`` value in the report (the comparison's delta_ratio is a change, not a rate)."""
    if isinstance(d, dict):
        for k, v in d.items():
            if k.endswith("rate") and not isinstance(v, (dict, list)):
                yield f"{path}.{k}", v
            elif k != "comparison":
                yield from _rates(v, f"{path}.{k}")
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _rates(v, f"{path}[{i}]")


def _dec(v: Any) -> Decimal:
    return Decimal(str(v))


@pytest.mark.parametrize("month", MONTHS)
def test_every_rate_is_a_share_and_no_part_exceeds_its_whole(
    reports: dict[str, dict[str, Any]], month: str
) -> None:
    d = reports[month]
    rates = list(_rates(d))
    assert len(rates) > 10
    for where, v in rates:
        assert v is None or Decimal(0) <= _dec(v) <= Decimal(1), (where, v)
    fu = d["followups"]
    assert fu["done_on_time"] <= fu["done"] <= fu["attempted"] <= fu["due"], fu
    assert fu["open"] + fu["not_reached"] + fu["done"] <= fu["due"]
    for key, v in d["standards"].items():
        assert 0 <= v["met"] <= v["total"], key
    roles = d["standards_by_role"]
    assert sum(v["total"] for v in roles.values()) == sum(v["total"] for v in d["standards"].values())
    for role, v in roles.items():
        assert v["met"] <= v["total"]
        assert v["total"] == sum(d["standards"][k]["total"] for k in v["keys"])
        assert sum(s["standards"][role]["total"] for s in d["by_staff"]) <= v["total"]
    # a desk person is measured on check-ins, a stylist on services started: separate denominators
    for s in d["by_staff"]:
        if s["role"] == "receptionist":
            assert s["standards"]["service"]["total"] == 0
    assert d["rebooked"] <= d["visits_done"] <= d["visits"]
    assert d["complaints"]["overdue"] <= d["complaints"]["count"]
    assert d["complaints"]["staff_replaced"] <= d["complaints"]["count"]
    assert sum(d["client_value"]["by_segment"].values()) == d["client_value"]["served"]
    sat = d["satisfaction"]
    assert set(sat) == {"checkout", "followup"}
    assert sat["checkout"]["count"] <= d["visits"]
    for src in sat.values():
        assert src["count"] == sum(src["distribution"].values())
        assert src["average"] is None or Decimal(1) <= _dec(src["average"]) <= Decimal(5)
    for src in ("checkout", "followup"):
        assert sum(s["satisfaction"][src]["count"] for s in d["by_staff"]) <= sat[src]["count"]


@pytest.mark.parametrize("month", MONTHS)
def test_money_taken_and_the_stylists_bars_reconcile(reports: dict[str, dict[str, Any]], month: str) -> None:
    d = reports[month]
    tk, r = d["takings"], d["revenue"]
    assert sum((_dec(v) for v in tk["by_method"].values()), Decimal(0)) == _dec(tk["total"])
    assert not {"prepaid", "package", "voucher", "points"} & set(tk["by_method"])
    rc = tk["reconciliation"]
    assert _dec(rc["revenue"]) == _dec(r["total"])
    assert _dec(rc["prepaid_topups_sold"]) == _dec(d["sales"]["prepaid_topups_sold"])
    assert _dec(rc["unexplained"]) == 0
    assert _dec(rc["gift_vouchers_sold"]) == _dec(d["sales"]["gift_vouchers_sold"])  # the demo sells vouchers
    assert (
        _dec(r["total"]) + _dec(d["sales"]["prepaid_topups_sold"]) + _dec(d["sales"]["gift_vouchers_sold"])
        - _dec(tk["paid_from_prepaid"]) - _dec(tk["paid_by_package"]) - _dec(tk["paid_by_voucher"])
        - _dec(tk["paid_by_points"])
        == _dec(tk["total"]) == _dec(rc["takings"])
    )  # fmt: skip
    all_methods = sum((_dec(v) for v in d["by_payment_method"].values()), Decimal(0))
    assert all_methods == (_dec(tk["total"]) + _dec(tk["paid_from_prepaid"]) + _dec(tk["paid_by_package"])
                           + _dec(tk["paid_by_voucher"]) + _dec(tk["paid_by_points"]))
    rs = d["revenue_by_stylist"]
    assert rs["total"] == r["services"]
    assert sum((_dec(x["services"]) for x in rs["rows"]), _dec(rs["not_assigned"])) == _dec(r["services"])
    roles = {x["role"] for x in rs["rows"]}
    assert "receptionist" not in roles
    if month != "2026-12":
        assert rs["rows"] and roles <= {"stylist", "owner"}


def test_the_part_month_flag_is_set_exactly_when_the_month_is_not_over(
    shop: Database, reports: dict[str, dict[str, Any]]
) -> None:
    for month, d in reports.items():
        end = Period.of(month, "Asia/Shanghai").end
        assert d["period"]["complete"] is (NOW >= end), month
    nov, dec = reports["2026-11"]["period"], reports["2026-12"]["period"]
    assert (nov["through"], nov["days_covered"], nov["days"]) == ("2026-11-18", 18, 30)
    assert (dec["through"], dec["days_covered"]) == (None, 0)
    assert reports["2026-10"]["period"]["days_covered"] == 31
    # at the very end of October it is complete, a second before it is not
    oct_end = Period.of("2026-10", "Asia/Shanghai").end
    assert build_monthly(shop, "2026-10", now=oct_end, compare=False)["period"]["complete"] is True
    almost = build_monthly(shop, "2026-10", now=oct_end - timedelta(seconds=1), compare=False)
    assert almost["period"]["complete"] is False and almost["period"]["through"] == "2026-10-31"


def test_a_month_in_progress_is_compared_with_the_same_days_before(
    shop: Database, reports: dict[str, dict[str, Any]]
) -> None:
    cmp_ = reports["2026-11"]["comparison"]
    prev = cmp_["previous_period"]
    assert cmp_["like_for_like"] is True and prev["complete"] is False
    assert (prev["through"], prev["days_covered"]) == ("2026-10-18", 18)
    # the previous figure is October 1st to the 18th at 15:00, not all of October
    lo = Period.of("2026-10", "Asia/Shanghai").start
    hi = datetime(2026, 10, 18, 7, 0, tzinfo=UTC)
    with shop.engine.connect() as conn:
        minor = conn.execute(
            text(
                "SELECT SUM(l.line_total_minor) FROM sales s JOIN sale_lines l ON l.sale_id = s.id "
                "WHERE s.sold_at >= :a AND s.sold_at < :b AND l.kind NOT IN ('prepaid_topup', 'gift_voucher')"
            ),
            {"a": lo.strftime("%Y-%m-%d %H:%M:%S.%f"), "b": hi.strftime("%Y-%m-%d %H:%M:%S.%f")},
        ).scalar()
    f = cmp_["figures"]["revenue.total"]
    assert _dec(f["previous"]) == Decimal(minor).scaleb(-2)
    assert _dec(f["previous"]) < _dec(reports["2026-10"]["revenue"]["total"])
    assert f["delta_ratio"] is not None and abs(_dec(f["delta_ratio"])) < Decimal("0.5")  # not a "-45 %"
    # whole months are compared whole
    full = reports["2026-10"]["comparison"]
    assert full["like_for_like"] is True and full["previous_period"]["complete"] is True
    assert full["figures"]["revenue.total"]["previous"] == reports["2026-09"]["revenue"]["total"]


def test_a_month_in_progress_against_a_shorter_month_shows_no_percent_change(shop: Database) -> None:
    """30 March (in progress) against all of February (28 days): not like with like, so no %."""
    now = datetime(2026, 3, 30, 4, 0, tzinfo=UTC)
    d = build_monthly(shop, "2026-03", now=now)
    cmp_ = d["comparison"]
    assert d["period"]["complete"] is False and cmp_["previous_period"]["complete"] is True
    assert cmp_["like_for_like"] is False
    assert all(f["delta_ratio"] is None for f in cmp_["figures"].values())


def _pdf_text(data: dict[str, Any], lang: str) -> str:
    pdf = render_pdf_bytes(data, Fmt.for_shop(lang, "Asia/Shanghai", "CNY"))
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_labels_a_part_month_and_shows_the_reconciliations(reports: dict[str, dict[str, Any]]) -> None:
    nov = _pdf_text(reports["2026-11"], "en")
    assert "1–18 Nov 2026 (month in progress)" in nov
    assert "same days of the month before (1–18 Oct 2026)" in nov
    for words in ("Money taken", "+ prepaid top-ups sold", "= money taken", "Service revenue by stylist",
                  "Reception standards", "Service standards", "Checkout score", "Follow-up call score",
                  "done (client reached)"):  # fmt: skip
        assert words in nov, words
    assert "month in progress" not in _pdf_text(reports["2026-10"], "en")
    zh = _pdf_text(reports["2026-11"], "zh_CN")
    assert "2026年11月1日–18日" in zh and "本月进行中" in zh


@pytest.mark.qt_log_ignore("does not support propagateSizeHints", "parseHexColor")
def test_the_screen_labels_a_part_month(qtbot, reports: dict[str, dict[str, Any]], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ui.reports.pages import ComparisonPage, OverviewPage, StaffPage

    nov = reports["2026-11"]
    page = ComparisonPage()
    qtbot.addWidget(page)
    page.show_data(nov)
    assert "same days of the month before" in page.note.text() and not page.note.isHidden()
    over = OverviewPage()
    qtbot.addWidget(over)
    over.show_data(nov)
    assert "same days last month" in over.tiles[0].note.text()
    staff = StaffPage()
    qtbot.addWidget(staff)
    staff.show_data(nov)
    bars = staff.chart.chart().series()[0].barSets()[0]
    total = sum((Decimal(str(round(bars.at(i), 2))) for i in range(bars.count())), Decimal(0))
    assert abs(total - _dec(nov["revenue"]["services"])) < Decimal("0.05")
    assert "= service revenue" in staff.sum_line.text()
    oct_ = ComparisonPage()
    qtbot.addWidget(oct_)
    oct_.show_data(reports["2026-10"])
    assert oct_.note.isHidden()
