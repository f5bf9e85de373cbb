"""The monthly report's stock (docs/stock.md): what the shelves held at the month's end and what it is
worth at cost, the retail shelf apart from the back-bar; what deliveries brought in the month; what
the stock counts closed in it found missing or over.

Stock is the shop's, not a branch's: a branch's report shows the same figures. A product's stock at
the month's end is its stock now less the movements since; its value is at the product's cost now.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select

from desk_app.db.models import Product, PurchaseOrderLine, StockCount, StockMovement
from desk_app.reports.monthly_reader import ReportReader, as_int
from desk_app.reports.sqlhelp import Period


def stock_figures(rd: ReportReader, p: Period) -> dict[str, Any]:
    """``retail`` and ``backbar`` (units, value at cost) at the month's end, ``received`` (deliveries:
    units, value at the order's cost or the product's), ``counts`` (closed, units counted over (+) or
    missing (-), their value at cost)."""
    c = rd.conn
    lo, hi = rd.ts(p.start), rd.ts(p.end)
    mv = StockMovement
    after = (
        select(mv.product_id, func.sum(mv.qty_delta).label("later")).where(mv.at >= hi).group_by(mv.product_id)
    ).subquery()
    end_qty = Product.stock_qty - func.coalesce(after.c.later, 0)
    backbar = and_(Product.is_backbar.is_(True), Product.is_retail.is_(False))
    shelf: dict[str, Any] = {}
    total = 0
    for key, cond in (("retail", ~backbar), ("backbar", backbar)):
        units, value = c.execute(
            select(func.sum(case((end_qty > 0, end_qty), else_=0)),
                   func.sum(case((end_qty > 0, end_qty * Product.cost_minor), else_=0)))
            .select_from(Product).outerjoin(after, after.c.product_id == Product.id).where(cond)
        ).one()
        shelf[key] = {"units": as_int(units), "value": rd.m(as_int(value))}
        total += as_int(value)
    got_units, got_value = c.execute(
        select(func.sum(mv.qty_delta),
               func.sum(mv.qty_delta * func.coalesce(PurchaseOrderLine.unit_cost_minor, Product.cost_minor)))
        .select_from(mv).join(Product, Product.id == mv.product_id)
        .outerjoin(PurchaseOrderLine, PurchaseOrderLine.id == mv.order_line_id)
        .where(mv.reason == "receive", mv.at >= lo, mv.at < hi)
    ).one()
    closed = select(StockCount.id).where(StockCount.status == "closed", StockCount.closed_at >= lo,
                                         StockCount.closed_at < hi)
    n_counts = as_int(c.execute(select(func.count()).select_from(closed.subquery())).scalar())
    var_units, var_value = c.execute(
        select(func.sum(mv.qty_delta), func.sum(mv.qty_delta * Product.cost_minor))
        .select_from(mv).join(Product, Product.id == mv.product_id)
        .where(mv.reason == "count", mv.count_id.in_(closed))
    ).one()
    return {
        **shelf,
        "value": rd.m(total),
        "received": {"units": as_int(got_units), "value": rd.m(as_int(got_value))},
        "counts": {"closed": n_counts, "units": as_int(var_units), "value": rd.m(as_int(var_value))},
    }
