"""The figures behind the client value segments (``desk_app.domain.segments``), read for a set of
clients in a few grouped queries (the follow-up list, the profile) or for the whole shop (the
monthly report's count by segment)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, case, cast, func, or_, select, text, true, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from desk_app.db.models import Appointment, Client, ClientSpendHour, Sale, SaleLine, client_listed
from desk_app.domain.segments import ClientValue, Segment, SegmentRule, ValueFacts, classify
from desk_app.reports.hours import ceil_hour, floor_hour
from desk_app.reports.monthly_reader import ReportReader
from desk_app.reports.sqlhelp import Period

_CHUNK = 500
_OPEN = ("booked", "confirmed")
_GOODS = ("service", "product", "package")  # desk_app.checkout.bill.GOODS_KINDS
_YEAR, _HALF = timedelta(days=365), timedelta(days=182)


def _chunks(ids: list[int] | None) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    for k in range(0, len(ids), _CHUNK):
        yield ids[k : k + _CHUNK]


def _facts(
    now: datetime, only: Callable[[Any], Any] | None, *, with_now: bool = True, among: Any = None
) -> Select[*tuple[Any, ...]]:
    """One row of ``ValueFacts`` a client kept by ``only`` (not erased): id, first visit, full-price
    spend, VIP?, booked?, and what the client paid for services, products and packages (tips and
    top-ups aside, net of refunds: the same measure as the profile's total spend) in the last 6
    months and the 6 before (the year is the two), up to ``now`` (and at it, ``with_now``: the
    profile's "now"; a month's figures end just before the next month begins).

    The whole UTC hours come from ``client_spend_hours`` (kept by triggers with the lines, migration
    0023: a client's year is a dozen rows, not a year of lines), the minutes at the ends of the year
    and around the half-year split from the rows, so the figures are the rows' figures exactly. A
    month's end in a whole-hour zone has no such minutes.

    ``among`` (a CTE of client ids, the monthly report's served clients) instead of ``only``: the
    clients are read from it and the hours joined on its column, so the server joins the served
    clients' hours, not every client's (PostgreSQL hashed all 100k clients and their 490k hours
    first: 225 → 180 ms at 1M lines). SQLite is given ``only`` instead: walking the clients by id
    it groups them without a sort, and the other shape made its report 0.1 s slower."""
    year, half = now - _YEAR, now - _HALF
    lo, hi = ceil_hour(year), floor_hour(now)  # the summary's span [lo, hi), less the hour around half
    mid_lo, mid_hi = floor_hour(half), ceil_hour(half)
    h = ClientSpendHour
    booked = (
        select(Appointment.id)
        .where(Appointment.client_id == Client.id, Appointment.start_at >= now, Appointment.status.in_(_OPEN))
        .exists()
    )
    by_hours = (
        select(
            Client.id,
            Client.first_visit_at,
            func.coalesce(Client.full_price_spend_minor, 0).label("full_price"),
            (func.coalesce(Client.membership_tier, "") == "vip").label("vip"),
            booked.label("booked"),
            func.coalesce(func.sum(case((h.hour >= half, h.goods_minor))), 0).label("last"),
            func.coalesce(func.sum(case((h.hour < half, h.goods_minor))), 0).label("prev"),
        )
        .select_from(Client if among is None else among.join(Client, Client.id == among.c[0]))
        .outerjoin(
            h,
            and_(h.client_id == (Client.id if among is None else among.c[0]), h.hour >= lo, h.hour < hi,
                 or_(h.hour < mid_lo, h.hour >= mid_hi)),
        )
        .where(client_listed(), only(Client.id) if only is not None else true())
        .group_by(Client.id)
        .subquery()
    )
    edges = [  # at most an hour's sales each, read by time (no client filter: the join keeps the clients')
        select(
            Sale.client_id.label("cid"), Sale.sold_at.label("at"), SaleLine.line_total_minor.label("amount")
        )
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .where(
            Sale.sold_at >= a,
            Sale.sold_at <= b if b == now and with_now else Sale.sold_at < b,
            SaleLine.kind.in_(_GOODS),
        )
        for a, b in ((year, lo), (mid_lo, mid_hi), (hi, now))
        if a < b or (b == now and with_now)
    ]
    cols = (
        by_hours.c.id,
        by_hours.c.first_visit_at,
        by_hours.c.full_price,
        by_hours.c.vip,
        by_hours.c.booked,
    )
    if not edges:
        last0, prev0 = by_hours.c.last, by_hours.c.prev
        return select(*cols, (last0 + prev0).label("y"), last0.label("last"), prev0.label("prev"))
    rows = union_all(*edges).subquery()
    at_ends = (
        select(
            rows.c.cid,
            func.sum(case((rows.c.at >= half, rows.c.amount), else_=0)).label("last"),
            func.sum(case((rows.c.at < half, rows.c.amount), else_=0)).label("prev"),
        )
        .group_by(rows.c.cid)
        .subquery()
    )
    last = by_hours.c.last + func.coalesce(at_ends.c.last, 0)
    prev = by_hours.c.prev + func.coalesce(at_ends.c.prev, 0)
    return select(*cols, (last + prev).label("y"), last.label("last"), prev.label("prev")).outerjoin(
        at_ends, at_ends.c.cid == by_hours.c.id
    )


def client_values(
    s: Session | Connection,
    client_ids: Iterable[int] | None,
    rule: SegmentRule,
    now: datetime,
) -> dict[int, ClientValue]:
    """{client id: value} for ``client_ids`` (None: every client not erased), a query per 500 ids."""
    ids = None if client_ids is None else sorted({int(i) for i in client_ids})
    out: dict[int, ClientValue] = {}
    for part in _chunks(ids):
        if part == []:
            continue

        def only(col: Any, part: list[int] | None = part) -> Any:
            return col.in_(part) if part is not None else true()

        for cid, first, full_price, vip, booked, y, last, prev in s.execute(_facts(now, only)):
            facts = ValueFacts(int(y), int(last), int(prev), first, int(full_price), bool(vip), bool(booked))
            out[int(cid)] = classify(facts, rule, now)
    return out


_CODES = {3: Segment.KEY, 2: Segment.LOYAL, 1: Segment.PROMISING, 0: Segment.STANDARD}


def segment_code(f: Any, rule: SegmentRule, now: datetime) -> Any:
    """``classify``'s segment as SQL over the columns of ``_facts`` (``f``), as a number (``_CODES``:
    2 for a high current value, plus 1 for a sign of potential; each fact appears once, so a
    client's bookings are looked up once): the monthly report counts tens of thousands of clients
    without bringing each one back. tests/unit/test_segments.py holds the two to the same answer."""
    high_now = f.y >= rule.high_value_minor if rule.high_value_minor > 0 else f.y > 0
    signs = [
        and_(f.first_visit_at.is_not(None), f.first_visit_at >= now - timedelta(days=rule.new_days)),
        and_(f.last > f.prev, f.prev > 0),
        f.booked,
    ]
    if rule.near_vip_minor > 0:
        signs.append(and_(f.vip.is_(False), f.full_price >= rule.near_vip_minor))
    return cast(high_now, Integer) * 2 + cast(or_(*signs), Integer)


def segment_counts(conn: Connection, among: Select[Any], rule: SegmentRule, end: datetime) -> dict[str, int]:
    """{segment: clients} among the clients a query selects, as at ``end`` (what was sold before it:
    a month's end), in one statement for tens of thousands."""
    served = among.cte("served")
    if conn.dialect.name == "postgresql":
        f = _facts(end, None, with_now=False, among=served).subquery()
    else:  # SQLite walks the clients by id with the served ids as a set, and groups without a sort
        f = _facts(end, lambda col: col.in_(select(served.c[0])), with_now=False).subquery()
    counts = dict.fromkeys((v.value for v in Segment), 0)
    q = select(segment_code(f.c, rule, end), func.count()).select_from(f).group_by(text("1"))
    for code, n in conn.execute(q):
        counts[_CODES[int(code)].value] = int(n)
    return counts


def month_value_figures(rd: ReportReader, month: str, settings: Any) -> dict[str, Any]:
    """The clients served in the month (a sale in it) by value segment, as at the end of the
    month (or now, for a month still running)."""
    p = Period.of(month, rd.tz)
    as_of = min(p.end, rd.now)
    served = (
        select(Sale.client_id)
        .where(
            Sale.client_id.is_not(None),
            Sale.sold_at >= rd.ts(p.start),
            Sale.sold_at < rd.ts(p.end),
            Sale.kind == "sale",
            rd.branch(Sale.branch_id),
        )
        .distinct()
    )
    counts = dict.fromkeys((seg.value for seg in Segment), 0)
    if hasattr(settings, "segment_rule"):
        counts = segment_counts(rd.conn, served, settings.segment_rule(rd.currency), as_of)
    return {"as_of": as_of.isoformat(), "served": sum(counts.values()), "by_segment": counts}
