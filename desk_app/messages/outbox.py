"""The outbox: queueing a message in the unit of work of what caused it (docs/messages.md,
"The outbox"). Session-level functions: the caller holds the unit of work and commits.

``enqueue`` writes one row or none: the channel is the client's preferred one when it is an SMS or
email channel the shop has set up and the client agreed to, else the other one that is; marketing
kinds (rebook nudge, birthday) also need the client's marketing consent; an erased client, a client
with no usable address, or a kind the shop does not send gets no row. The ``dedupe_key`` is unique,
so queueing the same message twice (a retried action, two desks, the planner's next pass) writes
nothing the second time.

The hooks (``on_booked``, ``on_moved``, ``on_cancelled``, ``on_no_show``, ``on_paid``) are one line
in the calendar's and checkout's own units of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desk_app.db.models import Appointment, Client, OutboxMessage, Shop, Visit
from desk_app.domain.appointment import UPCOMING
from desk_app.domain.messages import MessageChannel, MessageKind, MessageState
from desk_app.i18n import N_, normalise_language
from desk_app.messages.templates import message_language
from desk_app.settings import S, SettingsStore

# why a queued row was cancelled (kept in last_error; N_-marked, shown through _())
WHY_BOOKING_CANCELLED = N_("The booking was cancelled.")
WHY_BOOKING_MOVED = N_("The booking was moved; a reminder for the new time replaces this one.")
WHY_NO_SHOW = N_("The client did not come.")
WHY_NOT_UPCOMING = N_("The booking is no longer upcoming.")
WHY_TOO_LATE = N_("Too late: the appointment starts in less than an hour.")
WHY_ERASED = N_("The client's data was erased.")
WHY_NO_CONSENT = N_("The client no longer agrees to messages on this channel.")
WHY_NO_MARKETING = N_("The client no longer agrees to marketing messages.")
WHY_NO_ADDRESS = N_("The client has no phone number or email address for this channel.")
WHY_KIND_OFF = N_("The shop no longer sends this kind of message.")
WHY_STAFF = N_("Cancelled at the desk.")

MIN_LEAD = timedelta(hours=2)  # a reminder queued late still goes if the booking is this far away


def ready_channels(settings: SettingsStore) -> set[str]:
    """The channels the owner has set up, judged by the settings alone (the server or provider,
    the sender): cheap enough for every booking, and never a password-store lookup inside a unit
    of work. A channel whose secret is missing is found out by the sender, which says so on the
    row (``not_set_up``)."""
    out: set[str] = set()
    if settings.get(S.MESSAGES_EMAIL_HOST).strip() and settings.get(S.MESSAGES_EMAIL_FROM_ADDRESS).strip():
        out.add(MessageChannel.EMAIL.value)
    if settings.get(S.MESSAGES_SMS_PROVIDER).strip() and settings.get(S.MESSAGES_SMS_ACCOUNT).strip():
        out.add(MessageChannel.SMS.value)
    return out


def address_of(client: Client, channel: str) -> str:
    return (client.email if channel == MessageChannel.EMAIL else client.phone).strip()


def consents_to(client: Client, channel: str) -> bool:
    return bool(client.email_consent if channel == MessageChannel.EMAIL else client.sms_consent)


def pick_channel(client: Client, ready: set[str]) -> str | None:
    """The client's preferred channel when it is usable, else the other usable one, else None."""
    return channel_for(
        client.preferred_channel,
        bool(client.sms_consent) and bool(client.phone.strip()),
        bool(client.email_consent) and bool(client.email.strip()),
        ready,
    )


def channel_for(preferred: str, sms_ok: bool, email_ok: bool, ready: set[str]) -> str | None:
    """``pick_channel`` on a client's columns (``sms_ok``: agreed to texts and has a phone)."""
    usable = [
        ch.value
        for ch, ok in ((MessageChannel.SMS, sms_ok), (MessageChannel.EMAIL, email_ok))
        if ok and ch.value in ready
    ]
    if not usable:
        return None
    if preferred in usable:
        return preferred
    return usable[0]


def kind_enabled(settings: SettingsStore, kind: str) -> bool:
    """A kind the shop sends by itself is sent when ``messages.kinds`` lists it; a message the
    owner sends on purpose (to a client list) always is."""
    if kind in MessageKind._value2member_map_ and MessageKind(kind).on_request:
        return True
    return kind in (settings.get(S.MESSAGES_KINDS) or [])


def decide(client: Client, kind: str, settings: SettingsStore, ready: set[str]) -> str | None:
    """The channel a message of ``kind`` goes to this client by, or None when it is not sent."""
    if client.gone or not kind_enabled(settings, kind):
        return None
    if MessageKind(kind).marketing and not client.marketing_consent:
        return None
    return pick_channel(client, ready)


def _values(client: Client, kind: str, channel: str, language: str, ref_kind: str, ref_id: int | None,
            due_at: datetime, dedupe_key: str, branch_id: int | None, created_by_id: int | None = None,
            resend_of_id: int | None = None) -> dict[str, object]:
    return dict(
        client_id=client.id, branch_id=branch_id, kind=kind, channel=channel, language=language,
        ref_kind=ref_kind, ref_id=ref_id, dedupe_key=dedupe_key, planned_at=due_at, due_at=due_at,
        state=MessageState.QUEUED.value, attempts=0, last_error_code="", last_error="", provider_id="",
        to_address="", subject="", body="", claimed_by="", resend_of_id=resend_of_id, created_by_id=created_by_id,
    )


def _shop(session: Session) -> Shop | None:
    return session.execute(select(Shop).order_by(Shop.id).limit(1)).scalar_one_or_none()


def enqueue(
    session: Session,
    *,
    client: Client,
    kind: str,
    ref_kind: str,
    ref_id: int | None,
    due_at: datetime,
    dedupe_key: str,
    settings: SettingsStore,
    branch_id: int | None,
    created_by_id: int | None = None,
    resend_of_id: int | None = None,
    ready: set[str] | None = None,
) -> OutboxMessage | None:
    """Queue one message in the caller's unit of work; None when nothing is to be sent (see the
    module) or when the same ``dedupe_key`` is already queued or sent."""
    channel = decide(client, kind, settings, ready_channels(settings) if ready is None else ready)
    if channel is None:
        return None
    if session.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).first():
        return None
    row = OutboxMessage(**_values(client, kind, channel, message_language(client, _shop(session)), ref_kind,
                                  ref_id, due_at, dedupe_key, branch_id, created_by_id, resend_of_id))
    # the caller's own pending rows are flushed first, outside the savepoint: an error of theirs
    # must stay theirs, not be taken for "already queued"
    session.flush()
    try:
        with session.begin_nested():  # SAVEPOINT: a duplicate key (another desk) undoes only this row
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


@dataclass(frozen=True)
class Planned:
    """One message the planner would queue (``enqueue_many``)."""

    client: Client
    kind: str
    ref_kind: str
    ref_id: int | None
    due_at: datetime
    dedupe_key: str
    branch_id: int | None


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        found.update(session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))))
    return found


def enqueue_many(session: Session, items: list[Planned], settings: SettingsStore, ready: set[str]) -> int:
    """Queue many messages at once by the same rules as ``enqueue`` (the planner's pass): one
    query for the keys already there, one INSERT ... ON CONFLICT (dedupe_key) DO NOTHING for the
    rest, so a pass that queues hundreds of birthdays stays one short transaction, and two desks
    planning at once still write each key once. Returns how many rows were new."""
    if not items:
        return 0
    have = existing_keys(session, [i.dedupe_key for i in items])
    shop = _shop(session)
    rows: list[dict[str, object]] = []
    for i in items:
        if i.dedupe_key in have:
            continue
        channel = decide(i.client, i.kind, settings, ready)
        if channel is None:
            continue
        have.add(i.dedupe_key)
        rows.append(_values(i.client, i.kind, channel, message_language(i.client, shop), i.ref_kind, i.ref_id,
                            i.due_at, i.dedupe_key, i.branch_id))
    if not rows:
        return 0
    insert_new(session, rows)
    return len(rows)


def insert_new(session: Session, rows: list[dict[str, object]]) -> None:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, 500 rows a statement: a key another desk
    wrote meanwhile is skipped, on SQLite and PostgreSQL."""
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    for k in range(0, len(rows), 500):
        session.execute(stmt, rows[k : k + 500])


@dataclass(frozen=True)
class Recipient:
    """A client of a list a one-off message goes to: the columns ``channel_for`` needs."""

    client_id: int
    preferred_channel: str
    sms_ok: bool  # agreed to texts and has a phone
    email_ok: bool  # agreed to email and has an address
    language: str  # the client's language ("": the shop's)
    branch_id: int | None


def campaign_rows(session: Session, recipients: list[Recipient], kind: str, key_prefix: str, due_at: datetime,
                  ready: set[str], created_by_id: int | None) -> tuple[list[dict[str, object]], int]:
    """The outbox rows of a one-off message to ``recipients`` (each already agreed to marketing):
    one per client with a usable channel, keyed ``{key_prefix}:client:{id}``, less the keys already
    in the outbox. Returns (the new rows, how many were there already)."""
    shop = _shop(session)
    fallback = message_language(None, shop)
    keys = {r.client_id: f"{key_prefix}:client:{r.client_id}" for r in recipients}
    have = existing_keys(session, list(keys.values()))
    rows: list[dict[str, object]] = []
    already = 0
    for r in recipients:
        channel = channel_for(r.preferred_channel, r.sms_ok, r.email_ok, ready)
        if channel is None:
            continue
        if keys[r.client_id] in have:
            already += 1
            continue
        lang = normalise_language(r.language) if r.language.strip() else fallback
        rows.append(dict(
            client_id=r.client_id, branch_id=r.branch_id, kind=kind, channel=channel, language=lang,
            ref_kind="campaign", ref_id=None, dedupe_key=keys[r.client_id], planned_at=due_at, due_at=due_at,
            state=MessageState.QUEUED.value, attempts=0, last_error_code="", last_error="", provider_id="",
            to_address="", subject="", body="", claimed_by="", resend_of_id=None, created_by_id=created_by_id,
        ))
    return rows, already


# ------------------------------------------------------------------ the causes' hooks


def _utc_iso(dt: datetime) -> str:
    from datetime import UTC

    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def reminder_dedupe(appt_id: int, start_at: datetime) -> str:
    return f"reminder:appt:{appt_id}:{_utc_iso(start_at)}"


def reminder_due(start_at: datetime, now: datetime, hours: int) -> datetime | None:
    """When the reminder goes: ``hours`` before the start; if that has passed but the start is
    still more than two hours away, now; else no reminder."""
    due = start_at - timedelta(hours=hours)
    if due >= now:
        return due
    if start_at - now > MIN_LEAD:
        return now
    return None


def queue_reminder(session: Session, appt: Appointment, client: Client, settings: SettingsStore, now: datetime,
                   created_by_id: int | None = None, ready: set[str] | None = None) -> OutboxMessage | None:
    due = reminder_due(appt.start_at, now, settings.get(S.MESSAGES_REMINDER_HOURS))
    if due is None:
        return None
    return enqueue(
        session, client=client, kind=MessageKind.REMINDER.value, ref_kind="appointment", ref_id=appt.id,
        due_at=due, dedupe_key=reminder_dedupe(appt.id, appt.start_at), settings=settings,
        branch_id=appt.branch_id, created_by_id=created_by_id, ready=ready,
    )


def _client(session: Session, client_id: int | None) -> Client | None:
    if client_id is None:
        return None
    c = session.get(Client, client_id)
    return c if c is not None and not c.gone else None


def on_booked(session: Session, appt: Appointment, settings: SettingsStore, now: datetime,
              created_by_id: int | None = None) -> None:
    """A booking was made: its confirmation (now) and its reminder. A booking imported from another
    system was confirmed there: only its reminder."""
    client = _client(session, appt.client_id)
    if client is None:
        return
    if appt.source != "import":
        enqueue(
            session, client=client, kind=MessageKind.CONFIRMATION.value, ref_kind="appointment", ref_id=appt.id,
            due_at=now, dedupe_key=f"confirmation:appt:{appt.id}", settings=settings, branch_id=appt.branch_id,
            created_by_id=created_by_id,
        )
    queue_reminder(session, appt, client, settings, now, created_by_id)


def cancel_queued(session: Session, ref_kind: str, ref_id: int, kinds: tuple[str, ...], why: str,
                  keep_key: str | None = None) -> int:
    """Queued rows of ``kinds`` about one thing are not sent (state cancelled, the reason kept)."""
    q = (
        update(OutboxMessage)
        .where(
            OutboxMessage.ref_kind == ref_kind,
            OutboxMessage.ref_id == ref_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.state == MessageState.QUEUED.value,
        )
        .values(state=MessageState.CANCELLED.value, last_error=why, last_error_code="")
        .execution_options(synchronize_session=False)
    )
    if keep_key is not None:
        q = q.where(OutboxMessage.dedupe_key != keep_key)
    return int(getattr(session.execute(q), "rowcount", 0) or 0)


def on_moved(session: Session, appt: Appointment, settings: SettingsStore, now: datetime,
             created_by_id: int | None = None) -> None:
    """A booking moved: the reminder for the old time is cancelled, one for the new time queued."""
    cancel_queued(session, "appointment", appt.id, (MessageKind.REMINDER.value,), WHY_BOOKING_MOVED,
                  keep_key=reminder_dedupe(appt.id, appt.start_at))
    client = _client(session, appt.client_id)
    if client is not None and appt.status in UPCOMING:
        queue_reminder(session, appt, client, settings, now, created_by_id)


def on_cancelled(session: Session, appt: Appointment) -> None:
    cancel_queued(session, "appointment", appt.id,
                  (MessageKind.REMINDER.value, MessageKind.CONFIRMATION.value), WHY_BOOKING_CANCELLED)


def on_no_show(session: Session, appt: Appointment, settings: SettingsStore, now: datetime,
               created_by_id: int | None = None) -> None:
    """A no-show: the reminder not yet gone is dropped, the no-show notice queued."""
    cancel_queued(session, "appointment", appt.id,
                  (MessageKind.REMINDER.value, MessageKind.CONFIRMATION.value), WHY_NO_SHOW)
    client = _client(session, appt.client_id)
    if client is None:
        return
    enqueue(
        session, client=client, kind=MessageKind.NO_SHOW.value, ref_kind="appointment", ref_id=appt.id,
        due_at=now, dedupe_key=f"no_show:appt:{appt.id}", settings=settings, branch_id=appt.branch_id,
        created_by_id=created_by_id,
    )


def on_paid(session: Session, visit_id: int, paid_at: datetime, settings: SettingsStore,
            created_by_id: int | None = None) -> None:
    """A visit was paid: the feedback request, ``MESSAGES_FEEDBACK_DELAY_HOURS`` later (under 24 h)."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        return
    client = _client(session, visit.client_id)
    if client is None:
        return
    delay = min(int(settings.get(S.MESSAGES_FEEDBACK_DELAY_HOURS)), 23)
    enqueue(
        session, client=client, kind=MessageKind.FEEDBACK.value, ref_kind="visit", ref_id=visit.id,
        due_at=paid_at + timedelta(hours=delay), dedupe_key=f"feedback:visit:{visit.id}", settings=settings,
        branch_id=visit.branch_id, created_by_id=created_by_id,
    )
