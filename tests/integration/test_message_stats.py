"""The month's messages for the owner (issue 19): sent by kind and channel, given up, and the no-show
rate of appointments with and without a reminder sent before them; in the monthly report's JSON, PDF
(both languages) and screen, and equal to a direct count of the outbox. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.models import Appointment, OutboxMessage
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.messages.stats import message_stats
from desk_app.reports.monthly import build_monthly
from desk_app.reports.pdf import render_pdf_bytes
from tests.conftest import FakeClock
from tests.integration.test_aftercare_data import add_client, add_staff, shanghai

TZ = ZoneInfo("Asia/Shanghai")


def seed(db: Database, branch_id: int) -> dict[str, int]:
    """Appointments of November 2026 (and either side of it) and the messages about them."""
    leo = add_staff(db, branch_id, "Leo")
    cid = add_client(db, "Wang Fang")
    appts: dict[str, int] = {}
    slots = {
        # name: (start, status)
        "reminded_came": (shanghai(2026, 11, 3, 10), "done"),
        "reminded_no_show": (shanghai(2026, 11, 4, 10), "no_show"),
        "late_reminder_no_show": (shanghai(2026, 11, 5, 10), "no_show"),  # the reminder went after the start
        "failed_reminder_no_show": (shanghai(2026, 11, 6, 10), "no_show"),  # the reminder never went
        "arrived": (shanghai(2026, 11, 7, 10), "arrived"),
        "first_hour": (shanghai(2026, 11, 1, 0, 30), "done"),  # 31 Oct in UTC: still November in Shanghai
        "cancelled": (shanghai(2026, 11, 8, 10), "cancelled"),  # never reached its time: not counted
        "booked": (shanghai(2026, 11, 25, 10), "booked"),  # not yet
        "october": (shanghai(2026, 10, 31, 23, 0), "no_show"),  # 31 Oct in Shanghai: another month
        "december": (shanghai(2026, 12, 1, 0, 30), "done"),
        "walk_in": (shanghai(2026, 11, 10, 15), "done"),  # nobody could remind a walk-in: not counted
    }
    with db.uow() as uow:
        s = uow.session
        for name, (start, status) in slots.items():
            a = Appointment(branch_id=branch_id, client_id=cid, staff_id=leo.staff_id, start_at=start,
                            end_at=start + timedelta(hours=1), block_end_at=start + timedelta(hours=1), status=status,
                            source="walk_in" if name == "walk_in" else "phone")
            s.add(a)
            s.flush()
            appts[name] = a.id
        n = 0

        def msg(kind: str, channel: str, state: str, planned: datetime, sent: datetime | None = None,
                appt: str | None = None) -> None:
            nonlocal n
            n += 1
            s.add(OutboxMessage(
                client_id=cid, branch_id=branch_id, kind=kind, channel=channel, language="en",
                ref_kind="appointment" if appt else "visit", ref_id=appts[appt] if appt else 1,
                dedupe_key=f"k{n}", planned_at=planned, due_at=planned, state=state, sent_at=sent,
                attempts=1 if state != "queued" else 0, last_error="no such number" if state == "failed" else "",
            ))

        for name in ("reminded_came", "reminded_no_show", "cancelled"):
            start = slots[name][0]
            msg("reminder", "sms", "sent", start - timedelta(hours=24), start - timedelta(hours=23), name)
        start = slots["late_reminder_no_show"][0]
        msg("reminder", "sms", "sent", start - timedelta(hours=24), start + timedelta(minutes=5), "late_reminder_no_show")
        start = slots["failed_reminder_no_show"][0]
        msg("reminder", "sms", "failed", start - timedelta(hours=24), None, "failed_reminder_no_show")
        msg("reminder", "email", "unknown", shanghai(2026, 11, 9, 10), None, "arrived")
        msg("reminder", "sms", "queued", slots["booked"][0] - timedelta(hours=24), None, "booked")
        msg("confirmation", "sms", "sent", shanghai(2026, 11, 2, 9), shanghai(2026, 11, 2, 9))
        msg("confirmation", "email", "sent", shanghai(2026, 11, 1, 0, 10), shanghai(2026, 11, 1, 0, 10))
        msg("feedback", "email", "sent", shanghai(2026, 11, 3, 14), shanghai(2026, 11, 3, 14))
        msg("feedback", "email", "cancelled", shanghai(2026, 11, 4, 14))
        msg("confirmation", "sms", "sent", shanghai(2026, 10, 31, 23), shanghai(2026, 10, 31, 23))  # October
        msg("birthday", "sms", "failed", shanghai(2026, 10, 30, 9))  # given up in October
        uow.commit()
    return appts


def direct_count(db: Database, first: date, last: date) -> dict[str, Any]:
    """The same figures by reading every row and deciding in Python (no SQL grouping)."""
    start = datetime.combine(first, datetime.min.time(), TZ)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), TZ)
    with db.uow(write=False) as uow:
        msgs = list(uow.session.scalars(select(OutboxMessage)))
        appts = list(uow.session.scalars(select(Appointment)))
        by_kind: dict[str, int] = {}
        by_channel: dict[str, int] = {}
        for m in msgs:
            if m.state == "sent" and m.sent_at and start <= m.sent_at < end:
                by_kind[m.kind] = by_kind.get(m.kind, 0) + 1
                by_channel[m.channel] = by_channel.get(m.channel, 0) + 1
        failed = sum(1 for m in msgs if m.state in ("failed", "unknown") and start <= m.planned_at < end)
        groups = {True: [0, 0], False: [0, 0]}
        for a in appts:
            if (a.status in ("arrived", "in_service", "done", "no_show") and start <= a.start_at < end
                    and a.source != "walk_in"):
                reminded = any(m.ref_kind == "appointment" and m.ref_id == a.id and m.kind == "reminder"
                               and m.state == "sent" and m.sent_at is not None and m.sent_at < a.start_at
                               for m in msgs)
                groups[reminded][0] += 1
                groups[reminded][1] += a.status == "no_show"
    return {"by_kind": by_kind, "by_channel": by_channel, "failed": failed, "with": groups[True],
            "without": groups[False]}


def _check_stats(db: Database, branch_id: int) -> None:
    with db.uow(write=False) as uow:
        st = message_stats(uow.session, date(2026, 11, 1), date(2026, 11, 30), "Asia/Shanghai", None)
        other_branch = message_stats(uow.session, date(2026, 11, 1), date(2026, 11, 30), TZ, branch_id + 99)
        one_day = message_stats(uow.session, date(2026, 11, 1), date(2026, 11, 1), TZ, branch_id)
    assert st.sent_by_kind == {"reminder": 4, "confirmation": 2, "feedback": 1}
    assert st.sent_by_channel == {"sms": 5, "email": 2}
    assert st.failed == 2  # the failed reminder and the unsure one; not October's birthday
    assert (st.appointments_with_reminder, st.no_shows_with_reminder) == (2, 1)
    assert (st.appointments_without_reminder, st.no_shows_without_reminder) == (4, 2)
    assert (st.day_from, st.day_to) == (date(2026, 11, 1), date(2026, 11, 30))
    direct = direct_count(db, date(2026, 11, 1), date(2026, 11, 30))
    assert st.sent_by_kind == direct["by_kind"] and st.sent_by_channel == direct["by_channel"]
    assert st.failed == direct["failed"]
    assert [st.appointments_with_reminder, st.no_shows_with_reminder] == direct["with"]
    assert [st.appointments_without_reminder, st.no_shows_without_reminder] == direct["without"]
    assert other_branch.sent_by_kind == {} and other_branch.appointments_without_reminder == 0
    # the shop's day, not UTC's: 1 November in Shanghai holds the 00:10 confirmation and the 00:30 visit
    assert one_day.sent_by_kind == {"confirmation": 1} and one_day.appointments_without_reminder == 1


def test_message_stats_on_sqlite(services: Services, owner: Actor) -> None:
    seed(services.db, owner.branch_id or 1)
    _check_stats(services.db, owner.branch_id or 1)


def test_message_stats_on_postgresql(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(name="PG Spa", currency="CNY", language="en", owner_name="O", owner_pin="1234")
        seed(db, owner.branch_id or 1)
        _check_stats(db, owner.branch_id or 1)
        data = build_monthly(db, "2026-11", settings=sv.settings, now=datetime(2026, 12, 2, tzinfo=UTC))
        assert data["messages"]["with_reminder"] == {"appointments": 2, "no_shows": 1, "no_show_rate": "0.5000"}
    finally:
        db.dispose()


@pytest.fixture
def report(services: Services, owner: Actor) -> dict[str, Any]:
    seed(services.db, owner.branch_id or 1)
    return build_monthly(services.db, "2026-11", settings=services.settings, now=datetime(2026, 12, 2, tzinfo=UTC))


def test_the_monthly_report_reconciles_with_the_outbox(services: Services, report: dict[str, Any]) -> None:
    m = report["messages"]
    direct = direct_count(services.db, date(2026, 11, 1), date(2026, 11, 30))
    assert m["sent"] == sum(direct["by_kind"].values()) == 7
    # every kind and channel is listed (0 when none), so a reader needs no defaults
    assert m["sent_by_kind"] == {
        "confirmation": 2, "reminder": 4, "feedback": 1, "rebook": 0, "birthday": 0, "no_show": 0,
        "balance_low": 0, "package_expiring": 0, "campaign": 0,
    }
    assert {k: v for k, v in m["sent_by_kind"].items() if v} == direct["by_kind"]
    assert m["sent_by_channel"] == {"email": 2, "sms": 5} == direct["by_channel"]
    assert m["failed"] == direct["failed"] == 2
    assert m["with_reminder"] == {"appointments": 2, "no_shows": 1, "no_show_rate": "0.5000"}
    assert m["without_reminder"] == {"appointments": 4, "no_shows": 2, "no_show_rate": "0.5000"}
    # the report's own no-show count covers the same appointments (plus none the split missed)
    assert report["no_shows"] == m["with_reminder"]["no_shows"] + m["without_reminder"]["no_shows"]


def _pdf_text(data: dict[str, Any], lang: str) -> str:
    pdf = render_pdf_bytes(data, Fmt.for_shop(lang, "Asia/Shanghai", "CNY"))
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_shows_the_messages_in_both_languages(report: dict[str, Any]) -> None:
    en = _pdf_text(report, "en")
    assert "Messages to clients" in en
    assert "Messages sent 7" in en and "Appointment reminder 4" in en and "Booking confirmation 2" in en
    assert "by Text message 5" in en and "by Email 2" in en
    assert "Messages not sent (failed or unsure) 2" in en
    assert "No-show rate with a reminder 50.0% (1 of 2)" in en
    assert "No-show rate without a reminder 50.0% (2 of 4)" in en
    zh = _pdf_text(report, "zh_CN")
    assert "发给顾客的消息" in zh and "预约提醒 4" in zh
    assert "有提醒的爽约率 50.0%（2 次中 1 次）" in zh
