"""The demo shop's after-care, simulated: the score at checkout and the feedback it leaves, the
follow-up call after a paid visit, complaints (from a bad score, a call at the desk or a refund)
and the day's calls and messages at the desk. One part of ``desk_app.demo.sim.World``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from desk_app.demo import pools as P
from desk_app.demo.sim_state import Person, Row, SimState, Svc
from desk_app.domain.aftercare import (
    Compensation,
    ComplaintCategory,
    ComplaintLevel,
    ComplaintSource,
    ComplaintStatus,
    ContactChannel,
    ContactKind,
    FeedbackSource,
    FeedbackStatus,
    FollowUpStatus,
    Severity,
)

# the default resolve standards by severity (desk_app/settings.py, docs/service-standard.md)
_RESOLVE_HOURS = {Severity.HIGH: 24, Severity.MEDIUM: 72, Severity.LOW: 168}

class Aftercare:
    def __init__(self, sim: SimState) -> None:
        self.rng, self.now, self.rows, self.ids = sim.rng, sim.now, sim.rows, sim.ids
        self.owner_id, self.branches = sim.owner_id, sim.branches
        self.clients, self.cid = sim.clients, sim.clients.cid
        self.local, self.txt, self.cashier = sim.local, sim.txt, sim.cashier

    def score_at_checkout(self, sale: Row, visit: Row, svc: Svc, p: Person, at: datetime) -> None:
        """Most clients give a score when they pay; a low one (and some good ones) leaves feedback."""
        rng = self.rng
        if rng.random() < 0.7:
            score = rng.choices((5, 4, 3, 2, 1), weights=(60, 27, 8, 3.5, 1.5))[0]
            sale["satisfaction"] = visit["satisfaction"] = score
            if score <= 3 or rng.random() < 0.25:
                self.feedback(visit, svc, p, score, at)

    def followup(self, visit: Row, p: Person, cashier: int) -> None:
        """The call two or three days after a paid visit, and how it went (if it is due yet)."""
        rng = self.rng
        end: datetime = visit["paid_at"]
        due_from, due_by = end + timedelta(days=2), end + timedelta(days=3)
        row: Row = {
            "id": self.ids("follow_ups"),
            "visit_id": visit["id"],
            "client_id": visit["client_id"],
            "staff_id": p.id,
            "due_from": due_from,
            "due_by": due_by,
            "status": FollowUpStatus.PENDING,
            "attempts": 0,
            "callback_at": None,
            "score_timeliness": None,
            "score_professionalism": None,
            "score_effectiveness": None,
            "score_attitude": None,
            "satisfaction": None,
            "comments": "",
            "called_at": None,
            "called_by_id": None,
            "completed_at": None,
        }
        self.rows["follow_ups"].append(row)
        if due_from > self.now:
            return
        r = rng.random()
        on_time = rng.random() < 0.85
        called = due_from + timedelta(hours=rng.uniform(0, 20) if on_time else rng.uniform(26, 70))
        if called > self.now:
            return
        if r < 0.74:
            scores = [rng.choices((5, 4, 3, 2), weights=(60, 30, 8, 2))[0] for _ in range(4)]
            row.update(
                status=FollowUpStatus.DONE,
                attempts=1 if rng.random() < 0.8 else 2,
                called_at=called,
                called_by_id=cashier,
                completed_at=called,
                score_timeliness=scores[0],
                score_professionalism=scores[1],
                score_effectiveness=scores[2],
                score_attitude=scores[3],
                satisfaction=min(scores),
                comments=self.txt(rng.choice(P.FOLLOWUP_COMMENTS)),
            )
        elif r < 0.88:
            row.update(status=FollowUpStatus.NO_ANSWER, attempts=rng.randint(1, 2), called_at=called, called_by_id=cashier)
        elif r < 0.92:
            row.update(
                status=FollowUpStatus.CALL_BACK,
                attempts=1,
                called_at=called,
                called_by_id=cashier,
                callback_at=called + timedelta(days=1),
            )
        elif r < 0.96:
            row.update(
                status=FollowUpStatus.GAVE_UP, attempts=3, called_at=called, called_by_id=cashier, completed_at=called
            )
        # else: still pending (missed)

    def feedback(self, visit: Row, svc: Svc, p: Person, score: int, at: datetime) -> None:
        """What the client said with the score; a very low one opens a complaint."""
        rng = self.rng
        fb_at = (
            at + timedelta(minutes=rng.randint(1, 50)) if rng.random() < 0.95 else at + timedelta(hours=30)
        )
        if fb_at > self.now:
            fb_at = at
        bad = score <= 2
        handled = fb_at + timedelta(hours=rng.uniform(2, 60) if rng.random() < 0.9 else rng.uniform(75, 120))
        done = handled <= self.now
        self.rows["feedback"].append(
            {
                "id": self.ids("feedback"),
                "client_id": visit["client_id"],
                "visit_id": visit["id"],
                "service_id": svc.id,
                "staff_id": p.id,
                "source": FeedbackSource.CHECKOUT,
                "score": score,
                "content": self.txt(rng.choice(P.FEEDBACK_BAD if score <= 3 else P.FEEDBACK_GOOD)),
                "at": fb_at,
                "status": FeedbackStatus.HANDLED if done else FeedbackStatus.PENDING,
                "improvement_action": self.txt(rng.choice(P.IMPROVEMENTS)) if done and score <= 3 else "",
                "responsible_id": self.owner_id if score <= 3 else None,
                "handled_at": handled if done else None,
            }
        )
        if bad:
            cat, zh, en = rng.choice(P.COMPLAINTS)
            self.complaint(
                at + timedelta(minutes=2),
                visit["branch_id"],
                visit["client_id"],
                visit["id"],
                p.id,
                ComplaintSource.CHECKOUT_SCORE,
                cat,
                self.txt((zh, en)),
                None,
            )

    def complaint(
        self,
        opened: datetime,
        branch: int,
        client_id: int | None,
        visit_id: int | None,
        staff_id: int | None,
        source: ComplaintSource,
        category: str,
        text: str,
        contact_id: int | None,
    ) -> None:
        """A complaint and, as time allows, its first answer, resolution and closing."""
        rng = self.rng
        special = rng.random() < 0.25
        sev = rng.choice((Severity.LOW, Severity.MEDIUM, Severity.MEDIUM, Severity.HIGH))  # (same draws as before)
        due = opened + timedelta(hours=2 if sev == Severity.HIGH else 24)  # the default standards
        row: Row = {
            "id": self.ids("complaints"),
            "branch_id": branch,
            "contact_id": contact_id,
            "client_id": client_id,
            "visit_id": visit_id,
            "staff_involved_id": staff_id,
            "level": ComplaintLevel.SPECIAL if special else ComplaintLevel.GENERAL,
            "category": category,
            "severity": sev,
            "source": source,
            "description": text,
            "handler_id": self.owner_id if special else self.cashier(branch),
            "opened_at": opened,
            "first_response_due_at": due,
            "first_response_at": None,
            "first_response": "",
            "status": ComplaintStatus.OPEN,
            "resolution": "",
            "compensation_kind": "",
            "compensation_minor": 0,
            "refund_sale_id": None,
            "redo_appointment_id": None,
            "resolved_at": None,
            "closed_at": None,
            "resolve_due_at": opened + timedelta(hours=_RESOLVE_HOURS[sev]),
            "callback_due_at": None,
            "callback_at": None,
            "callback_result": "",
            "callback_note": "",
            "reopened_count": 0,
        }
        self.rows["complaints"].append(row)
        age = self.now - opened
        if (age < timedelta(days=3) and rng.random() < 0.5) or (
            age < timedelta(days=10) and rng.random() < 0.15
        ):
            return  # not answered yet (overdue once 24 h have passed)
        late = rng.random() < 0.12
        resp = opened + timedelta(hours=rng.uniform(0.5, 20) if not late else rng.uniform(26, 50))
        if resp > self.now:
            return  # still open (overdue once 24 h have passed)
        row.update(
            first_response_at=resp,
            status=ComplaintStatus.RESPONDED,
            first_response=self.txt(("已致电顾客道歉并了解情况", "Called the client, apologised, listened")),
        )
        resolved = resp + timedelta(hours=rng.uniform(2, 96))
        if resolved > self.now or rng.random() < 0.1:
            return
        zh, en, comp = rng.choice(P.RESOLUTIONS)
        row.update(
            status=ComplaintStatus.RESOLVED,
            resolution=self.txt((zh, en)),
            compensation_kind=comp,
            compensation_minor=rng.choice((5_000, 10_000, 20_000)) if comp in (Compensation.VOUCHER, Compensation.DISCOUNT) else 0,
            resolved_at=resolved,
            callback_due_at=resolved + timedelta(days=2),
        )
        if resolved + timedelta(days=3) < self.now and rng.random() < 0.6:  # called back, satisfied
            closed = resolved + timedelta(days=3)
            row.update(status=ComplaintStatus.CLOSED, closed_at=closed, callback_at=closed, callback_result="satisfied")

    def refund_complaint(self, at: datetime, orig: Row, sale_id: int, reason: str, total: int) -> None:
        """Some refunds answer a complaint: a special one, resolved by the refund ``sale_id``."""
        if self.rng.random() >= 0.4:
            return
        opened = at - timedelta(hours=self.rng.uniform(1, 10))
        self.rows["complaints"].append(
            {
                "id": self.ids("complaints"),
                "branch_id": orig["branch_id"],
                "contact_id": None,
                "client_id": orig["client_id"],
                "visit_id": orig["visit_id"],
                "staff_involved_id": None,
                "level": ComplaintLevel.SPECIAL,
                "category": ComplaintCategory.SERVICE,
                "severity": Severity.MEDIUM,
                "source": ComplaintSource.CONTACT,
                "description": reason,
                "handler_id": self.owner_id,
                "opened_at": opened,
                "first_response_due_at": opened + timedelta(hours=24),
                "first_response_at": at,
                "first_response": self.txt(("同意退款", "Agreed to refund")),
                "status": ComplaintStatus.RESOLVED,
                "resolution": self.txt(("已退款", "Refunded")),
                "compensation_kind": Compensation.REFUND,
                "compensation_minor": -total,
                "refund_sale_id": sale_id,
                "redo_appointment_id": None,
                "resolved_at": at,
                "closed_at": None,
                "resolve_due_at": opened + timedelta(hours=_RESOLVE_HOURS[Severity.MEDIUM]),
                "callback_due_at": at + timedelta(days=2),
                "callback_at": None,
                "callback_result": "",
                "callback_note": "",
                "reopened_count": 0,
            }
        )

    def contacts(self, d: date) -> None:
        """The day's calls, visits and messages at each desk: questions, requests, complaints."""
        rng = self.rng
        for b in self.branches:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                at = self.local(d, time(rng.randint(10, 20), rng.randint(0, 59)))
                if at > self.now:
                    continue
                r = rng.random()
                kind = (
                    ContactKind.INQUIRY
                    if r < 0.62
                    else ContactKind.SERVICE_REQUEST
                    if r < 0.88
                    else ContactKind.COMPLAINT
                )
                known = rng.random() < 0.6 and self.clients.k0 > 0
                idx = int(self.clients.k0 * rng.random()) if known else None
                cid = self.cid(idx) if idx is not None else None
                cat: str
                if kind == ContactKind.COMPLAINT:
                    cat, zh, en = rng.choice(P.COMPLAINTS)
                    summary = self.txt((zh, en))
                else:
                    cat = ""
                    summary = self.txt(rng.choice(P.INQUIRIES if kind == ContactKind.INQUIRY else P.SERVICE_REQUESTS))
                contact_id = self.ids("contacts")
                channel = rng.choice(
                    (ContactChannel.PHONE, ContactChannel.PHONE, ContactChannel.IN_PERSON, ContactChannel.MESSAGE)
                )
                # an inquiry or request: mostly answered on the spot, some later (a few late); taken
                # from the contact's number, not the random stream, so the rest of the demo is as before
                due = None if kind == ContactKind.COMPLAINT else at + timedelta(hours=4 if kind == ContactKind.INQUIRY else 24)
                answered = at if contact_id % 5 else at + timedelta(hours=0.5 + (contact_id * 7) % 30)
                self.rows["contacts"].append(
                    {
                        "id": contact_id,
                        "branch_id": b,
                        "client_id": cid,
                        "channel": channel,
                        "kind": kind,
                        "caller_name": "" if cid else self.txt(("张女士", "Ms Smith")),
                        "caller_phone": "" if cid else f"+86138{rng.randint(0, 99_999_999):08d}",
                        "summary": summary,
                        "checklist": {"identified": True, "listened": True, "recorded": True},
                        "at": at,
                        "staff_id": self.cashier(b),
                        "reply_due_at": due,
                        "replied_at": answered if due is not None and answered <= self.now else None,
                        "reply": "",
                        "rings": (1, 2, 2, 3, 3, 4, 6)[contact_id % 7] if channel == ContactChannel.PHONE else None,
                    }
                )
                if kind == ContactKind.COMPLAINT:
                    self.complaint(at, b, cid, None, None, ComplaintSource.CONTACT, cat, summary, contact_id)
