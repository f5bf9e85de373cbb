"""The figures behind the client value segments (``desk_app.domain.segments``), read for a set of
clients in a few grouped queries (the follow-up list, the profile) or for the whole shop (the
monthly report's count by segment)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from desk_app.db.models import Appointment, Client, Sale, SaleLine
from desk_app.domain.segments import ClientValue, Segment, SegmentRule, ValueFacts, classify
from desk_app.reports.monthly_reader import ReportReader
from desk_app.reports.sqlhelp import Period

_CHUNK = 500
_OPEN = ("booked", "confirmed")
_GOODS = ("service", "product", "package")  # desk_app.checkout.bill.GOODS_KINDS


def _chunks(ids: list[int] | None) -> Iterable[list[int] | None]:
    if ids is None:
        yield None
        return
    for k in range(0, len(ids), _CHUNK):
        yield ids[k : k + _CHUNK]


def client_values(
    s: Session | Connection,
    client_ids: Iterable[int] | None,
    rule: SegmentRule,
    now: datetime,
    among: Select[Any] | None = None,
) -> dict[int, ClientValue]:
    """{client id: value} for ``client_ids`` (None: every client not erased), or for the clients a
    query selects (``among``: one pass each for tens of thousands, not a query per 500 ids)."""
    ids = None if client_ids is None else sorted({int(i) for i in client_ids})
    year, half = now - timedelta(days=365), now - timedelta(days=182)
    out: dict[int, ClientValue] = {}
    for part in _chunks(ids):
        if part == []:
            continue

        def only(col: Any, part: list[int] | None = part) -> Any:
            if among is not None:
                return col.in_(among)
            return col.in_(part) if part is not None else True

        spend: dict[int, tuple[int, int, int]] = {}
        # what the client paid for services, products and packages (tips and top-ups aside), net
        # of refunds: the same measure as the profile's total spend
        line = SaleLine.line_total_minor
        q = (
            select(
                Sale.client_id,
                func.sum(line),
                func.sum(case((Sale.sold_at >= half, line), else_=0)),
                func.sum(case((Sale.sold_at < half, line), else_=0)),
            )
            .join(SaleLine, SaleLine.sale_id == Sale.id)
            .where(
                Sale.client_id.is_not(None),
                Sale.sold_at >= year,
                Sale.sold_at <= now,
                SaleLine.kind.in_(_GOODS),
                only(Sale.client_id),
            )
            .group_by(Sale.client_id)
        )
        for cid, y, last, prev in s.execute(q):
            spend[int(cid or 0)] = (int(y or 0), int(last or 0), int(prev or 0))
        booked = {
            int(c or 0)
            for (c,) in s.execute(
                select(Appointment.client_id)
                .where(
                    Appointment.client_id.is_not(None),
                    Appointment.start_at >= now,
                    Appointment.status.in_(_OPEN),
                    only(Appointment.client_id),
                )
                .distinct()
            )
        }
        cq = select(Client.id, Client.first_visit_at, Client.full_price_spend_minor, Client.membership_tier).where(
            and_(Client.erased_at.is_(None), only(Client.id))
        )
        for cid, first, full_price, tier in s.execute(cq):
            y, last, prev = spend.get(int(cid), (0, 0, 0))
            facts = ValueFacts(y, last, prev, first, int(full_price or 0), tier == "vip", int(cid) in booked)
            out[int(cid)] = classify(facts, rule, now)
    return out


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
        rule = settings.segment_rule(rd.currency)
        for v in client_values(rd.conn, None, rule, as_of, among=served).values():
            counts[v.segment.value] += 1
    return {"as_of": as_of.isoformat(), "served": sum(counts.values()), "by_segment": counts}
