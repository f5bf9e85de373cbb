"""Builders for the checkout tests: clients, stylists and visits at checkout, straight in the DB."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from desk_app.db.engine import Database
from desk_app.db.models import Client, PlanItem, Product, Service, ServiceLog, Staff, Visit
from desk_app.domain.permissions import Actor, Role
from desk_app.trust.auth import hash_pin
from tests.conftest import FakeClock

_H: dict[str, str] = {}


def new_client(
    db: Database, name: str = "王芳", tier: str = "", full_price_spend: int = 0, language: str = ""
) -> int:
    with db.uow() as uow:
        n = uow.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        c = Client(
            client_number=f"K{n + 1:06d}",
            name=name,
            search_text=name,
            membership_tier=tier,
            full_price_spend_minor=full_price_spend,
            language=language,
        )
        uow.session.add(c)
        uow.session.flush()
        cid = c.id
        uow.commit()
    return cid


def new_staff(db: Database, branch_id: int, name: str = "Leo", role: str = "stylist") -> Actor:
    if "h" not in _H:
        _H["h"] = hash_pin("5678")
    with db.uow() as uow:
        st = Staff(branch_id=branch_id, name=name, role=role, pin_hash=_H["h"])
        uow.session.add(st)
        uow.session.flush()
        actor = Actor(staff_id=st.id, name=name, role=Role(role), branch_id=branch_id)
        uow.commit()
    return actor


def service(db: Database, code: str) -> tuple[int, int]:
    """(id, price_minor) of a catalog service."""
    with db.uow(write=False) as uow:
        s = uow.session.execute(select(Service).where(Service.code == code)).scalar_one()
        return s.id, s.price_minor


def product(db: Database, sku: str) -> tuple[int, int, int]:
    """(id, price_minor, stock) of a catalog product."""
    with db.uow(write=False) as uow:
        p = uow.session.execute(select(Product).where(Product.sku == sku)).scalar_one()
        return p.id, p.price_minor, p.stock_qty


def visit_at_checkout(
    db: Database,
    clock: FakeClock,
    branch_id: int,
    client_id: int | None,
    staff_id: int,
    services: list[str],
    planned: list[str] | None = None,
    suggested: list[str] | None = None,
    estimate_minor: int | None = None,
) -> int:
    """A visit whose service is done: service logs for ``services``; plan = ``planned`` (default the same)."""
    now = clock()
    with db.uow() as uow:
        s = uow.session
        v = Visit(
            branch_id=branch_id,
            client_id=client_id,
            staff_id=staff_id,
            kind="walk_in",
            step="checkout",
            status="done",
            arrived_at=now - timedelta(minutes=90),
            greeted_at=now - timedelta(minutes=89),
            assessed_at=now - timedelta(minutes=80),
            service_started_at=now - timedelta(minutes=75),
            service_ended_at=now - timedelta(minutes=5),
            estimate_minor=estimate_minor,
        )
        s.add(v)
        s.flush()
        total = 0
        for code in planned if planned is not None else services:
            svc = s.execute(select(Service).where(Service.code == code)).scalar_one()
            s.add(
                PlanItem(
                    visit_id=v.id,
                    kind="service",
                    service_id=svc.id,
                    description=svc.name_en,
                    unit_price_minor=svc.price_minor,
                    staff_id=staff_id,
                )
            )
            total += svc.price_minor
        for sku in suggested or []:
            p = s.execute(select(Product).where(Product.sku == sku)).scalar_one()
            s.add(
                PlanItem(
                    visit_id=v.id,
                    kind="product",
                    product_id=p.id,
                    description=p.name_en,
                    unit_price_minor=p.price_minor,
                    suggested_only=True,
                )
            )
        for code in services:
            svc = s.execute(select(Service).where(Service.code == code)).scalar_one()
            s.add(
                ServiceLog(
                    visit_id=v.id,
                    service_id=svc.id,
                    staff_id=staff_id,
                    price_minor=svc.price_minor,
                    started_at=now - timedelta(minutes=75),
                    ended_at=now - timedelta(minutes=5),
                )
            )
        if estimate_minor is None:
            v.estimate_minor = total
        vid = v.id
        uow.commit()
    return vid
