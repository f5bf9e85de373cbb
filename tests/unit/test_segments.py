"""Client value segments: current value (12 months' spend) and potential value (new, growing,
close to VIP, booked again) give key, keep, develop or standard (docs/service-standard.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from desk_app.domain.segments import Potential, Segment, SegmentRule, ValueFacts, classify, near_vip_minor

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
RULE = SegmentRule(high_value_minor=300000, new_days=90, near_vip_minor=400000)


def facts(**kw: object) -> ValueFacts:
    base: dict[str, object] = dict(
        spend_12m_minor=0,
        spend_last_6m_minor=0,
        spend_prev_6m_minor=0,
        first_visit_at=NOW - timedelta(days=800),
        full_price_spend_minor=0,
        vip=False,
        booked=False,
    )
    base.update(kw)
    return ValueFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "segment", "signs"),
    [
        ({}, Segment.STANDARD, ()),
        ({"spend_12m_minor": 300000}, Segment.LOYAL, ()),  # the threshold itself is high
        ({"spend_12m_minor": 299999}, Segment.STANDARD, ()),
        ({"spend_12m_minor": 300000, "booked": True}, Segment.KEY, (Potential.BOOKED,)),
        ({"first_visit_at": NOW - timedelta(days=90)}, Segment.PROMISING, (Potential.NEW,)),
        ({"first_visit_at": NOW - timedelta(days=91)}, Segment.STANDARD, ()),
        ({"spend_last_6m_minor": 2, "spend_prev_6m_minor": 1}, Segment.PROMISING, (Potential.GROWING,)),
        ({"spend_last_6m_minor": 5, "spend_prev_6m_minor": 0}, Segment.STANDARD, ()),  # no "before" to grow from
        ({"full_price_spend_minor": 400000}, Segment.PROMISING, (Potential.NEAR_VIP,)),
        ({"full_price_spend_minor": 400000, "vip": True}, Segment.STANDARD, ()),  # already VIP
        ({"first_visit_at": None}, Segment.STANDARD, ()),
    ],
)
def test_segments(kw: dict[str, object], segment: Segment, signs: tuple[Potential, ...]) -> None:
    v = classify(facts(**kw), RULE, NOW)
    assert (v.segment, v.potential) == (segment, signs)


def test_order_and_near_vip_share() -> None:
    assert [s.priority for s in (Segment.KEY, Segment.LOYAL, Segment.PROMISING, Segment.STANDARD)] == [0, 1, 2, 3]
    assert near_vip_minor(500000, Decimal("80")) == 400000
    # a zero threshold turns the sign off rather than marking every client
    assert classify(facts(), SegmentRule(300000, 90, 0), NOW).segment == Segment.STANDARD
