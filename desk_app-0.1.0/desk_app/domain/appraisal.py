"""Staff appraisal (docs/service-standard.md): a monthly score from weighted parts of the month's
figures, less points per complaint, against a pass mark; the performance share of pay follows
the score, and passing adds a bonus. Pure arithmetic on the monthly report's staff rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PARTS = ("quality", "sales", "rebooking", "standards")


@dataclass(frozen=True)
class AppraisalRules:
    """The owner's settings; the source's example as defaults (50/20/20/10, -5 a complaint)."""

    weight_quality: int = 50  # the checkout score (average of 1-5, as a share of 5)
    weight_sales: int = 20  # revenue against the monthly target
    weight_rebooking: int = 20  # clients who booked again before leaving
    weight_standards: int = 10  # time standards met in their role
    complaint_penalty: int = 5  # points off per complaint naming them
    pass_mark: int = 80
    sales_target: Decimal = Decimal("20000")  # a month's revenue per person
    performance_share_percent: Decimal = Decimal("20")  # of base pay, paid as the score says
    bonus_percent: Decimal = Decimal("5")  # of base pay, on top, for a pass

    def weights(self) -> dict[str, int]:
        return dict(zip(PARTS, (self.weight_quality, self.weight_sales, self.weight_rebooking, self.weight_standards), strict=True))


def _d(v: Any) -> Decimal | None:
    return None if v in (None, "", "-") else Decimal(str(v))


def parts_of(row: dict[str, Any], rules: AppraisalRules) -> dict[str, Decimal | None]:
    """Each part from 0 to 100, or None when there was nothing to measure (no scores, no visits)."""
    avg = _d(row.get("satisfaction", {}).get("checkout", {}).get("average"))
    revenue = _d(row.get("revenue")) or Decimal(0)
    rebook = _d(row.get("rebooking_rate"))
    role = "reception" if row.get("role") == "receptionist" else "service"
    std = row.get("standards", {}).get(role, {})
    std_rate = _d(std.get("rate")) if std.get("total") else None
    sales: Decimal | None = None
    if row.get("role") != "receptionist" and rules.sales_target > 0:
        sales = min(revenue / rules.sales_target, Decimal(1)) * 100
    return {
        "quality": None if avg is None else avg / 5 * 100,
        "sales": sales,
        "rebooking": None if rebook is None or not row.get("visits") else rebook * 100,
        "standards": None if std_rate is None else std_rate * 100,
    }


def appraise(row: dict[str, Any], rules: AppraisalRules) -> dict[str, Any]:
    """One staff member's month: the parts, the score (weighted over the parts that could be
    measured, less the complaint points, 0..100), pass or not, the performance pay."""
    parts = parts_of(row, rules)
    weights = rules.weights()
    measured: dict[str, Decimal] = {k: v for k, v in parts.items() if v is not None and weights[k] > 0}
    wsum = sum(weights[k] for k in measured)
    q = Decimal("0.1")
    if not wsum:
        return {"parts": {k: None for k in PARTS}, "score": None, "passed": None, "penalty": 0,
                "performance_pay_percent": None}
    raw = sum((weights[k] * v for k, v in measured.items()), Decimal(0)) / wsum
    penalty = rules.complaint_penalty * int(row.get("complaints", 0))
    score = max(Decimal(0), min(Decimal(100), raw - penalty))
    passed = score >= rules.pass_mark
    pay = rules.performance_share_percent * score / 100 + (rules.bonus_percent if passed else Decimal(0))
    return {
        "parts": {k: (None if v is None else str(v.quantize(q, rounding=ROUND_HALF_UP))) for k, v in parts.items()},
        "score": str(score.quantize(q, rounding=ROUND_HALF_UP)),
        "passed": passed,
        "penalty": penalty,
        "performance_pay_percent": str(pay.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
    }
