"""iCalendar export: one appointment for the client, a stylist's schedule as a feed file."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event
from sqlalchemy import select

from desk_app.calendar.core import CalendarCore
from desk_app.calendar.views import INACTIVE_STATUSES, AppointmentView
from desk_app.core.service import NotFound, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import Appointment, Staff
from desk_app.i18n import _
from desk_app.settings import SettingsStore

PRODID = "-//desk-app//front desk calendar//EN"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


class IcsService:
    """Appointments as iCalendar: one for the client, a feed for a stylist's own calendar."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.core = CalendarCore(db, settings, clock)
        self.db, self.settings, self.clock = self.core.db, settings, self.core.clock

    def _event(
        self, v: AppointmentView, summary: str, description: str, location: str, now: datetime
    ) -> Event:
        ev = Event()
        ev.add("uid", f"appointment-{v.id}@desk-app")
        ev.add("dtstamp", now)
        ev.add("dtstart", v.start_at)
        ev.add("dtend", v.end_at)
        ev.add("summary", summary)
        if description:
            ev.add("description", description)
        if location:
            ev.add("location", location)
        ev.add("status", "CANCELLED" if v.status in INACTIVE_STATUSES else "CONFIRMED")
        ev.add("sequence", max(0, v.version - 1))
        return ev

    def appointment(self, appt_id: int) -> bytes:
        """One appointment as a .ics file the client can add to their calendar."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            a = s.get(Appointment, appt_id)
            if a is None:
                raise NotFound(_("That appointment no longer exists."))
            v = self.core.view(s, a)
            shop = shop_row(s)
            cal = _calendar(shop.name)
            summary = _("{services} at {shop}").format(
                services=v.service_names or _("Appointment"), shop=shop.name
            )
            desc_lines = [_("With {name}").format(name=v.staff_name)]
            if shop.phone:
                desc_lines.append(_("To change or cancel, call {phone}.").format(phone=shop.phone))
            cal.add_component(self._event(v, summary, "\n".join(desc_lines), shop.address, self.clock()))
            return bytes(cal.to_ical())

    def staff_feed(self, staff_id: int, start: datetime, end: datetime) -> bytes:
        """A stylist's appointments in [start, end) as a .ics feed file (cancelled ones left out)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            st = s.get(Staff, staff_id)
            if st is None:
                raise NotFound(_("That staff member no longer exists."))
            shop = shop_row(s)
            appts = s.scalars(
                select(Appointment)
                .where(
                    Appointment.staff_id == staff_id,
                    Appointment.start_at < end,
                    Appointment.end_at > start,
                    Appointment.status.not_in(INACTIVE_STATUSES),
                )
                .order_by(Appointment.start_at)
            ).all()
            cal = _calendar(_("{name} at {shop}").format(name=st.name, shop=shop.name))
            now = self.clock()
            for v in self.core.views(s, appts):
                who = v.client_name or _("Walk-in")
                summary = f"{who} · {v.service_names}" if v.service_names else who
                desc = v.notes
                if v.resource_name:
                    desc = (desc + "\n" if desc else "") + v.resource_name
                cal.add_component(self._event(v, summary, desc, shop.address, now))
            return bytes(cal.to_ical())
