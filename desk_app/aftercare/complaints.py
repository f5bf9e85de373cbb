"""Contacts and complaints (docs/product.md §2 step 7): the part of ``AftercareService`` that logs inbound
contacts, opens complaint tickets with their first-response deadline, and resolves them with a
compensation: a refund through checkout, a voucher or discount, or a redo booked in the calendar.

A special complaint is escalated: its handler is an owner, and only an owner resolves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.aftercare.views import (
    ComplaintView,
    ContactView,
    RedoChoices,
    RedoSpec,
    SaleChoice,
)
from desk_app.calendar.service import CalendarService
from desk_app.calendar.views import BookingRequest
from desk_app.checkout.refund import refund_approver, write_refund
from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    can,
    require,
    run_with_retry,
    shop_row,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Client,
    ClientCredit,
    Complaint,
    Contact,
    Sale,
    Service,
    ServiceLog,
    Staff,
    Visit,
)
from desk_app.domain.aftercare import (
    COMPENSATION_WITH_AMOUNT,
    COMPLAINT_ACTIVE,
    COMPLAINT_FINISHED,
    COMPLAINT_UNANSWERED,
    CallbackResult,
    ChecklistItem,
    Compensation,
    ComplaintCategory,
    ComplaintLevel,
    ComplaintSource,
    ComplaintStatus,
    ContactChannel,
    ContactKind,
    Severity,
)
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm, Role, mask_phone
from desk_app.i18n import _, pick
from desk_app.settings import S, SettingsStore
from desk_app.trust.branches import works_at
from desk_app.trust.pins import PinPath


def staff_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.execute(select(Staff.id, Staff.name)).all()}


def active_staff(db: Database) -> list[tuple[int, str]]:
    """(id, name) of everyone who works here now, by name: who an action or an incident names."""
    with db.uow(write=False) as uow:
        return [
            (int(i), str(n))
            for i, n in uow.session.execute(
                select(Staff.id, Staff.name).where(Staff.active.is_(True)).order_by(Staff.name)
            )
        ]


def staff_name(names: dict[int, str], sid: int | None) -> str:
    return names.get(sid, "") if sid is not None else ""


_RESOLVE_WITHIN = {
    Severity.HIGH.value: S.STANDARDS_COMPLAINT_RESOLVE_HIGH_HOURS,
    Severity.MEDIUM.value: S.STANDARDS_COMPLAINT_RESOLVE_MEDIUM_HOURS,
    Severity.LOW.value: S.STANDARDS_COMPLAINT_RESOLVE_LOW_HOURS,
}


def complaint_deadlines(settings: SettingsStore, severity: str, now: datetime) -> tuple[datetime, datetime]:
    """(answer by, resolve by) for a complaint of ``severity`` opened (or reopened) at ``now``: a
    high-severity complaint is urgent and answered within hours (docs/service-standard.md)."""
    urgent = severity == Severity.HIGH
    respond = settings.get(S.STANDARDS_COMPLAINT_URGENT_RESPONSE_HOURS if urgent else S.STANDARDS_COMPLAINT_RESPONSE_HOURS)
    resolve = settings.get(_RESOLVE_WITHIN.get(severity, S.STANDARDS_COMPLAINT_RESOLVE_MEDIUM_HOURS))
    return now + timedelta(hours=respond), now + timedelta(hours=max(resolve, respond))


def open_complaint_in(
    s: Session,
    settings: SettingsStore,
    actor: Actor | None,
    now: datetime,
    *,
    level: str,
    description: str,
    client_id: int | None,
    visit_id: int | None,
    staff_involved_id: int | None,
    severity: str,
    category: str,
    source: ComplaintSource,
    handler_id: int | None = None,
    contact_id: int | None = None,
) -> Complaint:
    """Open a complaint inside the caller's unit of work (a contact, a low score at checkout or on
    a follow-up call, a feedback): its answer and resolve deadlines follow the shop's standard for
    its severity."""
    answer_by, resolve_by = complaint_deadlines(settings, severity, now)
    if visit_id is not None:
        visit = s.get(Visit, visit_id)
        if visit is None:
            raise ValidationError({"visit_id": _("That visit no longer exists; choose another.")})
        client_id = client_id or visit.client_id
        staff_involved_id = staff_involved_id or visit.staff_id
    if level == ComplaintLevel.SPECIAL:
        handler_id = _an_owner(s, actor)
    elif handler_id is None and actor is not None:
        handler_id = actor.staff_id
    c = Complaint(
        branch_id=actor.branch_id if actor else None,
        contact_id=contact_id,
        client_id=client_id,
        visit_id=visit_id,
        staff_involved_id=staff_involved_id,
        level=level,
        category=category,
        severity=severity,
        source=source,
        description=description,
        handler_id=handler_id,
        opened_at=now,
        first_response_due_at=answer_by,
        resolve_due_at=resolve_by,
        status=ComplaintStatus.OPEN,
    )
    s.add(c)
    s.flush()
    audit(
        s,
        actor,
        "create",
        "complaint",
        c.id,
        after={"level": level, "source": source, "visit_id": visit_id, "handler_id": handler_id},
        at=now,
    )
    return c


class ComplaintService:
    """Contacts (inquiries, requests, complaints) and complaint tickets: deadlines, response, resolution."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

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
        level: str = ComplaintLevel.GENERAL,
        severity: str = Severity.MEDIUM,
        category: str = ComplaintCategory.SERVICE,
        visit_id: int | None = None,
        staff_involved_id: int | None = None,
        rings: int | None = None,
        answered: bool = True,
    ) -> ContactView:
        """Log an inbound contact; a complaint also opens its ticket (level/severity/... apply then).
        An inquiry or service request not ``answered`` on the spot gets its answer deadline (the
        shop's standard for its kind); ``rings``: a phone call's rings before it was picked up."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        checklist = dict(checklist or {})
        errors: dict[str, str] = {}
        if channel not in tuple(ContactChannel):
            errors["channel"] = _("Choose how the client contacted us: phone, in person or message.")
        if kind not in tuple(ContactKind):
            errors["kind"] = _("Choose what it is: inquiry, service request or complaint.")
        if not summary.strip():
            errors["summary"] = _("Write a short summary of what the client said.")
        if client_id is None and not caller_name.strip():
            errors["caller_name"] = _("Choose the client or enter the caller's name.")
        unknown = set(checklist) - set(ChecklistItem)
        if unknown:
            errors["checklist"] = _("Unknown checklist items: {items}").format(
                items=", ".join(sorted(unknown))
            )
        if kind == ContactKind.COMPLAINT:
            errors.update(_complaint_errors(level, severity, category))
        if rings is not None and (channel != ContactChannel.PHONE or not 0 <= rings <= 99):
            errors["rings"] = _("Rings are counted for a phone call only, from 0 to 99.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        reply_due = None
        if kind in (ContactKind.INQUIRY, ContactKind.SERVICE_REQUEST):
            within = S.STANDARDS_INQUIRY_REPLY_HOURS if kind == ContactKind.INQUIRY else S.STANDARDS_REQUEST_REPLY_HOURS
            reply_due = now + timedelta(hours=self.settings.get(within))
        with self.db.uow() as uow:
            s = uow.session
            if client_id is not None and s.get(Client, client_id) is None:
                raise ValidationError({"client_id": _("That client no longer exists; search again.")})
            c = Contact(
                branch_id=actor.branch_id,
                client_id=client_id,
                channel=channel,
                kind=kind,
                caller_name=caller_name.strip(),
                caller_phone=caller_phone.strip(),
                summary=summary.strip(),
                checklist={k: bool(checklist.get(k, False)) for k in ChecklistItem},
                at=now,
                staff_id=actor.staff_id,
                reply_due_at=reply_due,
                replied_at=now if reply_due is not None and answered else None,
                rings=rings,
            )
            s.add(c)
            s.flush()
            complaint_id = None
            if kind == ContactKind.COMPLAINT:
                comp = open_complaint_in(
                    s,
                    self.settings,
                    actor,
                    now,
                    level=level,
                    description=summary.strip(),
                    client_id=client_id,
                    visit_id=visit_id,
                    staff_involved_id=staff_involved_id,
                    severity=severity,
                    category=category,
                    source=ComplaintSource.CONTACT,
                    contact_id=c.id,
                )
                complaint_id = comp.id
            audit(
                s,
                actor,
                "create",
                "contact",
                c.id,
                after={"kind": kind, "channel": channel, "complaint_id": complaint_id, "rings": rings,
                       "answered": c.replied_at is not None},
                at=now,
            )
            uow.commit()
            return self._contact_view(s, c, staff_names(s), can(s, actor, Perm.SEE_PHONE), complaint_id)

    def answer_contact(self, actor: Actor, contact_id: int, reply: str) -> ContactView:
        """An inquiry or service request answered after it was logged: what the client was told."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        reply = (reply or "").strip()
        if not reply:
            raise ValidationError({"reply": _("Write what you told the client.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            c = s.get(Contact, contact_id)
            if c is None:
                raise NotFound(_("That contact no longer exists. Refresh the list."))
            if c.reply_due_at is None:
                raise ServiceError(_("Only an inquiry or a service request is answered here."))
            if c.replied_at is not None:
                raise ServiceError(_("This contact was already answered."))
            c.replied_at, c.reply = now, reply
            audit(s, actor, "answer", "contact", c.id, after={"late": now > c.reply_due_at}, at=now)
            uow.commit()
            return self._contact_view(s, c, staff_names(s), can(s, actor, Perm.SEE_PHONE), None)

    def contacts(
        self, since: datetime | None = None, actor: Actor | None = None, limit: int = 200
    ) -> list[ContactView]:
        since = since or (self.clock() - timedelta(days=30))
        with self.db.uow(write=False) as uow:
            s = uow.session
            show = can(s, actor, Perm.SEE_PHONE)
            rows = list(  # the last days', and any inquiry or request still waiting for its answer
                s.execute(
                    select(Contact)
                    .where(
                        (Contact.at >= since)
                        | (Contact.replied_at.is_(None) & Contact.reply_due_at.is_not(None))
                    )
                    .order_by(Contact.at.desc())
                    .limit(limit)
                ).scalars()
            )
            comp = {
                k: v
                for k, v in s.execute(
                    select(Complaint.contact_id, Complaint.id).where(
                        Complaint.contact_id.in_([c.id for c in rows])
                    )
                ).all()
            }
            names = staff_names(s)
            return [self._contact_view(s, c, names, show, comp.get(c.id)) for c in rows]

    def _contact_view(
        self, s: Session, c: Contact, names: dict[int, str], show_phone: bool, complaint_id: int | None
    ) -> ContactView:
        client = s.get(Client, c.client_id) if c.client_id else None
        return ContactView(
            id=c.id,
            at=c.at,
            channel=c.channel,
            kind=c.kind,
            client_id=c.client_id,
            client_name=client.name if client else "",
            caller_name=c.caller_name,
            caller_phone=c.caller_phone if show_phone else mask_phone(c.caller_phone),
            summary=c.summary,
            checklist={k: bool((c.checklist or {}).get(k)) for k in ChecklistItem},
            staff=staff_name(names, c.staff_id),
            complaint_id=complaint_id,
            reply_due_at=c.reply_due_at,
            replied_at=c.replied_at,
            reply=c.reply or "",
            reply_overdue=c.replied_at is None and c.reply_due_at is not None and self.clock() > c.reply_due_at,
            rings=c.rings,
        )

    # ------------------------------------------------------------------ complaints
    def open_complaint(
        self,
        actor: Actor,
        *,
        description: str,
        level: str = ComplaintLevel.GENERAL,
        client_id: int | None = None,
        visit_id: int | None = None,
        staff_involved_id: int | None = None,
        severity: str = Severity.MEDIUM,
        category: str = ComplaintCategory.SERVICE,
        handler_id: int | None = None,
        contact_id: int | None = None,
        source: ComplaintSource = ComplaintSource.CONTACT,
    ) -> ComplaintView:
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        errors = _complaint_errors(level, severity, category)
        if not description.strip():
            errors["description"] = _("Describe what happened.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            c = open_complaint_in(
                uow.session,
                self.settings,
                actor,
                now,
                level=level,
                description=description.strip(),
                client_id=client_id,
                visit_id=visit_id,
                staff_involved_id=staff_involved_id,
                severity=severity,
                category=category,
                handler_id=handler_id,
                contact_id=contact_id,
                source=source,
            )
            uow.commit()
            cid = c.id
        return self.complaint(cid)

    def complaint(self, complaint_id: int) -> ComplaintView:
        with self.db.uow(write=False) as uow:
            c = uow.session.get(Complaint, complaint_id)
            if c is None:
                raise NotFound(_("That complaint no longer exists. Refresh the list."))
            return self._complaint_view(uow.session, c, staff_names(uow.session), self.clock())

    def complaints(
        self, now: datetime | None = None, status: str | None = None, include_closed_days: int = 30
    ) -> list[ComplaintView]:
        """Complaints, overdue first, then the newest; closed ones only from the last days."""
        now = now or self.clock()
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = select(Complaint, Client.name).outerjoin(Client, Client.id == Complaint.client_id)
            if status:
                q = q.where(Complaint.status == status)
            else:
                q = q.where(
                    (Complaint.status.in_(COMPLAINT_ACTIVE))
                    | (Complaint.opened_at >= now - timedelta(days=include_closed_days))
                )
            names = staff_names(s)
            cur = shop_row(s).currency
            views = [
                self._complaint_view(s, c, names, now, cur, cname or "") for c, cname in s.execute(q).all()
            ]
        views.sort(  # overdue (answer or resolve) first, then call-backs due, then the newest
            key=lambda v: (
                not (v.overdue or v.resolve_overdue),
                not v.callback_due,
                v.status in COMPLAINT_FINISHED,
                -v.opened_at.timestamp(),
            )
        )
        return views

    def overdue_complaints(self, now: datetime | None = None) -> list[ComplaintView]:
        """Complaints without a first response past their deadline (Today screen, owner sign-in)."""
        now = now or self.clock()
        with self.db.uow(write=False) as uow:
            s = uow.session
            rows = s.execute(
                select(Complaint)
                .where(
                    Complaint.first_response_at.is_(None),
                    Complaint.status.in_(COMPLAINT_UNANSWERED),
                    Complaint.first_response_due_at < now,
                )
                .order_by(Complaint.first_response_due_at)
            ).scalars()
            names = staff_names(s)
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
            if c.status in COMPLAINT_FINISHED:
                raise ServiceError(_("This complaint is already resolved."))
            if c.first_response_at is None:
                c.first_response_at = now
                c.first_response = text.strip()
            else:
                c.first_response = c.first_response + "\n" + text.strip()
            if c.status == ComplaintStatus.OPEN:
                c.status = ComplaintStatus.RESPONDED
            audit(
                uow.session,
                actor,
                "respond",
                "complaint",
                c.id,
                after={"first_response_at": c.first_response_at},
                at=now,
            )
            uow.commit()
        return self.complaint(complaint_id)

    def resolve(
        self,
        actor: Actor,
        complaint_id: int,
        resolution: str,
        compensation: str = Compensation.NONE,
        *,
        amount: Decimal | None = None,
        refund_sale_id: int | None = None,
        refund_line_ids: Sequence[int] = (),
        approval_pin: str | None = None,
        redo: RedoSpec | None = None,
        replace_staff_id: int | None = None,
    ) -> ComplaintView:
        """Resolve with an optional compensation: refund (through checkout), voucher/discount, redo (booked).
        A refund by someone who may not refund needs ``approval_pin``, the owner's PIN typed at the
        desk and checked here (trust/pins.py).

        ``replace_staff_id``: the remedy of replacing the staff member the complaint names: that
        stylist serves the client from now on (their favourite), a redo is booked with them, and
        the calendar warns when the client is booked with the one replaced."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        errors: dict[str, str] = {}
        if not resolution.strip():
            errors["resolution"] = _("Write how the complaint was resolved.")
        if compensation not in tuple(Compensation):
            errors["compensation"] = _("Choose a compensation: none, refund, voucher, discount or redo.")
        if compensation in COMPENSATION_WITH_AMOUNT and (amount is None or amount <= 0):
            errors["amount"] = _("Enter the amount of the voucher or discount (more than 0).")
        if compensation == Compensation.REFUND and refund_sale_id is None:
            errors["refund_sale_id"] = _("Choose the sale to refund.")
        if compensation == Compensation.REDO and redo is None:
            errors["redo"] = _("Choose the stylist and time for the redo.")
        if replace_staff_id is not None:
            errors.update(self._replacement_errors(complaint_id, replace_staff_id, redo))
        if errors:
            raise ValidationError(errors)
        approved_by: Actor | None = None
        if compensation == Compensation.REFUND:  # who approves is settled before anything is written
            approved_by = refund_approver(
                self.db, self.settings, actor, Perm.REFUND, resolution, approval_pin, PinPath.COMPLAINT,
                refund_sale_id,
            )
        if compensation == Compensation.REDO:
            require(self.db.uow, actor, Perm.BOOK)

        def attempt() -> None:
            # one unit of work: the refund or the redo booking and the resolution, or nothing
            now = self.clock()
            with self.db.uow() as uow:
                s = uow.session
                c = self._get_complaint(s, complaint_id)
                if c.status in COMPLAINT_FINISHED:
                    raise ServiceError(_("This complaint is already resolved."))
                if c.level == ComplaintLevel.SPECIAL and actor.role != Role.OWNER:
                    raise ServiceError(
                        _("A special complaint is resolved by the owner. Ask the owner to sign in.")
                    )
                refund_id: int | None = None
                comp_minor = 0
                appt_id: int | None = None
                if compensation == Compensation.REFUND:
                    assert refund_sale_id is not None and approved_by is not None
                    paid = write_refund(
                        s, self.settings, actor, approved_by, refund_sale_id,
                        list(refund_line_ids) or None, resolution.strip(), "refund", now,
                    )
                    refund_id, comp_minor = paid.sale_id, abs(paid.total_minor)
                elif compensation in COMPENSATION_WITH_AMOUNT:
                    assert amount is not None
                    comp_minor = Money.of(amount, shop_row(s).currency).minor
                    if c.client_id is None:
                        raise ServiceError(
                            _(
                                "A voucher or discount for next time needs the client: link the complaint "
                                "to a client first."
                            )
                        )
                    # owed to the client until a later checkout uses it (checkout/service.py)
                    s.add(
                        ClientCredit(
                            client_id=c.client_id,
                            complaint_id=c.id,
                            kind=str(compensation),
                            amount_minor=comp_minor,
                            created_at=now,
                            created_by_id=actor.staff_id,
                        )
                    )
                elif compensation == Compensation.REDO:
                    assert redo is not None
                    if c.client_id is None:
                        raise ServiceError(_("A redo needs the client: link the complaint to a client first."))
                    appt_id = self._book_redo(s, actor, c.client_id, redo, complaint_id)
                c.status = ComplaintStatus.RESOLVED
                c.resolution = resolution.strip()
                if compensation != Compensation.NONE or not c.compensation_kind:  # a reopened ticket
                    c.compensation_kind = compensation  # keeps what its first resolution gave
                    c.compensation_minor = comp_minor
                c.refund_sale_id = refund_id or c.refund_sale_id
                c.redo_appointment_id = appt_id or c.redo_appointment_id
                if replace_staff_id is not None:
                    c.replacement_staff_id = replace_staff_id
                    client = s.get(Client, c.client_id) if c.client_id else None
                    if client is not None:
                        client.favourite_staff_id = replace_staff_id
                        client.updated_at = now
                c.resolved_at = now
                c.callback_due_at = now + timedelta(days=self.settings.get(S.STANDARDS_COMPLAINT_CALLBACK_DAYS))
                c.callback_at, c.callback_result = None, ""  # a reopened ticket is asked again
                audit(
                    s,
                    actor,
                    "resolve",
                    "complaint",
                    c.id,
                    after={
                        "compensation": compensation,
                        "amount_minor": comp_minor,
                        "refund_sale_id": refund_id,
                        "redo_appointment_id": appt_id,
                        **({"replacement_staff_id": replace_staff_id} if replace_staff_id is not None else {}),
                    },
                    at=now,
                )
                uow.commit()

        run_with_retry(attempt)
        return self.complaint(complaint_id)

    def _replacement_errors(self, complaint_id: int, staff_id: int, redo: RedoSpec | None) -> dict[str, str]:
        """What is wrong with replacing the complaint's staff member by ``staff_id`` (read first:
        a refused resolution writes nothing)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            c = self._get_complaint(s, complaint_id)
            new = s.get(Staff, staff_id)
            if c.staff_involved_id is None:
                return {"replace_staff": _("The complaint names no staff member to replace: say who was involved first.")}
            if c.client_id is None:
                return {"replace_staff": _("Replacing the stylist needs the client: link the complaint to a client first.")}
            if new is None or not new.active:
                return {"replace_staff": _("Choose an active staff member to serve the client from now on.")}
            if new.id == c.staff_involved_id:
                return {"replace_staff": _("Choose someone other than the staff member the client complained about.")}
            if redo is not None and redo.staff_id == c.staff_involved_id:
                return {"redo": _("The redo is with the staff member being replaced: book it with {name}.").format(name=new.name)}
        return {}

    def record_callback(self, actor: Actor, complaint_id: int, satisfied: bool, note: str = "") -> ComplaintView:
        """The call after a resolution: satisfied closes the complaint; not satisfied reopens it
        (status open, a new resolve deadline from now, the reason kept) for another resolution."""
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        note = (note or "").strip()
        if not satisfied and not note:
            raise ValidationError({"note": _("Write what the client is still unhappy about.")})
        now = self.clock()
        with self.db.uow() as uow:
            c = self._get_complaint(uow.session, complaint_id)
            if c.status != ComplaintStatus.RESOLVED:
                raise ServiceError(_("Only a resolved complaint gets the call-back. Refresh the list."))
            c.callback_at = now
            c.callback_note = note
            if satisfied:
                c.callback_result = CallbackResult.SATISFIED
                c.status, c.closed_at = ComplaintStatus.CLOSED, now
            else:
                c.callback_result = CallbackResult.NOT_SATISFIED
                c.status = ComplaintStatus.OPEN if c.first_response_at is None else ComplaintStatus.RESPONDED
                c.resolve_due_at = complaint_deadlines(self.settings, c.severity, now)[1]
                c.resolved_at = None
                c.callback_due_at = None
                c.reopened_count = (c.reopened_count or 0) + 1
            audit(
                uow.session,
                actor,
                "callback",
                "complaint",
                c.id,
                after={"result": c.callback_result, "status": c.status, "reopened": c.reopened_count},
                at=now,
            )
            uow.commit()
        return self.complaint(complaint_id)

    def close(self, actor: Actor, complaint_id: int) -> ComplaintView:
        require(self.db.uow, actor, Perm.COMPLAINT_HANDLE)
        now = self.clock()
        with self.db.uow() as uow:
            c = self._get_complaint(uow.session, complaint_id)
            if c.status != ComplaintStatus.RESOLVED:
                raise ServiceError(_("Resolve the complaint before closing it."))
            c.status, c.closed_at = ComplaintStatus.CLOSED, now
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
            return [
                SaleChoice(x.id, x.receipt_no, x.sold_at, Money.from_minor(x.total_minor, cur).amount)
                for x in sales
            ]

    def redo_choices(self, complaint_id: int) -> RedoChoices:
        with self.db.uow(write=False) as uow:
            s = uow.session
            c = self._get_complaint(s, complaint_id)
            staff = tuple(
                (i, n)
                for i, n in s.execute(
                    select(Staff.id, Staff.name)
                    .where(Staff.active.is_(True), Staff.role.in_(("stylist", "owner")))
                    .order_by(Staff.name)
                ).all()
            )
            services = tuple(
                (i, pick(zh, en), m)
                for i, zh, en, m in s.execute(
                    select(Service.id, Service.name_zh, Service.name_en, Service.duration_min)
                    .where(Service.active.is_(True))
                    .order_by(Service.sort, Service.id)
                ).all()
            )
            svc = None
            if c.visit_id is not None:
                svc = s.execute(
                    select(ServiceLog.service_id)
                    .where(ServiceLog.visit_id == c.visit_id)
                    .order_by(ServiceLog.id)
                    .limit(1)
                ).scalar()
            return RedoChoices(staff, services, c.staff_involved_id, svc)

    def _book_redo(self, s: Session, actor: Actor, client_id: int, redo: RedoSpec, complaint_id: int) -> int:
        req = BookingRequest(
            client_id=client_id,
            staff_id=redo.staff_id,
            start_at=redo.start_at,
            service_ids=list(redo.service_ids),
            resource_id=redo.resource_id,
            source="desk",
            notes=redo.notes or _("Redo for complaint #{id}").format(id=complaint_id),
        )
        return CalendarService(self.db, self.settings, self.clock).book_in(s, actor, req)

    def _get_complaint(self, s: Session, complaint_id: int) -> Complaint:
        c = s.get(Complaint, complaint_id)
        if c is None:
            raise NotFound(_("That complaint no longer exists. Refresh the list."))
        return c

    def _complaint_view(
        self,
        s: Session,
        c: Complaint,
        names: dict[int, str],
        now: datetime,
        currency: str | None = None,
        client_name: str | None = None,
    ) -> ComplaintView:
        if client_name is None:
            client = s.get(Client, c.client_id) if c.client_id else None
            client_name = client.name if client else ""
        currency = currency or shop_row(s).currency
        return ComplaintView(
            id=c.id,
            client_id=c.client_id,
            client_name=client_name,
            visit_id=c.visit_id,
            staff_involved=staff_name(names, c.staff_involved_id),
            staff_involved_id=c.staff_involved_id,
            level=c.level,
            category=c.category,
            severity=c.severity,
            source=c.source,
            description=c.description,
            handler_id=c.handler_id,
            handler=staff_name(names, c.handler_id),
            opened_at=c.opened_at,
            first_response_due_at=c.first_response_due_at,
            first_response_at=c.first_response_at,
            first_response=c.first_response or "",
            status=c.status,
            overdue=c.first_response_at is None and c.status == ComplaintStatus.OPEN and now > c.first_response_due_at,
            resolution=c.resolution or "",
            compensation_kind=c.compensation_kind or "",
            compensation=Money.from_minor(c.compensation_minor or 0, currency).amount,
            refund_sale_id=c.refund_sale_id,
            redo_appointment_id=c.redo_appointment_id,
            resolved_at=c.resolved_at,
            closed_at=c.closed_at,
            resolve_due_at=c.resolve_due_at,
            resolve_overdue=c.status in COMPLAINT_ACTIVE and c.resolve_due_at is not None and now > c.resolve_due_at,
            callback_due_at=c.callback_due_at,
            callback_due=c.status == ComplaintStatus.RESOLVED
            and c.callback_due_at is not None
            and now >= c.callback_due_at,
            callback_at=c.callback_at,
            callback_result=c.callback_result or "",
            reopened_count=c.reopened_count or 0,
            replacement_staff_id=c.replacement_staff_id,
            replacement_staff=staff_name(names, c.replacement_staff_id) if c.replacement_staff_id else "",
        )


# ---------------------------------------------------------------------- helpers


def _complaint_errors(level: str, severity: str, category: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if level not in tuple(ComplaintLevel):
        errors["level"] = _("Choose general (handled at the desk) or special (goes to the owner).")
    if severity not in tuple(Severity):
        errors["severity"] = _("Choose a severity: low, medium or high.")
    if category not in tuple(ComplaintCategory):
        errors["category"] = _("Choose a category from the list.")
    return errors


def _an_owner(s: Session, actor: Actor | None) -> int | None:
    if actor is not None and actor.role == Role.OWNER:
        return actor.staff_id
    q = select(Staff.id).where(Staff.role == Role.OWNER.value, Staff.active.is_(True)).order_by(Staff.id)
    if actor is not None:
        same = s.execute(q.where(works_at(actor.branch_id)).limit(1)).scalar()
        if same is not None:
            return int(same)
    found = s.execute(q.limit(1)).scalar()
    return int(found) if found is not None else None
