"""The hourly sales summaries (migration 0022) equal the rows they sum whoever writes the rows (the
counter, a refund, a hand-made change), on SQLite and PostgreSQL; a summary changed by hand is
reported by ``desk-app check``; the monthly report reads them and its figures stay the rows'."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.trust.integrity import check_invariants, summary_problems
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_checkout_support import new_client, product


def _shop_with_sales(db: Database) -> tuple[Services, int]:
    sv = Services(db, clock=FakeClock())
    owner = sv.shop.create_shop(name="Sums Salon", currency="CNY", language="en", owner_name="O", owner_pin=OWNER_PIN)
    co = sv.checkout
    cid = new_client(db)
    sv.cash.open(owner, 10000)
    b = co.add_topup(co.build_bill(owner, client_id=cid), 5000)
    sv.payments.pay(owner, b, [PaymentIn("card", 5000)])  # a top-up alone: a sale, not a ticket
    b = co.add_product(co.build_bill(owner, client_id=cid), product(db, "OIL-50")[0], 2)
    b = co.add_tip(b, owner.staff_id, 500)
    paid = sv.payments.pay(
        owner, b, [PaymentIn("prepaid", 5000), PaymentIn("cash", b.total_minor - 5000, tendered_minor=b.total_minor)]
    )
    sv.payments.refund(owner, paid.sale_id, [sv.payments.get_sale(paid.sale_id).lines[0].id], "broken bottle")
    return sv, paid.sale_id


def _spend_of(c: Connection, client_id: int) -> tuple[int, int]:
    got = c.execute(text("SELECT COALESCE(SUM(lines), 0), COALESCE(SUM(goods_minor), 0) FROM client_spend_hours "
                         "WHERE client_id = :c"), {"c": client_id}).one()  # fmt: skip
    return int(got[0]), int(got[1])


def _client_spend_follows_the_sale(c: Connection, db: Database, sale_id: int, other: int) -> None:
    """Migration 0023: a client's goods by hour follow a line's total and kind, and the sale's client."""
    cid, goods = c.execute(text("SELECT s.client_id, SUM(l.line_total_minor) FROM sales s JOIN sale_lines l "
                                "ON l.sale_id = s.id WHERE s.id = :s AND l.kind = 'product' GROUP BY s.client_id"),
                           {"s": sale_id}).one()  # fmt: skip
    before = _spend_of(c, cid)
    assert goods > 0 and before == (2, 0)  # the oil and its refund; the top-up and the tip are not spend
    c.execute(text("UPDATE sale_lines SET line_total_minor = line_total_minor + 3 WHERE sale_id = :s "
                   "AND kind = 'product'"), {"s": sale_id})  # fmt: skip
    assert _spend_of(c, cid) == (before[0], before[1] + 3)
    assert summary_problems(c, db.is_sqlite) == []
    c.execute(text("UPDATE sales SET client_id = :o WHERE id = :s"), {"o": other, "s": sale_id})  # moved to a profile
    assert _spend_of(c, other) == (1, goods + 3)
    assert _spend_of(c, cid) == (before[0] - 1, before[1] - goods)
    assert summary_problems(c, db.is_sqlite) == []
    c.execute(text("UPDATE sales SET client_id = NULL WHERE id = :s"), {"s": sale_id})  # a walk-in's
    assert _spend_of(c, other) == (0, 0)
    assert summary_problems(c, db.is_sqlite) == []
    c.execute(text("UPDATE sales SET client_id = :o WHERE id = :s"), {"o": cid, "s": sale_id})
    c.execute(text("UPDATE sale_lines SET line_total_minor = line_total_minor - 3 WHERE sale_id = :s "
                   "AND kind = 'product'"), {"s": sale_id})  # fmt: skip
    assert _spend_of(c, cid) == before


def _summaries_follow_the_rows(db: Database, sale_id: int) -> None:
    other = new_client(db, "Other")
    with db.engine.connect() as c:
        assert summary_problems(c, db.is_sqlite) == []
        _client_spend_follows_the_sale(c, db, sale_id, other)
        tickets = c.execute(text("SELECT SUM(tickets), SUM(sales) FROM sale_hours WHERE kind = 'sale'")).one()
        assert tuple(tickets) == (1, 2)  # the top-up alone is a sale but no ticket
        # a line changed, then deleted, and a payment changed, past the app: the triggers follow
        c.execute(text("UPDATE sale_lines SET quantity = quantity + 1, line_total_minor = line_total_minor + 7, "
                       "kind = 'prepaid_topup' WHERE sale_id = :s AND kind = 'tip'"), {"s": sale_id})
        c.execute(text("UPDATE payments SET method = 'card', amount_minor = amount_minor + 7 WHERE sale_id = :s "
                       "AND method = 'cash'"), {"s": sale_id})
        assert summary_problems(c, db.is_sqlite) == []
        c.execute(text("DELETE FROM sale_lines WHERE original_line_id IS NOT NULL"))  # the refund's line
        c.execute(text("DELETE FROM sale_lines WHERE sale_id = :s AND kind = 'product'"), {"s": sale_id})
        assert summary_problems(c, db.is_sqlite) == []
        assert c.execute(text("SELECT SUM(tickets) FROM sale_hours WHERE kind = 'sale'")).scalar() == 0
        c.rollback()


def _a_tampered_summary_is_reported(db: Database) -> None:
    assert check_invariants(db) == []
    with db.engine.begin() as c:
        c.execute(text("UPDATE sale_item_hours SET total_minor = total_minor + 100 WHERE line_kind = 'product'"))
        c.execute(text("DELETE FROM payment_hours WHERE method = 'card'"))
        c.execute(text("UPDATE client_spend_hours SET goods_minor = goods_minor + 1"))
    problems = check_invariants(db)
    assert any("client_spend_hours" in p and "not in" in p for p in problems), problems
    assert any("sale_item_hours" in p and "not in" in p for p in problems), problems
    assert any("sale_item_hours" in p and "missing from" in p for p in problems), problems
    assert any("payment_hours" in p and "missing from" in p for p in problems), problems


def test_summaries_follow_every_writer_and_a_tampered_one_is_reported(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "shop.sqlite3"))
    try:
        _sv, sale_id = _shop_with_sales(db)
        _summaries_follow_the_rows(db, sale_id)
        _a_tampered_summary_is_reported(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_summaries_on_postgres(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        _sv, sale_id = _shop_with_sales(db)
        _summaries_follow_the_rows(db, sale_id)
        _a_tampered_summary_is_reported(db)
    finally:
        db.dispose()


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Europe/Berlin", "Asia/Kolkata"])
def test_the_report_reads_the_summaries_and_its_figures_are_the_rows(tmp_path: Path, tz: str) -> None:
    """The same month from the summaries and from the rows alone (the summaries emptied and the
    report made to read rows only): identical, in a zone with a DST change and one at +5:30."""
    from unittest import mock

    from desk_app.reports import hours
    from desk_app.reports.monthly import build_monthly

    db = open_database(str(tmp_path / "shop.sqlite3"))
    try:
        sv, _sale = _shop_with_sales(db)
        with db.engine.begin() as c:
            c.execute(text("UPDATE shops SET timezone = :tz"), {"tz": tz})
        now = sv.clock() + timedelta(minutes=17, seconds=3)  # the month before ends mid-hour: rows and hours
        month = now.strftime("%Y-%m")
        with_sums = build_monthly(db, month, now=now, parallel=False)
        with mock.patch.object(hours, "offsets_between", lambda *_a: [1]):  # never whole hours: rows only
            rows_only = build_monthly(db, month, now=now, parallel=False)
        assert with_sums == rows_only
        assert with_sums["sales"]["count"] == 2 and with_sums["sales"]["refund_count"] == 1
    finally:
        db.dispose()
