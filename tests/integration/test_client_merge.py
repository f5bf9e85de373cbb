"""Possible duplicates and merging two profiles of one person (issue 22, docs/clients.md
"Duplicates"), on a real database: the pairs found, the merge with every record of its history,
balances and safety notes, the records kept true (``desk-app check``), the undo, and what is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from desk_app.calendar.views import BookingRequest
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ConflictError, NotFound, ServiceError, ValidationError
from desk_app.db.models import AuditEntry, Client, ClientMerge, Sale, Visit
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.trust.integrity import check_invariants
from tests.conftest import FakeClock
from tests.integration.test_calendar_support import at, new_stylist
from tests.integration.test_checkout_support import product, service


def _client(sv: Services, owner: Actor, **fields: Any) -> int:
    return sv.clients.create(owner, fields).id


def _count(sv: Services, model: Any, **where: Any) -> int:
    with sv.db.uow(write=False) as uow:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(uow.session.scalar(q) or 0)


def _row(sv: Services, cid: int) -> Client:
    with sv.db.uow(write=False) as uow:
        c = uow.session.get(Client, cid)
        assert c is not None
        uow.session.expunge(c)
        return c


def _shop_with_two_profiles(sv: Services, owner: Actor, clock: FakeClock) -> dict[str, int]:
    """Ann Lee as a regular (a paid haircut, 100.00 prepaid), and the profile a new receptionist made
    for her again: her e-mail, an allergy, a product sale that earned points, 300.00 prepaid, a
    booking next week and her marketing consent given later."""
    keep = _client(sv, owner, name="Ann Lee", phone="13800000001", allergies="latex", birthday="1990-03-05")
    cut = service(sv.db, "CUT-W")[0]
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=keep), cut)
    bill = sv.checkout.add_topup(bill, 10000)
    sv.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    clock.now += timedelta(days=3)
    gone = _client(sv, owner, name="Ann  LEE", phone="13911112222", email="ann@example.com",
                   allergies="PPD hair dye", birthday="1990-03-05", notes="prefers mornings")
    sv.clients.update(owner, gone, sv.clients.get(owner, gone).version, {"marketing_consent": True})
    oil = product(sv.db, "OIL-50")[0]
    bill = sv.checkout.add_product(sv.checkout.build_bill(owner, client_id=gone), oil)
    bill = sv.checkout.add_topup(bill, 30000)
    sold = sv.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor)])
    leo = new_stylist(sv.db, "Leo")
    appt = sv.calendar.book(owner, BookingRequest(client_id=gone, staff_id=leo, start_at=at(date(2026, 11, 25), 11),
                                                  service_ids=[cut]))
    return {"keep": keep, "gone": gone, "sale": sold.sale_id, "appt": appt.id}


def test_the_pair_is_found_and_merged_with_all_its_history_then_undone(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    sv = services
    ids = _shop_with_two_profiles(sv, owner, clock)
    keep, gone = ids["keep"], ids["gone"]
    _client(sv, owner, name="Bob Stone", phone="13900000009")  # nobody's double
    pairs = sv.merges.possible_duplicates(owner)
    assert [(p.a.id, p.b.id, p.reasons) for p in pairs] == [(keep, gone, ("name_birthday",))]
    assert pairs[0].a.prepaid == Decimal("100.00") and pairs[0].b.prepaid == Decimal("300.00")
    points, own_points = pairs[0].b.points, pairs[0].a.points
    assert points > 0 and own_points > 0
    before_check = check_invariants(sv.db)
    assert before_check == []

    rec = sv.merges.merge(owner, keep, pairs[0].a.version, gone, pairs[0].b.version, pairs[0].reasons)
    assert rec.kept_id == keep and rec.merged_id == gone and rec.prepaid == Decimal("300.00") and rec.points == points
    assert _count(sv, Sale, client_id=gone) == 0 and _count(sv, Sale, client_id=keep) == 2
    assert _count(sv, Visit, client_id=gone) == 0
    p = sv.clients.get(owner, keep)
    assert p.prepaid_balance == Decimal("400.00")
    assert sv.points.card(owner, keep).balance == own_points + points and sv.points.card(owner, gone).balance == 0
    assert [a.id for a in p.upcoming] == [ids["appt"]]
    assert p.email == "ann@example.com" and p.birthday == date(1990, 3, 5)
    assert "latex" in p.allergies and "PPD hair dye" in p.allergies  # a safety note is never lost
    assert p.marketing_consent and "prefers mornings" in p.notes and "+8613911112222" in p.notes
    assert p.phone.replace(" ", "").endswith("13800000001")  # the kept profile's phone stays
    # the merged profile is nowhere to be found or used
    assert [h.id for h in sv.client_search.search(owner, "ann")] == [keep]
    assert [h.id for h in sv.client_search.search(owner, "13911112222")] == []  # the merged profile's phone
    assert sv.client_search.count() == 2
    old = sv.clients.get(owner, gone)  # an old link to it: the desk is sent to the kept profile
    assert (old.merged_into_id, old.merged_into_number) == (keep, sv.clients.get(owner, keep).client_number)
    assert sv.merges.possible_duplicates(owner) == []
    assert check_invariants(sv.db) == []
    # the month's report still adds up: prepaid moved, not sold
    data = sv.reports.monthly(owner, "2026-11").data
    prepaid = data["prepaid"]
    assert Decimal(prepaid["topups"]) == Decimal("400.00") and Decimal(prepaid["net_change"]) == Decimal("400.00")
    assert Decimal(prepaid["closing_balance"]) == Decimal("400.00")  # the two merge movements net to nothing
    assert data["loyalty_points"]["earned"] == own_points + points
    assert data["loyalty_points"]["outstanding"] == own_points + points

    back = sv.merges.undo(owner, rec.id)
    assert back.undone_at is not None
    assert _count(sv, Sale, client_id=gone) == 1 and _count(sv, Sale, client_id=keep) == 1
    assert sv.clients.get(owner, keep).prepaid_balance == Decimal("100.00")
    assert sv.clients.get(owner, gone).prepaid_balance == Decimal("300.00")
    assert sv.points.card(owner, gone).balance == points and sv.points.card(owner, keep).balance == own_points
    k = sv.clients.get(owner, keep)
    assert k.email == "" and k.notes == "" and k.allergies == "latex" and not k.marketing_consent
    assert [a.id for a in sv.clients.get(owner, gone).upcoming] == [ids["appt"]]
    assert check_invariants(sv.db) == []
    with pytest.raises(ServiceError):
        sv.merges.undo(owner, rec.id)  # once
    actions = [e.action for e in _audit(sv) if e.action in ("merge", "unmerge")]
    assert actions == ["merge", "unmerge"]


def _audit(sv: Services) -> list[AuditEntry]:
    with sv.db.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        uow.session.expunge_all()
        return rows


def test_refusals_change_nothing(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    ids = _shop_with_two_profiles(sv, owner, clock)
    keep, gone = ids["keep"], ids["gone"]
    k, g = _row(sv, keep), _row(sv, gone)
    desk = sv.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin="5678")
    rita = sv.auth.sign_in(desk.id, "5678")
    with pytest.raises(NotAllowed):
        sv.merges.merge(rita, keep, k.version, gone, g.version)
    with pytest.raises(NotAllowed):
        sv.merges.possible_duplicates(rita)
    with pytest.raises(ValidationError):
        sv.merges.merge(owner, keep, k.version, keep, k.version)
    # someone saved the profile meanwhile: the owner's comparison is stale
    sv.clients.update(owner, gone, g.version, {"notes": "changed at the desk"})
    with pytest.raises(ConflictError):
        sv.merges.merge(owner, keep, k.version, gone, g.version)
    assert _count(sv, ClientMerge) == 0 and _count(sv, Sale, client_id=gone) == 1
    assert _row(sv, gone).merged_into_id is None
    # the money moved to the kept profile was spent since: the undo is refused, nothing moves
    g = _row(sv, gone)
    rec = sv.merges.merge(owner, keep, k.version, gone, g.version)
    bill = sv.checkout.add_service(sv.checkout.build_bill(owner, client_id=keep), service(sv.db, "COL-FULL")[0])
    sv.payments.pay(owner, bill, [PaymentIn("prepaid", 35000), PaymentIn("card", bill.total_minor - 35000)])
    with pytest.raises(ValidationError, match="spent part"):
        sv.merges.undo(owner, rec.id)
    assert _row(sv, gone).merged_into_id == keep and _count(sv, Sale, client_id=gone) == 0
    assert check_invariants(sv.db) == []
    # a merged profile cannot be merged again, nor a client into themself
    with pytest.raises(NotFound):
        sv.merges.merge(owner, keep, _row(sv, keep).version, gone, _row(sv, gone).version)


def test_a_held_deposit_is_settled_first(services: Services, owner: Actor, clock: FakeClock) -> None:
    sv = services
    keep = _client(sv, owner, name="Cai Hong", phone="13800000011")
    gone = _client(sv, owner, name="Cai Hong", phone="13800000011")
    bill = sv.checkout.add_topup(sv.checkout.build_bill(owner, client_id=gone), 20000)
    sv.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor)])
    leo = new_stylist(sv.db, "Leo")
    sv.calendar.book(owner, BookingRequest(client_id=gone, staff_id=leo, start_at=at(date(2026, 11, 20), 11),
                                           service_ids=[service(sv.db, "CUT-W")[0]], deposit_minor=5000))
    pair = sv.merges.possible_duplicates(owner)[0]
    assert pair.reasons == ("phone",)
    with pytest.raises(ValidationError, match="deposit"):
        sv.merges.merge(owner, keep, _row(sv, keep).version, gone, _row(sv, gone).version)
    assert _count(sv, ClientMerge) == 0
    # merged the other way round, the deposit's profile is the one kept
    sv.merges.merge(owner, gone, _row(sv, gone).version, keep, _row(sv, keep).version)
    assert check_invariants(sv.db) == []


def test_the_owner_says_two_people_and_the_pair_is_not_offered_again(services: Services, owner: Actor) -> None:
    sv = services
    a = _client(sv, owner, name="Wang Fang", phone="13800000021", birthday="1988-01-02")
    b = _client(sv, owner, name="Wang Fang", phone="13800000022", birthday="1988-01-02")
    pairs = sv.merges.possible_duplicates(owner)
    assert [set(p.reasons) for p in pairs] == [{"name_birthday"}]
    sv.merges.not_the_same(owner, a, b)
    sv.merges.not_the_same(owner, b, a)  # twice is once
    assert sv.merges.possible_duplicates(owner) == []
    assert [e.action for e in _audit(sv)].count("not_duplicate") == 1


def test_the_migration_adds_merges_to_an_existing_shop(services: Services, owner: Actor) -> None:
    from desk_app.db import migrate

    a = _client(sv := services, owner, name="Lin Yu", phone="13800000031")
    migrate.downgrade(sv.db, "0033")
    with sv.db.engine.connect() as conn:
        cols = [r[1] for r in conn.execute(text("PRAGMA table_info(clients)"))]
    assert "merged_into_id" not in cols
    migrate.upgrade(sv.db)
    b = _client(sv, owner, name="Lin Yu", phone="13800000031")
    pair = sv.merges.possible_duplicates(owner)[0]
    sv.merges.merge(owner, a, pair.a.version if pair.a.id == a else pair.b.version, b,
                    pair.b.version if pair.b.id == b else pair.a.version)
    assert check_invariants(sv.db) == []


@pytest.mark.postgres
def test_two_desks_merging_the_same_pair_on_postgresql(pg_url: str) -> None:
    """Two owners at two desks merge the same two profiles, each one way round, at once: one
    merge lands, the other is refused, and the records stay true."""
    import threading

    from desk_app.bootstrap import open_database

    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock(datetime(2026, 11, 18, 2, 0).astimezone()))
        owner = sv.shop.create_shop(name="PG Salon", currency="CNY", language="en", owner_name="Mia",
                                    owner_pin="1234")
        a = _client(sv, owner, name="Zhou Min", phone="13800000041")
        b = _client(sv, owner, name="Zhou Min", phone="13800000041")
        va, vb = _row(sv, a).version, _row(sv, b).version
        results: list[object] = []
        barrier = threading.Barrier(2)

        def run(keep: int, kv: int, gone: int, gv: int) -> None:
            other = Services(open_database(pg_url), clock=sv.clock)
            barrier.wait()
            try:
                results.append(other.merges.merge(owner, keep, kv, gone, gv))
            except (ConflictError, NotFound, ServiceError) as exc:
                results.append(exc)
            finally:
                other.db.dispose()

        threads = [threading.Thread(target=run, args=(a, va, b, vb)), threading.Thread(target=run, args=(b, vb, a, va))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sum(1 for r in results if not isinstance(r, Exception)) == 1, results
        assert _count(sv, ClientMerge) == 1
        with db.uow(write=False) as uow:
            merged = uow.session.scalars(select(Client.merged_into_id).where(Client.id.in_([a, b]))).all()
        assert sorted(m is None for m in merged) == [False, True]
        assert check_invariants(db) == []
    finally:
        db.dispose()


def test_erasing_the_kept_profile_erases_the_merged_one_too(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Any
) -> None:
    """One person, two profiles merged: their data request shows both, and erasing them leaves
    nothing of either (nor of the merge record's copies of their fields)."""
    import json

    sv = services
    keep = _client(sv, owner, name="Eva Green", phone="13800000051", email="")
    gone = _client(sv, owner, name="Eva Green", phone="13800000052", email="eva@example.com", birthday="1985-06-07",
                   notes="sensitive scalp")
    sv.merges.merge(owner, keep, _row(sv, keep).version, gone, _row(sv, gone).version)
    files = sv.privacy.export_client(owner, keep, tmp_path)
    data = json.loads(next(f for f in files if f.suffix == ".json").read_text(encoding="utf-8"))
    assert [m["profile"]["phone"] for m in data["merged_profiles"]] == ["+8613800000052"]
    assert data["merges"][0]["kept_after"]["email"] == "eva@example.com"
    sv.privacy.erase_client(owner, keep, "the client asked")
    for cid in (keep, gone):
        c = _row(sv, cid)
        assert c.erased_at is not None and c.phone == "" and c.email == "" and c.notes == "", cid
    with sv.db.uow(write=False) as uow:
        rec = uow.session.scalars(select(ClientMerge)).one()
        assert rec.kept_before == {} and rec.kept_after == {}
    assert check_invariants(sv.db) == []
