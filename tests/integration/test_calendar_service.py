"""CalendarService on a migrated SQLite database: book, guard, move, cancel, no-shows, reminders, views."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desk_app.calendar.service import BookingRequest, SlotTaken
from desk_app.container import Services
from desk_app.core.service import ConflictError, ServiceError, ValidationError
from desk_app.db.models import Appointment, AuditEntry, Client, PrepaidAccount, PrepaidMovement
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from tests.conftest import FakeClock
from tests.integration.test_calendar_support import at, new_client, new_stylist, service_id

TOMORROW = date(2026, 11, 19)


@pytest.fixture
def shop(services: Services, owner: Actor) -> dict[str, int]:
    db = services.db
    return {
        "leo": new_stylist(db, "Leo"),
        "amy": new_stylist(db, "Amy"),
        "cut": service_id(db, "CUT-W"),
        "blow": service_id(db, "BLOW"),
        "colour": service_id(db, "COL-ROOT"),
        "mani": service_id(db, "MANI"),
        "facial": service_id(db, "FAC-HYD"),
        "wang": new_client(db, "王芳"),
        "li": new_client(db, "李娜", phone="+8613900001111", channel="wechat"),
    }


def book(
    services: Services,
    owner: Actor,
    shop: dict[str, int],
    who: str = "leo",
    hh: int = 11,
    mm: int = 0,
    svc: str = "cut",
    client: str = "wang",
    day: date = TOMORROW,
    **kw: object,
):
    return services.calendar.book(
        owner,
        BookingRequest(
            client_id=shop[client],
            staff_id=shop[who],
            start_at=at(day, hh, mm),
            service_ids=[shop[svc]],
            **kw,
        ),
    )


def test_book_takes_duration_from_the_catalog_and_picks_a_chair(
    services: Services, owner: Actor, shop
) -> None:
    v = book(services, owner, shop)
    assert v.status == "booked" and v.status_label == "Booked"
    assert v.duration_min == 60 and v.client_name == "王芳" and v.staff_name == "Leo"
    assert v.resource_id is not None and v.resource_name == "Chair 1"  # an English shop's chairs: English names
    assert [s.name for s in v.services] == ["Women's cut & style"]
    colour = book(services, owner, shop, hh=14, svc="colour")
    assert colour.duration_min == 75 and colour.buffer_min == 10  # colour has a 10-minute clean-up
    edited = book(services, owner, shop, who="amy", hh=16, duration_min=45, buffer_min=5)
    assert edited.duration_min == 45 and edited.buffer_min == 5
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "book").limit(1))


def test_overlap_is_refused_with_bookable_alternatives(services: Services, owner: Actor, shop) -> None:
    book(services, owner, shop, hh=11)
    with pytest.raises(SlotTaken) as exc:
        book(services, owner, shop, hh=11, mm=30, client="li")
    err = exc.value
    assert "Leo is already booked" in err.message
    same = [a for a in err.alternatives if a.staff_id == shop["leo"]]
    assert same and all(a.start_at != at(TOMORROW, 11, 30) for a in same)
    assert any(a.staff_id == shop["amy"] and a.start_at == at(TOMORROW, 11, 30) for a in err.alternatives)
    # the nearest free time really is free: 12:00 right after the first booking
    assert at(TOMORROW, 12) in [a.start_at for a in same]
    ok = services.calendar.book(
        owner, BookingRequest(shop["li"], shop["leo"], same[0].start_at, [shop["cut"]])
    )
    assert ok.start_at == same[0].start_at


def test_buffer_blocks_the_next_start(services: Services, owner: Actor, shop) -> None:
    book(services, owner, shop, hh=10, svc="colour")  # 10:00-11:15 + 10 min
    with pytest.raises(SlotTaken):
        book(services, owner, shop, hh=11, mm=15, client="li")
    assert book(services, owner, shop, hh=11, mm=30, client="li").start_at == at(TOMORROW, 11, 30)


def test_working_hours_and_breaks_are_enforced(services: Services, owner: Actor, shop) -> None:
    with pytest.raises(SlotTaken) as exc:
        book(services, owner, shop, hh=8)
    assert "not working" in exc.value.message and exc.value.alternatives
    assert " on " in exc.value.message and " at 08:00" in exc.value.message  # "not working on <day> at 08:00"
    with pytest.raises(SlotTaken):
        book(services, owner, shop, hh=12, mm=45)  # runs into the 13:00 break


def test_chairs_run_out(services: Services, owner: Actor, shop) -> None:
    names = ["A", "B", "C", "D", "E"]
    ids = [new_stylist(services.db, n) for n in names]
    for sid in ids[:4]:  # one client four times: the chairs are what this is about
        services.calendar.book(
            owner, BookingRequest(shop["wang"], sid, at(TOMORROW, 15), [shop["cut"]], allow_client_overlap=True)
        )
    with pytest.raises(SlotTaken) as exc:
        services.calendar.book(owner, BookingRequest(shop["li"], ids[4], at(TOMORROW, 15), [shop["cut"]]))
    assert "No free chair" in exc.value.message
    # a manicure needs no chair: the same stylist can take it
    v = services.calendar.book(owner, BookingRequest(shop["li"], ids[4], at(TOMORROW, 15), [shop["mani"]]))
    assert v.resource_id is None
    # a facial needs a room, not a chair
    f = services.calendar.book(
        owner, BookingRequest(shop["li"], shop["leo"], at(TOMORROW, 15), [shop["facial"]], allow_client_overlap=True)
    )
    assert f.resource_name == "Treatment room A"


def test_database_guard_is_the_backstop(services: Services, owner: Actor, shop, monkeypatch) -> None:
    """Even when the in-transaction check is skipped, the trigger refuses and the desk gets SlotTaken."""
    book(services, owner, shop, hh=11)
    cal = services.calendar
    monkeypatch.setattr(type(cal.core), "check_and_place", lambda self, s, **kw: kw["resource_id"])
    with pytest.raises(SlotTaken) as exc:
        book(services, owner, shop, hh=11, mm=15, client="li")
    assert exc.value.alternatives
    with services.db.uow(write=False) as uow:
        assert len(uow.session.scalars(select(Appointment)).all()) == 1


def test_validation_messages(services: Services, owner: Actor, shop) -> None:
    with pytest.raises(ValidationError) as e1:
        services.calendar.book(owner, BookingRequest(shop["wang"], shop["leo"], at(TOMORROW, 11), []))
    assert "service_ids" in e1.value.errors
    with pytest.raises(ValidationError) as e2:
        book(services, owner, shop, day=date(2026, 11, 17))
    assert "start_at" in e2.value.errors
    with pytest.raises(ValidationError) as e3:
        book(services, owner, shop, duration_min=2)
    assert "duration_min" in e3.value.errors


def test_move_keeps_duration_checks_version_and_overlaps(services: Services, owner: Actor, shop) -> None:
    a = book(services, owner, shop, hh=11)
    b = book(services, owner, shop, hh=15, client="li")
    moved = services.calendar.move(owner, a.id, at(TOMORROW, 16, 30), expected_version=a.version)
    assert moved.start_at == at(TOMORROW, 16, 30) and moved.duration_min == 60
    with pytest.raises(ConflictError):
        services.calendar.move(owner, a.id, at(TOMORROW, 10), expected_version=a.version)
    with pytest.raises(SlotTaken):
        services.calendar.move(owner, moved.id, at(TOMORROW, 15, 30), expected_version=moved.version)
    to_amy = services.calendar.move(owner, b.id, at(TOMORROW, 15, 30), new_staff_id=shop["amy"])
    assert to_amy.staff_id == shop["amy"] and to_amy.staff_name == "Amy"
    # moving onto its own old time is fine (it does not collide with itself)
    services.calendar.move(owner, to_amy.id, at(TOMORROW, 15, 45))


def test_cancel_needs_a_reason_and_counts_late_cancels(
    services: Services, owner: Actor, shop, clock: FakeClock
) -> None:
    soon = book(services, owner, shop, day=date(2026, 11, 18), hh=15)  # today, in 5 hours
    later = book(services, owner, shop, day=date(2026, 11, 25), hh=15)
    with pytest.raises(ValidationError):
        services.calendar.cancel(owner, soon.id, " ")
    c1 = services.calendar.cancel(owner, soon.id, "client is ill")
    c2 = services.calendar.cancel(owner, later.id, "travelling")
    assert c1.status == "cancelled" and c1.late_cancel and c1.cancel_reason == "client is ill"
    assert not c2.late_cancel
    with services.db.uow(write=False) as uow:
        assert uow.session.get(Client, shop["wang"]).late_cancel_count == 1
    with pytest.raises(ServiceError):
        services.calendar.cancel(owner, soon.id, "again")
    # the freed time can be booked again
    assert book(services, owner, shop, day=date(2026, 11, 18), hh=15, client="li").status == "booked"


def test_no_shows_manual_and_automatic(services: Services, owner: Actor, shop, clock: FakeClock) -> None:
    a = book(services, owner, shop, day=date(2026, 11, 18), hh=11)
    b = book(services, owner, shop, day=date(2026, 11, 18), hh=14, client="li")
    with pytest.raises(ServiceError):
        services.calendar.mark_no_show(owner, a.id)  # not yet started
    clock.advance(hours=1, minutes=5)  # 11:05
    assert services.calendar.mark_no_show(owner, a.id).status == "no_show"
    assert services.calendar.auto_no_shows() == []  # b is still to come
    clock.advance(hours=3, minutes=20)  # 14:25: b started 25 min ago, grace is 30
    assert services.calendar.auto_no_shows() == []
    clock.advance(minutes=10)
    assert services.calendar.auto_no_shows() == [b.id]
    with services.db.uow(write=False) as uow:
        assert uow.session.get(Client, shop["wang"]).no_show_count == 1
        assert uow.session.get(Client, shop["li"]).no_show_count == 1


def test_reminders_confirm_and_csv(services: Services, owner: Actor, shop) -> None:
    a = book(services, owner, shop, hh=11)
    b = book(services, owner, shop, who="amy", hh=10, client="li")
    book(services, owner, shop, day=date(2026, 11, 20), hh=10)  # not tomorrow
    rows = services.calendar.reminders()
    assert [r.appointment_id for r in rows] == [b.id, a.id]
    assert rows[1].channel == "phone" and rows[1].contact == "+8613812345678"
    assert rows[0].channel == "wechat" and rows[0].contact.startswith("wx_")
    assert services.calendar.confirm(owner, a.id).status == "confirmed"
    services.calendar.set_reminder_status(owner, b.id, "no_answer")
    rows = {r.appointment_id: r for r in services.calendar.reminders()}
    assert rows[a.id].reminder_status == "confirmed" and rows[b.id].reminder_label == "No answer"
    data = services.calendar.reminders_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][2] == "Client" and {r[2] for r in table[1:]} == {"王芳", "李娜"}
    assert "Confirmed" in {r[8] for r in table[1:]}


def test_deposit_for_repeat_no_shows(services: Services, owner: Actor, shop) -> None:
    services.settings.set(S.CALENDAR_NO_SHOW_DEPOSIT_MINOR, 5000)
    poor = new_client(services.db, "赵六", no_shows=2)
    rich = new_client(services.db, "钱七", no_shows=3, prepaid_minor=20000)
    assert services.calendar.no_show_warning(rich).warn
    assert "missed 3" in services.calendar.no_show_warning(rich).message
    assert not services.calendar.no_show_warning(shop["wang"]).warn
    req = BookingRequest(poor, shop["leo"], at(TOMORROW, 11), [shop["cut"]])
    with pytest.raises(ValidationError) as e1:
        services.calendar.book(owner, req)
    assert "deposit" in e1.value.errors["deposit_minor"]
    with pytest.raises(ValidationError) as e2:
        services.calendar.book(
            owner, BookingRequest(poor, shop["leo"], at(TOMORROW, 11), [shop["cut"]], deposit_minor=5000)
        )
    assert "top it up" in e2.value.errors["deposit_minor"]
    v = services.calendar.book(
        owner, BookingRequest(rich, shop["leo"], at(TOMORROW, 11), [shop["cut"]], deposit_minor=5000)
    )
    assert v.deposit_minor == 5000
    with services.db.uow(write=False) as uow:
        acct = uow.session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == rich)).one()
        assert (acct.balance_minor, acct.held_minor) == (20000, 5000)
    services.calendar.cancel(owner, v.id, "changed plans")
    with services.db.uow(write=False) as uow:
        acct = uow.session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == rich)).one()
        assert acct.held_minor == 0
        kinds = [
            m.kind
            for m in uow.session.scalars(
                select(PrepaidMovement)
                .where(PrepaidMovement.account_id == acct.id)
                .order_by(PrepaidMovement.id)
            )
        ]
        assert kinds == ["topup", "hold", "release"]
        total = sum(
            m.amount_minor
            for m in uow.session.scalars(select(PrepaidMovement).where(PrepaidMovement.account_id == acct.id))
        )
        assert total == acct.balance_minor  # the money model's invariant holds


def test_day_and_week_views(services: Services, owner: Actor, shop) -> None:
    a = book(services, owner, shop, hh=11)
    c = book(services, owner, shop, who="amy", hh=12, client="li")
    services.calendar.cancel(owner, c.id, "ill")
    day = services.calendar.day(TOMORROW)
    names = [s.name for s in day.staff]
    assert "Leo" in names and "Amy" in names and "Mia Chen" in names  # the owner works too
    leo = next(s for s in day.staff if s.name == "Leo")
    assert leo.shifts[0].start == at(TOMORROW, 10) and leo.breaks[0].start == at(TOMORROW, 13)
    assert {x.id for x in day.appointments} == {a.id, c.id}
    assert day.for_staff(shop["amy"])[0].status_label == "Cancelled"
    assert any(r.kind == "room" for r in day.resources) and day.for_resource(a.resource_id or 0)[0].id == a.id
    assert day.display_from == at(TOMORROW, 10) and day.display_to == at(TOMORROW, 21)
    week = services.calendar.week(date(2026, 11, 16), shop["leo"])
    assert [d.day.isoformat() for d in week.days][0] == "2026-11-16" and len(week.days) == 7
    assert [len(d.appointments) for d in week.days] == [0, 0, 0, 1, 0, 0, 0]


def test_next_and_nearest_free(services: Services, owner: Actor, shop, clock: FakeClock) -> None:
    first = services.calendar.next_free(shop["leo"], 60)[0]
    assert first.start_at == at(date(2026, 11, 18), 10)  # now is 10:00 sharp
    book(services, owner, shop, day=date(2026, 11, 18), hh=10)
    assert services.calendar.next_free(shop["leo"], 60)[0].start_at == at(date(2026, 11, 18), 11)
    near = services.calendar.nearest_free(shop["leo"], at(TOMORROW, 13), 60, n=3)
    assert [x.start_at for x in near] == [at(TOMORROW, 12), at(TOMORROW, 13, 30), at(TOMORROW, 13, 45)]


def test_shop_time_zone_and_daylight_saving(services: Services, owner: Actor, shop, clock: FakeClock) -> None:
    """A London shop opens at 10:00 local on both sides of the spring-forward night."""
    from datetime import UTC, datetime

    from desk_app.core.service import shop_row

    with services.db.uow() as uow:
        shop_row(uow.session).timezone = "Europe/London"
        uow.commit()
    weekend = {"sat": [["10:00", "18:00"]], "sun": [["10:00", "18:00"]]}
    tom = new_stylist(services.db, "Tom", weekend)
    clock.now = datetime(2027, 3, 26, 12, 0, tzinfo=UTC)
    sat, sun = services.calendar.day(date(2027, 3, 27)), services.calendar.day(date(2027, 3, 28))
    col = {d.day: next(s for s in d.staff if s.id == tom) for d in (sat, sun)}
    assert col[date(2027, 3, 27)].shifts[0].start == datetime(2027, 3, 27, 10, 0, tzinfo=UTC)  # GMT
    assert col[date(2027, 3, 28)].shifts[0].start == datetime(2027, 3, 28, 9, 0, tzinfo=UTC)  # BST
    assert sun.bounds.minutes == 23 * 60
    free = services.calendar.free_slots(tom, sun.bounds.start, sun.bounds.end, 60)
    assert free[0].start_at == datetime(2027, 3, 28, 9, 0, tzinfo=UTC) and len(free) == 29
    v = services.calendar.book(
        owner, BookingRequest(shop["wang"], tom, datetime(2027, 3, 28, 9, 0, tzinfo=UTC), [shop["mani"]])
    )
    assert v.start_at.hour == 9
    with pytest.raises(SlotTaken):  # 09:30 local = 08:30 UTC: before opening
        services.calendar.book(
            owner, BookingRequest(shop["li"], tom, datetime(2027, 3, 28, 8, 30, tzinfo=UTC), [shop["mani"]])
        )


def test_a_time_that_has_passed_is_never_offered_as_free(
    services: Services, owner: Actor, shop, clock: FakeClock
) -> None:
    """#13 item 17: neither the free slots nor a refused booking's alternatives offer a past time
    (the services' clock decides, not the machine's)."""
    today = TOMORROW - timedelta(days=1)  # the FakeClock's day, a Wednesday
    book(services, owner, shop, who="leo", hh=11, day=today)
    clock.advance(minutes=70)  # 11:10 in Shanghai: 11:00 has passed (inside the booking grace)
    now = clock()
    with pytest.raises(SlotTaken) as exc:
        book(services, owner, shop, who="leo", hh=11, day=today, client="li")
    assert "Leo is already booked at Nov 18, 2026 11:00." in exc.value.message  # 24-hour, as on screen
    alts = exc.value.alternatives
    assert alts and all(a.start_at >= now for a in alts), [(a.staff_name, a.start_at) for a in alts]
    # Amy is free at 11:00 but that time has gone: she is not offered for it
    assert not any(a.staff_id == shop["amy"] and a.start_at == at(today, 11) for a in alts)
    # the slot search itself, asked about the whole morning without a lower bound, starts from now
    with services.db.uow(write=False) as uow:
        from desk_app.db.models import Staff

        amy = uow.session.get(Staff, shop["amy"])
        assert amy is not None
        core = services.calendar.core
        free = core.slots(uow.session, amy, at(today, 10), at(today, 13), 30, 0)
    assert free and min(f.start_at for f in free) == at(today, 11, 15)
    slots = services.calendar.free_slots(shop["amy"], at(today, 10), at(today, 13), 30)
    assert slots and slots[0].start_at == at(today, 11, 15)


def test_a_new_shops_chairs_and_rooms_are_named_in_its_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Walk: an English shop's calendar said "With Chloe Martin · 1号位". A resource has one name,
    the shop's own: a Chinese shop's chairs are 1号位..., an English shop's Chair 1... So has the
    safety rule a new shop starts with (it read "Hair dye allergy (PPD) / 染发剂过敏 (PPD)")."""
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Resource, SafetyRule

    for language, first, room, rule in (
        ("zh_CN", "1号位", "美容房 A", "染发剂过敏（PPD）"),
        ("en", "Chair 1", "Treatment room A", "Hair dye allergy (PPD)"),
    ):
        db = open_database(str(tmp_path / f"{language}.sqlite3"))
        try:
            Services(db).shop.create_shop(name="S", currency="CNY", language=language, owner_name="O",
                                          owner_pin="1234")
            with db.uow(write=False) as uow:
                names = list(uow.session.scalars(select(Resource.name).order_by(Resource.id)))
                rules = list(uow.session.scalars(select(SafetyRule.label)))
            assert names[0] == first and room in names, names
            assert rules == [rule]
        finally:
            db.dispose()


def test_the_same_client_twice_at_once_is_asked_first(services: Services, owner: Actor, shop) -> None:  # type: ignore[no-untyped-def]
    """The third walk booked 谢悦怡 16:15-17:00 with one stylist over her 15:45-16:45 with another,
    without a word. The overlap is refused (nothing written) with the other booking named; the desk
    books both on purpose (a pedicure while a colour sets) with allow_client_overlap."""
    from sqlalchemy import func, select

    from desk_app.calendar.views import ClientAlreadyBooked
    from desk_app.db.models import Appointment

    other = new_stylist(services.db, "Mia")
    services.calendar.book(owner, BookingRequest(shop["wang"], shop["leo"], at(TOMORROW, 15), [shop["cut"]]))
    with pytest.raises(ClientAlreadyBooked) as e:
        services.calendar.book(owner, BookingRequest(shop["wang"], other, at(TOMORROW, 15, 30), [shop["mani"]]))
    assert "15:00–16:00" in e.value.message and "Leo" in e.value.message
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Appointment)) == 1
    services.calendar.book(owner, BookingRequest(shop["wang"], other, at(TOMORROW, 16), [shop["mani"]]))  # after: fine
    both = services.calendar.book(
        owner, BookingRequest(shop["wang"], other, at(TOMORROW, 15), [shop["mani"]], allow_client_overlap=True)
    )
    assert both.start_at == at(TOMORROW, 15)  # on purpose: both kept
