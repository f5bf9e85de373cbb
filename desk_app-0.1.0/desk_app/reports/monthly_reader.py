"""What every section of the monthly report reads with: the connection and the report's settings
(``ReportReader``), the catalog names (``Catalog``) and the per-staff totals the sections add up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, literal, select
from sqlalchemy.sql.elements import ColumnElement

from desk_app.db.models import Product, Service, ServiceCategory, Staff
from desk_app.db.types import UTCDateTime
from desk_app.domain.money import Money
from desk_app.domain.standards import Standards

StaffAcc = dict[int, dict[str, int]]  # staff id -> figure -> running total, filled by several sections


def new_staff_acc() -> StaffAcc:
    return defaultdict(lambda: defaultdict(int))


@dataclass(frozen=True)
class Scope:
    branch_id: int | None
    branch_code: str
    branch_name: str


def ratio(n: int, d: int, places: str = "0.0001") -> str | None:
    if not d:
        return None
    return str((Decimal(n) / Decimal(d)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def as_int(v: Any) -> int:
    return int(v or 0)


@dataclass(frozen=True)
class ReportReader:
    """One connection and what a report is about: its currency, time zone, branch, standards, now."""

    conn: Connection
    dialect: str
    currency: str
    tz: str
    scope: Scope
    std: Standards
    now: datetime

    def on(self, conn: Connection) -> ReportReader:
        """The same report read on another connection (a twin reader)."""
        return replace(self, conn=conn)

    def m(self, minor: int) -> str:
        return str(Money.from_minor(int(minor), self.currency).amount)

    def branch(self, col: Any) -> ColumnElement[bool]:
        if self.scope.branch_id is None:
            return literal(True)
        return col == self.scope.branch_id  # type: ignore[no-any-return]

    def ts(self, dt: datetime) -> ColumnElement[Any]:
        return literal(dt, UTCDateTime())


@dataclass(frozen=True)
class Catalog:
    """The names the report shows, read once per report."""

    staff: dict[int, str]
    staff_role: dict[int, str]
    categories: dict[int, tuple[str, str, str]]  # id -> (code, name_zh, name_en), in display order
    services: dict[int, tuple[str, str, int]]  # id -> (name_zh, name_en, category id)
    products: dict[int, tuple[str, str, str]]  # id -> (sku, name_zh, name_en)


def load_catalog(c: Connection) -> Catalog:
    return Catalog(
        staff={int(i): str(n) for i, n in c.execute(select(Staff.id, Staff.name))},
        staff_role={int(i): str(r) for i, r in c.execute(select(Staff.id, Staff.role))},
        categories={
            int(i): (str(code), str(zh), str(en))
            for i, code, zh, en, _s in c.execute(
                select(
                    ServiceCategory.id,
                    ServiceCategory.code,
                    ServiceCategory.name_zh,
                    ServiceCategory.name_en,
                    ServiceCategory.sort,
                ).order_by(ServiceCategory.sort, ServiceCategory.id)
            )
        },
        services={
            int(i): (str(zh), str(en), int(cat))
            for i, zh, en, cat in c.execute(
                select(Service.id, Service.name_zh, Service.name_en, Service.category_id)
            )
        },
        products={
            int(i): (str(sku), str(zh), str(en))
            for i, sku, zh, en in c.execute(select(Product.id, Product.sku, Product.name_zh, Product.name_en))
        },
    )
