"""Commission plans: who earns what share of which sales (docs/payroll.md).

A plan is the owner's rates, each for one staff member or for everyone, for one *scope* of what
is sold (services, optionally of one category; retail products; packages; prepaid top-ups; gift
vouchers), flat or tiered by the period's takings in that scope, and three rules for money taken
before the service (a prepaid top-up, a package, a gift voucher): commission "on sale" or "on
redemption". Pure: no database.

Amounts are integer minor units; rates are basis points (15 % is 1500).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SERVICE = "service"
PRODUCT = "product"
PACKAGE = "package"
PREPAID = "prepaid"
VOUCHER = "voucher"  # gift vouchers sold
SCOPES = (SERVICE, PRODUCT, PACKAGE, PREPAID, VOUCHER)
ON_SALE = "sale"
ON_REDEMPTION = "redemption"
RULES = (ON_SALE, ON_REDEMPTION)
MAX_RATE_BP = 10_000  # 100 %


class PlanError(ValueError):
    """A plan that cannot be used; ``field`` names the part, the message says what is wrong (in
    English, for logs and the command line) and ``code`` which rule it broke, for the words a
    screen shows (ui/settings/commission.py)."""

    def __init__(self, field: str, message: str, code: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Tier:
    from_minor: int  # the band starts at this much of the period's takings (the first at 0)
    rate_bp: int


@dataclass(frozen=True)
class Rate:
    staff_id: int | None  # None: everyone without a rate of their own for this scope
    scope: str
    category_id: int | None  # services only: one category (None: every service)
    tiers: tuple[Tier, ...]

    @property
    def flat(self) -> bool:
        return len(self.tiers) == 1

    def key(self) -> tuple[int | None, str, int | None]:
        return (self.staff_id, self.scope, self.category_id)


@dataclass(frozen=True)
class Plan:
    rates: tuple[Rate, ...] = ()
    prepaid_rule: str = ON_REDEMPTION  # commission on a top-up when sold, or on what it pays for
    package_rule: str = ON_SALE  # on the package when sold, or on each session as it is used
    voucher_rule: str = ON_REDEMPTION  # on a gift voucher when sold, or on what it pays for
    _index: dict[tuple[int | None, str, int | None], Rate] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        self._index.update({r.key(): r for r in self.rates})

    def rate_for(self, staff_id: int | None, scope: str, category_id: int | None = None) -> Rate | None:
        """The rate that applies: the staff member's own for the category, their own for the scope,
        everyone's for the category, everyone's for the scope; None: no commission."""
        if staff_id is None:  # a line no one is named on earns no one anything
            return None
        for key in (
            (staff_id, scope, category_id),
            (staff_id, scope, None),
            (None, scope, category_id),
            (None, scope, None),
        ):
            r = self._index.get(key)
            if r is not None:
                return r
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "prepaid_rule": self.prepaid_rule,
            "package_rule": self.package_rule,
            "voucher_rule": self.voucher_rule,
            "rates": [
                {
                    "staff_id": r.staff_id,
                    "scope": r.scope,
                    "category_id": r.category_id,
                    "tiers": [[t.from_minor, t.rate_bp] for t in r.tiers],
                }
                for r in self.rates
            ],
        }


def tiered(basis_minor: int, tiers: Sequence[Tier]) -> int:
    """Commission on ``basis_minor`` of takings: each band at its own rate (a higher rate applies
    only to what is above its threshold, so selling one more never lowers the pay), rounded half
    up to the minor unit once. Negative takings (more refunded than sold in the period) are
    clawed back at the first band's rate."""
    if not tiers:
        return 0
    if basis_minor <= 0:
        return _round(Decimal(basis_minor) * tiers[0].rate_bp / 10_000)
    total = Decimal(0)
    for i, t in enumerate(tiers):
        upper = tiers[i + 1].from_minor if i + 1 < len(tiers) else None
        if basis_minor <= t.from_minor:
            break
        top = basis_minor if upper is None else min(basis_minor, upper)
        total += Decimal(top - t.from_minor) * t.rate_bp / 10_000
    return _round(total)


def _round(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _int(value: Any, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PlanError(where, f"{what} must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise PlanError(where, f"{what} must be a whole number") from None


def parse_tiers(raw: Any, where: str = "tiers") -> tuple[Tier, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise PlanError(where, "a rate needs at least one band: [[0, rate_bp]]")
    tiers = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise PlanError(where, "each band is [from_minor, rate_bp]")
        frm, bp = _int(item[0], where, "a band's start"), _int(item[1], where, "a rate")
        if not 0 <= bp <= MAX_RATE_BP:
            raise PlanError(where, "a rate is between 0 and 100 %", "range")
        tiers.append(Tier(frm, bp))
    if tiers[0].from_minor != 0:
        raise PlanError(where, "the first band starts at 0", "first")
    if any(b.from_minor <= a.from_minor for a, b in zip(tiers, tiers[1:], strict=False)):
        raise PlanError(where, "each band starts above the one before", "order")
    return tuple(tiers)


def parse_plan(raw: Mapping[str, Any]) -> Plan:
    """A plan from its JSON form (what is stored); PlanError says what is wrong."""
    if not isinstance(raw, Mapping):
        raise PlanError("plan", "a plan is an object")
    prepaid = raw.get("prepaid_rule", ON_REDEMPTION)
    package = raw.get("package_rule", ON_SALE)
    voucher = raw.get("voucher_rule", ON_REDEMPTION)  # plans saved before vouchers: on redemption
    for name, value in (("prepaid_rule", prepaid), ("package_rule", package), ("voucher_rule", voucher)):
        if value not in RULES:
            raise PlanError(name, f"{name} is 'sale' or 'redemption'")
    rates: list[Rate] = []
    seen: set[tuple[int | None, str, int | None]] = set()
    for i, r in enumerate(raw.get("rates") or []):
        where = f"rates[{i}]"
        if not isinstance(r, Mapping):
            raise PlanError(where, "a rate is an object")
        scope = r.get("scope")
        if scope not in SCOPES:
            raise PlanError(where, "scope is one of " + ", ".join(SCOPES))
        staff = r.get("staff_id")
        cat = r.get("category_id")
        staff_id = None if staff is None else _int(staff, where, "staff_id")
        category_id = None if cat is None else _int(cat, where, "category_id")
        if category_id is not None and scope != SERVICE:
            raise PlanError(where, "only services have categories")
        rate = Rate(staff_id, str(scope), category_id, parse_tiers(r.get("tiers"), where))
        if rate.key() in seen:
            raise PlanError(where, "two rates for the same person and scope")
        seen.add(rate.key())
        rates.append(rate)
    return Plan(tuple(rates), str(prepaid), str(package), str(voucher))


def percent_text(rate_bp: int) -> str:
    """1500 -> "15", 1250 -> "12.5" (a rate as people type it)."""
    return format((Decimal(rate_bp) / 100).normalize(), "f")


def rate_text(tiers: Sequence[Tier], currency: str, word: str = "from", sep: str = "; ") -> str:
    """A rate as the owner types it: "15", or "10; 15 from 8000; 20 from 15000" (amounts in
    currency units, the first band from 0; ``word`` is "from" in the reader's language, which
    ``parse_rate_text`` reads back: "from" or "从")."""
    from desk_app.domain.money import from_minor

    parts = [percent_text(tiers[0].rate_bp)] if tiers else []
    for t in tiers[1:]:
        amount = format(from_minor(t.from_minor, currency).normalize(), "f")
        parts.append(f"{percent_text(t.rate_bp)} {word} {amount}")
    return sep.join(parts)


def parse_rate_text(text: str, currency: str) -> tuple[Tier, ...]:
    """The typed rate back into bands; PlanError("rate", ...) when it cannot be read. "%", full-width
    punctuation and "从" for "from" are taken as typed in Chinese."""
    import re
    from decimal import InvalidOperation

    from desk_app.domain.money import to_minor

    clean = re.sub(r"(?<=\d)[,，](?=\d{3}(?!\d))", "", text or "")  # 8,000: a thousands separator
    clean = clean.replace("；", ";").replace("，", ";").replace(",", ";").replace("%", "").replace("％", "")
    clean = clean.replace("从", " from ").replace("起", " ")
    bands = [b.strip() for b in clean.split(";") if b.strip()]
    if not bands:
        raise PlanError("rate", "type a rate, e.g. 15, or 10; 15 from 8000", "empty")
    raw: list[list[int]] = []
    try:
        for i, band in enumerate(bands):
            words = band.lower().split("from")
            rate = Decimal(words[0].strip())
            if len(words) == 1:
                if i:
                    raise PlanError("rate", "each band after the first says from what amount: 15 from 8000", "from")
                start = 0
            elif len(words) == 2 and i:
                start = to_minor(Decimal(words[1].strip()), currency)
            else:
                raise PlanError("rate", "the first band is the rate alone: 10; 15 from 8000", "first")
            bp = rate * 100
            if bp != bp.to_integral_value():
                raise PlanError("rate", "a rate has at most two decimals", "decimals")
            raw.append([start, int(bp)])
    except PlanError:
        raise
    except (InvalidOperation, ValueError):
        raise PlanError("rate", "type a rate, e.g. 15, or 10; 15 from 8000", "number") from None
    return parse_tiers(raw, "rate")
