"""Bad input: Hypothesis throws random values at the other forms' validation (staff, settings,
checkout payments and discounts, bookings). No crash; every refusal says what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ServiceError, ValidationError
from desk_app.db.models import Service
from desk_app.domain.permissions import Actor
from desk_app.settings import DEFS, validate

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.text(max_size=20),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.lists(st.integers(min_value=-5, max_value=100), max_size=3),
)


def _said_what(exc: ServiceError) -> None:
    assert exc.message.strip()
    if isinstance(exc, ValidationError):
        assert exc.errors and all(isinstance(v, str) and v.strip() for v in exc.errors.values())


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(DEFS)), value=anything)
def test_every_setting_accepts_or_says_why(key: str, value: Any) -> None:
    try:
        validate(key, value)
    except ValueError as exc:
        assert key in str(exc) and len(str(exc)) > len(key) + 2


@FUZZ
@given(
    name=st.text(max_size=30),
    role=st.sampled_from(["owner", "receptionist", "stylist", "boss", ""]),
    pin=st.one_of(st.none(), st.text(alphabet="0123456789ab ", max_size=8)),
)
def test_staff_form(services: Services, owner: Actor, name: str, role: str, pin: str | None) -> None:
    try:
        v = services.auth.save_staff(owner, staff_id=None, name=name, role=role, pin=pin)
    except ServiceError as exc:
        _said_what(exc)
        return
    assert v.name == name.strip() and v.role == role


@FUZZ
@given(
    payments=st.lists(
        st.tuples(
            st.sampled_from(["cash", "card", "wechat", "alipay", "prepaid", "bitcoin"]),
            st.integers(min_value=-5000, max_value=200000),
            st.one_of(st.none(), st.integers(min_value=-10, max_value=300000)),
        ),
        max_size=3,
    ),
    discount=st.integers(min_value=-1000, max_value=100000),
    reason=st.text(max_size=10),
)
def test_checkout_payments_and_discounts(
    services: Services, owner: Actor, payments: list[tuple[str, int, int | None]], discount: int, reason: str
) -> None:
    from desk_app.checkout.service import PaymentIn

    co = services.checkout
    with services.db.uow(write=False) as uow:
        svc_id = uow.session.scalars(select(Service.id).order_by(Service.id)).first()
    assert svc_id is not None
    bill = co.add_service(co.build_bill(owner), svc_id)
    try:
        bill = co.set_bill_discount(owner, bill, discount, reason)
        sale = services.payments.pay(owner, bill, [PaymentIn(m, a, t) for m, a, t in payments])
    except ServiceError as exc:
        _said_what(exc)
        return
    assert sum(a for _m, a, _t in payments) == bill.total_minor and sale.sale_id > 0


@FUZZ
@given(
    minutes=st.integers(min_value=-60 * 24 * 3, max_value=60 * 24 * 10),
    duration=st.one_of(st.none(), st.integers(min_value=-10, max_value=1000)),
    buffer=st.one_of(st.none(), st.integers(-5, 300)),
    services_picked=st.lists(st.integers(min_value=0, max_value=40), max_size=3),
)
def test_booking_form(
    services: Services,
    owner: Actor,
    minutes: int,
    duration: int | None,
    buffer: int | None,
    services_picked: list[int],
) -> None:
    from desk_app.calendar.views import BookingRequest

    start = datetime(2026, 11, 18, 2, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    try:
        appt = services.calendar.book(
            owner,
            BookingRequest(
                client_id=None,
                staff_id=owner.staff_id,
                start_at=start,
                service_ids=services_picked,
                duration_min=duration,
                buffer_min=buffer,
            ),
        )
    except ServiceError as exc:
        _said_what(exc)
        return
    assert appt.id > 0
