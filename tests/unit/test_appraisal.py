"""Issue 15: the staff appraisal's arithmetic (the source's example: 50/20/20/10, -5 a complaint,
pass at 80, the performance share of pay and a bonus for a pass)."""

from __future__ import annotations

from decimal import Decimal

from desk_app.domain.appraisal import AppraisalRules, appraise


def _row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "role": "stylist",
        "revenue": "20000.00",
        "visits": 40,
        "rebooking_rate": "0.750",
        "complaints": 0,
        "satisfaction": {"checkout": {"average": "4.50", "count": 30}},
        "standards": {"service": {"met": 36, "total": 40, "rate": "0.900"}, "reception": {"met": 0, "total": 0, "rate": None}},
    }
    row.update(kw)
    return row


def test_the_sources_example() -> None:
    # quality 90 x 50 + sales 100 x 20 + rebooking 75 x 20 + standards 90 x 10 = 8900 / 100 = 89
    a = appraise(_row(), AppraisalRules())
    assert a["parts"] == {"quality": "90.0", "sales": "100.0", "rebooking": "75.0", "standards": "90.0"}
    assert (a["score"], a["passed"]) == ("89.0", True)
    assert a["performance_pay_percent"] == "22.80"  # 20 % x 0.89 + 5 % bonus
    two = appraise(_row(complaints=2), AppraisalRules())  # -5 each: 79, below the pass mark
    assert (two["score"], two["passed"], two["penalty"], two["performance_pay_percent"]) == ("79.0", False, 10, "15.80")


def test_the_owner_s_weights_and_what_cannot_be_measured() -> None:
    rules = AppraisalRules(weight_quality=100, weight_sales=0, weight_rebooking=0, weight_standards=0, pass_mark=95)
    assert appraise(_row(), rules)["score"] == "90.0"
    # a receptionist sells nothing and has no checkout score: scored on the parts that apply
    desk = _row(role="receptionist", revenue="0", visits=0, rebooking_rate=None,
                satisfaction={"checkout": {"average": None, "count": 0}},
                standards={"reception": {"met": 45, "total": 50, "rate": "0.900"}, "service": {"met": 0, "total": 0, "rate": None}})
    a = appraise(desk, AppraisalRules())
    assert a["parts"] == {"quality": None, "sales": None, "rebooking": None, "standards": "90.0"} and a["score"] == "90.0"
    nothing = appraise(_row(role="receptionist", visits=0, rebooking_rate=None, satisfaction={}, standards={}), AppraisalRules())
    assert nothing["score"] is None and nothing["passed"] is None
    assert appraise(_row(complaints=30), AppraisalRules())["score"] == "0.0"  # never below 0
    assert AppraisalRules().sales_target == Decimal("20000")
