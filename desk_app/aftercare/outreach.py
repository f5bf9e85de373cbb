"""Keeping in touch: birthdays this week, prepaid balances and packages that expire or run low.

The lists are computed from the clients, balances and packages; a row in
``outreach_tasks`` (kind, client, ref, due day) only records that someone made
the contact. An expiry is reminded at each of the shop's reminder days (e.g. 60,
7 and 3 days before): each reminder is its own task, so the one-week reminder
comes back after the two-month one was done. A low balance is one task per
balance change (its due day is the day of the last movement).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.aftercare.views import OutreachItem, OutreachLists
from desk_app.core import csvfile
from desk_app.db.models import (
    Client,
    ClientPackage,
    OutreachTask,
    Package,
    PackageRedemption,
    PrepaidAccount,
    PrepaidMovement,
    client_listed,
)
from desk_app.domain.aftercare import OutreachKind
from desk_app.domain.client import channel_label
from desk_app.domain.money import Money
from desk_app.domain.outreach import expiry_stage as _stage
from desk_app.domain.outreach import reminder_days
from desk_app.domain.permissions import mask_phone
from desk_app.i18n import _, format_date, format_money, pick
from desk_app.messages.balances import expiring_accounts, expiring_packages, low_prepaid


def kind_label(kind: str) -> str:
    return OutreachKind(kind).label if kind in OutreachKind._value2member_map_ else kind


def _contact(c: Client, show_phone: bool) -> str:
    phone = c.phone if show_phone else mask_phone(c.phone)
    if c.preferred_channel == "wechat" and c.wechat_id:
        return c.wechat_id
    if c.preferred_channel == "email" and c.email:
        return c.email
    return phone


def _done_map(
    s: Session, kinds: Iterable[str], client_ids: Iterable[int]
) -> dict[tuple[str, int, int | None, date], OutreachTask]:
    ids = set(client_ids)
    if not ids:
        return {}
    rows = s.execute(
        select(OutreachTask).where(OutreachTask.kind.in_(list(kinds)), OutreachTask.client_id.in_(ids))
    ).scalars()
    return {(t.kind, t.client_id, t.ref_id, t.due_on): t for t in rows}


def _item(
    c: Client,
    kind: str,
    ref_id: int | None,
    due_on: date,
    detail: str,
    show_phone: bool,
    done: dict[tuple[str, int, int | None, date], OutreachTask],
) -> OutreachItem:
    t = done.get((kind, c.id, ref_id, due_on))
    return OutreachItem(
        kind=kind,
        client_id=c.id,
        client_name=c.name,
        client_number=c.client_number,
        channel=c.preferred_channel or "phone",
        contact=_contact(c, show_phone),
        ref_id=ref_id,
        due_on=due_on,
        detail=detail,
        status=t.status if t else "open",
        done_at=t.done_at if t else None,
    )


def _sort(items: list[OutreachItem]) -> list[OutreachItem]:
    return sorted(items, key=lambda i: (i.status == "done", i.due_on, i.client_name))


def week_of(today: date) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


def birthdays(s: Session, now: datetime, tz: ZoneInfo, show_phone: bool) -> list[OutreachItem]:
    """Clients whose birthday falls in this (Monday to Sunday, shop-local) week."""
    days = week_of(now.astimezone(tz).date())
    by_md: dict[str, date] = {d.strftime("%m-%d"): d for d in days}
    for d in days:  # 29 February birthdays are greeted on the 28th in other years
        if d.month == 2 and d.day == 28 and "02-29" not in by_md:
            by_md["02-29"] = d
    clients = list(
        s.execute(
            select(Client).where(Client.birthday_md.in_(list(by_md)), client_listed())
        ).scalars()
    )
    done = _done_map(s, [OutreachKind.BIRTHDAY], [c.id for c in clients])
    out = []
    for c in clients:
        day = by_md[c.birthday_md or ""]
        age = ""
        if c.birthday is not None:
            age = " " + _("(turns {n})").format(n=day.year - c.birthday.year)
        detail = (
            _("Birthday on {weekday}, {date}").format(
                weekday=format_date(day, "EEEE"), date=format_date(day, "medium")
            )
            + age
        )
        out.append(_item(c, OutreachKind.BIRTHDAY, day.year, day, detail, show_phone, done))
    return _sort(out)


def expiring(
    s: Session, now: datetime, tz: ZoneInfo, show_phone: bool, reminders: list[int], currency: str
) -> list[OutreachItem]:
    reminders = reminder_days(reminders)
    if not reminders:
        return []
    today = now.astimezone(tz).date()
    accounts = expiring_accounts(s, today, reminders)
    packages = expiring_packages(s, today, reminders)
    done = _done_map(
        s,
        [OutreachKind.PREPAID_EXPIRY, OutreachKind.PACKAGE_EXPIRY],
        [c.id for _a, c in accounts] + [c.id for _cp, _p, c in packages],
    )
    out: list[OutreachItem] = []
    for acc, c in accounts:
        assert acc.expires_on is not None
        left = (acc.expires_on - today).days
        stage = _stage(left, reminders)
        if stage is None:
            continue
        detail = _("Balance {amount} expires on {date} (in {n} days)").format(
            amount=format_money(Money.from_minor(acc.balance_minor, currency).amount),
            date=format_date(acc.expires_on),
            n=left,
        )
        out.append(
            _item(
                c, OutreachKind.PREPAID_EXPIRY, acc.id, acc.expires_on - timedelta(days=stage), detail, show_phone, done
            )
        )
    for cp, pkg, c in packages:
        assert cp.expires_on is not None
        left = (cp.expires_on - today).days
        stage = _stage(left, reminders)
        if stage is None:
            continue
        detail = _("{package}: {sessions} sessions left, expire on {date} (in {n} days)").format(
            package=pick(pkg.name_zh, pkg.name_en),
            sessions=cp.sessions_total - cp.sessions_used,
            date=format_date(cp.expires_on),
            n=left,
        )
        out.append(
            _item(c, OutreachKind.PACKAGE_EXPIRY, cp.id, cp.expires_on - timedelta(days=stage), detail, show_phone, done)
        )
    return _sort(out)


def low_balance(
    s: Session, now: datetime, tz: ZoneInfo, show_phone: bool, threshold_minor: int, currency: str
) -> list[OutreachItem]:
    today = now.astimezone(tz).date()
    last_move = (
        select(PrepaidMovement.account_id, func.max(PrepaidMovement.at).label("last"))
        .group_by(PrepaidMovement.account_id)
        .subquery()
    )
    accounts = s.execute(
        select(PrepaidAccount, Client, last_move.c.last)
        .join(Client, Client.id == PrepaidAccount.client_id)
        .outerjoin(last_move, last_move.c.account_id == PrepaidAccount.id)
        .where(*low_prepaid(threshold_minor))
    ).all()
    last_use = (
        select(PackageRedemption.client_package_id, func.max(PackageRedemption.at).label("last"))
        .group_by(PackageRedemption.client_package_id)
        .subquery()
    )
    packages = s.execute(
        select(ClientPackage, Package, Client, last_use.c.last)
        .join(Package, Package.id == ClientPackage.package_id)
        .join(Client, Client.id == ClientPackage.client_id)
        .outerjoin(last_use, last_use.c.client_package_id == ClientPackage.id)
        .where(
            ClientPackage.sessions_total - ClientPackage.sessions_used == 1,
            client_listed(),
            (ClientPackage.expires_on.is_(None)) | (ClientPackage.expires_on >= today),
        )
    ).all()
    done = _done_map(
        s, [OutreachKind.LOW_BALANCE, OutreachKind.PACKAGE_LOW], [r[1].id for r in accounts] + [r[2].id for r in packages]
    )
    out: list[OutreachItem] = []
    for acc, c, last in accounts:
        due = last.astimezone(tz).date() if last is not None else today
        detail = _("Balance {amount} left").format(
            amount=format_money(Money.from_minor(acc.balance_minor, currency).amount)
        )
        out.append(_item(c, OutreachKind.LOW_BALANCE, acc.id, due, detail, show_phone, done))
    for cp, pkg, c, last in packages:
        when = last or cp.purchased_at
        due = when.astimezone(tz).date() if when is not None else today
        detail = _("{package}: 1 session left").format(package=pick(pkg.name_zh, pkg.name_en))
        out.append(_item(c, OutreachKind.PACKAGE_LOW, cp.id, due, detail, show_phone, done))
    return _sort(out)


def mark_done(s: Session, item: OutreachItem, staff_id: int | None, now: datetime, note: str) -> None:
    t = s.execute(
        select(OutreachTask).where(
            OutreachTask.kind == item.kind,
            OutreachTask.client_id == item.client_id,
            OutreachTask.ref_id == item.ref_id if item.ref_id is not None else OutreachTask.ref_id.is_(None),
            OutreachTask.due_on == item.due_on,
        )
    ).scalar_one_or_none()
    if t is None:
        t = OutreachTask(kind=item.kind, client_id=item.client_id, ref_id=item.ref_id, due_on=item.due_on)
        s.add(t)
    t.status, t.done_at, t.staff_id, t.note = "done", now, staff_id, note


def to_csv(lists: OutreachLists) -> bytes:
    buf = io.StringIO()
    w = csvfile.writer(buf)
    w.writerow(
        [
            _("List"),
            _("Client number"),
            _("Client"),
            _("Preferred channel"),
            _("Contact"),
            _("Date"),
            _("Details"),
            _("Status"),
        ]
    )
    for items in (lists.birthdays, lists.expiring, lists.low_balance):
        for i in items:
            w.writerow(
                [
                    kind_label(i.kind),
                    i.client_number,
                    i.client_name,
                    channel_label(i.channel),
                    i.contact,
                    i.due_on.isoformat(),
                    i.detail,
                    _("Done") if i.status == "done" else _("To do"),
                ]
            )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
