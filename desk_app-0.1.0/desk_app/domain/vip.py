"""The membership (VIP) rule of docs/product.md §4, with the owner's settings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class VipRule:
    single_purchase_threshold: Decimal = Decimal("3000")
    cumulative_threshold: Decimal = Decimal("5000")
    discount_percent: Decimal = Decimal("12")  # "8.8 zhe"

    @property
    def price_factor(self) -> Decimal:
        return (Decimal(100) - self.discount_percent) / Decimal(100)


@dataclass(frozen=True)
class VipDecision:
    becomes_member: bool
    reason: str  # "" | single_purchase | cumulative


def evaluate(
    rule: VipRule,
    already_member: bool,
    purchase_total: Decimal,
    full_price_before: Decimal,
    full_price_in_purchase: Decimal,
) -> VipDecision:
    """Does this purchase make the client a member?

    ``purchase_total`` is what the client pays for goods and services in this
    purchase (tips and prepaid top-ups excluded). Only full-price spend counts
    toward the cumulative threshold (discounted purchases do not).
    """
    if already_member:
        return VipDecision(False, "")
    if purchase_total >= rule.single_purchase_threshold:
        return VipDecision(True, "single_purchase")
    if full_price_before + full_price_in_purchase >= rule.cumulative_threshold:
        return VipDecision(True, "cumulative")
    return VipDecision(False, "")


def spend_to_member(
    rule: VipRule,
    already_member: bool,
    purchase_total: Decimal,
    full_price_before: Decimal,
    full_price_in_purchase: Decimal,
) -> Decimal | None:
    """The sales talk at checkout (the source's retail step 5: "spend X more to become VIP"): how
    much more full-price spend in this purchase makes the client a member. None when they are one
    already or this purchase makes them one.

    Full-price spend counts toward both thresholds (this purchase and the running total), so the
    smaller of the two gaps is what the client needs to add.
    """
    if evaluate(rule, already_member, purchase_total, full_price_before, full_price_in_purchase).becomes_member:
        return None
    if already_member:
        return None
    single = rule.single_purchase_threshold - purchase_total
    cumulative = rule.cumulative_threshold - (full_price_before + full_price_in_purchase)
    return max(Decimal(0), min(single, cumulative))
