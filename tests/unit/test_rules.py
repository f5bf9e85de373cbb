from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from desk_app.domain import standards as st
from desk_app.domain.permissions import Actor, Perm, Role, mask_phone
from desk_app.domain.vip import VipRule, evaluate

R = VipRule()


def test_vip_single_purchase_edge_exactly_3000() -> None:
    assert evaluate(R, False, Decimal("3000"), Decimal(0), Decimal(0)).reason == "single_purchase"
    assert not evaluate(R, False, Decimal("2999.99"), Decimal(0), Decimal(0)).becomes_member


def test_vip_cumulative_counts_only_full_price() -> None:
    d = evaluate(R, False, Decimal("800"), Decimal("4500"), Decimal("500"))
    assert d.becomes_member and d.reason == "cumulative"
    # discounted spend is not passed in as full price: stays below
    assert not evaluate(R, False, Decimal("800"), Decimal("4500"), Decimal("0")).becomes_member


def test_vip_price_factor_is_8_8_zhe() -> None:
    assert R.price_factor == Decimal("0.88")
    assert not evaluate(R, True, Decimal("9999"), Decimal(0), Decimal(0)).becomes_member


T0 = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def test_greet_standard() -> None:
    s = st.Standards()
    assert st.greet_check(s, T0, T0 + timedelta(seconds=30), T0).met is True
    assert st.greet_check(s, T0, T0 + timedelta(seconds=31), T0).met is False
    running = st.greet_check(s, T0, None, T0 + timedelta(seconds=45))
    assert running.overdue and running.met is False
    assert st.greet_check(s, T0, None, T0 + timedelta(seconds=10)).met is None


def test_service_start_measured_from_booked_time_or_late_arrival() -> None:
    s = st.Standards()
    booked = T0
    on_time = st.service_start_check(s, booked, booked - timedelta(minutes=5), booked + timedelta(minutes=15), T0)
    assert on_time.met is True
    late_client = st.service_start_check(
        s, booked, booked + timedelta(minutes=30), booked + timedelta(minutes=40), T0
    )
    assert late_client.met is True  # measured from the late arrival
    assert st.service_start_check(s, booked, booked, booked + timedelta(minutes=16), T0).met is False


def test_followup_window_is_two_to_three_days() -> None:
    a, b = st.followup_window(st.Standards(), T0)
    assert (a - T0, b - T0) == (timedelta(days=2), timedelta(days=3))


def test_roles_and_overrides() -> None:
    stylist = Actor(3, "Leo", Role.STYLIST, 1)
    assert not stylist.can(Perm.REFUND) and not stylist.can(Perm.SEE_PHONE)
    allowed = Actor(3, "Leo", Role.STYLIST, 1, overrides={"see_phone": True})
    assert allowed.can(Perm.SEE_PHONE)
    assert Actor(1, "Mia", Role.OWNER, 1).can(Perm.ERASE)
    assert not Actor(2, "Wang", Role.RECEPTIONIST, 1).can(Perm.EXPORT)


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("5678") == "****"


def test_run_with_retry_retries_only_server_aborted_transactions() -> None:
    import pytest
    from sqlalchemy.exc import OperationalError

    from desk_app.core.service import run_with_retry

    class Deadlock(Exception):
        sqlstate = "40P01"

    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("INSERT", {}, Deadlock("deadlock detected"))
        return "booked"

    assert run_with_retry(flaky) == "booked" and len(calls) == 3

    def broken() -> str:
        raise ValueError("not a race")

    with pytest.raises(ValueError):
        run_with_retry(broken)


def test_spend_to_member_is_the_smaller_gap_and_none_when_no_talk_is_needed() -> None:
    from desk_app.domain.vip import spend_to_member

    # 800 today, 3,000 in one purchase would do: 2,200 more; cumulative 4,000 + 800 -> 200 more
    assert spend_to_member(R, False, Decimal("800"), Decimal("4000"), Decimal("800")) == Decimal("200")
    assert spend_to_member(R, False, Decimal("800"), Decimal("0"), Decimal("800")) == Decimal("2200")
    # discounted spend does not count toward the total, so the single purchase is nearer
    assert spend_to_member(R, False, Decimal("800"), Decimal("1000"), Decimal("0")) == Decimal("2200")
    assert spend_to_member(R, True, Decimal("10"), Decimal(0), Decimal(0)) is None  # a member already
    assert spend_to_member(R, False, Decimal("3000"), Decimal(0), Decimal(0)) is None  # this purchase does it
