"""The outbox: messages queued in the unit of work of what caused them (a booking, a move, a
cancellation, a no-show, a paid visit), with consent, channel and dedupe rules; and the templates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from desk_app.calendar.service import BookingRequest
from desk_app.container import Services
from desk_app.core.service import ServiceError
from desk_app.db.models import Appointment, Client, OutboxMessage
from desk_app.domain.permissions import Actor
from desk_app.i18n import Fmt
from desk_app.messages import outbox as ob
from desk_app.messages import templates as tpl
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.messages_helpers import client, email_set_up, outbox, sms_set_up
from tests.integration.test_aftercare_data import add_staff, visit
from tests.integration.test_calendar_support import at, new_stylist, service_id

TOMORROW = date(2026, 11, 19)


@pytest.fixture
def shop(services: Services, owner: Actor) -> dict[str, int]:
    email_set_up(services.settings, 2525)
    return {"leo": new_stylist(services.db, "Leo"), "cut": service_id(services.db, "CUT-W")}


def book(services: Services, owner: Actor, shop: dict[str, int], cid: int, hh: int = 11, day: date = TOMORROW) -> int:
    return services.calendar.book(
        owner, BookingRequest(client_id=cid, staff_id=shop["leo"], start_at=at(day, hh), service_ids=[shop["cut"]])
    ).id


def test_a_booking_queues_its_confirmation_now_and_its_reminder_a_day_before(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock
) -> None:
    cid = client(services.db, "Ann Lee", email="ann@example.com")
    aid = book(services, owner, shop, cid)
    rows = outbox(services.db)
    assert [(r.kind, r.channel, r.state, r.due_at, r.ref_id) for r in rows] == [
        ("confirmation", "email", "queued", clock.now, aid),
        ("reminder", "email", "queued", at(TOMORROW, 11) - timedelta(hours=24), aid),
    ]
    assert rows[1].dedupe_key == f"reminder:appt:{aid}:2026-11-19T03:00Z"
    assert rows[0].language == "en" and rows[0].created_by_id == owner.staff_id


def test_a_reminder_whose_time_passed_goes_now_if_the_booking_is_over_two_hours_away(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock
) -> None:
    cid = client(services.db, "Ann Lee")
    book(services, owner, shop, cid, hh=15, day=date(2026, 11, 18))  # today 15:00, now 10:00
    assert [(r.kind, r.due_at) for r in outbox(services.db)] == [("confirmation", clock.now), ("reminder", clock.now)]
    cid2 = client(services.db, "Bo Wu")
    book(services, owner, shop, cid2, hh=11, day=date(2026, 11, 18))  # in one hour: no reminder
    assert [r.kind for r in outbox(services.db, client_id=cid2)] == ["confirmation"]


def test_an_imported_booking_gets_its_reminder_but_no_confirmation(
    services: Services, owner: Actor, shop: dict[str, int]
) -> None:
    cid = client(services.db, "Ann Lee")
    services.calendar.book(owner, BookingRequest(client_id=cid, staff_id=shop["leo"], start_at=at(TOMORROW, 11),
                                                 service_ids=[shop["cut"]], source="import"))
    assert [r.kind for r in outbox(services.db)] == ["reminder"]


def test_a_booking_that_rolls_back_leaves_no_message(services: Services, owner: Actor, shop: dict[str, int]) -> None:
    cid = client(services.db, "Ann Lee")
    with services.db.uow() as uow:  # another area's action books inside its own unit of work, then fails
        services.calendar.book_in(uow.session, owner, BookingRequest(
            client_id=cid, staff_id=shop["leo"], start_at=at(TOMORROW, 11), service_ids=[shop["cut"]]))
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # queued inside it
        # no commit: rolled back
    assert outbox(services.db) == []
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_no_consent_no_address_erased_or_kind_off_queue_nothing(
    services: Services, owner: Actor, shop: dict[str, int]
) -> None:
    no_consent = client(services.db, "No Consent", email="nc@example.com", email_ok=False)
    no_address = client(services.db, "No Address", email_ok=True, email="")
    with services.db.uow() as uow:
        c = uow.session.get(Client, no_address)
        assert c is not None
        c.email = ""
        uow.commit()
    for i, cid in enumerate((no_consent, no_address)):
        book(services, owner, shop, cid, hh=11 + i * 3)
    assert outbox(services.db) == []
    services.settings.set(S.MESSAGES_KINDS, ["reminder"])  # the shop sends reminders only
    ok = client(services.db, "Ann Lee")
    book(services, owner, shop, ok, hh=15)
    assert [r.kind for r in outbox(services.db)] == ["reminder"]
    services.settings.set(S.MESSAGES_KINDS, ["birthday", "feedback"])
    with services.db.uow() as uow:  # erased clients and marketing without consent: no row
        erased = uow.session.get(Client, ok)
        assert erased is not None
        assert ob.enqueue(uow.session, client=erased, kind="birthday", ref_kind="client", ref_id=ok,
                          due_at=datetime(2026, 11, 18, tzinfo=UTC), dedupe_key="b1", settings=services.settings,
                          branch_id=None) is None  # no marketing consent
        erased.marketing_consent = True
        erased.erased_at = datetime(2026, 11, 18, tzinfo=UTC)
        assert ob.enqueue(uow.session, client=erased, kind="feedback", ref_kind="client", ref_id=ok,
                          due_at=datetime(2026, 11, 18, tzinfo=UTC), dedupe_key="f1", settings=services.settings,
                          branch_id=None) is None


def test_the_channel_is_the_preferred_one_when_usable_else_the_other(
    services: Services, owner: Actor, shop: dict[str, int]
) -> None:
    both = client(services.db, "Both", phone="+8613800000001", sms_ok=True, channel="sms")
    book(services, owner, shop, both)
    assert {r.channel for r in outbox(services.db)} == {"email"}  # SMS is not set up: email
    sms_set_up(services.settings)
    other = client(services.db, "Texter", phone="+8613800000002", sms_ok=True, channel="sms")
    book(services, owner, shop, other, hh=14)
    assert {r.channel for r in outbox(services.db, client_id=other)} == {"sms"}
    wechat = client(services.db, "WeChat", phone="+8613800000003", sms_ok=False, channel="wechat")
    book(services, owner, shop, wechat, hh=16)
    assert {r.channel for r in outbox(services.db, client_id=wechat)} == {"email"}  # the one agreed to


def test_a_moved_booking_retimes_its_reminder_and_a_cancelled_one_drops_it(
    services: Services, owner: Actor, shop: dict[str, int]
) -> None:
    cid = client(services.db, "Ann Lee")
    aid = book(services, owner, shop, cid)
    services.calendar.move(owner, aid, at(date(2026, 11, 20), 14))
    reminders = outbox(services.db, kind="reminder")
    assert [(r.state, r.due_at) for r in reminders] == [
        ("cancelled", at(TOMORROW, 11) - timedelta(hours=24)),
        ("queued", at(date(2026, 11, 20), 14) - timedelta(hours=24)),
    ]
    assert "moved" in reminders[0].last_error
    services.calendar.cancel(owner, aid, "client called")
    assert {r.state for r in outbox(services.db)} == {"cancelled"}


def test_a_visit_cancelled_at_the_desk_drops_its_bookings_queued_messages(
    services: Services, owner: Actor, shop: dict[str, int]
) -> None:
    """The client came in early for this afternoon's booking and the visit was cancelled: the
    booking is cancelled with it, and so is its reminder (it would have said "see you at 15:00")."""
    cid = client(services.db, "Ann Lee")
    aid = book(services, owner, shop, cid, hh=15, day=date(2026, 11, 18))  # today 15:00, now 10:00
    vid = services.visits.arrive(owner, aid)
    assert ("reminder", "queued") in [(r.kind, r.state) for r in outbox(services.db)]
    services.visits.cancel(owner, vid, "client had to leave")
    assert [(r.kind, r.state) for r in outbox(services.db)] == [("confirmation", "cancelled"), ("reminder", "cancelled")]
    assert "cancelled" in outbox(services.db, kind="reminder")[0].last_error


def test_a_no_show_queues_its_notice_and_drops_the_reminder(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock
) -> None:
    cid = client(services.db, "Ann Lee")
    aid = book(services, owner, shop, cid, hh=15, day=date(2026, 11, 18))
    clock.advance(hours=6)
    services.calendar.mark_no_show(owner, aid)
    assert [(r.kind, r.state) for r in outbox(services.db)] == [
        ("confirmation", "cancelled"), ("reminder", "cancelled"), ("no_show", "queued")]
    aid2 = book(services, owner, shop, cid, hh=17, day=date(2026, 11, 18))
    clock.advance(hours=4)
    assert services.calendar.auto_no_shows() == [aid2]
    assert len(outbox(services.db, kind="no_show")) == 2


def test_a_paid_visit_queues_one_feedback_request_and_a_second_call_none(
    services: Services, owner: Actor, shop: dict[str, int], clock: FakeClock
) -> None:
    from desk_app.checkout.service import PaymentIn

    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist")
    cid = client(services.db, "Zhou Ting")
    vid = visit(services.db, services.settings, branch_id=owner.branch_id, client_id=cid, stylist_id=shop["leo"],
                desk_id=desk.staff_id, arrived=clock.now - timedelta(minutes=90), end_min=80, paid_min=None,
                step="checkout")
    bill = services.checkout.build_bill(desk, visit_id=vid)
    services.payments.pay(desk, bill, [PaymentIn("card", bill.total_minor)])
    rows = outbox(services.db)
    assert [(r.kind, r.ref_kind, r.ref_id, r.due_at, r.dedupe_key) for r in rows] == [
        ("feedback", "visit", vid, clock.now + timedelta(hours=2), f"feedback:visit:{vid}")]
    with services.db.uow() as uow:  # the same cause again (a retried action, another desk): nothing more
        ob.on_paid(uow.session, vid, clock.now, services.settings)
        uow.commit()
    assert len(outbox(services.db)) == 1


def test_the_dedupe_key_holds_against_a_row_the_session_did_not_see(services: Services, owner: Actor) -> None:
    """Two desks queue the same message at once: the unique key refuses the second inside its
    savepoint, the rest of that desk's unit of work goes on."""
    email_set_up(services.settings, 2525)
    cid = client(services.db, "Ann Lee")
    with services.db.uow() as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        first = ob.enqueue(uow.session, client=c, kind="feedback", ref_kind="visit", ref_id=1,
                           due_at=datetime(2026, 11, 18, tzinfo=UTC), dedupe_key="k", settings=services.settings,
                           branch_id=None)
        assert first is not None
        uow.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == first.id)
                            .values(dedupe_key="k2"))
        uow.session.expire_all()
        uow.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == first.id)
                            .values(dedupe_key="k"))
        # the pre-check is skipped by racing: insert straight into the savepoint path
        row = OutboxMessage(client_id=cid, kind="feedback", channel="email", language="en", ref_kind="visit",
                            ref_id=1, dedupe_key="k", planned_at=first.due_at, due_at=first.due_at)
        try:
            with uow.session.begin_nested():
                uow.session.add(row)
                uow.session.flush()
            raised = False
        except Exception:  # noqa: BLE001 - the IntegrityError enqueue treats as "already queued"
            raised = True
        assert raised
        uow.commit()
    assert [r.dedupe_key for r in outbox(services.db)] == ["k"]


# ------------------------------------------------------------------ templates


def test_every_kind_has_both_languages_that_validate() -> None:
    for kind in tpl.PLACEHOLDERS:
        for lang in tpl.LANGUAGES:
            w = tpl.default_wording(kind, lang)
            tpl.validate(kind, w.subject, w.body)


def test_validate_names_the_bad_placeholder_and_lists_the_allowed() -> None:
    with pytest.raises(ServiceError) as bad:
        tpl.validate("birthday", "", "Happy birthday {client_name}, see you at {time}")
    assert "{time}" in bad.value.message and "{client_name}, {shop_name}" in bad.value.message
    with pytest.raises(ServiceError) as unbalanced:
        tpl.validate("reminder", "", "See you {date")
    assert "{client_name}" in unbalanced.value.message and unbalanced.value.field == "body"
    with pytest.raises(ServiceError) as attr:
        tpl.validate("reminder", "{client_name.__class__}", "x")
    assert attr.value.field == "subject"
    with pytest.raises(ServiceError):
        tpl.validate("reminder", "", "   ")
    tpl.validate("reminder", "", "Braces {{like this}} are fine for {client_name}")


def test_render_in_both_languages_formats_dates_times_and_money() -> None:
    start = datetime(2026, 11, 19, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    values = {"client_name": "王芳", "shop_name": "莲花", "branch_name": "中山路店", "shop_phone": "021-1",
              "date": start, "time": start, "service": "剪发", "staff": "Leo"}
    zh = tpl.default_wording("reminder", "zh_CN")
    r = tpl.render("reminder", "zh_CN", zh.subject, zh.body, values, Fmt.for_shop("zh_CN", "Asia/Shanghai", "CNY"))
    assert "2026年11月19日 11:00" in r.body and r.body.startswith("王芳您好")
    assert len(r.body) <= 70 and r.sms_parts == 1  # a reminder fits one Chinese text message
    en = tpl.default_wording("balance_low", "en")
    r2 = tpl.render("balance_low", "en", en.subject, en.body,
                    {"client_name": "Ann", "shop_name": "Lotus", "shop_phone": "1", "balance": __import__("decimal").Decimal("80")},
                    Fmt.for_shop("en", "Asia/Shanghai", "CNY"))
    assert "CN¥80.00" in r2.body and r2.subject == "Your prepaid balance is low"


def test_sms_parts_count_gsm7_and_ucs2() -> None:
    assert tpl.sms_parts("a" * 160) == 1 and tpl.sms_parts("a" * 161) == 2 and tpl.sms_parts("a" * 307) == 3
    assert tpl.sms_parts("€" * 80) == 1 and tpl.sms_parts("€" * 81) == 2  # extension characters count twice
    assert tpl.sms_parts("好" * 70) == 1 and tpl.sms_parts("好" * 71) == 2 and tpl.sms_parts("好" * 135) == 3
    assert tpl.sms_parts("") == 0


def test_the_owners_wording_overrides_the_default_and_is_audited(
    services: Services, owner: Actor
) -> None:
    with pytest.raises(ServiceError):
        services.messages.save_template(owner, "reminder", "en", "", "See you at {when}")
    v = services.messages.save_template(owner, "reminder", "en", "Soon!", "See you {date} at {time}, {client_name}")
    assert not v.is_default and v.body.startswith("See you") and "time" in v.placeholders
    listed = {(t.kind, t.language): t for t in services.messages.templates(owner)}
    assert len(listed) == 18 and not listed[("reminder", "en")].is_default and listed[("reminder", "zh_CN")].is_default
    p = services.messages.preview(owner, "reminder", "en", v.subject, v.body)
    assert p.body.startswith("See you ") and "Lily Wang" in p.body and p.sms_parts == 1
    back = services.messages.reset_template(owner, "reminder", "en")
    assert back.is_default and back.body == tpl.default_wording("reminder", "en").body
    from desk_app.db.models import AuditEntry

    with services.db.uow(write=False) as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "message_template")))
    assert actions == ["template", "template_reset"]


def test_two_desks_queueing_the_same_message_on_postgresql_write_one_row(pg_url: str, clock: FakeClock) -> None:
    """On PostgreSQL (READ COMMITTED) the second desk's check cannot see the first desk's row until it
    commits: its insert waits on the unique key, then fails inside the savepoint; the rest of its unit
    of work is kept."""
    import threading

    from desk_app.bootstrap import open_database
    from tests.conftest import OWNER_PIN

    db = open_database(pg_url)
    try:
        services = Services(db, clock=clock)
        services.shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin=OWNER_PIN)
        email_set_up(services.settings, 2525)
        cid = client(db, "Ann Lee")
        due = datetime(2026, 11, 18, tzinfo=UTC)
        a_inserted, results = threading.Event(), {}

        def desk_a() -> None:
            with db.uow() as uow:
                c = uow.session.get(Client, cid)
                assert c is not None
                results["a"] = ob.enqueue(uow.session, client=c, kind="feedback", ref_kind="visit", ref_id=7,
                                          due_at=due, dedupe_key="feedback:visit:7", settings=services.settings,
                                          branch_id=None) is not None
                a_inserted.set()
                import time

                time.sleep(0.8)  # desk B is now waiting on the key
                uow.commit()

        def desk_b() -> None:
            a_inserted.wait(10)
            with db.uow() as uow:
                c = uow.session.get(Client, cid)
                assert c is not None
                results["b"] = ob.enqueue(uow.session, client=c, kind="feedback", ref_kind="visit", ref_id=7,
                                          due_at=due, dedupe_key="feedback:visit:7", settings=services.settings,
                                          branch_id=None) is not None
                results["b2"] = ob.enqueue(uow.session, client=c, kind="no_show", ref_kind="appointment",
                                           ref_id=9, due_at=due, dedupe_key="no_show:appt:9",
                                           settings=services.settings, branch_id=None) is not None
                uow.commit()

        threads = [threading.Thread(target=desk_a), threading.Thread(target=desk_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert results == {"a": True, "b": False, "b2": True}
        assert sorted(r.dedupe_key for r in outbox(db)) == ["feedback:visit:7", "no_show:appt:9"]
    finally:
        db.dispose()


def test_who_may_see_cancel_resend_and_reword(services: Services, owner: Actor, shop: dict[str, int]) -> None:
    from desk_app.domain.permissions import NotAllowed

    desk = add_staff(services.db, owner.branch_id, "Amy", "receptionist", {"see_phone": False})
    stylist = add_staff(services.db, owner.branch_id, "Ben", "stylist")
    sms_set_up(services.settings)
    cid = client(services.db, "Ann Lee", phone="+8613812345678", sms_ok=True, channel="sms", email_ok=False)
    book(services, owner, shop, cid)
    rows = services.messages.outbox(desk)
    assert [(m.kind, m.can_cancel, m.can_resend) for m in rows] == [("reminder", True, False),
                                                                     ("confirmation", True, False)]
    with pytest.raises(NotAllowed):
        services.messages.outbox(stylist)
    with pytest.raises(ServiceError):  # not sent yet: nothing to resend
        services.messages.resend(desk, rows[1].id)
    cancelled = services.messages.cancel(desk, rows[1].id)
    assert cancelled.state == "cancelled" and cancelled.error == "Cancelled at the desk." and cancelled.can_resend
    with pytest.raises(ServiceError):
        services.messages.cancel(desk, rows[1].id)
    again = services.messages.resend(desk, rows[1].id)
    assert again.state == "queued" and again.channel == "sms" and again.resend_of_id == rows[1].id
    with pytest.raises(NotAllowed):
        services.messages.save_template(desk, "reminder", "en", "", "Hi {client_name}")
    assert services.messages.templates(owner)[0].is_default  # nothing was changed by the refusal
    from desk_app.db.models import AuditEntry

    with services.db.uow(write=False) as uow:
        done = [(a.action, a.staff_id) for a in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "message").order_by(AuditEntry.id))]
    assert done == [("cancel", desk.staff_id), ("resend", desk.staff_id)]
