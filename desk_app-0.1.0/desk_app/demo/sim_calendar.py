"""The demo shop's calendar, simulated day by day: each stylist's appointments laid out one after
another (so nobody is ever double-booked), the rebookings made at the desk placed on their day,
then the day played in time order: each appointment (who, booked how, cancelled, a no-show or a
visit handed to the visit part) and the refunds due that day, between the drawer's opening and
closing and the day's calls at the desk. One part of ``desk_app.demo.sim.World``."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from desk_app.demo.sim_aftercare import Aftercare
from desk_app.demo.sim_money import Till
from desk_app.demo.sim_state import Person, Request, Row, SimState, Svc
from desk_app.demo.sim_visit import Visits
from desk_app.domain.appointment import AppointmentStatus, ReminderAnswer

SPEC_SERVICES: dict[str, tuple[tuple[str, int], ...]] = {
    "hair": (
        ("CUT-W", 30),
        ("CUT-M", 15),
        ("BLOW", 14),
        ("SCALP", 7),
        ("COL-ROOT", 13),
        ("COL-FULL", 10),
        ("BALAYAGE", 4),
        ("PERM", 7),
    ),
    "skin": (("FAC-HYD", 35), ("FAC-CLN", 25), ("FAC-SENS", 15), ("MASSAGE", 25)),
    "nails": (("MANI", 35), ("GEL", 45), ("PEDI", 20)),
}
_SPEC_TABLE = {k: (tuple(c for c, _ in v), tuple(w for _, w in v)) for k, v in SPEC_SERVICES.items()}
OPEN_H, CLOSE_H = 10, 21
BREAK = (time(13, 0), time(13, 30))


class Calendar:
    def __init__(
        self,
        sim: SimState,
        visits: Visits,
        till: Till,
        aftercare: Aftercare,
        *,
        stylists: list[Person],
        services: dict[str, Svc],
        fill: float,
    ) -> None:
        self.rng, self.now, self.tz, self.rows, self.ids = sim.rng, sim.now, sim.tz, sim.rows, sim.ids
        self.today, self.branches = sim.today, sim.branches
        self.clients, self.cid, self.st = sim.clients, sim.clients.cid, sim.clients.st
        self.txt, self.cashier = sim.txt, sim.cashier
        self.visits, self.till, self.aftercare = visits, till, aftercare
        self.stylists = stylists
        self.services = services
        self.fill = fill  # the share of a past day's time that is booked
        # the next visits booked at the desk, by stylist and day
        self.requests: dict[tuple[int, date], list[Request]] = defaultdict(list)

    def day(self, d: date) -> None:
        """One day: on past days and today the drawer opens and closes around it."""
        past_or_today = d <= self.today
        if past_or_today:
            self.till.restock(d)
            for b in self.branches:
                self.till.open_cash(b, d)
        items: list[tuple[datetime, int, str, Any]] = []
        seq = 0
        dist = (d - self.today).days
        fill = self.fill if dist <= 0 else self.fill * max(0.04, 0.55 - dist * 0.025)
        for p in self.stylists:
            if d.weekday() == p.day_off:
                # requests on a day off move to the next day
                for r in self.requests.pop((p.id, d), []):
                    self.requests[(p.id, d + timedelta(days=1))].append(r)
                continue
            for appt in self.schedule(p, d, fill):
                items.append((appt["start"], seq, "appt", appt))
                seq += 1
        for at, sale, reason in self.till.pending_refunds.pop(d, []):
            items.append((at, seq, "refund", (at, sale, reason)))
            seq += 1
        items.sort(key=lambda x: (x[0], x[1]))
        for _at, _s, kind, data in items:
            if kind == "appt":
                self.play(data)
            else:
                self.till.refund(*data)
        if past_or_today:
            self.aftercare.contacts(d)
            for b in self.branches:
                self.till.close_cash(b, d)

    # ------------------------------------------------------------------ scheduling
    def schedule(self, p: Person, d: date, fill: float) -> list[Row]:
        rng = self.rng
        out: list[Row] = []
        reqs = self.requests.pop((p.id, d), [])
        t = datetime.combine(d, time(OPEN_H, 0)) + timedelta(minutes=rng.choice((0, 0, 15, 30)))
        close = datetime.combine(d, time(CLOSE_H, 0))
        b0, b1 = datetime.combine(d, BREAK[0]), datetime.combine(d, BREAK[1])
        while t < close:
            req = reqs.pop(0) if reqs else None
            if req is None and rng.random() > fill:
                t += timedelta(minutes=rng.choice((15, 30, 45)))
                continue
            svc = self.services[req[1]] if req else self.pick_service(p.spec)
            block = svc.duration + svc.buffer
            if t < b1 and t + timedelta(minutes=block) > b0:
                t = b1
            if t + timedelta(minutes=block) > close:
                if req:
                    reqs.insert(0, req)
                break
            start = datetime.combine(d, t.time(), self.tz).astimezone(UTC)
            out.append({"start": start, "svc": svc, "staff": p, "req": req})
            mins = -(-block // 15) * 15
            t += timedelta(minutes=mins + rng.choice((0, 0, 0, 15, 30)))
        for req in reqs:  # could not fit: the client was told we'd call back
            req[2]["rebook_declined_reason"] = self.txt(
                ("当天已约满，稍后电话预约", "Day full; will call to book")
            )
        return out

    # ------------------------------------------------------------------ one appointment
    def play(self, a: Row) -> None:
        rng = self.rng
        p: Person = a["staff"]
        svc: Svc = a["svc"]
        start: datetime = a["start"]
        req = a["req"]
        now = self.now
        end = start + timedelta(minutes=svc.duration)
        block_end = end + timedelta(minutes=svc.buffer)
        walk_in = False
        if req is not None:
            idx, origin_visit = req[0], req[2]
            is_new = False
            created = origin_visit["rebooked_at"] or origin_visit["paid_at"]
            source = "rebook"
        else:
            walk_in = start <= now and rng.random() < 0.18
            source = "walk_in" if walk_in else rng.choice(("phone", "phone", "desk", "desk", "online"))
            if walk_in:
                created = start - timedelta(minutes=rng.randint(2, 10))
            else:
                created = min(
                    start - timedelta(minutes=rng.randint(60, 14 * 24 * 60)),
                    now - timedelta(minutes=rng.randint(10, 3 * 24 * 60)),
                )
            idx, is_new = self.pick_regular(p, start) if rng.random() < 0.5 else (-1, False)
            if idx < 0:
                idx, is_new = self.clients.pick(created)
            if not is_new:
                cc = self.clients.created[idx]
                if cc is not None and created < cc:
                    created = min(cc + timedelta(minutes=5), start - timedelta(minutes=1))
            # a client with a package for this stylist's kind of service uses it
            s = self.clients.state.get(idx)
            if s and s.packages:
                for cp in s.packages:
                    if cp["_left"] > 0:
                        for code, _w in SPEC_SERVICES[p.spec]:
                            alt = self.services[code]
                            fits = alt.duration + alt.buffer <= svc.duration + svc.buffer
                            if alt.id == cp["service_id"] and fits and rng.random() < 0.8:
                                svc = alt
                                end = start + timedelta(minutes=svc.duration)
                                block_end = end + timedelta(minutes=svc.buffer)
                        break
        client_id = self.cid(idx)
        appt_id = self.ids("appointments")
        status = "booked"
        cancelled_at = None
        late_cancel = False
        confirmed_at = None
        outcome = "done"
        if not walk_in:
            r = rng.random()
            if r < 0.045:
                outcome = "no_show"
            elif r < 0.11:
                outcome = "cancelled"
        if outcome == "cancelled":
            cancelled_at = start - timedelta(minutes=rng.randint(60, 5 * 24 * 60))
            cancelled_at = max(cancelled_at, created + timedelta(minutes=1))
            if cancelled_at <= now:
                status = "cancelled"
                late_cancel = (start - cancelled_at) < timedelta(hours=24)
                if late_cancel:
                    self.st(idx).late_cancels += 1
            else:
                cancelled_at, outcome = None, "done"
        appt: Row = {
            "id": appt_id,
            "branch_id": p.branch_id,
            "client_id": client_id,
            "staff_id": p.id,
            "resource_id": p.resource_id if _needs_resource(svc) else None,
            "start_at": start,
            "end_at": end,
            "block_end_at": block_end,
            "status": status,
            "source": source,
            "notes": "",
            "cancel_reason": self.txt(("临时有事", "Something came up")) if status == "cancelled" else "",
            "cancelled_at": cancelled_at,
            "late_cancel": late_cancel,
            "confirmed_at": None,
            "reminder_status": ReminderAnswer.NOT_CALLED,
            "deposit_minor": 0,
            "rebooked_from_visit_id": req[2]["id"] if req else None,
            "created_by_id": self.cashier(p.branch_id),
            "created_at": created,
        }
        self.rows["appointments"].append(appt)
        self.rows["appointment_services"].append(
            {
                "id": self.ids("appointment_services"),
                "appointment_id": appt_id,
                "service_id": svc.id,
                "duration_min": svc.duration,
            }
        )
        if req is not None:
            req[2]["next_appointment_id"] = appt_id
            req[2]["rebook_declined_reason"] = ""
        if status == "cancelled":
            return
        if not walk_in and start - now < timedelta(days=2) and rng.random() < 0.6:
            confirmed_at = max(created, start - timedelta(hours=rng.randint(20, 30)))
            if confirmed_at <= now:
                appt["confirmed_at"] = confirmed_at
                appt["reminder_status"] = ReminderAnswer.CONFIRMED
                appt["status"] = AppointmentStatus.CONFIRMED
        if outcome == "no_show":
            if start + timedelta(minutes=30) <= now:
                appt["status"] = "no_show"
                self.st(idx).no_shows += 1
            return
        rebook = self.visits.visit(appt, svc, p, idx, is_new, walk_in)
        if rebook is not None:
            target, request = rebook
            self.requests[(p.id, target)].append(request)

    def pick_regular(self, p: Person, start: datetime) -> tuple[int, bool]:
        """A client this stylist served before and who has not been in for two weeks (or -1)."""
        pool = p.regulars
        if not pool:
            return -1, False
        idx = pool[int(self.rng.random() * len(pool))]
        st = self.clients.state.get(idx)
        if st is None or (st.last is not None and start - st.last < timedelta(days=14)):
            return -1, False
        return idx, False

    def pick_service(self, spec: str) -> Svc:
        codes, weights = _SPEC_TABLE[spec]
        code = self.rng.choices(codes, weights)[0]
        return self.services[code]


def _needs_resource(svc: Svc) -> bool:
    return svc.kind in ("hair", "skin", "generic")
