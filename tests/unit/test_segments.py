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


def test_the_monthly_counts_sql_gives_classify_s_segment_for_every_combination_of_facts() -> None:
    """``reports.segments.segment_code`` (the monthly report counts tens of thousands of clients in
    SQL) and ``classify`` (the follow-up list, the profile) give the same segment."""
    import itertools

    from sqlalchemy import Boolean, Column, Integer, MetaData, Table, create_engine, select

    from desk_app.db.types import UTCDateTime
    from desk_app.reports.segments import _CODES, segment_code

    t = Table(
        "f", MetaData(), Column("n", Integer, primary_key=True), Column("first_visit_at", UTCDateTime()),
        Column("full_price", Integer), Column("vip", Boolean), Column("booked", Boolean),
        Column("y", Integer), Column("last", Integer), Column("prev", Integer),
    )  # fmt: skip
    rules = [RULE, SegmentRule(high_value_minor=0, new_days=30, near_vip_minor=0), SegmentRule(5, 0, 1)]
    engine = create_engine("sqlite://")
    t.metadata.create_all(engine)
    for rule in rules:
        high, near, days = rule.high_value_minor, rule.near_vip_minor, timedelta(days=rule.new_days)
        grid = itertools.product(
            sorted({0, 1, max(high - 1, 0), high, high + 1}),  # spend in the year
            [(0, 0), (2, 1), (1, 1), (1, 0), (0, 1), (-1, 3)],  # the last 6 months, the 6 before
            [None, NOW - days, NOW - days - timedelta(seconds=1), NOW + timedelta(days=1)],  # the first visit
            sorted({0, max(near - 1, 0), near}),  # full-price spend
            [False, True],  # VIP
            [False, True],  # booked again
        )
        rows = [
            {"n": n, "y": y, "last": last, "prev": prev, "first_visit_at": first, "full_price": fp, "vip": vip,
             "booked": booked}
            for n, (y, (last, prev), first, fp, vip, booked) in enumerate(grid)
        ]  # fmt: skip
        with engine.begin() as c:
            c.execute(t.delete())
            c.execute(t.insert(), rows)
            got = dict(c.execute(select(t.c.n, segment_code(t.c, rule, NOW))).all())
        for r in rows:
            want = classify(
                ValueFacts(r["y"], r["last"], r["prev"], r["first_visit_at"], r["full_price"], r["vip"], r["booked"]),
                rule,
                NOW,
            ).segment
            assert _CODES[got[r["n"]]] == want, (rule, r)


def test_the_spend_the_segments_and_the_check_sum_is_checkout_s_goods() -> None:
    """The reports and ``desk-app check`` sit below checkout and cannot import its ``GOODS_KINDS``:
    their own copies (the segments' ``_GOODS``, the check's client spend SQL) must say the same."""
    from desk_app.checkout.bill import GOODS_KINDS
    from desk_app.reports.segments import _GOODS
    from desk_app.trust.integrity import _SUMMARIES

    assert set(_GOODS) == GOODS_KINDS
    rows_sql = {table: sql for table, _key, _sums, sql in _SUMMARIES}["client_spend_hours"]
    listed = rows_sql.split("l.kind IN (")[1].split(")")[0]
    assert {k.strip().strip("'") for k in listed.split(",")} == GOODS_KINDS
