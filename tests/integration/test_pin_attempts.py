"""Issue 14 items 1 and 8: one PIN counter for sign-in and every owner's approval, pauses that
double, every wrong PIN and refusal audited, and approvals the services check themselves."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from desk_app.checkout.bill import ApprovalNeeded
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, Sale, Staff
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.trust.pins import LOCK_CAP_SECONDS, Approval, PinRefused, lock_seconds
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_staff


def _paid_sale(services: Services, owner: Actor, price: int = 10000) -> int:
    co = services.checkout
    bill = co.add_counter_item(co.build_bill(owner), "Cut", price)
    return services.payments.pay(owner, bill, [PaymentIn("cash", price)]).sale_id


def _audit(services: Services, *actions: str) -> list[SimpleNamespace]:
    with services.db.uow(write=False) as uow:
        return [
            SimpleNamespace(staff_id=r.staff_id, entity=r.entity, entity_id=r.entity_id, after=r.after,
                            allowed=r.allowed)
            for r in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)
            )
        ]


def _staff_row(services: Services, staff_id: int) -> tuple[int, Any]:
    with services.db.uow(write=False) as uow:
        s = uow.session.get(Staff, staff_id)
        assert s is not None
        return s.failed_pin_attempts, s.locked_until


def test_five_wrong_pins_in_the_refund_dialog_pause_the_owners_sign_in(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    sale_id = _paid_sale(services, owner)
    for _ in range(4):
        with pytest.raises(PinRefused, match="not the owner's") as wrong:
            services.payments.refund(desk, sale_id, None, "client unhappy", approval_pin="0000")
        assert wrong.value.wait_seconds == 0
    with pytest.raises(PinRefused) as paused:
        services.payments.refund(desk, sale_id, None, "client unhappy", approval_pin="0000")
    assert paused.value.wait_seconds == 60 and paused.value.message == "Too many wrong PINs. Try again in 60 seconds."
    # the same counter: the owner's own sign-in waits too, even with the right PIN
    with pytest.raises(PinRefused, match="Try again in") as signing:
        services.auth.sign_in(owner.staff_id, OWNER_PIN)
    assert 0 < signing.value.wait_seconds <= 60
    # and so does the right PIN typed at the desk: nothing was refunded
    with pytest.raises(PinRefused, match="Try again in"):
        services.payments.refund(desk, sale_id, None, "client unhappy", approval_pin=OWNER_PIN)
    assert services.payments.get_sale(sale_id).refundable_minor == 10000

    # every wrong PIN is audited: whose PIN (the owner), who typed it (the desk), on which path
    wrong_rows = _audit(services, "owner_pin_failed")
    assert len(wrong_rows) == 5
    assert {(r.entity_id, r.staff_id, (r.after or {}).get("path"), r.allowed) for r in wrong_rows} == {
        (str(owner.staff_id), desk.staff_id, "refund", False)
    }
    (pause,) = _audit(services, "pin_paused")
    assert pause.entity_id == str(owner.staff_id) and pause.after == {
        "path": "refund", "seconds": 60, "pause_in_a_row": 1
    }
    refused = _audit(services, "pin_refused_paused")
    assert [(r.staff_id, (r.after or {}).get("path")) for r in refused] == [(None, "sign_in"), (desk.staff_id, "refund")]

    # the owner sees it after signing in: how many, where, from whose desk, how often paused
    clock.advance(seconds=61)
    me = services.auth.sign_in(owner.staff_id, OWNER_PIN)
    alert = services.auth.pin_alert(me)
    assert alert is not None
    assert (alert.wrong, alert.pauses, alert.paths, alert.tried_by) == (5, 1, ("refund", "sign_in"), ("Amy",))
    # the right PIN reset the count: the next sign-in has nothing new to tell
    assert _staff_row(services, owner.staff_id) == (0, None)
    services.auth.sign_in(owner.staff_id, OWNER_PIN)
    assert services.auth.pin_alert(me) is None


def test_each_pause_in_a_row_is_twice_as_long_until_a_right_pin(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    waits = []
    for path in ("sign_in", "discount", "refund"):
        for i in range(5):
            try:
                if path == "sign_in":
                    services.auth.sign_in(owner.staff_id, "0000")
                elif path == "discount":
                    services.payments.approve_discount(desk, "0000")
                else:
                    services.payments.refund(desk, _paid_sale(services, owner), None, "x", approval_pin="0000")
            except PinRefused as exc:
                if i == 4:
                    waits.append(exc.wait_seconds)
                else:
                    assert exc.wait_seconds == 0
        clock.advance(seconds=waits[-1] + 1)
    assert waits == [60, 120, 240]  # sign-in, discount and refund share one counter
    assert _staff_row(services, owner.staff_id)[0] == 15
    assert [lock_seconds(n, 60) for n in (1, 2, 6, 7, 30)] == [60, 120, 1920, LOCK_CAP_SECONDS, LOCK_CAP_SECONDS]
    # the pause message speaks in minutes once it is long
    for _ in range(5):
        with pytest.raises(PinRefused) as last:
            services.auth.sign_in(owner.staff_id, "0000")
    assert last.value.wait_seconds == 480 and last.value.message == "Too many wrong PINs. Try again in 8 minutes."
    clock.advance(seconds=481)
    # a right PIN resets: the next five wrong ones pause for the base minute again
    services.auth.sign_in(owner.staff_id, OWNER_PIN)
    for _ in range(5):
        with pytest.raises(PinRefused) as again:
            services.auth.sign_in(owner.staff_id, "0000")
    assert again.value.wait_seconds == 60


def test_a_new_pin_set_by_the_owner_ends_a_colleagues_pause(services: Services, owner: Actor) -> None:
    rita = services.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin="24682468")
    for _ in range(5):
        with pytest.raises(PinRefused):
            services.auth.sign_in(rita.id, "0000")
    with pytest.raises(PinRefused, match="Try again"):
        services.auth.sign_in(rita.id, "24682468")
    services.auth.save_staff(owner, staff_id=rita.id, name="Rita", role="receptionist", pin="13572468")
    assert services.auth.sign_in(rita.id, "13572468").name == "Rita"  # 8 digits are fine


def test_pins_are_four_to_eight_digits(services: Services, owner: Actor) -> None:
    with pytest.raises(ValidationError, match="4 to 8 digits"):
        services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="123456789")
    with pytest.raises(ValidationError, match="4 to 8 digits"):
        services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="123")
    leo = services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="12345678")
    assert services.auth.sign_in(leo.id, "12345678").staff_id == leo.id


def test_a_complaint_refund_counts_wrong_owner_pins_too(services: Services, owner: Actor) -> None:
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    sale_id = _paid_sale(services, owner)
    c = services.complaints.open_complaint(desk, description="Service not done")
    with pytest.raises(PinRefused):
        services.complaints.resolve(desk, c.id, "Full refund", "refund", refund_sale_id=sale_id, approval_pin="9999")
    (row,) = _audit(services, "owner_pin_failed")
    assert (row.staff_id, (row.after or {}).get("path")) == (desk.staff_id, "complaint")
    r = services.complaints.resolve(desk, c.id, "Full refund", "refund", refund_sale_id=sale_id, approval_pin=OWNER_PIN)
    with services.db.uow(write=False) as uow:
        refund = uow.session.get(Sale, r.refund_sale_id)
        assert refund is not None and refund.approved_by_id == owner.staff_id
    assert _staff_row(services, owner.staff_id) == (0, None)


def test_a_refund_or_void_without_the_owners_pin_is_refused_and_audited(
    services: Services, owner: Actor
) -> None:
    """The services take the typed PIN, never an approver: nothing a caller builds stands in for it."""
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    sale_id = _paid_sale(services, owner)
    with pytest.raises(ApprovalNeeded):
        services.payments.refund(desk, sale_id, None, "client unhappy")
    with pytest.raises(ApprovalNeeded):
        services.payments.void(desk, sale_id, "wrong bill")
    with pytest.raises(TypeError):  # a hand-made owner is not something refund() accepts
        services.payments.refund(  # type: ignore[call-arg]
            desk, sale_id, None, "client unhappy",
            approver=Actor(staff_id=owner.staff_id, name="Mia", role=Role.OWNER, branch_id=owner.branch_id),
        )
    refused = _audit(services, "refused")
    assert [(r.staff_id, r.entity, r.entity_id, (r.after or {}).get("path"), r.allowed) for r in refused] == [
        (desk.staff_id, "sale", str(sale_id), "refund", False),
        (desk.staff_id, "sale", str(sale_id), "void", False),
    ]
    assert services.payments.get_sale(sale_id).refundable_minor == 10000


def test_a_hand_made_discount_approval_is_refused_when_paying(services: Services, owner: Actor) -> None:
    co = services.checkout
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    bill = co.add_counter_item(co.build_bill(desk), "Cut", 10000)
    forged_owner = Actor(staff_id=owner.staff_id, name="Mia", role=Role.OWNER, branch_id=owner.branch_id)
    forged = Approval(staff_id=owner.staff_id, name="Mia", path="discount", token="f" * 32, actor=forged_owner)
    with_forged = co.set_line_discount(desk, bill, bill.lines[0].key, 5000, "friend", approval=forged)
    # a staff id written on the bill by hand, with or without a made-up token
    by_hand = replace(
        co.set_line_discount(owner, bill, bill.lines[0].key, 5000, "friend"),
        discount_approved_by_id=owner.staff_id,
    )
    for b in (with_forged, by_hand, replace(by_hand, discount_approval="")):
        with pytest.raises(ApprovalNeeded):
            services.payments.pay(desk, b, [PaymentIn("cash", 5000)])
    with services.db.uow(write=False) as uow:
        assert uow.session.scalars(select(Sale)).all() == []
    refused = _audit(services, "refused")
    assert len(refused) == 3 and {(r.staff_id, (r.after or {}).get("path")) for r in refused} == {
        (desk.staff_id, "discount")
    }

    # a real approval is accepted once: a second bill cannot reuse it
    approval = services.payments.approve_discount(desk, OWNER_PIN)
    good = co.set_line_discount(desk, bill, bill.lines[0].key, 5000, "friend", approval=approval)
    paid = services.payments.pay(desk, good, [PaymentIn("cash", 5000)])
    with services.db.uow(write=False) as uow:
        sale = uow.session.get(Sale, paid.sale_id)
        assert sale is not None and sale.approved_by_id == owner.staff_id
    other = co.add_counter_item(co.build_bill(desk), "Cut", 10000)
    again = co.set_line_discount(desk, other, other.lines[0].key, 5000, "friend", approval=approval)
    with pytest.raises(ApprovalNeeded):
        services.payments.pay(desk, again, [PaymentIn("cash", 5000)])
    assert len(_audit(services, "refused")) == 4


def test_a_discount_approval_expires(services: Services, owner: Actor, clock: FakeClock) -> None:
    co = services.checkout
    desk = new_staff(services.db, owner.branch_id, "Amy", "receptionist")
    approval = services.payments.approve_discount(desk, OWNER_PIN)
    bill = co.add_counter_item(co.build_bill(desk), "Cut", 10000)
    bill = co.set_line_discount(desk, bill, bill.lines[0].key, 5000, "friend", approval=approval)
    clock.advance(minutes=31)
    with pytest.raises(ApprovalNeeded):
        services.payments.pay(desk, bill, [PaymentIn("cash", 5000)])


def test_checkout_satisfaction_needs_the_right_to_take_payments(services: Services, owner: Actor) -> None:
    sale_id = _paid_sale(services, owner)
    leo = new_staff(services.db, owner.branch_id, "Leo", "stylist")
    with pytest.raises(NotAllowed):
        services.aftercare.record_checkout_satisfaction(leo, None, sale_id, 1, "made up")
    denied = _audit(services, "denied")
    assert [(r.staff_id, r.entity_id) for r in denied] == [(leo.staff_id, "checkout")]
    with services.db.uow(write=False) as uow:
        sale = uow.session.get(Sale, sale_id)
        assert sale is not None and sale.satisfaction is None


@pytest.mark.postgres
def test_desks_typing_wrong_owner_pins_at_once_count_every_one_on_postgres(pg_url: str) -> None:
    import threading

    from desk_app.bootstrap import open_database

    db = open_database(pg_url)
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(name="PG", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN)
        desks = [new_staff(db, owner.branch_id, f"Desk {i}", "receptionist") for i in range(4)]
        outcomes: list[int] = []

        def desk(a: Actor) -> None:
            try:
                sv.payments.approve_discount(a, "0000")
            except PinRefused as exc:
                outcomes.append(exc.wait_seconds)

        threads = [threading.Thread(target=desk, args=(a,)) for a in [*desks, desks[0]]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(outcomes) == 5 and sorted(outcomes) == [0, 0, 0, 0, 60]  # no count was lost
        with db.uow(write=False) as uow:
            s = uow.session.get(Staff, owner.staff_id)
            assert s is not None and s.failed_pin_attempts == 5 and s.locked_until is not None
    finally:
        db.dispose()
