"""The waitlist: clients who want an earlier or a fully booked time, and who to call when one frees."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.calendar.core import CalendarCore
from desk_app.calendar.views import AppointmentView, WaitlistView
from desk_app.core.service import NotFound, ValidationError, audit, can, require
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Appointment, Client, Service, Staff, WaitlistEntry
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.domain.waitlist import STILL_WAITING, WaitlistStatus
from desk_app.i18n import _, pick
from desk_app.settings import SettingsStore


class WaitlistService:
    """Clients waiting for an earlier or a fully booked time; who to call when one frees."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.core = CalendarCore(db, settings, clock)
        self.db, self.settings, self.clock = self.core.db, settings, self.core.clock

    def add(
        self,
        actor: Actor,
        client_id: int,
        window_start: datetime,
        window_end: datetime,
        service_id: int | None = None,
        staff_id: int | None = None,
        notes: str = "",
    ) -> WaitlistView:
        require(self.db.uow, actor, Perm.BOOK)
        errors: dict[str, str] = {}
        if window_start.tzinfo is None or window_end.tzinfo is None or window_end <= window_start:
            errors["window_end"] = _("The window must end after it starts.")
        elif window_end <= self.clock():
            errors["window_end"] = _("That window is already over; choose a time from now on.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            s = uow.session
            c = s.get(Client, client_id)
            if c is None or c.gone:
                raise ValidationError(
                    {"client_id": _("Choose the client again; that profile no longer exists.")}
                )
            if service_id is not None and s.get(Service, service_id) is None:
                raise ValidationError({"service_id": _("Choose a service from the list.")})
            if staff_id is not None and s.get(Staff, staff_id) is None:
                raise ValidationError({"staff_id": _("Choose a stylist from the list.")})
            e = WaitlistEntry(
                branch_id=actor.branch_id,
                client_id=client_id,
                service_id=service_id,
                staff_id=staff_id,
                window_start=window_start,
                window_end=window_end,
                notes=notes.strip(),
                status=WaitlistStatus.WAITING,
                created_at=self.clock(),
                created_by_id=actor.staff_id,
            )
            s.add(e)
            s.flush()
            audit(
                s,
                actor,
                "waitlist_add",
                "waitlist",
                e.id,
                at=self.clock(),
                after={"client_id": client_id, "from": window_start, "to": window_end},
            )
            view = _views(s, [e], actor)[0]
            uow.commit()
            return view

    def entries(self, actor: Actor | None = None, include_past: bool = False) -> list[WaitlistView]:
        """Clients waiting for a time (oldest first)."""
        with self.db.uow(write=False) as uow:
            q = (
                select(WaitlistEntry)
                .where(WaitlistEntry.status.in_(STILL_WAITING))
                .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            )
            if not include_past:
                q = q.where(WaitlistEntry.window_end > self.clock())
            return _views(uow.session, uow.session.scalars(q).all(), actor)

    def remove(self, actor: Actor, entry_id: int, status: str = WaitlistStatus.REMOVED) -> None:
        require(self.db.uow, actor, Perm.BOOK)
        if status not in tuple(WaitlistStatus):
            raise ValidationError({"status": _("Unknown waitlist status.")})
        with self.db.uow() as uow:
            e = uow.session.get(WaitlistEntry, entry_id)
            if e is None:
                raise NotFound(_("That waitlist entry no longer exists."))
            e.status = status
            audit(uow.session, actor, "waitlist_" + status, "waitlist", e.id, at=self.clock())
            uow.commit()

    def matches_for_freed_slot(
        self,
        appt: AppointmentView | int,
        freed_start: datetime | None = None,
        freed_end: datetime | None = None,
        actor: Actor | None = None,
    ) -> list[WaitlistView]:
        """Who to call when ``appt``'s time frees (a cancellation, or a move: pass the old view).

        An entry matches when its stylist (if any) is the appointment's, its window overlaps the freed
        time, and the freed time is long enough for the entry's service (if any).
        """
        with self.db.uow(write=False) as uow:
            s = uow.session
            if isinstance(appt, int):
                a = s.get(Appointment, appt)
                if a is None:
                    return []
                staff_id, client_id = a.staff_id, a.client_id
                start, end = a.start_at, a.block_end_at
            else:
                staff_id, client_id = appt.staff_id, appt.client_id
                start, end = appt.start_at, appt.block_end_at
            start, end = freed_start or start, freed_end or end
            if end <= self.clock():
                return []
            q = (
                select(WaitlistEntry)
                .where(
                    WaitlistEntry.status.in_(STILL_WAITING),
                    WaitlistEntry.window_start < end,
                    WaitlistEntry.window_end > start,
                    (WaitlistEntry.staff_id.is_(None)) | (WaitlistEntry.staff_id == staff_id),
                )
                .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
            )
            if client_id is not None:
                q = q.where(WaitlistEntry.client_id != client_id)
            entries = s.scalars(q).all()
            durations: dict[int, int] = {k: v for k, v in s.execute(select(Service.id, Service.duration_min))}
            freed = end - max(start, self.clock())
            fit = []
            for e in entries:
                need = timedelta(minutes=durations.get(e.service_id or 0, 0))
                if need <= freed:
                    fit.append(e)
            return _views(s, fit, actor)


def mark_booked(s: Session, appt: Appointment) -> None:
    """A client booked a time inside their waiting window: their entry is done."""
    if appt.client_id is None:
        return
    for e in s.scalars(
        select(WaitlistEntry).where(
            WaitlistEntry.client_id == appt.client_id,
            WaitlistEntry.status.in_(STILL_WAITING),
            WaitlistEntry.window_start <= appt.start_at,
            WaitlistEntry.window_end >= appt.end_at,
        )
    ):
        e.status = WaitlistStatus.BOOKED


def _views(s: Session, entries: Sequence[WaitlistEntry], actor: Actor | None) -> list[WaitlistView]:
    rows = list(entries)
    if not rows:
        return []
    cids = {e.client_id for e in rows}
    clients = {c.id: c for c in s.scalars(select(Client).where(Client.id.in_(cids)))}
    svc = {x.id: pick(x.name_zh, x.name_en) for x in s.scalars(select(Service))}
    staff: dict[int, str] = {k: v for k, v in s.execute(select(Staff.id, Staff.name))}
    see = actor is None or can(s, actor, Perm.SEE_PHONE)
    out = []
    for e in rows:
        c = clients.get(e.client_id)
        phone = (c.phone if see else mask_phone(c.phone)) if c else ""
        out.append(
            WaitlistView(
                e.id,
                e.client_id,
                c.name if c else "",
                c.client_number if c else "",
                phone,
                e.service_id,
                svc.get(e.service_id or 0, ""),
                e.staff_id,
                staff.get(e.staff_id or 0, ""),
                e.window_start,
                e.window_end,
                e.notes,
                e.status,
                e.created_at,
            )
        )
    return out
