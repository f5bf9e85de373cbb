"""Small data builders for the visit tests (clients, stylists, appointments) straight in the DB."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from desk_app.db.engine import Database
from desk_app.db.models import Appointment, AppointmentService, Client, Product, Service, Staff
from desk_app.domain.permissions import Actor, Role
from desk_app.trust.auth import hash_pin

_PIN_HASH: dict[str, str] = {}


def add_client(
    db: Database, name: str, phone: str = "+8613800000000", allergies: str = "", tier: str = ""
) -> int:
    with db.uow() as uow:
        n = uow.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        c = Client(
            client_number=f"C{n + 1:06d}",
            name=name,
            phone=phone,
            phone_digits=phone.lstrip("+"),
            search_text=name,
            allergies=allergies,
            membership_tier=tier,
            preferences=["likes quiet"],
        )
        uow.session.add(c)
        uow.session.flush()
        cid = c.id
        uow.commit()
    return cid


def add_stylist(db: Database, branch_id: int, name: str = "Leo") -> Actor:
    if "h" not in _PIN_HASH:
        _PIN_HASH["h"] = hash_pin("5678")
    with db.uow() as uow:
        st = Staff(branch_id=branch_id, name=name, role="stylist", pin_hash=_PIN_HASH["h"])
        uow.session.add(st)
        uow.session.flush()
        actor = Actor(staff_id=st.id, name=name, role=Role.STYLIST, branch_id=branch_id)
        uow.commit()
    return actor


def service_id(db: Database, code: str) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.execute(select(Service.id).where(Service.code == code)).scalar_one())


def first_service_ids(db: Database, n: int = 3) -> list[int]:
    with db.uow(write=False) as uow:
        return list(uow.session.execute(select(Service.id).order_by(Service.id).limit(n)).scalars())


def product(db: Database, *, backbar: bool) -> tuple[int, int]:
    """(id, stock) of the first back-bar or retail product."""
    with db.uow(write=False) as uow:
        p = uow.session.execute(
            select(Product)
            .where(Product.is_backbar.is_(backbar), Product.is_retail.is_(not backbar))
            .order_by(Product.id)
            .limit(1)
        ).scalar_one()
        return p.id, p.stock_qty


def stock(db: Database, product_id: int) -> int:
    with db.uow(write=False) as uow:
        p = uow.session.get(Product, product_id)
        assert p is not None
        return p.stock_qty


def book(
    db: Database,
    *,
    branch_id: int,
    client_id: int,
    staff_id: int,
    start: datetime,
    service_ids: list[int],
    minutes: int = 60,
) -> int:
    with db.uow() as uow:
        a = Appointment(
            branch_id=branch_id,
            client_id=client_id,
            staff_id=staff_id,
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            block_end_at=start + timedelta(minutes=minutes),
            status="booked",
        )
        uow.session.add(a)
        uow.session.flush()
        for sid in service_ids:
            uow.session.add(AppointmentService(appointment_id=a.id, service_id=sid, duration_min=minutes))
        aid = a.id
        uow.commit()
    return aid
