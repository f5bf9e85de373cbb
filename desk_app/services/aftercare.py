"""After the visit (PRODUCT §2 steps 6-7, §5): follow-up calls, feedback, contacts, complaints.

Rules decided here (and tested in tests/integration/test_aftercare_*.py):

* A follow-up is **due** on the shop-local days from ``due_from`` to ``due_by``
  (a visit paid Monday 17:00 is called Wednesday or Thursday, any time of day);
  it is **overdue** when nobody has tried to call and that last day is over;
  **later** when its window has not opened or a call-back is planned for later.
* ``called_at`` is the time of the *first* call attempt (the follow-up standard
  "made on time" measures it); ``completed_at`` when no more calls are needed.
* "No answer" plans the next try one day later, until ``followup.max_attempts``
  tries are used, then the follow-up is given up.
* A low score opens a complaint by itself: on a call, when **any** of the four
  scores (timeliness, professionalism, effectiveness, attitude) is 1 or 2 --
  one bad dimension is a real complaint even when the average looks fine; at
  checkout, when the single satisfaction score is 1 or 2.
* Every scored call and every checkout score is a feedback record. Feedback
  with a score of 4-5 and no comment has nothing to process and is stored as
  handled; all other feedback waits (pending) for an improvement action.
* A special complaint is escalated: its handler is an owner, and only an owner
  resolves it.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.engine import Database
from desk_app.db.models import (
    Client,
    Complaint,
    Contact,
    Feedback,
    FollowUp,
    PlanItem,
    Sale,
    Service,
    ServiceLog,
    Staff,
    Visit,
)
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, Role, mask_phone
from desk_app.i18n import _, format_date, pick
from desk_app.services import aftercare_outreach as outreach
from desk_app.services.aftercare_views import (
    CHECKLIST_KEYS,
    COMPENSATIONS,
    COMPLAINT_CATEGORIES,
    COMPLAINT_LEVELS,
    COMPLAINT_SEVERITIES,
    CONTACT_CHANNELS,
    CONTACT_KINDS,
    FOLLOWUP_CLOSED,
    FOLLOWUP_OUTCOMES,
    SCORE_DIMENSIONS,
    CallResult,
    ComplaintView,
    ContactView,
    FeedbackView,
    FollowUpLists,
    FollowUpView,
    OutreachItem,
    OutreachLists,
    RedoChoices,
    RedoSpec,
    SaleChoice,
)
from desk_app.services.common import (
    Clock,
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    require,
    shop_row,
    system_clock,
)
from desk_app.settings import SettingsStore

LOW_SCORE = 2  # a score at or below this opens a complaint


def shop_tz(session: Session) -> ZoneInfo:
    return ZoneInfo(shop_row(session).timezone or "Asia/Shanghai")


def _staff_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.execute(select(Staff.id, Staff.name)).all()}


def _name(names: dict[int, str], sid: int | None) -> str:
    return names.get(sid, "") if sid is not None else ""


class AftercareService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock = system_clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock

    # ------------------------------------------------------------------ follow-ups
    def followups(
        self, now: datetime | None = None, status: str | None = None, actor: Actor | None = None
    ) -> FollowUpLists:
        """Due, overdue, later and done follow-up calls (``status`` keeps only one of these lists).

        Phone numbers are masked unless ``actor`` may see them.
        """
        now = now or self.clock()
        show_phone = actor is not None and actor.can(Perm.SEE_PHONE)
        buckets: dict[str, list[FollowUpView]] = {"due": [], "overdue": [], "later": [], "done": []}
        done_since = now - timedelta(days=14)
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = shop_tz(s)
            names = _staff_names(s)
            # open calls more than a month past their window drop off the lists (the standard still counts them)
            q = _FOLLOWUP_COLS.where(
                ((FollowUp.status.not_in(FOLLOWUP_CLOSED)) & ((FollowUp.due_by >= now - timedelta(days=31))
                                                               | FollowUp.callback_at.is_not(None)))
                | (FollowUp.completed_at >= done_since)
            )
            rows = list(s.execute(q.order_by(FollowUp.due_from, FollowUp.id)).all())
            ctx = _FollowUpContext.load(s, rows)
            for fu in rows:
                v = self._view(fu, ctx, names, tz, now, show_phone)
                buckets[v.state].append(v)
        buckets["done"].sort(key=lambda v: v.completed_at or v.due_by, reverse=True)
        if status is not None:
            if status not in buckets:
                raise ValueError(f"unknown follow-up list {status!r}")
            buckets = {k: (b if k == status else []) for k, b in buckets.items()}
        return FollowUpLists(
            due=tuple(buckets["due"]),
            overdue=tuple(buckets["overdue"]),
            later=tuple(buckets["later"]),
            done=tuple(buckets["done"]),
        )

    def followup(self, followup_id: int, actor: Actor | None = None) -> FollowUpView:
        show_phone = actor is not None and actor.can(Perm.SEE_PHONE)
        with self.db.uow(write=False) as uow:
            fu = uow.session.execute(_FOLLOWUP_COLS.where(FollowUp.id == followup_id)).first()
            if fu is None:
                raise NotFound(_("That follow-up no longer exists. Refresh the list."))
            ctx = _FollowUpContext.load(uow.session, [fu])
            return self._view(fu, ctx, _staff_names(uow.session), shop_tz(uow.session), self.clock(), show_phone)

    def reveal_phone(self, actor: Actor, followup_id: int) -> str:
        """The client's full number, to make the call; the look is written to the audit log."""
        require(self.db.uow, actor, Perm.FOLLOWUP)
        now = self.clock()
        with self.db.uow() as uow:
            fu = uow.session.get(FollowUp, followup_id)
            if fu is None:
                raise NotFound(_("That follow-up no longer exists. Refresh the list."))
            client = uow.session.get(Client, fu.client_id) if fu.client_id else None
            if client is None or not client.phone:
                raise ServiceError(_("This client has no phone number on file. Add one on the client's profile."))
            audit(uow.session, actor, "view", "client_phone", client.id,
                  detail=f"follow-up {fu.id}: revealed the number to call", at=now)
            uow.commit()
            return client.phone

    def call_script(self, actor: Actor, followup_id: int) -> list[str]:
        """The short call script with the client's name, the service and the stylist filled in."""
        fu = self.followup(followup_id, actor)
        with self.db.uow(write=False) as uow:
            shop_name = shop_row(uow.session).name
        service = ", ".join(fu.services) or _("your visit")
        stylist = fu.served_by or _("our team")
        when = format_date(fu.visit_at) if fu.visit_at else ""
        return [
            _("Hello {client}, this is {caller} from {shop}. You visited us on {date} for {service} "
              "with {stylist}; we are calling to ask how it went. Do you have two minutes?").format(
                client=fu.client_name, caller=actor.name, shop=shop_name, date=when, service=service,
                stylist=stylist),
            _("How is the result of the {service} now? Are you happy with it?").format(service=service),
            _("Was the service on time? (timeliness)"),
            _("Was {stylist} professional, and did the service do what you hoped? "
              "(professionalism, effectiveness)").format(stylist=stylist),
            _("Was our staff's attitude right, were you treated well? (attitude)"),
            _("Is there anything else we can do for you? Thank you, {client}!").format(client=fu.client_name),
        ]

    def record_call(
        self,
        actor: Actor,
        followup_id: int,
        outcome: str,
        callback_at: datetime | None = None,
        timeliness: int | None = None,
        professionalism: int | None = None,
        effectiveness: int | None = None,
        attitude: int | None = None,
        comments: str = "",
    ) -> CallResult:
        require(self.db.uow, actor, Perm.FOLLOWUP)
        now = self.clock()
        scores = dict(zip(SCORE_DIMENSIONS, (timeliness, professionalism, effectiveness, attitude), strict=True))
        errors: dict[str, str] = {}
        if outcome not in FOLLOWUP_OUTCOMES:
            errors["outcome"] = _("Choose what happened: reached, no answer, call back or wrong number.")
        for key, val in scores.items():
            if val is not None and not 1 <= int(val) <= 5:
                errors[key] = _("A score is from 1 (very unhappy) to 5 (very happy).")
        if outcome == "call_back":
            if callback_at is None:
                errors["callback_at"] = _("Enter when to call back.")
            elif callback_at <= now:
                errors["callback_at"] = _("The call-back time must be later than now.")
        if outcome != "reached" and any(v is not None for v in scores.values()):
            errors.setdefault("outcome", _("Scores can only be recorded when the client was reached."))
        if errors:
            raise ValidationError(errors)
        max_attempts = int(self.settings.get("followup.max_attempts"))
        feedback_id = complaint_id = None
        gave_up = False
        with self.db.uow() as uow:
            s = uow.session
            fu = s.get(FollowUp, followup_id)
            if fu is None:
                raise NotFound(_("That follow-up no longer exists. Refresh the list."))
            if fu.status in FOLLOWUP_CLOSED:
                raise ServiceError(_("This follow-up is already finished. Refresh the list."))
            fu.attempts = (fu.attempts or 0) + 1
            fu.called_at = fu.called_at or now
            fu.called_by_id = actor.staff_id
            if comments.strip():
                fu.comments = (fu.comments + "\n" if fu.comments else "") + comments.strip()
            if outcome == "reached":
                fu.status = "done"
                fu.completed_at = now
                fu.callback_at = None
                given = [int(v) for v in scores.values() if v is not None]
                fu.score_timeliness, fu.score_professionalism = timeliness, professionalism
                fu.score_effectiveness, fu.score_attitude = effectiveness, attitude
                if given:
                    fu.satisfaction = _round_half_up(Decimal(sum(given)) / len(given))
                if given or comments.strip():
                    visit = s.get(Visit, fu.visit_id)
                    low = [k for k, v in scores.items() if v is not None and v <= LOW_SCORE]
                    fb = _add_feedback(s, visit, fu.client_id, "followup", fu.satisfaction, comments.strip(),
                                       now, handled=bool(given) and not low and (fu.satisfaction or 0) >= 4
                                       and not comments.strip())
                    feedback_id = fb.id
                    if low:
                        desc = _("Follow-up call: low score for {what}. {comments}").format(
                            what=", ".join(_score_label(k) for k in low), comments=comments.strip()).strip()
                        c = self._open(s, actor, now, level="general", description=desc,
                                       client_id=fu.client_id, visit_id=fu.visit_id,
                                       staff_involved_id=fu.staff_id, severity="medium",
                                       category="attitude" if low == ["attitude"] else "service",
                                       source="followup_score")
                        complaint_id = c.id
            elif outcome == "no_answer":
                if fu.attempts >= max_attempts:
                    fu.status = "gave_up"
                    fu.completed_at = now
                    fu.callback_at = None
                    gave_up = True
                else:
                    fu.status = "no_answer"
                    fu.callback_at = now + timedelta(days=1)
            elif outcome == "call_back":
                fu.status = "call_back"
                fu.callback_at = callback_at
            else:  # wrong_number
                fu.status = "wrong_number"
                fu.completed_at = now
                fu.callback_at = None
            s.flush()
            audit(s, actor, "followup_call", "follow_up", fu.id,
                  after={"outcome": outcome, "attempts": fu.attempts, "status": fu.status,
                         "satisfaction": fu.satisfaction, "complaint_id": complaint_id}, at=now)
            uow.commit()
        return CallResult(self.followup(followup_id, actor), feedback_id, complaint_id, gave_up)

    def _view(
        self, fu: Any, ctx: _FollowUpContext, names: dict[int, str], tz: ZoneInfo, now: datetime,
        show_phone: bool,
    ) -> FollowUpView:
        client = ctx.clients.get(fu.client_id or -1)
        visit = ctx.visits.get(fu.visit_id)
        phone = client.phone if client else ""
        return FollowUpView(
            id=fu.id, visit_id=fu.visit_id, client_id=fu.client_id,
            client_name=client.name if client else _("(no client)"),
            client_number=client.client_number if client else "",
            phone_masked=phone if show_phone else mask_phone(phone),
            preferred_channel=client.preferred_channel if client else "phone",
            services=tuple(ctx.services.get(fu.visit_id, ())),
            served_by=", ".join(ctx.staff.get(fu.visit_id, ())) or _name(names, fu.staff_id),
            visit_at=(visit.paid_at or visit.service_ended_at or visit.arrived_at) if visit else None,
            due_from=fu.due_from, due_by=fu.due_by, status=fu.status,
            state=followup_state(fu.status, fu.attempts or 0, fu.due_from, fu.due_by, fu.callback_at, now, tz),
            attempts=fu.attempts or 0, callback_at=fu.callback_at,
            scores={"timeliness": fu.score_timeliness, "professionalism": fu.score_professionalism,
                    "effectiveness": fu.score_effectiveness, "attitude": fu.score_attitude},
            satisfaction=fu.satisfaction, comments=fu.comments or "", called_at=fu.called_at,
            called_by=_name(names, fu.called_by_id), completed_at=fu.completed_at,
        )

    # ------------------------------------------------------------------ checkout satisfaction
    def record_checkout_satisfaction(
        self, actor: Actor, visit_id: int | None, sale_id: int | None, score: int, comment: str = ""
    ) -> FeedbackView:
        """Store the client's satisfaction asked at checkout; 1-2 opens a complaint by itself."""
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError({"score": _("A score is from 1 (very unhappy) to 5 (very happy).")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            sale = s.get(Sale, sale_id) if sale_id else None
            if sale_id and sale is None:
                raise NotFound(_("That sale no longer exists."))
            if visit_id is None and sale is not None:
                visit_id = sale.visit_id
            visit = s.get(Visit, visit_id) if visit_id else None
            if visit_id and visit is None:
                raise NotFound(_("That visit no longer exists."))
            client_id = visit.client_id if visit else (sale.client_id if sale else None)
            q = select(Feedback).where(Feedback.source == "checkout")
            q = q.where(Feedback.visit_id == visit_id) if visit_id else q.where(Feedback.id == -1)
            fb = s.execute(q).scalars().first()
            handled = score >= 4 and not comment.strip()
            if fb is None:
                fb = _add_feedback(s, visit, client_id, "checkout", score, comment.strip(), now, handled=handled)
            else:
                fb.score, fb.content = score, comment.strip()
                if not handled and fb.status == "handled" and not fb.improvement_action:
                    fb.status, fb.handled_at = "pending", None
            if visit is not None and visit.satisfaction is None:
                visit.satisfaction = score
            if sale is not None and sale.satisfaction is None:
                sale.satisfaction = score
            complaint_id = None
            if score <= LOW_SCORE:
                existing = None
                if visit_id:
                    existing = s.execute(select(Complaint.id).where(
                        Complaint.visit_id == visit_id, Complaint.source == "checkout_score")).scalar()
                if existing is None:
                    desc = _("Checkout: the client scored the visit {score} of 5. {comment}").format(
                        score=score, comment=comment.strip()).strip()
                    c = self._open(s, actor, now, level="general", description=desc, client_id=client_id,
                                   visit_id=visit_id, staff_involved_id=visit.staff_id if visit else None,
                                   severity="medium", category="service", source="checkout_score")
                    complaint_id = c.id
                else:
                    complaint_id = existing
            s.flush()
            audit(s, actor, "feedback", "feedback", fb.id,
                  after={"score": score, "visit_id": visit_id, "complaint_id": complaint_id}, at=now)
            uow.commit()
            fid = fb.id
        view = self.feedback_item(fid)
        return dataclasses.replace(view, complaint_id=complaint_id)

    # ------------------------------------------------------------------ feedback
    def feedback_list(self, status: str | None = None, limit: int = 500) -> list[FeedbackView]:
        now = self.clock()
        hours = int(self.settings.get("standards.feedback_process_hours"))
        with self.db.uow(write=False) as uow:
            q = select(Feedback).order_by(Feedback.at.desc(), Feedback.id.desc()).limit(limit)
            if status:
                q = q.where(Feedback.status == status)
            rows = list(uow.session.execute(q).scalars())
            return [self._fb_view(uow.session, f, now, hours) for f in rows]

    def feedback_item(self, feedback_id: int) -> FeedbackView:
        hours = int(self.settings.get("standards.feedback_process_hours"))
        with self.db.uow(write=False) as uow:
            f = uow.session.get(Feedback, feedback_id)
            if f is None:
                raise NotFound(_("That feedback no longer exists."))
            return self._fb_view(uow.session, f, self.clock(), hours)

    def handle_feedback(
        self, actor: Actor, feedback_id: int, improvement_action: str, responsible_id: int | None
    ) -> FeedbackView:
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        errors: dict[str, str] = {}
        if not improvement_action.strip():
            errors["improvement_action"] = _("Write what will be done better (the improvement action).")
        if responsible_id is None:
            errors["responsible_id"] = _("Choose who is responsible for the improvement.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            f = uow.session.get(Feedback, feedback_id)
            if f is None:
                raise NotFound(_("That feedback no longer exists."))
            if uow.session.get(Staff, responsible_id) is None:
                raise ValidationError({"responsible_id": _("Choose a staff member from the list.")})
            f.improvement_action = improvement_action.strip()
            f.responsible_id = responsible_id
            if f.status != "handled":
                f.status, f.handled_at = "handled", now
            audit(uow.session, actor, "update", "feedback", f.id,
                  after={"status": "handled", "responsible_id": responsible_id}, at=now)
            uow.commit()
        return self.feedback_item(feedback_id)

    def _fb_view(self, s: Session, f: Feedback, now: datetime, hours: int) -> FeedbackView:
        client = s.get(Client, f.client_id) if f.client_id else None
        svc = s.get(Service, f.service_id) if f.service_id else None
        staff = s.get(Staff, f.staff_id) if f.staff_id else None
        resp = s.get(Staff, f.responsible_id) if f.responsible_id else None
        due = f.at + timedelta(hours=hours)
        cid = None
        if f.visit_id and f.score is not None and f.score <= LOW_SCORE:
            src = "checkout_score" if f.source == "checkout" else "followup_score"
            cid = s.execute(select(Complaint.id).where(Complaint.visit_id == f.visit_id,
                                                       Complaint.source == src)).scalar()
        return FeedbackView(
            id=f.id, client_id=f.client_id, client_name=client.name if client else "",
            visit_id=f.visit_id, service=pick(svc.name_zh, svc.name_en) if svc else "",
            staff=staff.name if staff else "", source=f.source, score=f.score, content=f.content or "",
            at=f.at, status=f.status, improvement_action=f.improvement_action or "",
            responsible_id=f.responsible_id, responsible=resp.name if resp else "", handled_at=f.handled_at,
            process_due_at=due, overdue=f.status != "handled" and now > due, complaint_id=cid,
        )

    # ------------------------------------------------------------------ contacts
    def log_contact(
        self,
        actor: Actor,
        channel: str,
        kind: str,
        client_id: int | None,
        caller_name: str = "",
        caller_phone: str = "",
        summary: str = "",
        checklist: dict[str, bool] | None = None,
        *,
        level: str = "general",
        severity: str = "medium",
        category: str = "service",
        visit_id: int | None = None,
        staff_involved_id: int | None = None,
    ) -> ContactView:
        """Log an inbound contact; a complaint also opens its ticket (level/severity/... apply then)."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        checklist = dict(checklist or {})
        errors: dict[str, str] = {}
        if channel not in CONTACT_CHANNELS:
            errors["channel"] = _("Choose how the client contacted us: phone, in person or message.")
        if kind not in CONTACT_KINDS:
            errors["kind"] = _("Choose what it is: inquiry, service request or complaint.")
        if not summary.strip():
            errors["summary"] = _("Write a short summary of what the client said.")
        if client_id is None and not caller_name.strip():
            errors["caller_name"] = _("Choose the client or enter the caller's name.")
        unknown = set(checklist) - set(CHECKLIST_KEYS)
        if unknown:
            errors["checklist"] = _("Unknown checklist items: {items}").format(items=", ".join(sorted(unknown)))
        if kind == "complaint":
            errors.update(_complaint_errors(level, severity, category))
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            if client_id is not None and s.get(Client, client_id) is None:
                raise ValidationError({"client_id": _("That client no longer exists; search again.")})
            c = Contact(
                branch_id=actor.branch_id, client_id=client_id, channel=channel, kind=kind,
                caller_name=caller_name.strip(), caller_phone=caller_phone.strip(), summary=summary.strip(),
                checklist={k: bool(checklist.get(k, False)) for k in CHECKLIST_KEYS}, at=now,
                staff_id=actor.staff_id,
            )
            s.add(c)
            s.flush()
            complaint_id = None
            if kind == "complaint":
                comp = self._open(s, actor, now, level=level, description=summary.strip(), client_id=client_id,
                                  visit_id=visit_id, staff_involved_id=staff_involved_id, severity=severity,
                                  category=category, source="contact", contact_id=c.id)
                complaint_id = comp.id
            audit(s, actor, "create", "contact", c.id,
                  after={"kind": kind, "channel": channel, "complaint_id": complaint_id}, at=now)
            uow.commit()
            return self._contact_view(s, c, _staff_names(s), actor.can(Perm.SEE_PHONE), complaint_id)

    def contacts(self, since: datetime | None = None, actor: Actor | None = None, limit: int = 200) -> list[ContactView]:
        since = since or (self.clock() - timedelta(days=30))
        show = actor is not None and actor.can(Perm.SEE_PHONE)
        with self.db.uow(write=False) as uow:
            s = uow.session
            rows = list(s.execute(select(Contact).where(Contact.at >= since)
                                  .order_by(Contact.at.desc()).limit(limit)).scalars())
            comp = {k: v for k, v in s.execute(select(Complaint.contact_id, Complaint.id)
                                               .where(Complaint.contact_id.in_([c.id for c in rows]))).all()}
            names = _staff_names(s)
            return [self._contact_view(s, c, names, show, comp.get(c.id)) for c in rows]

    def _contact_view(self, s: Session, c: Contact, names: dict[int, str], show_phone: bool,
                      complaint_id: int | None) -> ContactView:
        client = s.get(Client, c.client_id) if c.client_id else None
        return ContactView(
            id=c.id, at=c.at, channel=c.channel, kind=c.kind, client_id=c.client_id,
            client_name=client.name if client else "", caller_name=c.caller_name,
            caller_phone=c.caller_phone if show_phone else mask_phone(c.caller_phone), summary=c.summary,
            checklist={k: bool((c.checklist or {}).get(k)) for k in CHECKLIST_KEYS},
            staff=_name(names, c.staff_id), complaint_id=complaint_id,
        )

    # ------------------------------------------------------------------ complaints
    def open_complaint(
        self,
        actor: Actor,
        *,
        description: str,
        level: str = "general",
        client_id: int | None = None,
        visit_id: int | None = None,
        staff_involved_id: int | None = None,
        severity: str = "medium",
        category: str = "service",
        handler_id: int | None = None,
        contact_id: int | None = None,
        source: str = "contact",
    ) -> ComplaintView:
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        errors = _complaint_errors(level, severity, category)
        if not description.strip():
            errors["description"] = _("Describe what happened.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            c = self._open(uow.session, actor, now, level=level, description=description.strip(),
                           client_id=client_id, visit_id=visit_id, staff_involved_id=staff_involved_id,
                           severity=severity, category=category, handler_id=handler_id, contact_id=contact_id,
                           source=source)
            uow.commit()
            cid = c.id
        return self.complaint(cid)

    def _open(
        self, s: Session, actor: Actor | None, now: datetime, *, level: str, description: str,
        client_id: int | None, visit_id: int | None, staff_involved_id: int | None, severity: str,
        category: str, source: str, handler_id: int | None = None, contact_id: int | None = None,
    ) -> Complaint:
        hours = int(self.settings.get("standards.complaint_response_hours"))
        if visit_id is not None:
            visit = s.get(Visit, visit_id)
            if visit is None:
                raise ValidationError({"visit_id": _("That visit no longer exists; choose another.")})
            client_id = client_id or visit.client_id
            staff_involved_id = staff_involved_id or visit.staff_id
        if level == "special":
            handler_id = _an_owner(s, actor)
        elif handler_id is None and actor is not None:
            handler_id = actor.staff_id
        c = Complaint(
            branch_id=actor.branch_id if actor else None, contact_id=contact_id, client_id=client_id,
            visit_id=visit_id, staff_involved_id=staff_involved_id, level=level, category=category,
            severity=severity, source=source, description=description, handler_id=handler_id, opened_at=now,
            first_response_due_at=now + timedelta(hours=hours), status="open",
        )
        s.add(c)
        s.flush()
        audit(s, actor, "create", "complaint", c.id,
              after={"level": level, "source": source, "visit_id": visit_id, "handler_id": handler_id}, at=now)
        return c

    def complaint(self, complaint_id: int) -> ComplaintView:
        with self.db.uow(write=False) as uow:
            c = uow.session.get(Complaint, complaint_id)
            if c is None:
                raise NotFound(_("That complaint no longer exists. Refresh the list."))
            return self._complaint_view(uow.session, c, _staff_names(uow.session), self.clock())

    def complaints(self, now: datetime | None = None, status: str | None = None,
                   include_closed_days: int = 30) -> list[ComplaintView]:
        """Complaints, overdue first, then the newest; closed ones only from the last days."""
        now = now or self.clock()
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = select(Complaint, Client.name).outerjoin(Client, Client.id == Complaint.client_id)
            if status:
                q = q.where(Complaint.status == status)
            else:
                q = q.where((Complaint.status.in_(("open", "responded")))
                            | (Complaint.opened_at >= now - timedelta(days=include_closed_days)))
            names = _staff_names(s)
            cur = shop_row(s).currency
            views = [self._complaint_view(s, c, names, now, cur, cname or "") for c, cname in s.execute(q).all()]
        views.sort(key=lambda v: (not v.overdue, v.status in ("resolved", "closed"), -v.opened_at.timestamp()))
        return views

    def overdue_complaints(self, now: datetime | None = None) -> list[ComplaintView]:
        """Complaints without a first response past their deadline (Today screen, owner sign-in)."""
        now = now or self.clock()
        with self.db.uow(write=False) as uow:
            s = uow.session
            rows = s.execute(select(Complaint).where(
                Complaint.first_response_at.is_(None), Complaint.status.in_(("open",)),
                Complaint.first_response_due_at < now).order_by(Complaint.first_response_due_at)).scalars()
            names = _staff_names(s)
            cur = shop_row(s).currency
            return [self._complaint_view(s, c, names, now, cur) for c in rows]

    def respond(self, actor: Actor, complaint_id: int, text: str) -> ComplaintView:
        """The first response to the client (stops the first-response clock)."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        if not text.strip():
            raise ValidationError({"text": _("Write what you told the client.")})
        now = self.clock()
        with self.db.uow() as uow:
            c = self._get_complaint(uow.session, complaint_id)
            if c.status in ("resolved", "closed"):
                raise ServiceError(_("This complaint is already resolved."))
            if c.first_response_at is None:
                c.first_response_at = now
                c.first_response = text.strip()
            else:
                c.first_response = c.first_response + "\n" + text.strip()
            if c.status == "open":
                c.status = "responded"
            audit(uow.session, actor, "respond", "complaint", c.id,
                  after={"first_response_at": c.first_response_at}, at=now)
            uow.commit()
        return self.complaint(complaint_id)

    def resolve(
        self,
        actor: Actor,
        complaint_id: int,
        resolution: str,
        compensation: str = "",
        *,
        amount: Decimal | None = None,
        refund_sale_id: int | None = None,
        refund_line_ids: Sequence[int] = (),
        approver: Actor | None = None,
        redo: RedoSpec | None = None,
    ) -> ComplaintView:
        """Resolve with an optional compensation: refund (through checkout), voucher/discount, redo (booked)."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        errors: dict[str, str] = {}
        if not resolution.strip():
            errors["resolution"] = _("Write how the complaint was resolved.")
        if compensation not in COMPENSATIONS:
            errors["compensation"] = _("Choose a compensation: none, refund, voucher, discount or redo.")
        if compensation in ("voucher", "discount") and (amount is None or amount <= 0):
            errors["amount"] = _("Enter the amount of the voucher or discount (more than 0).")
        if compensation == "refund" and refund_sale_id is None:
            errors["refund_sale_id"] = _("Choose the sale to refund.")
        if compensation == "redo" and redo is None:
            errors["redo"] = _("Choose the stylist and time for the redo.")
        if errors:
            raise ValidationError(errors)
        with self.db.uow(write=False) as uow:
            c = self._get_complaint(uow.session, complaint_id)
            if c.status in ("resolved", "closed"):
                raise ServiceError(_("This complaint is already resolved."))
            if c.level == "special" and actor.role != Role.OWNER:
                raise ServiceError(_("A special complaint is resolved by the owner. Ask the owner to sign in."))
            client_id = c.client_id
            currency = shop_row(uow.session).currency
        refund_id: int | None = None
        comp_minor = 0
        appt_id: int | None = None
        if compensation == "refund":
            assert refund_sale_id is not None
            refund_id, comp_minor = self._refund(actor, refund_sale_id, refund_line_ids, resolution, approver)
        elif compensation in ("voucher", "discount"):
            assert amount is not None
            comp_minor = Money.of(amount, currency).minor
        elif compensation == "redo":
            assert redo is not None
            if client_id is None:
                raise ServiceError(_("A redo needs the client: link the complaint to a client first."))
            appt_id = self._book_redo(actor, client_id, redo, complaint_id)
        now = self.clock()
        with self.db.uow() as uow:
            c = self._get_complaint(uow.session, complaint_id)
            c.status = "resolved"
            c.resolution = resolution.strip()
            c.compensation_kind = compensation
            c.compensation_minor = comp_minor
            c.refund_sale_id = refund_id
            c.redo_appointment_id = appt_id
            c.resolved_at = now
            audit(uow.session, actor, "resolve", "complaint", c.id,
                  after={"compensation": compensation, "amount_minor": comp_minor, "refund_sale_id": refund_id,
                         "redo_appointment_id": appt_id}, at=now)
            uow.commit()
        return self.complaint(complaint_id)

    def close(self, actor: Actor, complaint_id: int) -> ComplaintView:
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        now = self.clock()
        with self.db.uow() as uow:
            c = self._get_complaint(uow.session, complaint_id)
            if c.status != "resolved":
                raise ServiceError(_("Resolve the complaint before closing it."))
            c.status, c.closed_at = "closed", now
            audit(uow.session, actor, "close", "complaint", c.id, at=now)
            uow.commit()
        return self.complaint(complaint_id)

    def sales_for_complaint(self, complaint_id: int) -> list[SaleChoice]:
        """The client's recent sales (the complaint's visit first) that a refund could reverse."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            c = self._get_complaint(s, complaint_id)
            cur = shop_row(s).currency
            q = select(Sale).where(Sale.kind == "sale")
            if c.visit_id is not None and c.client_id is not None:
                q = q.where((Sale.visit_id == c.visit_id) | (Sale.client_id == c.client_id))
            elif c.visit_id is not None:
                q = q.where(Sale.visit_id == c.visit_id)
            elif c.client_id is not None:
                q = q.where(Sale.client_id == c.client_id)
            else:
                return []
            sales = list(s.execute(q.order_by(Sale.sold_at.desc()).limit(20)).scalars())
            sales.sort(key=lambda x: (x.visit_id != c.visit_id, -x.sold_at.timestamp()))
            return [SaleChoice(x.id, x.receipt_no, x.sold_at, Money.from_minor(x.total_minor, cur).amount)
                    for x in sales]

    def redo_choices(self, complaint_id: int) -> RedoChoices:
        with self.db.uow(write=False) as uow:
            s = uow.session
            c = self._get_complaint(s, complaint_id)
            staff = tuple((i, n) for i, n in s.execute(
                select(Staff.id, Staff.name).where(Staff.active.is_(True), Staff.role.in_(("stylist", "owner")))
                .order_by(Staff.name)).all())
            services = tuple((i, pick(zh, en), m) for i, zh, en, m in s.execute(
                select(Service.id, Service.name_zh, Service.name_en, Service.duration_min)
                .where(Service.active.is_(True)).order_by(Service.sort, Service.id)).all())
            svc = None
            if c.visit_id is not None:
                svc = s.execute(select(ServiceLog.service_id).where(ServiceLog.visit_id == c.visit_id)
                                .order_by(ServiceLog.id).limit(1)).scalar()
            return RedoChoices(staff, services, c.staff_involved_id, svc)

    def _refund(self, actor: Actor, sale_id: int, line_ids: Sequence[int], reason: str,
                approver: Actor | None) -> tuple[int | None, int]:
        try:
            co: Any = importlib.import_module("desk_app.services.checkout")  # checkout's module
        except ImportError:
            raise ServiceError(_("Refunds are not available in this version yet. Give a voucher instead.")) from None
        result: Any = co.CheckoutService(self.db, self.settings, self.clock).refund(
            actor, sale_id, list(line_ids) or None, reason, approver)
        rid = _id_of(result, ("id", "sale_id", "refund_sale_id"))
        total = 0
        if rid is not None:
            with self.db.uow(write=False) as uow:
                sale = uow.session.get(Sale, rid)
                total = abs(sale.total_minor) if sale is not None else 0
        return rid, total

    def _book_redo(self, actor: Actor, client_id: int, redo: RedoSpec, complaint_id: int) -> int | None:
        try:
            cal: Any = importlib.import_module("desk_app.services.calendar")  # the calendar's module
        except ImportError:
            raise ServiceError(_("Booking is not available in this version yet. Book the redo by hand.")) from None
        values: dict[str, Any] = {
            "client_id": client_id, "staff_id": redo.staff_id, "start_at": redo.start_at, "start": redo.start_at,
            "service_ids": list(redo.service_ids), "resource_id": redo.resource_id, "source": "desk",
            "notes": redo.notes or _("Redo for complaint #{id}").format(id=complaint_id),
            "branch_id": actor.branch_id,
        }
        names = {f.name for f in dataclasses.fields(cal.BookingRequest)} if dataclasses.is_dataclass(
            cal.BookingRequest) else {"client_id", "staff_id", "start_at", "service_ids"}
        req = cal.BookingRequest(**{k: v for k, v in values.items() if k in names})
        result: Any = cal.CalendarService(self.db, self.settings, self.clock).book(actor, req)
        return _id_of(result, ("id", "appointment_id"))

    def _get_complaint(self, s: Session, complaint_id: int) -> Complaint:
        c = s.get(Complaint, complaint_id)
        if c is None:
            raise NotFound(_("That complaint no longer exists. Refresh the list."))
        return c

    def _complaint_view(self, s: Session, c: Complaint, names: dict[int, str], now: datetime,
                        currency: str | None = None, client_name: str | None = None) -> ComplaintView:
        if client_name is None:
            client = s.get(Client, c.client_id) if c.client_id else None
            client_name = client.name if client else ""
        currency = currency or shop_row(s).currency
        return ComplaintView(
            id=c.id, client_id=c.client_id, client_name=client_name, visit_id=c.visit_id,
            staff_involved=_name(names, c.staff_involved_id), staff_involved_id=c.staff_involved_id,
            level=c.level, category=c.category, severity=c.severity, source=c.source, description=c.description,
            handler_id=c.handler_id, handler=_name(names, c.handler_id), opened_at=c.opened_at,
            first_response_due_at=c.first_response_due_at, first_response_at=c.first_response_at,
            first_response=c.first_response or "", status=c.status,
            overdue=c.first_response_at is None and c.status == "open" and now > c.first_response_due_at,
            resolution=c.resolution or "", compensation_kind=c.compensation_kind or "",
            compensation=Money.from_minor(c.compensation_minor or 0, currency).amount,
            refund_sale_id=c.refund_sale_id, redo_appointment_id=c.redo_appointment_id,
            resolved_at=c.resolved_at, closed_at=c.closed_at,
        )

    # ------------------------------------------------------------------ keeping in touch
    def outreach(self, now: datetime | None = None, actor: Actor | None = None) -> OutreachLists:
        now = now or self.clock()
        show = actor is not None and actor.can(Perm.SEE_PHONE)
        days = [int(d) for d in self.settings.get("outreach.expiry_reminders_days")]
        low = int(self.settings.get("outreach.low_balance_minor"))
        with self.db.uow(write=False) as uow:
            s = uow.session
            tz = shop_tz(s)
            cur = shop_row(s).currency
            return OutreachLists(
                birthdays=tuple(outreach.birthdays(s, now, tz, show)),
                expiring=tuple(outreach.expiring(s, now, tz, show, days, cur)),
                low_balance=tuple(outreach.low_balance(s, now, tz, show, low, cur)),
            )

    def birthdays_this_week(self, now: datetime | None = None, actor: Actor | None = None) -> list[OutreachItem]:
        return list(self.outreach(now, actor).birthdays)

    def expiring(self, now: datetime | None = None, actor: Actor | None = None) -> list[OutreachItem]:
        return list(self.outreach(now, actor).expiring)

    def low_balances(self, now: datetime | None = None, actor: Actor | None = None) -> list[OutreachItem]:
        return list(self.outreach(now, actor).low_balance)

    def mark_outreach_done(self, actor: Actor, item: OutreachItem, note: str = "") -> None:
        require(self.db.uow, actor, Perm.FOLLOWUP)
        now = self.clock()
        with self.db.uow() as uow:
            outreach.mark_done(uow.session, item, actor.staff_id, now, note)
            audit(uow.session, actor, "outreach_done", "client", item.client_id,
                  after={"kind": item.kind, "due_on": item.due_on.isoformat()}, at=now)
            uow.commit()

    def outreach_csv(self, actor: Actor, now: datetime | None = None) -> bytes:
        """All three keep-in-touch lists as one CSV (UTF-8 with BOM, opens in Excel)."""
        require(self.db.uow, actor, Perm.FOLLOWUP)
        lists = self.outreach(now, actor)
        with self.db.uow() as uow:
            audit(uow.session, actor, "export", "outreach", "",
                  detail="keeping-in-touch lists exported as CSV", at=self.clock())
            uow.commit()
        return outreach.to_csv(lists)

    # ------------------------------------------------------------------ standards (live)
    def today_standards(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        from desk_app.services.standards_report import today_standards

        result: dict[str, dict[str, Any]] = today_standards(self.db, self.settings, now or self.clock())
        return result


# ---------------------------------------------------------------------- helpers


_FOLLOWUP_COLS = select(*FollowUp.__table__.columns)


class _FollowUpContext:
    """What the follow-up rows refer to, loaded in a few column queries (no ORM objects, no lazy loads)."""

    def __init__(self) -> None:
        self.clients: dict[int, Any] = {}
        self.visits: dict[int, Any] = {}
        self.services: dict[int, list[str]] = {}
        self.staff: dict[int, list[str]] = {}

    @classmethod
    def load(cls, s: Session, rows: Sequence[Any]) -> _FollowUpContext:
        ctx = cls()
        cids = {f.client_id for f in rows if f.client_id}
        vids = {f.visit_id for f in rows}
        if cids:
            ctx.clients = {c.id: c for c in s.execute(
                select(Client.id, Client.name, Client.client_number, Client.phone, Client.preferred_channel)
                .where(Client.id.in_(cids))).all()}
        if not vids:
            return ctx
        ctx.visits = {v.id: v for v in s.execute(
            select(Visit.id, Visit.paid_at, Visit.service_ended_at, Visit.arrived_at, Visit.staff_id)
            .where(Visit.id.in_(vids))).all()}
        names = _staff_names(s)
        logs = s.execute(
            select(ServiceLog.visit_id, Service.name_zh, Service.name_en, ServiceLog.staff_id)
            .join(Service, Service.id == ServiceLog.service_id)
            .where(ServiceLog.visit_id.in_(vids)).order_by(ServiceLog.id)
        ).all()
        logged = {r[0] for r in logs}
        plan = s.execute(
            select(PlanItem.visit_id, Service.name_zh, Service.name_en, PlanItem.staff_id)
            .join(Service, Service.id == PlanItem.service_id)
            .where(PlanItem.visit_id.in_(vids - logged), PlanItem.kind == "service",
                   PlanItem.suggested_only.is_(False)).order_by(PlanItem.id)
        ).all() if vids - logged else []
        for vid, zh, en, sid in [*logs, *plan]:
            ctx.services.setdefault(vid, []).append(pick(zh, en))
            who = names.get(sid) if sid else None
            if who and who not in ctx.staff.setdefault(vid, []):
                ctx.staff[vid].append(who)
        for vid, v in ctx.visits.items():
            if not ctx.staff.get(vid) and v.staff_id:
                ctx.staff[vid] = [names.get(v.staff_id, "")]
        return ctx


def followup_state(
    status: str, attempts: int, due_from: datetime, due_by: datetime, callback_at: datetime | None,
    now: datetime, tz: ZoneInfo,
) -> str:
    """due | overdue | later | done, by the shop's local days (see the module doc)."""
    if status in FOLLOWUP_CLOSED:
        return "done"
    today = now.astimezone(tz).date()
    if callback_at is not None and attempts > 0:
        return "due" if callback_at <= now else "later"
    if today < due_from.astimezone(tz).date():
        return "later"
    if today > due_by.astimezone(tz).date():
        return "overdue"
    return "due"


def _round_half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _score_label(key: str) -> str:
    return {
        "timeliness": _("timeliness"),
        "professionalism": _("professionalism"),
        "effectiveness": _("effectiveness"),
        "attitude": _("attitude"),
    }[key]


def _add_feedback(s: Session, visit: Visit | None, client_id: int | None, source: str, score: int | None,
                  content: str, now: datetime, handled: bool) -> Feedback:
    service_id = None
    if visit is not None:
        service_id = s.execute(select(ServiceLog.service_id).where(ServiceLog.visit_id == visit.id)
                               .order_by(ServiceLog.id).limit(1)).scalar()
        if service_id is None:
            service_id = s.execute(select(PlanItem.service_id).where(
                PlanItem.visit_id == visit.id, PlanItem.kind == "service").order_by(PlanItem.id).limit(1)).scalar()
    fb = Feedback(
        client_id=client_id, visit_id=visit.id if visit else None, service_id=service_id,
        staff_id=visit.staff_id if visit else None, source=source, score=score, content=content, at=now,
        status="handled" if handled else "pending", handled_at=now if handled else None,
    )
    s.add(fb)
    s.flush()
    return fb


def _complaint_errors(level: str, severity: str, category: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if level not in COMPLAINT_LEVELS:
        errors["level"] = _("Choose general (handled at the desk) or special (goes to the owner).")
    if severity not in COMPLAINT_SEVERITIES:
        errors["severity"] = _("Choose a severity: low, medium or high.")
    if category not in COMPLAINT_CATEGORIES:
        errors["category"] = _("Choose a category from the list.")
    return errors


def _an_owner(s: Session, actor: Actor | None) -> int | None:
    if actor is not None and actor.role == Role.OWNER:
        return actor.staff_id
    q = select(Staff.id).where(Staff.role == Role.OWNER.value, Staff.active.is_(True)).order_by(Staff.id)
    if actor is not None:
        same = s.execute(q.where(Staff.branch_id == actor.branch_id).limit(1)).scalar()
        if same is not None:
            return int(same)
    found = s.execute(q.limit(1)).scalar()
    return int(found) if found is not None else None


def _id_of(result: Any, attrs: tuple[str, ...]) -> int | None:
    if isinstance(result, int):
        return result
    for a in attrs:
        v = getattr(result, a, None)
        if isinstance(v, int):
            return v
    return None
