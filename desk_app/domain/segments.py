"""Client value segments (docs/service-standard.md, "Client value"): the source sorts clients by
their current value and their potential value, and calls the valuable ones first.

- **Current value** is high when the client spent at least the owner's amount in the last 12
  months (net of refunds).
- **Potential value** is high when there is a sign the client will spend more: a new client (first
  visit within the owner's number of days), spending growing (the last 6 months more than the 6
  before), close to VIP (full-price spend at least the owner's share of the VIP total, not VIP
  yet), or already booked again.

The four segments, in the order the follow-up list calls them: key (high, high), loyal (high
current, low potential), promising (low current, high potential), standard. Pure rules: the
figures are read by ``desk_app.reports.segments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from desk_app.i18n import N_, _


class Segment(StrEnum):
    KEY = "key"
    LOYAL = "loyal"
    PROMISING = "promising"
    STANDARD = "standard"

    @property
    def label(self) -> str:
        return _(SEGMENT_LABELS[self])

    @property
    def priority(self) -> int:
        """0 first: the order in which calls are made."""
        return list(Segment).index(self)


SEGMENT_LABELS: dict[Segment, str] = {
    Segment.KEY: N_("Key client"),
    Segment.LOYAL: N_("Loyal client"),
    Segment.PROMISING: N_("Promising client"),
    Segment.STANDARD: N_("Standard client"),
}


class Potential(StrEnum):
    """Why a client's potential value is high."""

    NEW = "new"
    GROWING = "growing"
    NEAR_VIP = "near_vip"
    BOOKED = "booked"

    @property
    def label(self) -> str:
        return _(POTENTIAL_LABELS[self])


POTENTIAL_LABELS: dict[Potential, str] = {
    Potential.NEW: N_("first visit recently"),  # "new client" read oddly beside "Visits 5"
    Potential.GROWING: N_("spending more"),
    Potential.NEAR_VIP: N_("close to VIP"),
    Potential.BOOKED: N_("booked again"),
}


@dataclass(frozen=True)
class SegmentRule:
    high_value_minor: int  # spent in the last 12 months for a high current value
    new_days: int  # a client whose first visit is this recent is new
    near_vip_minor: int  # full-price spend from which a client not yet VIP is close to it


@dataclass(frozen=True)
class ValueFacts:
    spend_12m_minor: int
    spend_last_6m_minor: int
    spend_prev_6m_minor: int
    first_visit_at: datetime | None
    full_price_spend_minor: int
    vip: bool
    booked: bool


@dataclass(frozen=True)
class ClientValue:
    segment: Segment
    spend_12m_minor: int
    potential: tuple[Potential, ...]

    @property
    def why(self) -> str:
        """Why the potential is high, in words: "first visit recently · booked again" ("" when it is not)."""
        return " · ".join(p.label for p in self.potential)


def near_vip_minor(cumulative_threshold_minor: int, percent: Decimal) -> int:
    return int((Decimal(cumulative_threshold_minor) * percent / 100).to_integral_value())


def classify(f: ValueFacts, rule: SegmentRule, now: datetime) -> ClientValue:
    high_now = f.spend_12m_minor >= rule.high_value_minor > 0 or (
        rule.high_value_minor == 0 and f.spend_12m_minor > 0
    )
    signs: list[Potential] = []
    if f.first_visit_at is not None and now - f.first_visit_at <= timedelta(days=rule.new_days):
        signs.append(Potential.NEW)
    if f.spend_last_6m_minor > f.spend_prev_6m_minor and f.spend_prev_6m_minor > 0:
        signs.append(Potential.GROWING)
    if not f.vip and 0 < rule.near_vip_minor <= f.full_price_spend_minor:
        signs.append(Potential.NEAR_VIP)
    if f.booked:
        signs.append(Potential.BOOKED)
    if high_now:
        seg = Segment.KEY if signs else Segment.LOYAL
    else:
        seg = Segment.PROMISING if signs else Segment.STANDARD
    return ClientValue(seg, f.spend_12m_minor, tuple(signs))
