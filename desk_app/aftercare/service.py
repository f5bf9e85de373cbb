"""After the visit (docs/product.md §2 steps 6-7, §5): follow-up calls, feedback, contacts, complaints.

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
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.aftercare import outreach
from desk_app.aftercare.complaints import open_complaint_in, staff_name, staff_names
from desk_app.aftercare.views import (
    CallResult,
    FeedbackView,
    FollowUpLists,
    FollowUpView,
    OutreachItem,
    OutreachLists,
)
from desk_app.clients.phones import display_phone
from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    can,
    require,
    shop_row,
    shop_tz,
)
from desk_app.db.engine import Clock, Database
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
from desk_app.domain.aftercare import (
    FOLLOWUP_CLOSED,
    CallOutcome,
    ComplaintCategory,
    ComplaintLevel,
    ComplaintSource,
    ContactChannel,
    ContactKind,
    FeedbackSource,
    FeedbackStatus,
    FollowUpState,
    FollowUpStatus,
    ScoreDimension,
    Severity,
)
from desk_app.domain.permissions import Actor, Perm, mask_phone
from desk_app.domain.segments import Segment
from desk_app.domain.standards import add_working_days
from desk_app.i18n import _, format_date, pick
from desk_app.reports.segments import client_values
from desk_app.settings import S, SettingsStore

LOW_SCORE = 2  # a score at or below this opens a complaint


class AftercareService:
    """After the visit: follow-up calls, feedback, outreach lists and today's standards."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ follow-ups
    def followups(
        self, now: datetime | None = None, status: str | None = None, actor: Actor | None = None
    ) -> FollowUpLists:
        """Due, overdue, later and done follow-up calls (``status`` keeps only one of these lists).

        Phone numbers are masked unless ``actor`` may see them.
        """
        now = now or self.clock()
        buckets: dict[FollowUpState, list[FollowUpView]] = {st: [] for st in FollowUpState}
        done_since = now - timedelta(days=14)
        with self.db.uow(write=False) as uow:
            s = uow.session
            show_phone = can(s, actor, Perm.SEE_PHONE)
            tz = shop_tz(s)
            names = staff_names(s)
            # open calls more than a month past their window drop off the lists (the standard still counts them)
            q = _FOLLOWUP_COLS.where(
                (
                    (FollowUp.status.not_in(FOLLOWUP_CLOSED))
                    & ((FollowUp.due_by >= now - timedelta(days=31)) | FollowUp.callback_at.is_not(None))
                )
                | (FollowUp.completed_at >= done_since)
            )
            rows = list(s.execute(q.order_by(FollowUp.due_from, FollowUp.id)).all())
            ctx = _FollowUpContext.load(s, rows)
            region = shop_row(s).region or "CN"
            for fu in rows:
                v = self._view(fu, ctx, names, tz, now, show_phone, region)
                buckets[v.state].append(v)
            # the client value segments order the calls to make: key clients first (the source's
            # "current and potential value"), then by when the call is due
            rule = self.settings.segment_rule(shop_row(s).currency)
            open_ids = {v.client_id for st, b in buckets.items() if st != FollowUpState.DONE for v in b}
            values = client_values(s, [i for i in open_ids if i is not None], rule, now)
        for b in buckets.values():
            for k, v in enumerate(b):
                val = values.get(v.client_id) if v.client_id is not None else None
                if val is not None:
                    b[k] = dataclasses.replace(v, segment=val.segment.value, segment_why=val.why)
        for st in (FollowUpState.DUE, FollowUpState.OVERDUE):
            buckets[st].sort(key=lambda v: (_priority(v.segment), v.due_from, v.id))
        buckets[FollowUpState.DONE].sort(key=lambda v: v.completed_at or v.due_by, reverse=True)
        if status is not None:
            if status not in buckets:
                raise ValueError(f"unknown follow-up list {status!r}")
            buckets = {k: (b if k == status else []) for k, b in buckets.items()}
        return FollowUpLists(
            due=tuple(buckets[FollowUpState.DUE]),
            overdue=tuple(buckets[FollowUpState.OVERDUE]),
            later=tuple(buckets[FollowUpState.LATER]),
            done=tuple(buckets[FollowUpState.DONE]),
        )

    def followup(self, followup_id: int, actor: Actor | None = None) -> FollowUpView:
        with self.db.uow(write=False) as uow:
            show_phone = can(uow.session, actor, Perm.SEE_PHONE)
            fu = uow.session.execute(_FOLLOWUP_COLS.where(FollowUp.id == followup_id)).first()
            if fu is None:
                raise NotFound(_("That follow-up no longer exists. Refresh the list."))
            ctx = _FollowUpContext.load(uow.session, [fu])
            return self._view(
                fu,
                ctx,
                staff_names(uow.session),
                shop_tz(uow.session),
                self.clock(),
                show_phone,
                shop_row(uow.session).region or "CN",
            )

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
                raise ServiceError(
                    _("This client has no phone number on file. Add one on the client's profile.")
                )
            audit(
                uow.session,
                actor,
                "view",
                "client_phone",
                client.id,
                detail=f"follow-up {fu.id}: revealed the number to call",
                at=now,
            )
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
            _(
                "Hello {client}, this is {caller} from {shop}. You visited us on {date} for {service} "
                "with {stylist}; we are calling to ask how it went. Do you have two minutes?"
            ).format(
                client=fu.client_name,
                caller=actor.name,
                shop=shop_name,
                date=when,
                service=service,
                stylist=stylist,
            ),
            _("How is the result of the {service} now? Are you happy with it?").format(service=service),
            _("Was the service on time? (timeliness)"),
            _(
                "Was {stylist} professional, and did the service do what you hoped? "
                "(professionalism, effectiveness)"
            ).format(stylist=stylist),
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
        problem: str = "",
    ) -> CallResult:
        """Record one follow-up call. ``problem``: something the reached client wants sorted out;
        it becomes a contact to answer within the shop's working days (docs/service-standard.md)."""
        require(self.db.uow, actor, Perm.FOLLOWUP)
        problem = (problem or "").strip()
        now = self.clock()
        scores = dict(
            zip(ScoreDimension, (timeliness, professionalism, effectiveness, attitude), strict=True)
        )
        errors: dict[str, str] = {}
        if outcome not in tuple(CallOutcome):
            errors["outcome"] = _("Choose what happened: reached, no answer, call back or wrong number.")
        for key, val in scores.items():
            if val is not None and not 1 <= int(val) <= 5:
                errors[key] = _("A score is from 1 (very unhappy) to 5 (very happy).")
        if outcome == CallOutcome.CALL_BACK:
            if callback_at is None:
                errors["callback_at"] = _("Enter when to call back.")
            elif callback_at <= now:
                errors["callback_at"] = _("The call-back time must be later than now.")
        if outcome != CallOutcome.REACHED and any(v is not None for v in scores.values()):
            errors.setdefault("outcome", _("Scores can only be recorded when the client was reached."))
        if problem and outcome != CallOutcome.REACHED:
            errors["problem"] = _("A problem is recorded when the client was reached.")
        if errors:
            raise ValidationError(errors)
        max_attempts = self.settings.get(S.FOLLOWUP_MAX_ATTEMPTS)
        feedback_id = complaint_id = problem_contact_id = None
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
            if outcome == CallOutcome.REACHED:
                fu.status = FollowUpStatus.DONE
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
                    fb = _add_feedback(
                        s,
                        visit,
                        fu.client_id,
                        FeedbackSource.FOLLOWUP,
                        fu.satisfaction,
                        comments.strip(),
                        now,
                        handled=bool(given)
                        and not low
                        and (fu.satisfaction or 0) >= 4
                        and not comments.strip(),
                    )
                    feedback_id = fb.id
                    if low:
                        desc = (
                            _("Follow-up call: low score for {what}. {comments}")
                            .format(what=", ".join(k.word for k in low), comments=comments.strip())
                            .strip()
                        )
                        c = open_complaint_in(
                            s,
                            self.settings,
                            actor,
                            now,
                            level=ComplaintLevel.GENERAL,
                            description=desc,
                            client_id=fu.client_id,
                            visit_id=fu.visit_id,
                            staff_involved_id=fu.staff_id,
                            severity=Severity.MEDIUM,
                            category=(
                                ComplaintCategory.ATTITUDE
                                if low == [ScoreDimension.ATTITUDE]
                                else ComplaintCategory.SERVICE
                            ),
                            source=ComplaintSource.FOLLOWUP_SCORE,
                        )
                        complaint_id = c.id
                if problem:
                    due = add_working_days(
                        now,
                        self.settings.get(S.STANDARDS_CALL_PROBLEM_WORKING_DAYS),
                        shop_tz(s),
                        self.settings.holidays(),
                    )
                    contact = Contact(
                        branch_id=actor.branch_id,
                        client_id=fu.client_id,
                        channel=ContactChannel.PHONE,
                        kind=ContactKind.SERVICE_REQUEST,
                        summary=problem,
                        checklist={},
                        at=now,
                        staff_id=actor.staff_id,
                        reply_due_at=due,
                        source="followup",
                    )
                    s.add(contact)
                    s.flush()
                    problem_contact_id = contact.id
            elif outcome == CallOutcome.NO_ANSWER:
                if fu.attempts >= max_attempts:
                    fu.status = FollowUpStatus.GAVE_UP
                    fu.completed_at = now
                    fu.callback_at = None
                    gave_up = True
                else:
                    fu.status = FollowUpStatus.NO_ANSWER
                    fu.callback_at = now + timedelta(days=1)
            elif outcome == CallOutcome.CALL_BACK:
                fu.status = FollowUpStatus.CALL_BACK
                fu.callback_at = callback_at
            else:  # CallOutcome.WRONG_NUMBER
                fu.status = FollowUpStatus.WRONG_NUMBER
                fu.completed_at = now
                fu.callback_at = None
            s.flush()
            audit(
                s,
                actor,
                "followup_call",
                "follow_up",
                fu.id,
                after={
                    "outcome": outcome,
                    "attempts": fu.attempts,
                    "status": fu.status,
                    "satisfaction": fu.satisfaction,
                    "complaint_id": complaint_id,
                    "problem_contact_id": problem_contact_id,
                },
                at=now,
            )
            uow.commit()
        return CallResult(self.followup(followup_id, actor), feedback_id, complaint_id, gave_up, problem_contact_id)

    def _view(
        self,
        fu: Any,
        ctx: _FollowUpContext,
        names: dict[int, str],
        tz: ZoneInfo,
        now: datetime,
        show_phone: bool,
        region: str = "CN",
    ) -> FollowUpView:
        client = ctx.clients.get(fu.client_id or -1)
        visit = ctx.visits.get(fu.visit_id)
        phone = client.phone if client else ""
        return FollowUpView(
            id=fu.id,
            visit_id=fu.visit_id,
            client_id=fu.client_id,
            client_name=client.name if client else _("(no client)"),
            client_number=client.client_number if client else "",
            phone_masked=display_phone(phone, region) if show_phone else mask_phone(phone),
            preferred_channel=client.preferred_channel if client else "phone",
            services=tuple(ctx.services.get(fu.visit_id, ())),
            served_by=", ".join(ctx.staff.get(fu.visit_id, ())) or staff_name(names, fu.staff_id),
            visit_at=(visit.paid_at or visit.service_ended_at or visit.arrived_at) if visit else None,
            due_from=fu.due_from,
            due_by=fu.due_by,
            status=fu.status,
            state=followup_state(
                fu.status, fu.attempts or 0, fu.due_from, fu.due_by, fu.callback_at, now, tz
            ),
            attempts=fu.attempts or 0,
            callback_at=fu.callback_at,
            scores={
                ScoreDimension.TIMELINESS: fu.score_timeliness,
                ScoreDimension.PROFESSIONALISM: fu.score_professionalism,
                ScoreDimension.EFFECTIVENESS: fu.score_effectiveness,
                ScoreDimension.ATTITUDE: fu.score_attitude,
            },
            satisfaction=fu.satisfaction,
            comments=fu.comments or "",
            called_at=fu.called_at,
            called_by=staff_name(names, fu.called_by_id),
            completed_at=fu.completed_at,
        )

    # ------------------------------------------------------------------ checkout satisfaction
    def record_checkout_satisfaction(
        self, actor: Actor, visit_id: int | None, sale_id: int | None, score: int, comment: str = ""
    ) -> FeedbackView:
        """Store the client's satisfaction asked at checkout on the sale, the visit and a feedback
        record; 1-2 opens a complaint by itself. One unit of work: all of it or nothing.
        Whoever takes payments asks it (a refusal is audited)."""
        require(self.db.uow, actor, Perm.CHECKOUT)
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
            q = select(Feedback).where(Feedback.source == FeedbackSource.CHECKOUT)
            q = q.where(Feedback.visit_id == visit_id) if visit_id else q.where(Feedback.id == -1)
            fb = s.execute(q).scalars().first()
            handled = score >= 4 and not comment.strip()
            if fb is None:
                fb = _add_feedback(
                    s, visit, client_id, FeedbackSource.CHECKOUT, score, comment.strip(), now, handled=handled
                )
            else:
                fb.score, fb.content = score, comment.strip()
                if not handled and fb.status == FeedbackStatus.HANDLED and not fb.improvement_action:
                    fb.status, fb.handled_at = FeedbackStatus.PENDING, None
            # the latest score stands (a client may change their mind before leaving)
            if visit is not None:
                visit.satisfaction = score
            if sale is not None:
                sale.satisfaction = score
            complaint_id = None
            if score <= LOW_SCORE:
                existing = None
                if visit_id:
                    existing = s.execute(
                        select(Complaint.id).where(
                            Complaint.visit_id == visit_id, Complaint.source == ComplaintSource.CHECKOUT_SCORE
                        )
                    ).scalar()
                if existing is None:
                    desc = (
                        _("Checkout: the client scored the visit {score} of 5. {comment}")
                        .format(score=score, comment=comment.strip())
                        .strip()
                    )
                    c = open_complaint_in(
                        s,
                        self.settings,
                        actor,
                        now,
                        level=ComplaintLevel.GENERAL,
                        description=desc,
                        client_id=client_id,
                        visit_id=visit_id,
                        staff_involved_id=visit.staff_id if visit else None,
                        severity=Severity.MEDIUM,
                        category=ComplaintCategory.SERVICE,
                        source=ComplaintSource.CHECKOUT_SCORE,
                    )
                    complaint_id = c.id
                else:
                    complaint_id = existing
            s.flush()
            audit(
                s,
                actor,
                "feedback",
                "feedback",
                fb.id,
                after={"score": score, "visit_id": visit_id, "complaint_id": complaint_id},
                at=now,
            )
            uow.commit()
            fid = fb.id
        view = self.feedback_item(fid)
        return dataclasses.replace(view, complaint_id=complaint_id)

    def record_message_reply(self, actor: Actor, visit_id: int, score: int, words: str = "") -> FeedbackView:
        """The client's reply to the feedback request message (docs/messages.md), entered at the desk:
        the visit's feedback (source "message"); 1-2 opens a complaint by itself, once per visit. A
        second reply for the same visit replaces the first (the latest stands). The follow-up call
        stays on its list: a message is not the call the service standard asks for."""
        require(self.db.uow, actor, Perm.FOLLOWUP)
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError({"score": _("A score is from 1 (very unhappy) to 5 (very happy).")})
        words = (words or "").strip()
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            visit = s.get(Visit, visit_id)
            if visit is None:
                raise NotFound(_("That visit no longer exists."))
            handled = score >= 4 and not words
            fb = s.execute(
                select(Feedback).where(Feedback.visit_id == visit_id, Feedback.source == FeedbackSource.MESSAGE)
            ).scalars().first()
            if fb is None:
                fb = _add_feedback(s, visit, visit.client_id, FeedbackSource.MESSAGE, score, words, now, handled=handled)
            else:
                fb.score, fb.content, fb.at = score, words, now
                if not handled and fb.status == FeedbackStatus.HANDLED and not fb.improvement_action:
                    fb.status, fb.handled_at = FeedbackStatus.PENDING, None
            complaint_id = None
            if score <= LOW_SCORE:
                complaint_id = s.execute(
                    select(Complaint.id).where(
                        Complaint.visit_id == visit_id, Complaint.source == ComplaintSource.MESSAGE_SCORE
                    )
                ).scalar()
                if complaint_id is None:
                    desc = (
                        _("Reply to the feedback request: the client scored the visit {score} of 5. {comment}")
                        .format(score=score, comment=words)
                        .strip()
                    )
                    complaint_id = open_complaint_in(
                        s,
                        self.settings,
                        actor,
                        now,
                        level=ComplaintLevel.GENERAL,
                        description=desc,
                        client_id=visit.client_id,
                        visit_id=visit_id,
                        staff_involved_id=visit.staff_id,
                        severity=Severity.MEDIUM,
                        category=ComplaintCategory.SERVICE,
                        source=ComplaintSource.MESSAGE_SCORE,
                    ).id
            s.flush()
            audit(s, actor, "feedback", "feedback", fb.id,
                  after={"score": score, "visit_id": visit_id, "source": FeedbackSource.MESSAGE,
                         "complaint_id": complaint_id}, at=now)
            uow.commit()
            fid = fb.id
        return dataclasses.replace(self.feedback_item(fid), complaint_id=complaint_id)

    # ------------------------------------------------------------------ feedback
    def feedback_list(self, status: str | None = None, limit: int = 500) -> list[FeedbackView]:
        now = self.clock()
        hours = self.settings.get(S.STANDARDS_FEEDBACK_PROCESS_HOURS)
        with self.db.uow(write=False) as uow:
            q = select(Feedback).order_by(Feedback.at.desc(), Feedback.id.desc()).limit(limit)
            if status:
                q = q.where(Feedback.status == status)
            rows = list(uow.session.execute(q).scalars())
            return [self._fb_view(uow.session, f, now, hours) for f in rows]

    def feedback_item(self, feedback_id: int) -> FeedbackView:
        hours = self.settings.get(S.STANDARDS_FEEDBACK_PROCESS_HOURS)
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
            if f.status != FeedbackStatus.HANDLED:
                f.status, f.handled_at = FeedbackStatus.HANDLED, now
            audit(
                uow.session,
                actor,
                "update",
                "feedback",
                f.id,
                after={"status": FeedbackStatus.HANDLED, "responsible_id": responsible_id},
                at=now,
            )
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
            src = SCORE_COMPLAINT_SOURCE.get(FeedbackSource(f.source), ComplaintSource.FOLLOWUP_SCORE)
            cid = s.execute(
                select(Complaint.id).where(Complaint.visit_id == f.visit_id, Complaint.source == src)
            ).scalar()
        return FeedbackView(
            id=f.id,
            client_id=f.client_id,
            client_name=client.name if client else "",
            visit_id=f.visit_id,
            service=pick(svc.name_zh, svc.name_en) if svc else "",
            staff=staff.name if staff else "",
            source=f.source,
            score=f.score,
            content=f.content or "",
            at=f.at,
            status=f.status,
            improvement_action=f.improvement_action or "",
            responsible_id=f.responsible_id,
            responsible=resp.name if resp else "",
            handled_at=f.handled_at,
            process_due_at=due,
            overdue=f.status != FeedbackStatus.HANDLED and now > due,
            complaint_id=cid,
        )

    # ------------------------------------------------------------------ keeping in touch
    def outreach(self, now: datetime | None = None, actor: Actor | None = None) -> OutreachLists:
        now = now or self.clock()
        days = [int(d) for d in self.settings.get(S.OUTREACH_EXPIRY_REMINDERS_DAYS)]
        low = self.settings.get(S.OUTREACH_LOW_BALANCE_MINOR)
        with self.db.uow(write=False) as uow:
            s = uow.session
            show = can(s, actor, Perm.SEE_PHONE)
            tz = shop_tz(s)
            cur = shop_row(s).currency
            return OutreachLists(
                birthdays=tuple(outreach.birthdays(s, now, tz, show)),
                expiring=tuple(outreach.expiring(s, now, tz, show, days, cur)),
                low_balance=tuple(outreach.low_balance(s, now, tz, show, low, cur)),
            )

    def birthdays_this_week(
        self, now: datetime | None = None, actor: Actor | None = None
    ) -> list[OutreachItem]:
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
            audit(
                uow.session,
                actor,
                "outreach_done",
                "client",
                item.client_id,
                after={"kind": item.kind, "due_on": item.due_on.isoformat()},
                at=now,
            )
            uow.commit()

    def outreach_csv(self, actor: Actor, now: datetime | None = None) -> bytes:
        """All three keep-in-touch lists as one CSV (UTF-8 with BOM, opens in Excel)."""
        require(self.db.uow, actor, Perm.FOLLOWUP)
        lists = self.outreach(now, actor)
        with self.db.uow() as uow:
            audit(
                uow.session,
                actor,
                "export",
                "outreach",
                "",
                detail="keeping-in-touch lists exported as CSV",
                at=self.clock(),
            )
            uow.commit()
        return outreach.to_csv(lists)

    # ------------------------------------------------------------------ standards (live)
    def today_standards(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        from desk_app.reports.standards import today_standards

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
            ctx.clients = {
                c.id: c
                for c in s.execute(
                    select(
                        Client.id, Client.name, Client.client_number, Client.phone, Client.preferred_channel
                    ).where(Client.id.in_(cids))
                ).all()
            }
        if not vids:
            return ctx
        ctx.visits = {
            v.id: v
            for v in s.execute(
                select(
                    Visit.id, Visit.paid_at, Visit.service_ended_at, Visit.arrived_at, Visit.staff_id
                ).where(Visit.id.in_(vids))
            ).all()
        }
        names = staff_names(s)
        logs = s.execute(
            select(ServiceLog.visit_id, Service.name_zh, Service.name_en, ServiceLog.staff_id)
            .join(Service, Service.id == ServiceLog.service_id)
            .where(ServiceLog.visit_id.in_(vids))
            .order_by(ServiceLog.id)
        ).all()
        logged = {r[0] for r in logs}
        plan = (
            s.execute(
                select(PlanItem.visit_id, Service.name_zh, Service.name_en, PlanItem.staff_id)
                .join(Service, Service.id == PlanItem.service_id)
                .where(
                    PlanItem.visit_id.in_(vids - logged),
                    PlanItem.kind == "service",
                    PlanItem.suggested_only.is_(False),
                )
                .order_by(PlanItem.id)
            ).all()
            if vids - logged
            else []
        )
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
    status: str,
    attempts: int,
    due_from: datetime,
    due_by: datetime,
    callback_at: datetime | None,
    now: datetime,
    tz: ZoneInfo,
) -> FollowUpState:
    """Due, overdue, later or done, by the shop's local days (see the module doc)."""
    if status in FOLLOWUP_CLOSED:
        return FollowUpState.DONE
    today = now.astimezone(tz).date()
    if callback_at is not None and attempts > 0:
        # a call back planned for a day: due that day, overdue once the day is over (a call planned
        # in September is not "due" in December)
        if callback_at > now:
            return FollowUpState.LATER
        return FollowUpState.DUE if today <= callback_at.astimezone(tz).date() else FollowUpState.OVERDUE
    if today < due_from.astimezone(tz).date():
        return FollowUpState.LATER
    if today > due_by.astimezone(tz).date():
        return FollowUpState.OVERDUE
    return FollowUpState.DUE


def _priority(segment: str) -> int:
    """Key clients are called first; a call without a client (or segment) last."""
    try:
        return Segment(segment).priority
    except ValueError:
        return len(Segment)


def _round_half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


SCORE_COMPLAINT_SOURCE: dict[FeedbackSource, ComplaintSource] = {  # what a low score of each opens
    FeedbackSource.CHECKOUT: ComplaintSource.CHECKOUT_SCORE,
    FeedbackSource.FOLLOWUP: ComplaintSource.FOLLOWUP_SCORE,
    FeedbackSource.MESSAGE: ComplaintSource.MESSAGE_SCORE,
}


def _add_feedback(
    s: Session,
    visit: Visit | None,
    client_id: int | None,
    source: FeedbackSource,
    score: int | None,
    content: str,
    now: datetime,
    handled: bool,
) -> Feedback:
    service_id = None
    if visit is not None:
        service_id = s.execute(
            select(ServiceLog.service_id)
            .where(ServiceLog.visit_id == visit.id)
            .order_by(ServiceLog.id)
            .limit(1)
        ).scalar()
        if service_id is None:
            service_id = s.execute(
                select(PlanItem.service_id)
                .where(PlanItem.visit_id == visit.id, PlanItem.kind == "service")
                .order_by(PlanItem.id)
                .limit(1)
            ).scalar()
    fb = Feedback(
        client_id=client_id,
        visit_id=visit.id if visit else None,
        service_id=service_id,
        staff_id=visit.staff_id if visit else None,
        source=source,
        score=score,
        content=content,
        at=now,
        status=FeedbackStatus.HANDLED if handled else FeedbackStatus.PENDING,
        handled_at=now if handled else None,
    )
    s.add(fb)
    s.flush()
    return fb
