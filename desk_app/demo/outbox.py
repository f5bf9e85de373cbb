"""The demo shop's message history (issue 19): what the shop sent its clients in the past months,
as rows of ``outbox`` written in bulk with the rest of the history.

Everything is derived from the rows already made (the appointments, the paid visits, each client's
consent), never from the demo's random stream, so every other demo figure stays as it was:

- a booking confirmation soon after a booking was made (not for walk-ins, nor a booking made
  within the hour);
- a reminder 24 hours before most bookings of a client who agreed to texts or email; fewer of the
  bookings that ended in a no-show had one (so the report's no-show rate with a reminder is lower,
  as in a real shop); a reminder of a booking cancelled before it went is cancelled too;
- a feedback request two hours after most paid visits; a no-show notice after some no-shows;
- about one in a hundred failed, with the provider's reason; quiet hours (21:00-09:00) respected.

Nothing is queued for the future: the demo has no channel set up (no real provider), so a queued
row could only fail; the app queues the coming bookings' reminders itself once a channel is set up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from desk_app.i18n import Fmt

QUIET_START, QUIET_END = 21, 9
REMINDER_HOURS = 24
FEEDBACK_HOURS = 2

SHOP_ZH, SHOP_EN = "莲花美发", "Lotus Hair & Spa"
PHONE = "+86 21 6288 0000"

TEXTS: dict[str, dict[str, tuple[str, str]]] = {  # kind -> language -> (subject, body)
    "confirmation": {
        "zh_CN": ("预约确认", "【{shop}】{name}您好，已为您预约 {day} {time}，期待您的光临。改期请致电 {phone}。"),
        "en": ("You're booked", "Hi {name}, you're booked at {shop} on {day} at {time}. See you then! To change it, call {phone}."),
    },
    "reminder": {
        "zh_CN": ("预约提醒", "【{shop}】{name}您好，提醒您 {day} {time} 的预约。如需改期请致电 {phone}。"),
        "en": ("Your appointment tomorrow", "Hi {name}, a reminder of your appointment at {shop} on {day} at {time}. To change it, call {phone}."),
    },
    "feedback": {
        "zh_CN": ("感谢光临", "【{shop}】{name}您好，感谢今天光临！您对本次服务满意吗？回复 1-5 分告诉我们。"),
        "en": ("How did we do?", "Thanks for visiting {shop} today, {name}! How did we do? Reply with a score from 1 to 5."),
    },
    "no_show": {
        "zh_CN": ("今天没见到您", "【{shop}】{name}您好，今天没见到您，希望一切都好。需要重新预约请致电 {phone}。"),
        "en": ("We missed you", "Hi {name}, we missed you today and hope all is well. Call {phone} to book again."),
    },
}
FAILED = {  # channel -> (code, the provider's words: a Chinese SMS provider answers in Chinese)
    "sms": ("rejected", ("isv.MOBILE_NUMBER_ILLEGAL: 非法手机号", "isv.MOBILE_NUMBER_ILLEGAL: the number is not in service")),
    "email": ("rejected", ("550 5.1.1 <{to}>: mailbox does not exist",) * 2),
}


class _Client:
    __slots__ = ("name", "phone", "email", "language", "channel")

    def __init__(self, name: str, phone: str, email: str, language: str, channel: str) -> None:
        self.name, self.phone, self.email, self.language, self.channel = name, phone, email, language, channel


def _clients(conn: Connection, zh: bool) -> dict[int, _Client]:
    """The clients who agreed to texts or email, with the channel a message to them goes by."""
    out: dict[int, _Client] = {}
    rows = conn.execute(
        text(
            "SELECT id, name, phone, email, language, preferred_channel, sms_consent, email_consent "
            "FROM clients WHERE sms_consent OR email_consent"
        )
    )
    for cid, name, phone, email, lang, preferred, sms_ok, email_ok in rows:
        can_sms = bool(sms_ok) and bool(phone)
        can_email = bool(email_ok) and bool(email)
        if preferred == "email" and can_email:
            channel = "email"
        elif can_sms:
            channel = "sms"
        elif can_email:
            channel = "email"
        else:
            continue
        language = lang or ("zh_CN" if zh else "en")
        first = name.split()[0] if language == "en" and " " in name else name
        out[int(cid)] = _Client(first, phone or "", email or "", language, channel)
    return out


def _quiet(at: datetime, tz: ZoneInfo) -> datetime:
    """``at``, or the end of the quiet hours it falls in (the sender waits for them)."""
    local = at.astimezone(tz)
    if local.hour >= QUIET_START:
        local = datetime.combine(local.date() + timedelta(days=1), dtime(QUIET_END), tz)
    elif local.hour < QUIET_END:
        local = datetime.combine(local.date(), dtime(QUIET_END), tz)
    return local.astimezone(UTC)


def _aware(v: datetime) -> datetime:
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


def outbox_rows(conn: Connection, rows: dict[str, list[dict[str, Any]]], now: datetime, tz: ZoneInfo, zh: bool,
                ) -> Iterator[dict[str, Any]]:
    """The outbox rows of the demo's history (see the module), in id order."""
    clients = _clients(conn, zh)
    next_id = 0
    # the day as the app's own templates write it ("Dec 7, 2026" / "2026年12月7日"), not "2026-12-07"
    fmts = {lang: Fmt.for_shop(lang, str(tz), None) for lang in ("en", "zh_CN")}

    def row(kind: str, c: _Client, client_id: int, branch_id: int, ref_kind: str, ref_id: int, key: str,
            planned: datetime, state: str, when: dict[str, Any], by: int | None = None) -> dict[str, Any]:
        nonlocal next_id
        next_id += 1
        local = when.get("start")
        subject, body = TEXTS[kind]["en" if c.language == "en" else "zh_CN"]
        fill = {
            "shop": SHOP_EN if c.language == "en" else SHOP_ZH, "name": c.name, "phone": PHONE,
            "day": fmts["en" if c.language == "en" else "zh_CN"].date(local, "medium") if local else "",
            "time": local.strftime("%H:%M") if local else "",
        }
        to = c.phone if c.channel == "sms" else c.email
        sent = state == "sent"
        failed = state == "failed"
        went = min(planned + timedelta(seconds=3 + ref_id % 40), max(planned, now))  # a few seconds later, never after now
        code, said = FAILED[c.channel] if failed else ("", ("", ""))
        words = said[0] if zh else said[1]
        reason = when.get("reason", "")
        return {
            "id": next_id,
            "client_id": client_id,
            "branch_id": branch_id,
            "kind": kind,
            "channel": c.channel,
            "language": c.language,
            "ref_kind": ref_kind,
            "ref_id": ref_id,
            "dedupe_key": key,
            "planned_at": planned,
            "due_at": went if (sent or failed) else planned,
            "state": state,
            "attempts": 1 if (sent or failed) else 0,
            "last_error_code": code,
            "last_error": words.format(to=to) if failed else reason,
            "provider_id": f"demo-{next_id:07d}" if sent else "",
            "to_address": to if (sent or failed) else "",
            "subject": subject if (sent or failed) and c.channel == "email" else "",
            "body": body.format(**fill) if (sent or failed) else "",
            "claimed_by": "demo" if (sent or failed) else "",
            "claimed_at": went if (sent or failed) else None,
            "sent_at": went if sent else None,
            "resend_of_id": None,
            "created_by_id": by,
            "created_at": planned,
        }

    def state_of(salt: int, ref_id: int) -> str:
        return "failed" if (ref_id * 7 + salt) % 97 == 0 else "sent"

    for a in sorted(rows.get("appointments", []), key=lambda r: r["id"]):
        cid = a["client_id"]
        c = clients.get(cid) if cid is not None else None
        if c is None or a["source"] == "walk_in":
            continue
        aid, start, created = a["id"], _aware(a["start_at"]), _aware(a["created_at"])
        when = {"start": start.astimezone(tz)}
        status = a["status"]
        if start - created > timedelta(hours=1):
            at = _quiet(created + timedelta(minutes=1), tz)
            if at <= now and at < start:
                yield row("confirmation", c, cid, a["branch_id"], "appointment", aid, f"confirmation:appt:{aid}", at,
                          state_of(1, aid), when, a.get("created_by_id"))
        # the reminder: 24 h before, or at once for a booking made later than that (if 2 h are left)
        due = start - timedelta(hours=REMINDER_HOURS)
        if due < created:
            due = created + timedelta(minutes=2) if start - created > timedelta(hours=2) else start
        due = _quiet(due, tz)
        if due >= start - timedelta(hours=1) or due > now:
            continue  # too late to remind, or not yet due: nothing is queued in the demo
        key = f"reminder:appt:{aid}:{start.astimezone(UTC).strftime('%Y-%m-%dT%H:%MZ')}"
        cancelled_at = a.get("cancelled_at")
        if status == "cancelled" and cancelled_at is not None and _aware(cancelled_at) <= due:
            yield row("reminder", c, cid, a["branch_id"], "appointment", aid, key, due, "cancelled",
                      {**when, "reason": "The booking was cancelled."})
            continue
        # fewer of the bookings that ended in a no-show had a reminder
        if aid % 10 < (3 if status == "no_show" else 9):
            yield row("reminder", c, cid, a["branch_id"], "appointment", aid, key, due, state_of(2, aid), when)
        if status == "no_show" and aid % 10 < 6:
            at = _quiet(start + timedelta(hours=2), tz)
            if at <= now:
                yield row("no_show", c, cid, a["branch_id"], "appointment", aid, f"no_show:appt:{aid}", at,
                          state_of(3, aid), when)
    for v in sorted(rows.get("visits", []), key=lambda r: r["id"]):
        cid = v["client_id"]
        c = clients.get(cid) if cid is not None else None
        paid = v.get("paid_at")
        if c is None or paid is None or v["id"] % 10 >= 7:
            continue
        at = _quiet(_aware(paid) + timedelta(hours=FEEDBACK_HOURS), tz)
        if at <= now and at - _aware(paid) < timedelta(hours=24):
            yield row("feedback", c, cid, v["branch_id"], "visit", v["id"], f"feedback:visit:{v['id']}", at,
                      state_of(4, v["id"]), {})
