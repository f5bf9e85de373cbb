"""Builders for the calendar tests: stylists with hours, clients, visits at the rebooking step."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk_app.db.engine import Database
from desk_app.db.models import Client, PrepaidAccount, PrepaidMovement, Service, ServiceLog, Staff, Visit
from desk_app.domain.permissions import Actor, Role
from desk_app.settings import S

SH = ZoneInfo("Asia/Shanghai")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS: dict[str, Any] = {d: [["10:00", "19:00"]] for d in DAYS} | {
    "breaks": {d: [["13:00", "13:30"]] for d in DAYS}
}
PIN_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy"


def at(d: date, hh: int, mm: int = 0) -> datetime:
    """A Shanghai wall time as UTC."""
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=SH).astimezone(UTC)


def new_stylist(
    db: Database, name: str, hours: dict[str, Any] | None = None, branch_id: int | None = None
) -> int:
    with db.uow() as uow:
        bid = branch_id or uow.session.scalar(select(Staff.branch_id).order_by(Staff.id).limit(1))
        st = Staff(
            branch_id=bid,
            name=name,
            role="stylist",
            pin_hash=PIN_HASH,
            working_hours=HOURS if hours is None else hours,
        )
        uow.session.add(st)
        uow.session.flush()
        sid = st.id
        uow.commit()
    return sid


def stylist_actor(db: Database, staff_id: int) -> Actor:
    with db.uow(write=False) as uow:
        st = uow.session.get(Staff, staff_id)
        assert st is not None
        return Actor(staff_id=st.id, name=st.name, role=Role(st.role), branch_id=st.branch_id)


def new_client(
    db: Database,
    name: str = "王芳",
    phone: str = "+8613812345678",
    channel: str = "phone",
    no_shows: int = 0,
    prepaid_minor: int | None = None,
) -> int:
    with db.uow() as uow:
        n = uow.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        c = Client(
            client_number=f"C{n + 1:06d}",
            name=name,
            search_text=name,
            phone=phone,
            phone_digits="".join(ch for ch in phone if ch.isdigit()),
            preferred_channel=channel,
            wechat_id="wx_" + str(n + 1),
            no_show_count=no_shows,
        )
        uow.session.add(c)
        uow.session.flush()
        if prepaid_minor is not None:
            acct = PrepaidAccount(client_id=c.id, balance_minor=prepaid_minor)
            uow.session.add(acct)
            uow.session.flush()
            uow.session.add(
                PrepaidMovement(
                    account_id=acct.id,
                    kind="topup",
                    amount_minor=prepaid_minor,
                    balance_after_minor=prepaid_minor,
                    at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        cid = c.id
        uow.commit()
    return cid


def service_id(db: Database, code: str) -> int:
    with db.uow(write=False) as uow:
        sid = uow.session.scalar(select(Service.id).where(Service.code == code))
        assert sid is not None
        return int(sid)


def visit_at_rebooking(
    db: Database, client_id: int, staff_id: int, codes: tuple[str, ...], now: datetime
) -> int:
    """A paid visit waiting at the rebooking step (what checkout leaves behind)."""
    with db.uow() as uow:
        s = uow.session
        bid = s.scalar(select(Staff.branch_id).where(Staff.id == staff_id))
        v = Visit(
            branch_id=bid,
            client_id=client_id,
            staff_id=staff_id,
            kind="walk_in",
            step="rebooking",
            status="done",
            arrived_at=now - timedelta(hours=2),
            greeted_at=now - timedelta(hours=2),
            service_ended_at=now - timedelta(minutes=10),
            paid_at=now - timedelta(minutes=5),
        )
        s.add(v)
        s.flush()
        for code in codes:
            sid = s.scalar(select(Service.id).where(Service.code == code))
            s.add(
                ServiceLog(
                    visit_id=v.id, service_id=sid, staff_id=staff_id, started_at=now - timedelta(hours=1)
                )
            )
        vid = v.id
        uow.commit()
    return vid


# ---------------------------------------------------------------- the race (runs in child processes)


def race_worker(
    url: str,
    worker: int,
    actor: Actor,
    now: datetime,
    rounds: list[list[dict[str, Any]]],
    barrier: Any,
    results: Any,
) -> None:
    """One desk: for every round wait for the others, then book this desk's request at once."""
    from desk_app.calendar.core import CalendarCore
    from desk_app.calendar.service import BookingRequest, CalendarService, SlotTaken
    from desk_app.container import Services
    from desk_app.db.engine import Database

    class GuardOnlyCore(CalendarCore):
        """The in-transaction check (and the turn-taking locks) switched off: only the database's
        own guard, the trigger or the exclusion constraint, is left."""

        def check_and_place(self, s: Any, **kw: Any) -> int | None:
            return kw["resource_id"]  # type: ignore[no-any-return]

    class GuardOnly(CalendarService):
        def __init__(self, *a: Any) -> None:
            super().__init__(*a)
            self.core = GuardOnlyCore(self.db, self.settings, self.clock)

    import traceback

    try:
        db = Database.open(url)
        services = Services(db, clock=lambda: now)
        cal = services.calendar
        guard_only = GuardOnly(db, services.settings, lambda: now)
        cal.settings.get(S.CALENDAR_SLOT_MINUTES)  # warm the settings cache outside the race
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put((-1, worker, "error", traceback.format_exc(), 0))
        raise
    try:
        for r, specs in enumerate(rounds):
            spec = specs[worker]
            barrier.wait(timeout=120)
            try:
                v = (guard_only if spec.get("guard_only") else cal).book(
                    actor,
                    BookingRequest(
                        client_id=spec["client_id"],
                        staff_id=spec["staff_id"],
                        start_at=spec["start_at"],
                        service_ids=spec["service_ids"],
                        resource_id=spec.get("resource_id"),
                    ),
                )
                results.put((r, worker, "won", v.id, 0))
            except SlotTaken as exc:
                results.put((r, worker, "taken", exc.message, len(exc.alternatives)))
            except Exception:  # noqa: BLE001 - reported to the parent, which fails the test
                results.put((r, worker, "error", traceback.format_exc(), 0))
    except Exception:  # noqa: BLE001 - e.g. the barrier broke: the parent shows why
        results.put((-1, worker, "error", traceback.format_exc(), 0))
        raise
    finally:
        db.dispose()
