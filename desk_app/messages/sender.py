"""The sender: works through the due rows of the outbox (docs/messages.md, "Sending").

For each due row, in this order:

1. **claim** it in its own short transaction: ``UPDATE outbox SET state='sending' ... WHERE id=:id
   AND state='queued'``; only the desk whose update changed the row sends it (several desks or
   processes may run the sender at once, on SQLite or PostgreSQL: nothing goes twice);
2. outside any transaction, **check** it is still wanted (the client not erased and still agreeing
   to the channel, the booking still upcoming at that time, a reminder not too late) and
   **render** it with the template and the facts as they are now;
3. **send** it through the channel, then record ``sent`` (provider id, address, subject, body, time)
   or the failure (code, words, attempts + 1; back-off 1 min, 5 min, 30 min, 2 h, 6 h... until
   ``MESSAGES_MAX_ATTEMPTS``, then ``failed``; a failure the channel calls permanent fails at once).

Quiet hours (shop's zone) defer due rows to their end instead of sending. A row left ``sending``
for more than 10 minutes (a desk stopped mid-send) becomes ``unknown``: it may have gone, so it
is never sent again by itself (staff may resend it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk_app.core.service import shop_row, shop_tz
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Branch,
    Client,
    ClientPackage,
    OutboxMessage,
    Package,
    PrepaidAccount,
    Service,
    ServiceLog,
    Staff,
    Visit,
)
from desk_app.domain.appointment import UPCOMING
from desk_app.domain.messages import MessageKind, MessageState
from desk_app.domain.money import from_minor
from desk_app.i18n import N_, Fmt
from desk_app.messages import outbox as ob
from desk_app.messages.channels.base import Channel, FailCode, Outgoing, SendFailed
from desk_app.messages.templates import PLACEHOLDERS, render, wording
from desk_app.messages.views import Rendered, RunResult
from desk_app.settings import S, SettingsStore

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
STALE_SENDING = timedelta(minutes=10)
TOO_LATE = timedelta(hours=1)  # a reminder this close to the booking is not sent
WHY_STALE = N_("The sender stopped while sending this message: it may have been sent. Resend it if needed.")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try (1-based)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def quiet_until(now: datetime, tz: Any, start_hour: int, end_hour: int) -> datetime | None:
    """When the quiet hours around ``now`` end (an aware datetime), or None outside them. 21 to 9
    spans midnight; the same start and end means no quiet hours."""
    if start_hour == end_hour:
        return None
    local = now.astimezone(tz)
    h = local.hour
    if start_hour < end_hour:
        quiet = start_hour <= h < end_hour
        end_day = local.date()
    else:
        quiet = h >= start_hour or h < end_hour
        end_day = local.date() if h < end_hour else local.date() + timedelta(days=1)
    if not quiet:
        return None
    return datetime.combine(end_day, time(end_hour), tzinfo=tz)


@dataclass
class _Tally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0

    def result(self, planned: int, errors: list[str]) -> RunResult:
        return RunResult(planned, self.sent, self.retrying, self.failed, self.cancelled, self.deferred, tuple(errors))


UowFactory = Callable[..., Any]  # Database.uow


def send_due(
    uow: UowFactory,
    settings: SettingsStore,
    channels: Mapping[str, Channel],
    now: datetime,
    limit: int = 50,
    worker: str = "",
    planned: int = 0,
    why_not: Mapping[str, str | None] | None = None,
) -> RunResult:
    """One pass over the due rows (see the module). ``uow`` is the database's ``uow``; ``why_not``:
    for a channel left out of ``channels``, why, in words (``channel_ready``), kept on its rows."""
    tally = _Tally()
    errors: list[str] = []
    worker = (worker or "sender")[:80]
    stale_sending = (OutboxMessage.state == MessageState.SENDING.value) & (OutboxMessage.claimed_at < now - STALE_SENDING)
    # read first: a pass with nothing to do never takes the shop file's write lock (every desk runs
    # a pass a minute, beside checkouts)
    with uow(write=False) as r:
        tz = shop_tz(r.session)
        stale = r.session.scalar(select(OutboxMessage.id).where(stale_sending).limit(1)) is not None
        ids = list(
            r.session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.state == MessageState.QUEUED.value, OutboxMessage.due_at <= now)
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
            )
        )
    if stale:
        with uow() as w:  # a desk that stopped mid-send: its row may have gone, never again by itself
            w.session.execute(
                update(OutboxMessage).where(stale_sending).values(state=MessageState.UNKNOWN.value, last_error=WHY_STALE)
            )
            w.commit()
    if not ids:
        return tally.result(planned, errors)
    until = quiet_until(now, tz, settings.get(S.MESSAGES_QUIET_START_HOUR), settings.get(S.MESSAGES_QUIET_END_HOUR))
    if until is not None:
        with uow() as w:
            res = w.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.state == MessageState.QUEUED.value)
                .values(due_at=until)
            )
            tally.deferred = int(getattr(res, "rowcount", 0) or 0)
            w.commit()
        return tally.result(planned, errors)
    for mid in ids:
        if not _claim(uow, mid, now, worker):
            continue  # another sender has it
        _send_one(uow, settings, channels, now, mid, worker, tally, errors, why_not or {})
    return tally.result(planned, errors)


def _claim(uow: UowFactory, mid: int, now: datetime, worker: str) -> bool:
    with uow() as w:
        res = w.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == mid, OutboxMessage.state == MessageState.QUEUED.value,
                   OutboxMessage.due_at <= now)
            .values(state=MessageState.SENDING.value, claimed_by=worker, claimed_at=now)
        )
        won = int(getattr(res, "rowcount", 0) or 0) == 1
        w.commit()
    return won


@dataclass(frozen=True)
class Prepared:
    to: str
    rendered: Rendered
    params: dict[str, str]
    language: str
    kind: str
    channel: str


def _finish(uow: UowFactory, mid: int, worker: str, **values: Any) -> None:
    with uow() as w:
        w.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == mid, OutboxMessage.state == MessageState.SENDING.value,
                   OutboxMessage.claimed_by == worker)
            .values(**values)
        )
        w.commit()


def _send_one(
    uow: UowFactory,
    settings: SettingsStore,
    channels: Mapping[str, Channel],
    now: datetime,
    mid: int,
    worker: str,
    tally: _Tally,
    errors: list[str],
    why_not: Mapping[str, str | None],
) -> None:
    with uow(write=False) as r:
        why, prepared, attempts = prepare(r.session, settings, mid, now)
    if why is not None or prepared is None:
        _finish(uow, mid, worker, state=MessageState.CANCELLED.value, last_error=why or "", last_error_code="")
        tally.cancelled += 1
        return
    channel = channels.get(prepared.channel)
    max_attempts = settings.get(S.MESSAGES_MAX_ATTEMPTS)
    try:
        if channel is None:
            # what is missing, in words ("the password is not saved on this computer"), not only the code
            why = why_not.get(prepared.channel) or FailCode.NOT_SET_UP.label
            raise SendFailed(FailCode.NOT_SET_UP, why, retry=False)
        sent = channel.send(
            Outgoing(mid, prepared.to, prepared.rendered.subject, prepared.rendered.body, prepared.kind,
                     prepared.language, prepared.params)
        )
    except SendFailed as exc:
        n = attempts + 1
        common = dict(attempts=n, last_error_code=exc.code.value, last_error=exc.detail[:300],
                      to_address=prepared.to[:200], subject=prepared.rendered.subject, body=prepared.rendered.body)
        if exc.retry and n < max_attempts:
            _finish(uow, mid, worker, state=MessageState.QUEUED.value, due_at=now + backoff(n), **common)
            tally.retrying += 1
        else:
            _finish(uow, mid, worker, state=MessageState.FAILED.value, **common)
            tally.failed += 1
        errors.append(f"#{mid} {prepared.channel} {exc.code.value}: {exc.detail}")
        return
    except Exception as exc:  # noqa: BLE001 - a channel's bug must not stop the pass; tried again later
        n = attempts + 1
        state = MessageState.QUEUED.value if n < max_attempts else MessageState.FAILED.value
        _finish(uow, mid, worker, state=state, due_at=now + backoff(n), attempts=n,
                last_error_code=FailCode.PROVIDER.value, last_error=f"{type(exc).__name__}: {exc}"[:300])
        if state == MessageState.FAILED.value:
            tally.failed += 1
        else:
            tally.retrying += 1
        errors.append(f"#{mid} {prepared.channel} provider: {type(exc).__name__}: {exc}")
        return
    _finish(
        uow, mid, worker, state=MessageState.SENT.value, provider_id=(sent.provider_id or "")[:120],
        to_address=prepared.to[:200], subject=prepared.rendered.subject, body=prepared.rendered.body,
        sent_at=now, attempts=attempts + 1, last_error_code="", last_error="",
    )
    tally.sent += 1


def prepare(s: Session, settings: SettingsStore, mid: int, now: datetime) -> tuple[str | None, Prepared | None, int]:
    """(why not to send, or None; the message as it goes now; the attempts so far)."""
    row = s.get(OutboxMessage, mid)
    if row is None:
        return ob.WHY_STAFF, None, 0
    client = s.get(Client, row.client_id)
    if client is None or client.gone:
        return ob.WHY_ERASED, None, row.attempts
    if not ob.kind_enabled(settings, row.kind) and row.resend_of_id is None:
        return ob.WHY_KIND_OFF, None, row.attempts
    if MessageKind(row.kind).marketing and not client.marketing_consent:
        return ob.WHY_NO_MARKETING, None, row.attempts
    if not ob.consents_to(client, row.channel):
        return ob.WHY_NO_CONSENT, None, row.attempts
    to = ob.address_of(client, row.channel)
    if not to:
        return ob.WHY_NO_ADDRESS, None, row.attempts
    if row.ref_kind == "appointment" and row.kind in (MessageKind.REMINDER, MessageKind.CONFIRMATION):
        appt = s.get(Appointment, row.ref_id) if row.ref_id is not None else None
        if appt is None or appt.status not in UPCOMING:
            return ob.WHY_NOT_UPCOMING, None, row.attempts
        if row.kind == MessageKind.REMINDER:
            base = row.dedupe_key.split(":resend:")[0]
            if base.startswith("reminder:") and base != ob.reminder_dedupe(appt.id, appt.start_at):
                return ob.WHY_BOOKING_MOVED, None, row.attempts
            if appt.start_at - now < TOO_LATE:
                return ob.WHY_TOO_LATE, None, row.attempts
    values = message_values(s, row, client)
    shop = shop_row(s)
    fmt = Fmt.for_shop(row.language, shop.timezone, shop.currency)
    subject, body = wording(s, row.kind, row.language)[0].subject, wording(s, row.kind, row.language)[0].body
    rendered = render(row.kind, row.language, subject, body, values, fmt)
    params = {k: _param(v, k, fmt) for k, v in values.items()}
    return None, Prepared(to, rendered, params, row.language, row.kind, row.channel), row.attempts


def _param(value: object, name: str, fmt: Fmt) -> str:
    from desk_app.messages.templates import format_value

    if name == "time" and isinstance(value, datetime):
        return fmt.time(value)
    return format_value(value, fmt)


def _names(s: Session, service_ids: list[int], language: str) -> str:
    if not service_ids:
        return ""
    rows = {sid: (zh, en) for sid, zh, en in s.execute(
        select(Service.id, Service.name_zh, Service.name_en).where(Service.id.in_(service_ids)))}
    zh_lang = language.startswith("zh")
    names = []
    for sid in service_ids:
        if sid in rows:
            zh, en = rows[sid]
            names.append((zh or en) if zh_lang else (en or zh))
    return ("、" if zh_lang else ", ").join(dict.fromkeys(names))


def message_values(s: Session, row: OutboxMessage, client: Client) -> dict[str, object]:
    """The placeholders' values for one row, from the database as it is now."""
    shop = shop_row(s)
    branch = s.get(Branch, row.branch_id) if row.branch_id is not None else None
    values: dict[str, object] = {
        "client_name": client.name,
        "shop_name": shop.name,
        "branch_name": branch.name if branch is not None else shop.name,
        "shop_phone": (branch.phone if branch is not None and branch.phone else shop.phone) or "",
    }
    zh = row.language.startswith("zh")
    if row.ref_kind == "appointment" and row.ref_id is not None:
        appt = s.get(Appointment, row.ref_id)
        if appt is not None:
            staff = s.get(Staff, appt.staff_id)
            sids = list(s.scalars(select(AppointmentService.service_id)
                                  .where(AppointmentService.appointment_id == appt.id)
                                  .order_by(AppointmentService.id)))
            values.update(date=appt.start_at, time=appt.start_at, staff=staff.name if staff else "",
                          service=_names(s, sids, row.language))
    elif row.ref_kind == "visit" and row.ref_id is not None:
        visit = s.get(Visit, row.ref_id)
        if visit is not None:
            logs = s.execute(select(ServiceLog.service_id, ServiceLog.staff_id)
                             .where(ServiceLog.visit_id == visit.id).order_by(ServiceLog.id)).all()
            staff_id = visit.staff_id or next((st for _sid, st in logs if st), None)
            staff = s.get(Staff, staff_id) if staff_id else None
            values.update(date=visit.arrived_at, last_visit=visit.arrived_at, staff=staff.name if staff else "",
                          service=_names(s, [sid for sid, _st in logs], row.language))
    elif row.ref_kind == "prepaid" and row.ref_id is not None:
        acc = s.get(PrepaidAccount, row.ref_id)
        if acc is not None:
            values.update(balance=from_minor(acc.balance_minor, shop.currency),
                          package="储值余额" if zh else "prepaid balance", expires_on=acc.expires_on)
    elif row.ref_kind == "package" and row.ref_id is not None:
        cp = s.get(ClientPackage, row.ref_id)
        pkg = s.get(Package, cp.package_id) if cp is not None else None
        if cp is not None:
            left = cp.sessions_total - cp.sessions_used
            values.update(
                package=((pkg.name_zh or pkg.name_en) if zh else (pkg.name_en or pkg.name_zh)) if pkg else "",
                balance=f"{left}次" if zh else f"{left} sessions", expires_on=cp.expires_on,
            )
    allowed = PLACEHOLDERS[MessageKind(row.kind)]
    return {k: v for k, v in values.items() if k in allowed and v is not None and not _empty(v)}


def _empty(v: object) -> bool:
    return isinstance(v, str) and not v and not isinstance(v, (date, Decimal))
