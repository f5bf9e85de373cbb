"""The sender end to end, through the real SMTP channel to a mail server on loopback (aiosmtpd):
what is sent and recorded, quiet hours, back-off, permanent failures, a stale send, a moved
booking's reminder, consent withdrawn, and two senders over the same outbox (SQLite and
PostgreSQL) sending each message exactly once. Also ``desk-app messages run``."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import update

from desk_app.bootstrap import open_database
from desk_app.calendar.service import BookingRequest
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.models import Client, OutboxMessage
from desk_app.domain.permissions import Actor
from desk_app.messages import outbox as ob
from desk_app.messages.sender import send_due
from desk_app.settings import S, SettingsStore
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.messages_helpers import Relay, client, email_set_up, outbox, relay  # noqa: F401
from tests.integration.test_calendar_support import at, new_stylist, service_id
from tests.integration.test_message_channels import closed_port

TOMORROW = date(2026, 11, 19)


@pytest.fixture
def shop(services: Services, owner: Actor, relay: Relay) -> dict[str, int]:  # noqa: F811
    email_set_up(services.settings, relay.port)
    return {"leo": new_stylist(services.db, "Leo"), "cut": service_id(services.db, "CUT-W")}


def book(services: Services, owner: Actor, shop: dict[str, int], cid: int, hh: int = 11, day: date = TOMORROW) -> int:
    return services.calendar.book(
        owner, BookingRequest(client_id=cid, staff_id=shop["leo"], start_at=at(day, hh), service_ids=[shop["cut"]])
    ).id


def received(relay: Relay) -> list[tuple[list[str], str, str]]:  # noqa: F811
    out = []
    for _from, to, raw in relay.mailbox.messages:
        m = message_from_bytes(raw, policy=default_policy)
        body = m.get_body(("plain",))
        out.append((to, str(m["Subject"]), body.get_content().strip() if body is not None else ""))
    return out


def test_booking_to_inbox_confirmation_now_reminder_later(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay, clock: FakeClock  # noqa: F811
) -> None:
    cid = client(services.db, "Ann Lee", email="ann@example.com")
    aid = book(services, owner, shop, cid)
    r = services.messages.run_due(worker="desk-1")
    assert (r.sent, r.deferred, r.failed) == (1, 0, 0)
    got = received(relay)
    assert len(got) == 1 and got[0][0] == ["ann@example.com"]
    assert got[0][1] == "Your booking on Nov 19, 2026 at 11:00"
    assert "Hi Ann Lee, you are booked for" in got[0][2] and "with Leo" in got[0][2]
    sent = outbox(services.db, kind="confirmation")[0]
    assert (sent.state, sent.to_address, sent.attempts, sent.sent_at) == ("sent", "ann@example.com", 1, clock.now)
    assert sent.provider_id.startswith("<") and sent.body == got[0][2] and sent.subject == got[0][1]
    assert services.messages.run_due().sent == 0  # the reminder is not due yet; nothing twice
    clock.advance(hours=1, minutes=1)  # 11:01: the reminder's time (24 h before)
    assert services.messages.run_due().sent == 1
    assert got[0][1] != received(relay)[1][1] and received(relay)[1][1].startswith("Reminder:")
    rows = services.messages.outbox(owner, state="sent")
    assert {m.kind for m in rows} == {"confirmation", "reminder"} and all(m.ref_id == aid for m in rows)
    assert services.messages.counts(owner).sent == 2
    assert services.messages.sent_to_clients([cid])[cid][0].kind == "reminder"


def test_the_owners_wording_and_the_clients_language_are_used(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay  # noqa: F811
) -> None:
    services.messages.save_template(owner, "confirmation", "zh_CN", "预约 {date}", "{client_name}，{time}见！")
    cid = client(services.db, "王芳", language="zh_CN")
    book(services, owner, shop, cid)
    services.messages.run_due()
    assert received(relay)[0][1:] == ("预约 2026年11月19日", "王芳，11:00见！")


def test_quiet_hours_defer_to_their_end(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay, clock: FakeClock  # noqa: F811
) -> None:
    cid = client(services.db, "Ann Lee")
    book(services, owner, shop, cid, day=date(2026, 11, 20))
    clock.now = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    r = services.messages.run_due()
    assert (r.sent, r.deferred) == (0, 1) and relay.mailbox.messages == []
    row = outbox(services.db, kind="confirmation")[0]
    assert row.state == "queued" and row.due_at == datetime(2026, 11, 19, 1, 0, tzinfo=UTC)  # 09:00 there
    clock.now = datetime(2026, 11, 19, 1, 0, tzinfo=UTC)
    assert services.messages.run_due().sent == 1
    # a resend in the quiet hours is due when they end, and its row says so (the screen said it
    # "goes out shortly" at 04:23)
    clock.now = datetime(2026, 11, 19, 14, 30, tzinfo=UTC)  # 22:30 there
    again = services.messages.resend(owner, row.id)
    assert again.due_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 the next morning
    services.messages.cancel(owner, again.id)
    services.settings.set(S.MESSAGES_QUIET_START_HOUR, 9)  # start == end: no quiet hours
    cid2 = client(services.db, "Bo Wu")
    book(services, owner, shop, cid2, hh=14, day=date(2026, 11, 20))
    clock.now = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)  # 23:00 there
    assert services.messages.run_due().sent == 3  # Bo's confirmation, both reminders


def test_a_server_that_cannot_be_reached_is_retried_with_back_off_then_failed(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock
) -> None:
    services.settings.set(S.MESSAGES_EMAIL_PORT, closed_port())
    services.settings.set(S.MESSAGES_MAX_ATTEMPTS, 6)
    cid = client(services.db, "Ann Lee")
    book(services, owner, shop, cid, day=date(2026, 11, 25))
    waits = []
    for n in range(1, 7):
        r = services.messages.run_due()
        row = outbox(services.db, kind="confirmation")[0]
        assert row.attempts == n and row.last_error_code == "network"
        if n < 6:
            assert r.retrying == 1 and row.state == "queued"
            waits.append(row.due_at - clock.now)
            clock.now = row.due_at
        else:
            assert r.failed == 1 and row.state == "failed" and r.errors
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                     timedelta(hours=6)]
    failed = services.messages.outbox(owner, state="failed")
    assert [m.error_code for m in failed] == ["network"] and failed[0].can_resend
    again = services.messages.resend(owner, failed[0].id)
    assert again.state == "queued" and again.resend_of_id == failed[0].id
    assert outbox(services.db, id=again.id)[0].dedupe_key.endswith(":resend:1")


def test_a_refused_recipient_fails_at_once(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay  # noqa: F811
) -> None:
    relay.mailbox.refuse["nobody@example.com"] = "550 5.1.1 No such user"
    cid = client(services.db, "Nobody", email="nobody@example.com")
    book(services, owner, shop, cid)
    r = services.messages.run_due()
    row = outbox(services.db, kind="confirmation")[0]
    assert (r.failed, row.state, row.attempts, row.last_error_code) == (1, "failed", 1, "rejected")
    assert "No such user" in row.last_error


def test_a_send_left_half_done_becomes_unknown_and_is_not_sent_again(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay, clock: FakeClock  # noqa: F811
) -> None:
    cid = client(services.db, "Ann Lee")
    book(services, owner, shop, cid)
    with services.db.uow() as uow:  # a desk claimed it, then stopped
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.kind == "confirmation").values(
            state="sending", claimed_by="crashed", claimed_at=clock.now))
        uow.commit()
    clock.advance(minutes=5)
    services.messages.run_due()
    assert outbox(services.db, kind="confirmation")[0].state == "sending"  # may still be at it
    clock.advance(minutes=6)
    services.messages.run_due()
    row = outbox(services.db, kind="confirmation")[0]
    assert row.state == "unknown" and "may have been sent" in row.last_error
    assert relay.mailbox.messages == []
    assert services.messages.counts(owner).failed == 1


def test_a_moved_booking_is_reminded_at_the_new_time_only(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay, clock: FakeClock  # noqa: F811
) -> None:
    cid = client(services.db, "Ann Lee")
    aid = book(services, owner, shop, cid)
    services.messages.run_due()  # the confirmation
    services.calendar.move(owner, aid, at(date(2026, 11, 20), 15))
    clock.now = at(TOMORROW, 11)  # the old reminder's time passed
    assert services.messages.run_due().sent == 0
    clock.now = at(TOMORROW, 15)  # 24 h before the new time
    assert services.messages.run_due().sent == 1
    assert "Nov 20, 2026 at 15:00" in received(relay)[-1][2]
    assert [r.state for r in outbox(services.db, kind="reminder")] == ["cancelled", "sent"]
    sent = outbox(services.db, kind="reminder")[1]
    services.messages.resend(owner, sent.id)  # the client lost it: a resend goes, at the same time
    assert services.messages.run_due().sent == 1
    assert [r.state for r in outbox(services.db, kind="reminder")] == ["cancelled", "sent", "sent"]


def test_withdrawn_consent_and_a_late_reminder_are_cancelled_not_sent(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay, clock: FakeClock  # noqa: F811
) -> None:
    cid = client(services.db, "Ann Lee")
    book(services, owner, shop, cid)
    with services.db.uow() as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        c.email_consent = False
        uow.commit()
    r = services.messages.run_due()
    assert (r.sent, r.cancelled) == (0, 1) and "no longer agrees" in outbox(services.db)[0].last_error
    cid2 = client(services.db, "Bo Wu")
    book(services, owner, shop, cid2, hh=14)
    clock.now = at(TOMORROW, 13, 30)  # the desk was off until half an hour before the booking
    r = services.messages.run_due()
    rows = outbox(services.db, client_id=cid2)
    assert [(x.kind, x.state) for x in rows] == [("confirmation", "sent"), ("reminder", "cancelled")]
    assert "less than an hour" in rows[1].last_error


def _many_due(db: Database, settings: SettingsStore, n: int, now: datetime) -> None:
    with db.uow() as uow:
        s = uow.session
        clients = [Client(client_number=f"Q{i:06d}", name=f"Client {i}", email=f"q{i}@example.com",
                          email_consent=True, preferred_channel="email", language="en") for i in range(n)]
        s.add_all(clients)
        s.flush()
        for c in clients:
            assert ob.enqueue(s, client=c, kind="balance_low", ref_kind="prepaid", ref_id=None, due_at=now,
                              dedupe_key=f"test:{c.id}", settings=settings, branch_id=None) is not None
        uow.commit()


def _two_senders(url: str, relay: Relay, now: datetime) -> None:  # noqa: F811
    def desk(name: str) -> None:
        db = open_database(url, run_migrations=False)
        try:
            settings = SettingsStore(db)
            from desk_app.messages.channels import build_channels

            for _ in range(10):
                send_due(db.uow, settings, build_channels(settings), now, limit=40, worker=name)
        finally:
            db.dispose()

    threads = [threading.Thread(target=desk, args=(f"desk-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)


def _check_each_once(db: Database, relay: Relay, n: int) -> None:  # noqa: F811
    rcpts = [to[0] for _f, to, _raw in relay.mailbox.messages]
    assert len(rcpts) == n and len(set(rcpts)) == n  # each exactly once
    rows = outbox(db)
    assert {r.state for r in rows} == {"sent"} and len(rows) == n
    assert {r.claimed_by for r in rows} == {"desk-0", "desk-1"}  # both desks did part of the work


def test_two_senders_on_one_sqlite_file_send_each_message_once(
    services: Services, owner: Actor, relay: Relay, db_path: Path, clock: FakeClock  # noqa: F811
) -> None:
    email_set_up(services.settings, relay.port)
    services.settings.set(S.MESSAGES_QUIET_START_HOUR, 0)
    services.settings.set(S.MESSAGES_QUIET_END_HOUR, 0)
    _many_due(services.db, services.settings, 200, clock.now)
    _two_senders(str(db_path), relay, clock.now)
    _check_each_once(services.db, relay, 200)


def test_two_senders_on_postgresql_send_each_message_once(
    pg_url: str, relay: Relay, clock: FakeClock  # noqa: F811
) -> None:
    db = open_database(pg_url)
    try:
        services = Services(db, clock=clock)
        services.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin=OWNER_PIN)
        email_set_up(services.settings, relay.port)
        services.settings.set(S.MESSAGES_QUIET_START_HOUR, 0)
        services.settings.set(S.MESSAGES_QUIET_END_HOUR, 0)
        _many_due(db, services.settings, 200, clock.now)
        _two_senders(pg_url, relay, clock.now)
        _check_each_once(db, relay, 200)
    finally:
        db.dispose()


def test_cli_messages_run_and_list(
    services: Services, owner: Actor, relay: Relay, db_path: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from desk_app.cli import run

    email_set_up(services.settings, relay.port)
    services.settings.set(S.MESSAGES_QUIET_START_HOUR, 0)  # the command runs on the real clock
    services.settings.set(S.MESSAGES_QUIET_END_HOUR, 0)
    _many_due(services.db, services.settings, 3, datetime(2001, 1, 1, tzinfo=UTC))
    services.db.dispose()
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["messages", "run", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "3 sent, 0 to retry, 0 failed" in out
    assert len(relay.mailbox.messages) == 3
    assert run(["messages", "list", "--db", str(db_path), "--state", "sent"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[-1] == "3 messages" and all("\tsent\t" in line for line in listed[:-1])
    # walk (issue 19): the default --limit cut the demo's list at 500 and said "500 messages"
    assert run(["messages", "list", "--db", str(db_path), "--state", "sent", "--limit", "2"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 3 and listed[-1] == "2 messages, the newest; there may be more: --limit N shows more"


def test_a_channel_missing_its_password_says_so_on_the_row(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Walk (issue 19): the mail server needs a sign-in and this computer has no password for it
    (no password store, no DESK_APP_SMTP_PASSWORD: a cron job set up without it). The row and
    `messages run` said only "This channel is not set up" while every setting looked filled in;
    they now say what is missing, as the Channels tab does."""
    monkeypatch.delenv("DESK_APP_SMTP_PASSWORD", raising=False)
    services.settings.set(S.MESSAGES_EMAIL_USER, "desk@lotus.example")
    cid = client(services.db, "Ann Lee", email="ann@example.com")
    book(services, owner, shop, cid)
    r = services.messages.run_due()
    row = outbox(services.db, kind="confirmation")[0]
    assert (row.state, row.last_error_code) == ("failed", "not_set_up")
    assert "password" in row.last_error.lower() and "DESK_APP_SMTP_PASSWORD" in row.last_error
    assert any("DESK_APP_SMTP_PASSWORD" in e for e in r.errors)
    assert relay.mailbox.messages == []


def test_a_pass_with_nothing_new_never_waits_for_the_write_lock(
    services: Services, owner: Actor, shop: dict[str, int], relay: Relay, clock: FakeClock,  # noqa: F811
    db_path: Path,
) -> None:
    """Every desk runs a pass a minute: one with nothing to plan, send or sweep only reads, so a
    checkout holding the shop file's write lock at that moment is never kept waiting by it (nor
    the pass refused as busy)."""
    import sqlite3

    cid = client(services.db, "Ann Lee", email="ann@example.com")
    book(services, owner, shop, cid)
    assert services.messages.run_due(worker="desk-1").sent == 1  # the confirmation; the reminder is tomorrow
    other_desk = sqlite3.connect(db_path, isolation_level=None)
    other_desk.execute("BEGIN IMMEDIATE")  # another desk is in the middle of a checkout
    try:
        impatient = Services(Database.open(db_path, busy_timeout_ms=200), clock=clock)
        impatient.messages.secrets = services.messages.secrets
        r = impatient.messages.run_due(worker="desk-2")
        assert (r.planned, r.sent, r.retrying, r.failed) == (0, 0, 0, 0)
    finally:
        other_desk.execute("ROLLBACK")
        other_desk.close()
