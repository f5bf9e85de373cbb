"""The monthly figures (issue 7) against independent SQL over generated history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.reports.monthly import ReportError, build_monthly
from desk_app.reports.sqlhelp import BadMonth, Period

MONTH = "2026-10"


@pytest.fixture
def shop(services: Services, owner: Actor) -> Services:
    generate(services.db, start_month="2026-09", months=2, clients=50, stylists=4, visits_per_day=6, seed=3)
    return services


def _sql(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _bounds() -> dict[str, str]:
    p = Period.of(MONTH, "Asia/Shanghai")
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return {"a": p.start.strftime(fmt), "b": p.end.strftime(fmt)}


def _money(minor: int) -> str:
    return str(Decimal(minor).scaleb(-2))


def test_every_issue_key_is_there_and_money_is_decimal_text(shop: Services) -> None:
    data = build_monthly(shop.db, MONTH, settings=shop.settings, now=shop.clock())
    for key in (
        "month",
        "currency",
        "by_payment_method",
        "by_staff",
        "visits",
        "new_clients",
        "returning_clients",
        "average_ticket",
        "rebooking_rate",
        "no_shows",
        "members_new",
        "standards",
        "low_stock",
        "top_services",
        "top_products",
        "comparison",
    ):
        assert key in data, key
    for key in ("total", "services", "products", "tips", "tax", "refunds"):
        assert isinstance(data["revenue"][key], str) and Decimal(data["revenue"][key]) == Decimal(
            data["revenue"][key]
        )
    assert set(data["prepaid"]) >= {"topups", "spent"}
    assert set(data["satisfaction"]) == {"checkout", "followup"}
    assert set(data["satisfaction"]["checkout"]) >= {"average", "count", "distribution"}
    assert set(data["complaints"]) >= {"count", "overdue", "median_first_response_hours"}
    for std in data["standards"].values():
        assert std["met"] <= std["total"]
    assert data["month"] == MONTH and data["currency"] == "CNY"
    assert Decimal(data["revenue"]["total"]) > 0 and data["visits"] > 100
    assert Decimal(data["revenue"]["refunds"]) < 0
    assert data["low_stock"] and data["low_stock"][0]["stock"] == 1

    def no_floats(x: Any) -> None:
        assert not isinstance(x, float)
        if isinstance(x, dict):
            for v in x.values():
                no_floats(v)
        if isinstance(x, list):
            for v in x:
                no_floats(v)

    no_floats(data)


def test_figures_match_independent_sql(shop: Services) -> None:
    db = shop.db
    data = build_monthly(db, MONTH, settings=shop.settings, now=shop.clock())
    b = _bounds()
    lines = dict(
        _sql(
            db,
            """SELECT sl.kind, SUM(sl.line_total_minor) FROM sale_lines sl JOIN sales s ON s.id = sl.sale_id
                  WHERE s.sold_at >= :a AND s.sold_at < :b GROUP BY sl.kind""",
            **b,
        )
    )
    assert data["revenue"]["total"] == _money(sum(v for k, v in lines.items() if k != "prepaid_topup"))
    assert data["revenue"]["services"] == _money(lines["service"])
    assert data["revenue"]["products"] == _money(lines["product"])
    assert data["revenue"]["tips"] == _money(lines.get("tip", 0))
    ((refunds,),) = _sql(
        db,
        "SELECT SUM(total_minor) FROM sales WHERE kind IN ('refund','void') AND sold_at >= :a AND sold_at < :b",
        **b,
    )
    assert data["revenue"]["refunds"] == _money(refunds)
    ((tax,),) = _sql(
        db,
        "SELECT SUM(sl.tax_minor) FROM sale_lines sl JOIN sales s ON s.id=sl.sale_id WHERE s.sold_at >= :a AND s.sold_at < :b",
        **b,
    )
    assert data["revenue"]["tax"] == _money(tax)
    pays = dict(
        _sql(
            db,
            """SELECT p.method, SUM(p.amount_minor) FROM payments p JOIN sales s ON s.id=p.sale_id
                 WHERE s.sold_at >= :a AND s.sold_at < :b GROUP BY p.method""",
            **b,
        )
    )
    assert data["by_payment_method"] == {k: _money(v) for k, v in pays.items()}
    assert "prepaid" in pays and "package" not in pays  # redeemed sessions write no payment row
    ((visits, new, distinct),) = _sql(
        db,
        """SELECT COUNT(*), COUNT(DISTINCT CASE WHEN is_new_client THEN client_id END),
                 COUNT(DISTINCT client_id) FROM visits WHERE arrived_at >= :a AND arrived_at < :b AND step != 'cancelled'""",
        **b,
    )
    assert (data["visits"], data["new_clients"], data["returning_clients"]) == (visits, new, distinct - new)
    ((ns,),) = _sql(
        db,
        "SELECT COUNT(*) FROM appointments WHERE status='no_show' AND start_at >= :a AND start_at < :b",
        **b,
    )
    assert data["no_shows"] == ns > 0
    ((done, rebooked),) = _sql(
        db,
        """SELECT SUM(step='done'), SUM(step='done' AND next_appointment_id IS NOT NULL)
                 FROM visits WHERE arrived_at >= :a AND arrived_at < :b""",
        **b,
    )
    assert Decimal(data["rebooking_rate"]) == (Decimal(rebooked) / done).quantize(Decimal("0.0001"))
    ((topups, spent),) = _sql(
        db,
        """SELECT SUM(CASE WHEN kind='topup' THEN amount_minor END), -SUM(CASE WHEN kind='spend' THEN amount_minor END)
                 FROM prepaid_movements WHERE at >= :a AND at < :b""",
        **b,
    )
    assert (data["prepaid"]["topups"], data["prepaid"]["spent"]) == (_money(topups), _money(spent))
    assert _money(-spent) == _money(-pays["prepaid"])
    ((greet_met, greet_tot),) = _sql(
        db,
        """SELECT SUM((julianday(greeted_at)-julianday(arrived_at))*86400 <= 30), COUNT(greeted_at)
                 FROM visits WHERE arrived_at >= :a AND arrived_at < :b""",
        **b,
    )
    assert data["standards"]["greet"] == {
        "met": greet_met,
        "total": greet_tot,
        "rate": data["standards"]["greet"]["rate"],
    }
    ((sat_n,),) = _sql(
        db,
        "SELECT COUNT(satisfaction) FROM visits WHERE arrived_at >= :a AND arrived_at < :b AND step != 'cancelled'",
        **b,
    )
    ((fu_n,),) = _sql(
        db, "SELECT COUNT(satisfaction) FROM follow_ups WHERE completed_at >= :a AND completed_at < :b", **b
    )
    sat = data["satisfaction"]  # each source its own count (issue 15: they were pooled into one)
    assert sat["checkout"]["count"] == sat_n == sum(sat["checkout"]["distribution"].values())
    assert sat["followup"]["count"] == fu_n == sum(sat["followup"]["distribution"].values())
    ((redeemed,),) = _sql(db, "SELECT SUM(sessions) FROM package_redemptions WHERE at >= :a AND at < :b", **b)
    assert data["packages"]["sessions_redeemed"] == redeemed > 0
    ((balances,),) = _sql(db, "SELECT SUM(balance_minor) FROM prepaid_accounts")
    assert data["prepaid"]["closing_balance"] == _money(balances)  # the last month of the history
    # the parts add up to the whole
    r = data["revenue"]
    parts = sum(Decimal(r[k]) for k in ("services", "products", "packages", "tips", "rounding", "other"))
    assert parts == Decimal(r["total"])
    assert sum(Decimal(c["total"]) for c in r["by_category"]) == Decimal(r["total"])
    assert sum(Decimal(x["total"]) for x in r["by_day"]) == Decimal(r["total"])
    assert len(r["by_day"]) == 31
    staff_rev = sum(Decimal(s["revenue"]) + Decimal(s["tips"]) for s in data["by_staff"])
    assert staff_rev == Decimal(r["total"])  # every line in the sample names a stylist
    assert sum(s["visits"] for s in data["by_staff"]) == data["visits"]


def test_month_over_month_and_branch_and_bad_input(shop: Services) -> None:
    data = build_monthly(shop.db, MONTH, settings=shop.settings, now=shop.clock())
    prev = build_monthly(shop.db, "2026-09", settings=shop.settings, now=shop.clock(), compare=False)
    cmp_ = data["comparison"]
    assert cmp_["previous_month"] == "2026-09"
    tot = cmp_["figures"]["revenue.total"]
    assert tot["previous"] == prev["revenue"]["total"]
    assert Decimal(tot["delta"]) == Decimal(data["revenue"]["total"]) - Decimal(prev["revenue"]["total"])
    assert cmp_["figures"]["visits"]["delta"] == data["visits"] - prev["visits"]
    branch = build_monthly(
        shop.db, MONTH, branch="1", settings=shop.settings, now=shop.clock(), compare=False
    )
    assert branch["revenue"]["total"] == data["revenue"]["total"] and branch["branch"]["id"] == 1
    with pytest.raises(ReportError):
        build_monthly(shop.db, MONTH, branch="NOPE")
    with pytest.raises(BadMonth):
        build_monthly(shop.db, "2026-13")
    empty = build_monthly(shop.db, "2025-01", now=shop.clock())
    assert empty["revenue"]["total"] == "0.00" and empty["average_ticket"] is None
    assert empty["rebooking_rate"] is None and empty["visits"] == 0
