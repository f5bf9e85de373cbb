"""The planner: messages no single action causes (docs/messages.md, "What is sent when").

``plan`` runs at the start of each sender pass and queues what is due now and not yet queued (the
pass reads first with ``anything_new`` and opens a write unit of work only when there is something
to queue, so a pass with nothing new never holds the shop file's write lock): reminders for upcoming bookings that have none (imported ones, ones
made before messages were set up), rebook nudges, birthday greetings, low prepaid balances and
expiring packages or balances. It is idempotent (each message has its dedupe key) and cheap at 100k
clients: each kind is one query over a bounded window (the next days' bookings, the recently lapsed
clients, today's birthdays, recently moved balances, the coming expiries), never a loop over all
clients.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from desk_app.core.service import shop_tz
from desk_app.db.models import (
    Appointment,
    Client,
    PrepaidAccount,
    PrepaidMovement,
    Service,
    ServiceLog,
    Visit,
    client_listed,
)
from desk_app.domain.appointment import UPCOMING
from desk_app.domain.messages import MessageKind
from desk_app.domain.outreach import birthday_keys, expiry_stage, reminder_days
from desk_app.messages.balances import expiring_accounts, expiring_packages, low_prepaid
from desk_app.messages.outbox import (
    Planned,
    enqueue_many,
    existing_keys,
    kind_enabled,
    ready_channels,
    reminder_dedupe,
    reminder_due,
)
from desk_app.settings import S, SettingsStore

REBOOK_WINDOW = timedelta(days=14)  # a nudge is sent within two weeks of the return day, not years later
LOW_BALANCE_WINDOW = timedelta(days=30)  # a balance that went low long ago is not announced now


def _reachable(ready: set[str]) -> object:
    """SQL: the client agreed to a channel that is set up and has an address for it."""
    parts = []
    if "sms" in ready:
        parts.append((Client.sms_consent.is_(True)) & (Client.phone != ""))
    if "email" in ready:
        parts.append((Client.email_consent.is_(True)) & (Client.email != ""))
    return or_(*parts)


def plan(session: Session, now: datetime, settings: SettingsStore) -> int:
    """Queue what is due; returns how many rows were written."""
    return enqueue_many(session, due_items(session, now, settings), settings, ready_channels(settings))


def due_items(session: Session, now: datetime, settings: SettingsStore) -> list[Planned]:
    """What is due now by the calendar, queued or not (it only reads)."""
    ready = ready_channels(settings)
    if not ready:
        return []
    items: list[Planned] = []
    for step in (_reminders, _rebook, _birthdays, _low_balance, _expiring):
        items += step(session, now, settings, ready)
    return items


def anything_new(session: Session, now: datetime, settings: SettingsStore) -> bool:
    """Whether a pass would queue something: read first, so the write lock is only taken then."""
    keys = [i.dedupe_key for i in due_items(session, now, settings)]
    return bool(keys) and len(existing_keys(session, keys)) < len(set(keys))


def _reminders(s: Session, now: datetime, settings: SettingsStore, ready: set[str]) -> list[Planned]:
    if not kind_enabled(settings, MessageKind.REMINDER):
        return []
    hours = settings.get(S.MESSAGES_REMINDER_HOURS)
    rows = s.execute(
        select(Appointment, Client)
        .join(Client, Client.id == Appointment.client_id)
        .where(
            Appointment.status.in_(UPCOMING),
            Appointment.start_at > now + timedelta(hours=2),
            Appointment.start_at <= now + timedelta(hours=hours + 24),
            client_listed(),
            _reachable(ready),  # type: ignore[arg-type]
        )
    ).all()
    items = []
    for a, c in rows:
        due = reminder_due(a.start_at, now, hours)
        if due is not None:
            items.append(Planned(c, MessageKind.REMINDER.value, "appointment", a.id, due,
                                 reminder_dedupe(a.id, a.start_at), a.branch_id))
    return items


def _rebook(s: Session, now: datetime, settings: SettingsStore, ready: set[str]) -> list[Planned]:
    if not kind_enabled(settings, MessageKind.REBOOK):
        return []
    tz = shop_tz(s)
    today = now.astimezone(tz).date()
    longest = s.scalar(select(func.max(Service.return_interval_days))) or 0
    shortest = s.scalar(select(func.min(Service.return_interval_days)).where(Service.return_interval_days > 0))
    if not longest or not shortest:
        return []
    future = exists().where(
        Appointment.client_id == Client.id, Appointment.status.in_(UPCOMING), Appointment.start_at > now
    )
    # light rows first (each lapsed client's last visit and its shortest return interval); the
    # client rows are loaded only for those whose day has come
    lapsed = s.execute(
        select(Client.id, Visit.id, Visit.arrived_at, Visit.branch_id, func.min(Service.return_interval_days))
        .join(Visit, (Visit.client_id == Client.id) & (Visit.arrived_at == Client.last_visit_at))
        .join(ServiceLog, ServiceLog.visit_id == Visit.id)
        .join(Service, Service.id == ServiceLog.service_id)
        .where(
            client_listed(),
            Client.marketing_consent.is_(True),
            Client.last_visit_at <= now - timedelta(days=shortest),
            Client.last_visit_at >= now - timedelta(days=longest) - REBOOK_WINDOW - timedelta(days=1),
            Service.return_interval_days > 0,
            _reachable(ready),  # type: ignore[arg-type]
            ~future,
        )
        .group_by(Client.id, Visit.id, Visit.arrived_at, Visit.branch_id)
    ).all()
    due: dict[int, tuple[int, date, int]] = {}
    for cid, vid, at, bid, days in lapsed:
        day = at.astimezone(tz).date()
        if day + timedelta(days=int(days)) <= today <= day + timedelta(days=int(days)) + REBOOK_WINDOW:
            due[int(cid)] = (int(vid), day, int(bid))
    if not due:
        return []
    keys = {cid: f"rebook:client:{cid}:{day.isoformat()}" for cid, (_v, day, _b) in due.items()}
    have = existing_keys(s, list(keys.values()))
    todo = [cid for cid, key in keys.items() if key not in have]
    clients = {c.id: c for c in s.scalars(select(Client).where(Client.id.in_(todo)))} if todo else {}
    items = [
        Planned(clients[cid], MessageKind.REBOOK.value, "visit", due[cid][0], now, keys[cid], due[cid][2])
        for cid in todo
        if cid in clients
    ]
    return items


def _birthdays(s: Session, now: datetime, settings: SettingsStore, ready: set[str]) -> list[Planned]:
    if not kind_enabled(settings, MessageKind.BIRTHDAY):
        return []
    today = now.astimezone(shop_tz(s)).date()
    clients = s.scalars(
        select(Client).where(
            Client.birthday_md.in_(birthday_keys(today)),
            client_listed(),
            Client.marketing_consent.is_(True),
            _reachable(ready),  # type: ignore[arg-type]
        )
    ).all()
    items = [
        Planned(c, MessageKind.BIRTHDAY.value, "client", c.id, now, f"birthday:client:{c.id}:{today.year}", c.branch_id)
        for c in clients
    ]
    return items


def _low_balance(s: Session, now: datetime, settings: SettingsStore, ready: set[str]) -> list[Planned]:
    if not kind_enabled(settings, MessageKind.BALANCE_LOW):
        return []
    threshold = settings.get(S.OUTREACH_LOW_BALANCE_MINOR)
    last_move = (
        select(PrepaidMovement.account_id, func.max(PrepaidMovement.id).label("last_id"))
        .where(PrepaidMovement.at >= now - LOW_BALANCE_WINDOW)  # the index on "at": recent movements only
        .group_by(PrepaidMovement.account_id)
        .subquery()
    )
    rows = s.execute(
        select(PrepaidAccount, Client, last_move.c.last_id)
        .join(Client, Client.id == PrepaidAccount.client_id)
        .join(last_move, last_move.c.account_id == PrepaidAccount.id)
        .where(*low_prepaid(threshold), _reachable(ready))  # type: ignore[arg-type]
    ).all()
    items = [
        Planned(c, MessageKind.BALANCE_LOW.value, "prepaid", acc.id, now, f"balance_low:prepaid:{acc.id}:{last_id}",
                c.branch_id)
        for acc, c, last_id in rows
    ]
    return items


def _expiring(s: Session, now: datetime, settings: SettingsStore, ready: set[str]) -> list[Planned]:
    if not kind_enabled(settings, MessageKind.PACKAGE_EXPIRING):
        return []
    reminders = reminder_days(settings.get(S.OUTREACH_EXPIRY_REMINDERS_DAYS))
    if not reminders:
        return []
    today = now.astimezone(shop_tz(s)).date()
    reach = _reachable(ready)
    accounts = [(acc.id, acc.expires_on, c)
                for acc, c in expiring_accounts(s, today, reminders, reach)]  # type: ignore[arg-type]
    packages = [(cp.id, cp.expires_on, c)
                for cp, _pkg, c in expiring_packages(s, today, reminders, reach)]  # type: ignore[arg-type]
    items = []
    for what, rows in (("prepaid", accounts), ("package", packages)):
        for ref_id, expires_on, c in rows:
            if expires_on is None:
                continue
            stage = expiry_stage((expires_on - today).days, reminders)
            if stage is not None:
                items.append(Planned(c, MessageKind.PACKAGE_EXPIRING.value, what, ref_id, now,
                                     f"package_expiring:{what}:{ref_id}:{stage}", c.branch_id))
    return items
