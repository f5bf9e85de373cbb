"""Data builders for the after-care tests (clients, staff, visits with their timestamps), straight in the DB.

Also used by tests/ui/test_followup_*.py and scripts/shots_aftercare.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from desk_app.db.engine import Database
from desk_app.db.models import Client, FollowUp, Service, ServiceLog, Staff, Visit
from desk_app.domain.permissions import Actor, Role
from desk_app.settings import SettingsStore
from desk_app.visits import flow as visit_flow

_HASH: dict[str, str] = {}


def add_client(
    db: Database,
    name: str,
    phone: str = "+8613812345678",
    *,
    birthday: date | None = None,
    channel: str = "phone",
    wechat: str = "",
) -> int:
    with db.uow() as uow:
        n = uow.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        c = Client(
            client_number=f"A{n + 1:05d}",
            name=name,
            phone=phone,
            phone_digits=phone.lstrip("+"),
            search_text=name,
            birthday=birthday,
            birthday_md=birthday.strftime("%m-%d") if birthday else None,
            preferred_channel=channel,
            wechat_id=wechat,
        )
        uow.session.add(c)
        uow.session.flush()
        cid = c.id
        uow.commit()
    return cid


def add_staff(
    db: Database, branch_id: int, name: str, role: str = "stylist", overrides: dict[str, bool] | None = None
) -> Actor:
    from desk_app.trust.auth import hash_pin

    if "h" not in _HASH:
        _HASH["h"] = hash_pin("5678")
    with db.uow() as uow:
        st = Staff(
            branch_id=branch_id,
            name=name,
            role=role,
            pin_hash=_HASH["h"],
            permissions=overrides or {},
            working_hours={
                d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        )
        uow.session.add(st)
        uow.session.flush()
        actor = Actor(
            staff_id=st.id, name=name, role=Role(role), branch_id=branch_id, overrides=overrides or {}
        )
        uow.commit()
    return actor


def first_service(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.execute(select(Service.id).order_by(Service.id).limit(1)).scalar_one())


def visit(
    db: Database,
    settings: SettingsStore,
    *,
    branch_id: int,
    client_id: int | None,
    stylist_id: int | None,
    desk_id: int | None,
    arrived: datetime,
    greet_s: float | None = 10,
    assess_min: float | None = 5,
    booked: datetime | None = None,
    start_min: float | None = 10,
    end_min: float | None = 60,
    paid_min: float | None = 70,
    skipped: dict[str, str] | None = None,
    service_id: int | None = None,
    step: str | None = None,
) -> int:
    """A visit with its timestamps given in minutes (greet in seconds) after arrival; paid ones get a follow-up."""

    def at(minutes: float | None) -> datetime | None:
        return None if minutes is None else arrived + timedelta(minutes=minutes)

    paid = at(paid_min)
    if step is None:
        step = "rebooking" if paid else ("checkout" if end_min is not None else "service")
    with db.uow() as uow:
        s = uow.session
        v = Visit(
            branch_id=branch_id,
            client_id=client_id,
            staff_id=stylist_id,
            kind="booked" if booked else "walk_in",
            step=step,
            status="done" if paid else "waiting",
            booked_start_at=booked,
            arrived_at=arrived,
            greeted_at=None if greet_s is None else arrived + timedelta(seconds=greet_s),
            assessed_at=at(assess_min),
            service_started_at=at(start_min),
            service_ended_at=at(end_min),
            paid_at=paid,
            created_by_id=desk_id,
            skipped_steps=skipped or {},
        )
        s.add(v)
        s.flush()
        sid = service_id or int(s.execute(select(Service.id).order_by(Service.id).limit(1)).scalar_one())
        s.add(
            ServiceLog(
                visit_id=v.id,
                service_id=sid,
                staff_id=stylist_id,
                started_at=at(start_min),
                ended_at=at(end_min),
                price_minor=18000,
            )
        )
        if paid:
            visit_flow.ensure_followup(s, v, settings.standards())
        vid = v.id
        uow.commit()
    return vid


def followup_of(db: Database, visit_id: int) -> FollowUp:
    with db.uow(write=False) as uow:
        fu = uow.session.execute(select(FollowUp).where(FollowUp.visit_id == visit_id)).scalar_one()
        uow.session.expunge(fu)
        return fu


def shanghai(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time as aware UTC (Shanghai is UTC+8 all year)."""
    return datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=8)


def rows(db: Database, model: Any, **where: Any) -> list[Any]:
    with db.uow(write=False) as uow:
        q = select(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        out = list(uow.session.execute(q).scalars())
        for o in out:
            uow.session.expunge(o)
        return out


def test_a_call_back_planned_for_a_past_day_is_overdue_not_due() -> None:
    """Issue 13 item 16: "Due (77)" held calls whose call-back date was in September."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from desk_app.aftercare.service import followup_state
    from desk_app.domain.aftercare import FollowUpState

    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    due_from, due_by = now - timedelta(days=80), now - timedelta(days=79)
    state = followup_state("no_answer", 1, due_from, due_by, now - timedelta(days=70), now, tz)
    assert state == FollowUpState.OVERDUE
    assert followup_state("no_answer", 1, due_from, due_by, now - timedelta(hours=2), now, tz) == FollowUpState.DUE
    assert followup_state("no_answer", 1, due_from, due_by, now + timedelta(hours=2), now, tz) == FollowUpState.LATER
