"""The demo shop's visits, simulated step by step: arrival, greeting, the needs assessment and the
confirmed plan, the service with its log, back-bar products and colour formula, payment (by the
till), the follow-up (by after-care) and the rebooking. One part of ``desk_app.demo.sim.World``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from desk_app.demo import pools as P
from desk_app.demo.sim_aftercare import Aftercare
from desk_app.demo.sim_money import Till
from desk_app.demo.sim_state import Person, Prod, Request, Row, SimState, Svc
from desk_app.domain.appointment import AppointmentStatus
from desk_app.domain.visit import Step, VisitStatus

COLOUR_CODES = frozenset({"COL-ROOT", "COL-FULL", "BALAYAGE"})
RETURN_DAYS = {"hair": 42, "skin": 28, "nails": 21}  # by kind of service; others 30


class Visits:
    def __init__(self, sim: SimState, till: Till, aftercare: Aftercare, products: list[Prod]) -> None:
        self.rng, self.now, self.tz, self.rows, self.ids = sim.rng, sim.now, sim.tz, sim.rows, sim.ids
        self.end_day = sim.end_day
        self.clients, self.cid, self.st = sim.clients, sim.clients.cid, sim.clients.st
        self.txt, self.cashier = sim.txt, sim.cashier
        self.till, self.aftercare = till, aftercare
        self.retail = till.retail
        self.by_sku = {p.sku: p for p in products}

    def visit(
        self, appt: Row, svc: Svc, p: Person, idx: int, is_new: bool, walk_in: bool
    ) -> tuple[date, Request] | None:
        """The visit of a booked (or walk-in) appointment, as far as it has got by now; the rebooking
        it ends with, if the client booked a next visit within the period (the calendar files it)."""
        rng = self.rng
        now = self.now
        start: datetime = appt["start_at"]
        if walk_in:
            arrived = appt["created_at"]
        else:
            lateness = rng.randint(-15, 5) if rng.random() < 0.9 else rng.randint(6, 25)
            arrived = start + timedelta(minutes=lateness, seconds=rng.randint(0, 59))
        if arrived > now:
            return None  # still to come
        greeted = arrived + timedelta(
            seconds=rng.randint(3, 28) if rng.random() < 0.92 else rng.randint(35, 300)
        )
        assessed = greeted + timedelta(
            minutes=rng.randint(2, 9) if rng.random() < 0.93 else rng.randint(10, 18),
            seconds=rng.randint(0, 59),
        )
        ref = arrived if walk_in else max(start, arrived)
        cand = ref + timedelta(minutes=rng.randint(0, 8))
        if rng.random() < 0.035:  # the stylist is held up (and the next clients may wait too)
            cand = ref + timedelta(minutes=rng.randint(16, 35))
        started = max(cand, assessed + timedelta(minutes=1))
        if p.free_at is not None and p.free_at > started - timedelta(minutes=1):
            started = p.free_at + timedelta(minutes=rng.randint(1, 4))
        ended = started + timedelta(minutes=svc.duration + rng.randint(-10, 4))
        paid = ended + timedelta(minutes=rng.randint(2, 8), seconds=rng.randint(0, 59))
        rebooked = paid + timedelta(minutes=rng.randint(1, 3), seconds=rng.randint(0, 59))
        p.free_at = ended

        def upto(t: datetime) -> datetime | None:
            return t if t <= now else None

        # a returning client's needs are confirmed in about half the time (the later reception's
        # standard); worked out after every random draw, so the rest of the shop stays the same
        st0 = self.st(idx)
        if not (st0.visits == 0 and (is_new or idx >= self.clients.k0)):
            assessed = greeted + (assessed - greeted) / 2
        g, a_, s_, e_, pd, rb = (
            upto(greeted),
            upto(assessed),
            upto(started),
            upto(ended),
            upto(paid),
            upto(rebooked),
        )
        if g is None:
            step, status = Step.GREETING, VisitStatus.WAITING
        elif a_ is None:
            step, status = Step.NEEDS, VisitStatus.WAITING
        elif e_ is None:
            step, status = Step.SERVICE, VisitStatus.IN_SERVICE if s_ else VisitStatus.WAITING
        elif pd is None:
            step, status = Step.CHECKOUT, VisitStatus.DONE
        elif rb is None:
            step, status = Step.REBOOKING, VisitStatus.DONE
        else:
            step, status = Step.DONE, VisitStatus.DONE
        if (
            status == VisitStatus.WAITING
            and s_ is None
            and now - (start if not walk_in else arrived) > timedelta(minutes=15)
        ):
            status = VisitStatus.DELAYED
        # as the counter moves it (visits/flow.py, service_log.py): done from checkout on, in service
        # once started (the calendar read "Arrived" while Today read "In service")
        appt["status"] = (
            AppointmentStatus.DONE if e_ is not None
            else AppointmentStatus.IN_SERVICE if s_ is not None
            else AppointmentStatus.ARRIVED
        )  # fmt: skip
        branch = p.branch_id
        client_id = self.cid(idx)
        vid = self.ids("visits")
        cashier = self.cashier(branch)
        st = self.st(idx)
        visit: Row = {
            "id": vid,
            "branch_id": branch,
            "client_id": client_id,
            "appointment_id": appt["id"],
            "staff_id": p.id,
            "resource_id": appt["resource_id"],
            "kind": "walk_in" if walk_in else "booked",
            "step": step,
            "status": status,
            "booked_start_at": None if walk_in else start,
            "arrived_at": arrived,
            "greeted_at": g,
            "assessed_at": a_,
            "service_started_at": s_,
            "service_ended_at": e_,
            "paid_at": pd,
            "rebooked_at": rb,
            "left_at": rb,
            "is_new_client": st.visits == 0 and (is_new or idx >= self.clients.k0),
            "estimate_minor": None,
            "estimate_confirmed_at": None,
            "estimate_confirmed_by_id": None,
            "skipped_steps": {},
            "next_appointment_id": None,
            "rebook_declined_reason": "",
            "satisfaction": None,
            "problem": "",
            "notes": "",
            "created_by_id": cashier,
        }
        self.rows["visits"].append(visit)
        ev = self.rows["visit_events"]
        for frm, to, at, who in (
            (Step.GREETING, Step.NEEDS, g, cashier),
            (Step.NEEDS, Step.SERVICE, a_, cashier),
            (Step.SERVICE, Step.CHECKOUT, e_, p.id),
            (Step.CHECKOUT, Step.REBOOKING, pd, cashier),
            (Step.REBOOKING, Step.DONE, rb, cashier),
        ):
            if at is None:
                break
            ev.append(
                {
                    "id": self.ids("visit_events"),
                    "visit_id": vid,
                    "from_step": frm,
                    "to_step": to,
                    "action": "advance",
                    "reason": "",
                    "at": at,
                    "staff_id": who,
                }
            )
        if a_ is None:
            return None
        suggest = self._assess(visit, svc, p, idx, cashier)
        if s_ is None:
            return None
        self._serve(visit, svc, p, idx, late=started - ref > timedelta(minutes=15))
        if pd is None:
            return None
        self.till.sale(visit, svc, p, idx, pd, suggest, cashier)
        self.aftercare.followup(visit, p, cashier)  # made when the visit is paid, as visit_flow does
        if rb is None:
            return None
        return self._rebook(visit, svc, p, idx, pd)

    def _assess(self, visit: Row, svc: Svc, p: Person, idx: int, cashier: int) -> Prod | None:
        """The needs assessment and the confirmed plan (the estimate); the product suggested in it."""
        rng = self.rng
        vid: int = visit["id"]
        a_: datetime = visit["assessed_at"]
        st = self.st(idx)
        allergy = self.clients.allergy.get(idx)
        skin = P.SKIN_TYPES[self.clients.skin[idx]] if svc.kind == "skin" else ""
        hair = P.HAIR_TYPES[self.clients.hair[idx]] if svc.kind == "hair" else ""
        answers: dict[str, Any] = {}
        if svc.kind == "hair":  # the answer keeps the choice's code, the profile its words
            answers = {"hair_type": hair, "desired_result": self.txt(rng.choice(P.GOALS))}
            hair = self.txt(P.HAIR_WORDS[self.clients.hair[idx]])
        elif svc.kind == "skin":
            answers = {"skin_type": skin, "concerns": rng.sample(["dryness", "acne", "pores", "pigment"], 2)}
        elif svc.kind == "nails":
            answers = {"nail_condition": rng.choice(["healthy", "brittle", "thin"]), "shape": "oval"}
        else:
            answers = {"request": self.txt(rng.choice(P.GOALS))}
        self.rows["assessments"].append(
            {
                "id": self.ids("assessments"),
                "visit_id": vid,
                "kind": svc.kind,
                "answers": answers,
                "goals": self.txt(rng.choice(P.GOALS)),
                "expectations": "",
                "priority": "high" if rng.random() < 0.05 else "normal",
                "skin_type": skin,
                "hair_type": hair,
                "allergies": self.txt(P.ALLERGIES[allergy]) if allergy is not None else "",
                "contraindications": "",
                "created_by_id": cashier,
                "created_at": a_,
            }
        )
        unit = svc.price
        est = unit - (self.till.vip_cut(unit) if st.vip else 0)
        plan = self.rows["plan_items"]
        plan.append(
            {
                "id": self.ids("plan_items"),
                "visit_id": vid,
                "kind": "service",
                "service_id": svc.id,
                "product_id": None,
                "description": svc.name,
                "quantity": 1,
                "unit_price_minor": unit,
                "suggested_only": False,
                "staff_id": p.id,
            }
        )
        suggest = self.retail[rng.randrange(len(self.retail))] if self.retail and rng.random() < 0.3 else None
        if suggest is not None:
            plan.append(
                {
                    "id": self.ids("plan_items"),
                    "visit_id": vid,
                    "kind": "product",
                    "service_id": None,
                    "product_id": suggest.id,
                    "description": suggest.name,
                    "quantity": 1,
                    "unit_price_minor": suggest.price,
                    "suggested_only": True,
                    "staff_id": p.id,
                }
            )
        visit["estimate_minor"] = est
        visit["estimate_confirmed_at"] = a_
        visit["estimate_confirmed_by_id"] = cashier
        return suggest

    def _serve(self, visit: Row, svc: Svc, p: Person, idx: int, *, late: bool) -> None:
        """The service: its log (with a problem when it started late), the back-bar products used,
        the colour formula; the client joins the stylist's regulars."""
        rng = self.rng
        vid: int = visit["id"]
        s_: datetime = visit["service_started_at"]
        e_: datetime | None = visit["service_ended_at"]
        st = self.st(idx)
        problem = self.txt(rng.choice(P.PROBLEMS)) if late else ""
        visit["problem"] = problem
        self.rows["service_logs"].append(
            {
                "id": self.ids("service_logs"),
                "visit_id": vid,
                "service_id": svc.id,
                "staff_id": p.id,
                "resource_id": visit["resource_id"],
                "started_at": s_,
                "ended_at": e_,
                "price_minor": svc.price,
                "notes": self.txt(rng.choice(P.SERVICE_NOTES)),
                "problem": problem,
                "created_at": s_,
            }
        )
        backbar = None
        if svc.code in COLOUR_CODES or svc.code == "PERM":
            backbar = ("BB-COLOR", rng.randint(1, 3))
        elif svc.kind == "skin" and svc.code != "MASSAGE":
            backbar = ("BB-MASK", 1)
        if backbar and backbar[0] in self.by_sku:
            prod = self.by_sku[backbar[0]]
            at = s_ + timedelta(minutes=5)
            self.till.ensure_stock(prod, backbar[1], at)
            self.rows["product_usages"].append(
                {
                    "id": self.ids("product_usages"),
                    "visit_id": vid,
                    "product_id": prod.id,
                    "quantity": backbar[1],
                    "staff_id": p.id,
                    "at": at,
                }
            )
            self.till.move_stock(prod, -backbar[1], "backbar", at, visit_id=vid, staff_id=p.id)
        if svc.code in COLOUR_CODES:
            created = s_ + timedelta(minutes=10)
            comps = [
                {
                    "product": rng.choice(P.FORMULA_BRANDS),
                    "shade": rng.choice(P.SHADES),
                    "developer": rng.choice(P.DEVELOPERS),
                    "amount": f"{rng.choice((30, 40, 60, 80))} g",
                    "minutes": rng.choice((25, 30, 35, 45)),
                    "notes": "",
                }
            ]
            if rng.random() < 0.3:
                comps.append(
                    {
                        "product": comps[0]["product"],
                        "shade": rng.choice(P.SHADES),
                        "developer": comps[0]["developer"],
                        "amount": "20 g",
                        "minutes": comps[0]["minutes"],
                        "notes": self.txt(("发尾", "ends only")),
                    }
                )
            self.rows["formulas"].append(
                {
                    "id": self.ids("formulas"),
                    "visit_id": vid,
                    "client_id": visit["client_id"],
                    "service_id": svc.id,
                    "root_id": None,
                    "version_no": 1,
                    "superseded_by_id": None,
                    "author_id": p.id,
                    "components": comps,
                    "notes": "",
                    "created_at": created,
                    "locks_at": created + timedelta(hours=24),
                }
            )
        if st.fav != p.id or len(p.regulars) < 50:
            p.regulars.append(idx)
        st.fav = p.id

    def _rebook(self, visit: Row, svc: Svc, p: Person, idx: int, pd: datetime) -> tuple[date, Request] | None:
        """About 40% book the next visit before leaving (when it falls within the period)."""
        rng = self.rng
        if rng.random() < 0.4:
            days = max(7, int(RETURN_DAYS.get(svc.kind, 30) * rng.uniform(0.8, 1.2)))
            target = pd.astimezone(self.tz).date() + timedelta(days=days)
            if target <= self.end_day:
                visit["rebook_declined_reason"] = self.txt(("稍后再约", "Will book later"))
                return target, (idx, svc.code, visit)
            visit["rebook_declined_reason"] = self.txt(("时间未定，稍后联系", "Not sure yet; will call"))
        else:
            visit["rebook_declined_reason"] = self.txt(
                rng.choice((("时间未定", "Not sure of dates"), ("出差", "Travelling")))
            )
        return None
