"""desk-app check: a clean shop passes; each kind of damage is named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from desk_app.checkout.service import PaymentIn
from desk_app.cli import run as cli_run
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from tests.integration.test_checkout_support import new_client


def _sale(services: Services, owner: Actor) -> int:
    co = services.checkout
    cid = new_client(services.db)
    b = co.add_topup(co.build_bill(owner, client_id=cid), 5000)
    services.payments.pay(owner, b, [PaymentIn("card", 5000)])
    b = co.add_counter_item(co.build_bill(owner, client_id=cid), "Cut", 8000)
    return services.payments.pay(owner, b, [PaymentIn("prepaid", 5000), PaymentIn("cash", 3000)]).sale_id


def test_clean_database_passes_and_cli_says_ok(
    services: Services, owner: Actor, db_path: Path, capsys: object
) -> None:
    _sale(services, owner)
    assert check_invariants(services.db) == []
    assert cli_run(["check", "--db", str(db_path)]) == 0


def test_each_kind_of_damage_is_reported(services: Services, owner: Actor, db_path: Path) -> None:
    sid = _sale(services, owner)
    with services.db.engine.begin() as conn:
        conn.execute(text("UPDATE sales SET total_minor = total_minor + 1 WHERE id = :i"), {"i": sid})
        conn.execute(text("UPDATE prepaid_accounts SET balance_minor = balance_minor + 7"))
        conn.execute(text("UPDATE visits SET paid_at = NULL"))  # no visits: nothing to break here
        conn.execute(
            text(
                "INSERT INTO sales (branch_id, receipt_no, kind, sold_at, currency, subtotal_minor, discount_minor, "
                "tax_minor, tip_minor, rounding_minor, total_minor, prices_include_tax, member_upgrade, "
                "member_price_applied, over_estimate_note, reason) VALUES (:b, 'BROKEN', 'sale', '2026-11-18 02:00:00', "
                "'CNY', 0, 0, 0, 0, 0, 0, 1, 0, 0, '', '')"
            ),
            {"b": owner.branch_id},
        )
    problems = check_invariants(services.db)
    text_all = "\n".join(problems)
    assert "I1" in text_all and "I2" in text_all
    assert "has no lines" in text_all and "BROKEN" in text_all
    assert "balance" in text_all
    assert cli_run(["check", "--db", str(db_path)]) == 1


def test_visit_steps_out_of_order_are_reported(services: Services, owner: Actor) -> None:
    from datetime import UTC, datetime

    from tests.conftest import FakeClock
    from tests.integration.test_checkout_support import new_staff, visit_at_checkout

    clock = FakeClock(datetime(2026, 11, 18, 2, 0, tzinfo=UTC))
    leo = new_staff(services.db, owner.branch_id)
    vid = visit_at_checkout(services.db, clock, owner.branch_id, None, leo.staff_id, ["CUT-M"])
    assert check_invariants(services.db) == []
    with services.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE visits SET greeted_at = '2026-11-19 02:00:00.000000' WHERE id = :i"), {"i": vid}
        )
    assert any(f"visit {vid}" in p for p in check_invariants(services.db))
