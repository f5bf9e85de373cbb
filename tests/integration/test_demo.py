"""The demo generator: counts as asked, the money model's invariants, no double booking, determinism."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from desk_app.clients.search_text import build_search_fields
from desk_app.db.engine import Database
from desk_app.demo.shop import DemoError, DemoSummary, generate

NOW = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)  # 15:00 in Shanghai
PROGRESS: list[tuple[float, str]] = []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoSummary, Database]]:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    PROGRESS.clear()
    summary = generate(
        str(path), clients=400, months=3, staff=8, seed=7, branches=2, today=NOW,
        progress=lambda f, label: PROGRESS.append((f, label)),
    )  # fmt: skip
    db = Database.open(str(path))
    yield summary, db
    db.dispose()


def q(db: Database, sql: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql)).all()]
        conn.rollback()
        return rows


def one(db: Database, sql: str) -> object:
    return q(db, sql)[0][0]


def test_counts_as_requested(demo: tuple[DemoSummary, Database]) -> None:
    summary, db = demo
    assert one(db, "SELECT count(*) FROM clients") == 400
    assert one(db, "SELECT count(*) FROM staff") == 8
    assert one(db, "SELECT count(*) FROM branches") == 2
    assert one(db, "SELECT is_demo FROM shops") in (1, True)
    assert summary.visits == one(db, "SELECT count(*) FROM visits") > 100
    # every role is there, and the PINs shown in demo mode are recorded
    roles = {r[0] for r in q(db, "SELECT DISTINCT role FROM staff")}
    assert roles == {"owner", "receptionist", "stylist"}
    assert len(summary.pins) == 8 and summary.pins[1] == "1111"
    setting = one(db, "SELECT value FROM settings WHERE key = 'demo.pins'")
    assert '"1": "1111"' in str(setting)
    # the months end today and appointments are booked into the coming weeks
    assert one(db, "SELECT count(*) FROM appointments WHERE start_at > '2026-11-19'") > 0
    assert one(db, "SELECT max(start_at) FROM appointments") < "2026-12-10"
    assert one(db, "SELECT min(start_at) FROM appointments") >= "2026-08-18"
    assert one(db, "SELECT count(*) FROM sales WHERE sold_at > '2026-11-18 07:00:00'") == 0


def test_progress_is_reported_in_order(demo: tuple[DemoSummary, Database]) -> None:
    fractions = [f for f, _label in PROGRESS]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and len(fractions) > 20
    labels = {label for _f, label in PROGRESS}
    assert {"Simulating the months", "Writing clients", "Writing sales and payments"} <= labels


def test_every_kind_of_record_exists(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    for table in (
        "visit_events",
        "assessments",
        "service_logs",
        "formulas",
        "plan_items",
        "prepaid_movements",
        "client_packages",
        "package_redemptions",
        "stock_movements",
        "memberships",
        "follow_ups",
        "feedback",
        "complaints",
        "contacts",
        "consent_records",
        "cash_sessions",
    ):
        assert one(db, f"SELECT count(*) FROM {table}") > 0, table
    kinds = {r[0] for r in q(db, "SELECT DISTINCT kind FROM sale_lines")}
    assert {"service", "product", "package", "prepaid_topup", "tip"} <= kinds
    methods = {r[0] for r in q(db, "SELECT DISTINCT method FROM payments")}
    assert {"cash", "card", "wechat", "alipay", "prepaid"} <= methods
    statuses = {r[0] for r in q(db, "SELECT DISTINCT status FROM appointments")}
    assert {"done", "no_show", "cancelled", "booked"} <= statuses
    assert one(db, "SELECT count(*) FROM sales WHERE kind = 'refund' AND original_sale_id IS NOT NULL") > 0
    assert one(db, "SELECT count(*) FROM visits WHERE kind = 'walk_in'") > 0
    assert one(db, "SELECT count(*) FROM sale_lines WHERE member_discount_minor > 0") > 0
    # split payments
    assert (
        one(db, "SELECT count(*) FROM (SELECT sale_id FROM payments GROUP BY sale_id HAVING count(*) > 1) s")
        > 0
    )
    # some complaints are still waiting for a first response after 24 h
    assert one(db, "SELECT count(*) FROM complaints WHERE first_response_at IS NULL") > 0


def test_sale_totals_lines_and_payments_agree(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    # I1: total = sum of line totals; each line = gross - discounts (+0 tax, prices include tax)
    assert (
        q(
            db,
            """SELECT s.id FROM sales s JOIN sale_lines l ON l.sale_id = s.id GROUP BY s.id
                    HAVING s.total_minor <> sum(l.line_total_minor)""",
        )
        == []
    )
    assert (
        q(
            db,
            """SELECT id FROM sale_lines WHERE line_total_minor <>
                    quantity * unit_price_minor - discount_minor - member_discount_minor""",
        )
        == []
    )
    # I2: payments add up to the total (a sale with total 0 has none)
    assert (
        q(
            db,
            """SELECT s.id FROM sales s LEFT JOIN payments p ON p.sale_id = s.id GROUP BY s.id
                    HAVING s.total_minor <> coalesce(sum(p.amount_minor), 0)""",
        )
        == []
    )
    assert (
        one(
            db,
            "SELECT count(*) FROM sales s WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)",
        )
        == 0
    )
    # stored totals derive from the lines
    assert (
        q(
            db,
            """SELECT s.id FROM sales s JOIN sale_lines l ON l.sale_id = s.id GROUP BY s.id HAVING
                    s.discount_minor <> sum(l.discount_minor + l.member_discount_minor)
                    OR s.tip_minor <> sum(CASE WHEN l.kind = 'tip' THEN l.line_total_minor ELSE 0 END)""",
        )
        == []
    )
    # redeemed package sessions are free lines with a redemption row
    assert (
        q(
            db,
            """SELECT l.id FROM sale_lines l WHERE l.discount_reason = 'package'
                    AND (l.line_total_minor <> 0 OR l.full_price)""",
        )
        == []
    )
    assert one(db, "SELECT count(*) FROM sale_lines WHERE discount_reason = 'package'") == one(
        db, "SELECT count(*) FROM package_redemptions"
    )
    # refunds: negative, never more than the original line
    assert (
        q(
            db,
            """SELECT o.id FROM sale_lines o JOIN sale_lines r ON r.original_line_id = o.id
                    GROUP BY o.id HAVING -sum(r.line_total_minor) > o.line_total_minor""",
        )
        == []
    )
    assert one(db, "SELECT max(total_minor) FROM sales WHERE kind IN ('refund', 'void')") < 0
    # receipts and client numbers: unique, formatted, and the counters are in step
    assert one(db, "SELECT count(DISTINCT receipt_no) FROM sales") == one(db, "SELECT count(*) FROM sales")
    assert one(db, "SELECT value FROM counters WHERE name = 'receipt'") == one(
        db, "SELECT count(*) FROM sales"
    )
    assert one(db, "SELECT value FROM counters WHERE name = 'client_number'") == 400
    assert one(db, "SELECT max(client_number) FROM clients") == "C000400"
    assert one(db, "SELECT max(receipt_no) FROM sales") == f"R{one(db, 'SELECT count(*) FROM sales'):08d}"


def test_prepaid_balances_equal_their_movements(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    assert (
        q(
            db,
            """SELECT a.id FROM prepaid_accounts a JOIN prepaid_movements m ON m.account_id = a.id
                    GROUP BY a.id HAVING a.balance_minor <> sum(m.amount_minor)""",
        )
        == []
    )
    assert one(db, "SELECT count(*) FROM prepaid_accounts WHERE balance_minor < 0") == 0
    assert one(db, "SELECT count(*) FROM prepaid_movements WHERE balance_after_minor < 0") == 0
    # every prepaid payment has its spend movement of the same amount
    assert (
        q(
            db,
            """SELECT p.id FROM payments p WHERE p.method = 'prepaid' AND NOT EXISTS (
                    SELECT 1 FROM prepaid_movements m WHERE m.sale_id = p.sale_id AND m.kind = 'spend'
                    AND m.amount_minor = -p.amount_minor)""",
        )
        == []
    )
    # top-up lines have their top-up movement
    assert one(db, "SELECT sum(line_total_minor) FROM sale_lines WHERE kind = 'prepaid_topup'") == one(
        db, "SELECT sum(amount_minor) FROM prepaid_movements WHERE kind = 'topup'"
    )


def test_client_spend_and_stock_follow_the_sales(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    assert (
        q(
            db,
            """SELECT c.id FROM clients c LEFT JOIN (
                      SELECT s.client_id AS cid, sum(l.line_total_minor) AS spend,
                             sum(CASE WHEN l.full_price THEN l.line_total_minor ELSE 0 END) AS fp
                      FROM sales s JOIN sale_lines l ON l.sale_id = s.id
                      WHERE l.kind IN ('service', 'product', 'package') GROUP BY s.client_id) t ON t.cid = c.id
                    WHERE c.total_spend_minor <> coalesce(t.spend, 0)
                       OR c.full_price_spend_minor <> coalesce(t.fp, 0)""",
        )
        == []
    )
    assert one(db, "SELECT count(*) FROM products WHERE stock_qty < 0") == 0
    # VIP members either were made members by hand or crossed a threshold in a recorded sale
    assert (
        q(
            db,
            """SELECT c.id FROM clients c WHERE c.membership_tier = 'vip'
                    AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.client_id = c.id)""",
        )
        == []
    )
    assert one(db, "SELECT count(*) FROM clients WHERE visit_count > 0 AND first_visit_at IS NULL") == 0
    # sign-ups by the VIP rule point at the sale that crossed the threshold
    upgrades = one(db, "SELECT count(*) FROM memberships WHERE reason IN ('single_purchase', 'cumulative')")
    assert isinstance(upgrades, int) and upgrades > 0
    assert upgrades == one(db, "SELECT count(*) FROM sales WHERE member_upgrade")
    assert (
        q(
            db,
            """SELECT m.id FROM memberships m JOIN sales s ON s.id = m.sale_id
                    WHERE m.reason = 'single_purchase' AND s.total_minor - s.tip_minor < 300000""",
        )
        == []
    )


def test_no_double_booking(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    for col in ("staff_id", "resource_id"):
        rows = q(
            db,
            f"""SELECT a.id, b.id FROM appointments a JOIN appointments b
                         ON a.{col} = b.{col} AND a.id < b.id
                         AND a.start_at < b.block_end_at AND b.start_at < a.block_end_at
                         WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')""",
        )
        assert rows == [], col


def test_next_weeks_rota_is_planned_and_leaves_every_booking_inside_the_hours(demo: tuple[DemoSummary, Database]) -> None:
    """Calendar > Rota shows a day of leave, a long day and a swapped day off next week; the demo's
    bookings are all inside the hours in force (the rota never strands one)."""
    from desk_app.calendar import rota
    from desk_app.core.service import shop_tz
    from desk_app.db.models import Appointment, RotaDay, Staff
    from desk_app.domain import slots as sl
    from desk_app.domain.appointment import UPCOMING

    _s, db = demo
    with db.uow(write=False) as uow:
        s = uow.session
        days = s.scalars(select(RotaDay).order_by(RotaDay.staff_id)).all()
        assert len(days) == 3 and [d.from_time is None for d in days] == [True, False, False]
        assert all(d.note for d in days) and len({d.staff_id for d in days}) == 3
        tz = shop_tz(s)
        for a in s.scalars(select(Appointment).where(Appointment.status.in_(UPCOMING))):
            st = s.get(Staff, a.staff_id)
            assert st is not None
            local = a.start_at.astimezone(tz).date()
            hours = rota.hours_in_force(s, st, local - timedelta(days=1), local + timedelta(days=1))
            working = sl.working_between(hours, a.start_at - timedelta(days=1), a.end_at + timedelta(days=1), tz)
            assert any(iv.start <= a.start_at and a.end_at <= iv.end for iv in working), a.id


def test_an_appointment_says_what_its_visit_says(demo: tuple[DemoSummary, Database]) -> None:
    """Walk: a visit in service read "In service" on Today and "Arrived" on the calendar."""
    _s, db = demo
    wrong = one(db, """SELECT count(*) FROM appointments a JOIN visits v ON v.appointment_id = a.id
        WHERE a.status != CASE WHEN v.service_ended_at IS NOT NULL THEN 'done'
                               WHEN v.service_started_at IS NOT NULL THEN 'in_service' ELSE 'arrived' END
          AND v.step != 'cancelled'""")
    assert wrong == 0
    assert one(db, "SELECT count(*) FROM appointments WHERE status = 'in_service'") >= 1  # type: ignore[operator]
    gifts = one(db, "SELECT count(*) FROM gift_vouchers")
    assert gifts >= 1 and one(db, "SELECT count(*) FROM payments WHERE method = 'voucher'") >= 1  # type: ignore[operator]
    # loyalty points: earned on sales, spent now and then, the accounts adding up (docs/loyalty.md)
    assert one(db, "SELECT count(*) FROM points_movements WHERE kind = 'earn'") >= 10  # type: ignore[operator]
    assert one(db, "SELECT count(*) FROM payments WHERE method = 'points'") >= 1  # type: ignore[operator]
    assert one(db, """SELECT count(*) FROM points_accounts a WHERE a.balance !=
                      (SELECT COALESCE(SUM(points), 0) FROM points_movements m WHERE m.account_id = a.id)""") == 0


def test_visit_timestamps_in_order(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    cols = [
        "arrived_at",
        "greeted_at",
        "assessed_at",
        "service_started_at",
        "service_ended_at",
        "paid_at",
        "rebooked_at",
    ]
    for a, b in zip(cols, cols[1:], strict=False):
        assert (
            one(db, f"SELECT count(*) FROM visits WHERE {a} IS NOT NULL AND {b} IS NOT NULL AND {b} < {a}")
            == 0
        )
        assert one(db, f"SELECT count(*) FROM visits WHERE {a} IS NULL AND {b} IS NOT NULL") == 0
    # most greetings within 30 s, but not all (the standards report has something to show)
    within = one(
        db,
        "SELECT avg(CASE WHEN (julianday(greeted_at) - julianday(arrived_at)) * 86400 <= 30 "
        "THEN 1.0 ELSE 0 END) FROM visits WHERE greeted_at IS NOT NULL",
    )
    assert isinstance(within, float) and 0.8 < within < 1.0
    assert (
        one(
            db,
            "SELECT count(*) FROM visits WHERE paid_at IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM sales s WHERE s.visit_id = visits.id AND s.kind = 'sale')",
        )
        == 0
    )


def test_search_fields_match_the_client_service(demo: tuple[DemoSummary, Database]) -> None:
    _s, db = demo
    rows = q(
        db,
        "SELECT name, phone, client_number, name_pinyin, name_initials, phone_digits, search_text "
        "FROM clients ORDER BY id LIMIT 60",
    )
    for name, phone, number, *stored in rows:
        assert tuple(stored) == build_search_fields(str(name), str(phone), str(number))
    chinese = [r for r in rows if r[3]]
    assert len(chinese) > 20  # ~70% Chinese names, with pinyin
    assert all(str(r[1]).startswith("+861") for r in rows)
    # the FTS index (kept by triggers) finds a client by pinyin initials
    name, initials = chinese[0][0], chinese[0][4]
    hits = q(
        db,
        f"SELECT c.name FROM client_fts f JOIN clients c ON c.id = f.rowid WHERE client_fts MATCH '{initials}*'",
    )
    assert (name,) in hits


def test_same_seed_same_data(tmp_path: Path) -> None:
    def digest(path: Path) -> list[tuple[object, ...]]:
        generate(str(path), clients=60, months=1, staff=4, seed=3, today=NOW)
        db = Database.open(str(path))
        try:
            return (
                q(db, "SELECT client_number, name, phone, total_spend_minor FROM clients ORDER BY id")
                + q(db, "SELECT receipt_no, sold_at, total_minor FROM sales ORDER BY id")
                + q(db, "SELECT staff_id, start_at, status FROM appointments ORDER BY id")
                + q(db, "SELECT client_id, kind, channel, state, sent_at, body FROM outbox ORDER BY id")
            )
        finally:
            db.dispose()

    a = digest(tmp_path / "a.sqlite3")
    b = digest(tmp_path / "b.sqlite3")
    assert a == b and len(a) > 60
    other = tmp_path / "c.sqlite3"
    generate(str(other), clients=60, months=1, staff=4, seed=4, today=NOW)
    db = Database.open(str(other))
    try:
        assert (
            q(db, "SELECT client_number, name, phone, total_spend_minor FROM clients ORDER BY id") != a[:60]
        )
    finally:
        db.dispose()


def test_the_shop_has_sent_messages(demo: tuple[DemoSummary, Database]) -> None:
    """Issue 19: reminders before most bookings, confirmations, feedback requests after visits, a few
    failed with the provider's reason; only to clients who agreed to that channel; nothing queued."""
    from datetime import date

    from desk_app.messages.stats import message_stats

    summary, db = demo
    assert summary.counts["outbox"] == one(db, "SELECT count(*) FROM outbox") > 200
    kinds = {r[0] for r in q(db, "SELECT DISTINCT kind FROM outbox WHERE state = 'sent'")}
    assert {"confirmation", "reminder", "feedback", "no_show"} <= kinds
    assert {r[0] for r in q(db, "SELECT DISTINCT state FROM outbox")} == {"sent", "failed", "cancelled"}
    assert one(db, "SELECT count(*) FROM outbox WHERE state = 'failed' AND last_error = ''") == 0
    assert one(db, "SELECT count(*) FROM outbox WHERE state = 'sent' AND (body = '' OR to_address = '')") == 0
    assert one(db, "SELECT max(sent_at) FROM outbox") <= "2026-11-18 07:00:00.000000"  # nothing from the future
    # the day in a message as the app's templates write it ("2026年11月19日"), never "2026-11-19"
    bodies = [r[0] for r in q(db, "SELECT body FROM outbox WHERE kind IN ('confirmation', 'reminder')")]
    assert bodies and not [b for b in bodies if re.search(r"\d{4}-\d{2}-\d{2}", b)]
    assert any(re.search(r"\d{4}年\d{1,2}月\d{1,2}日", b) for b in bodies)
    # consent: a text only to a client who agreed to texts, an email only to one who agreed to email;
    # most clients of this Chinese shop agreed to texts
    assert one(db, """SELECT count(*) FROM outbox o JOIN clients c ON c.id = o.client_id
                      WHERE (o.channel = 'sms' AND NOT c.sms_consent)
                         OR (o.channel = 'email' AND NOT c.email_consent)""") == 0
    assert one(db, "SELECT count(*) FROM clients WHERE sms_consent") > 0.6 * 400
    assert one(db, "SELECT count(*) FROM consent_records WHERE kind = 'sms' AND granted") == one(
        db, "SELECT count(*) FROM clients WHERE sms_consent")
    # every reminder that went, went before its booking; the keys are the app's own (no second reminder)
    assert one(db, """SELECT count(*) FROM outbox o JOIN appointments a ON a.id = o.ref_id
                      WHERE o.kind = 'reminder' AND o.state = 'sent' AND o.sent_at >= a.start_at""") == 0
    assert one(db, "SELECT count(*) FROM outbox WHERE dedupe_key NOT LIKE kind || ':%'") == 0
    # as in a real shop, fewer no-shows among the bookings that had a reminder
    with db.uow(write=False) as uow:
        st = message_stats(uow.session, date(2026, 9, 1), date(2026, 11, 17), "Asia/Shanghai")
    assert st.appointments_with_reminder > 100 and st.appointments_without_reminder > 50
    assert (st.no_shows_with_reminder / st.appointments_with_reminder
            < st.no_shows_without_reminder / st.appointments_without_reminder)


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    generate(str(path), clients=20, months=1, staff=3, seed=1, today=NOW)
    with pytest.raises(DemoError, match="--force"):
        generate(str(path), clients=20, months=1, staff=3, seed=1, today=NOW)
    summary = generate(str(path), clients=25, months=1, staff=3, seed=1, today=NOW, force=True)
    assert summary.clients == 25


def test_passes_the_app_integrity_check(demo: tuple[DemoSummary, Database]) -> None:
    from desk_app.trust.integrity import check_invariants

    _s, db = demo
    assert check_invariants(db) == []
    assert one(db, "SELECT count(*) FROM sales WHERE kind = 'void'") > 0


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from desk_app.cli import run

    path = tmp_path / "cli.sqlite3"
    args = ["demo", "--db", str(path), "--clients", "30", "--months", "1", "--staff", "3", "--seed", "2"]
    assert run([*args, "--lang", "en"]) == 0
    out = capsys.readouterr()
    assert "30 clients" in out.out and "(owner): 1111   --staff 1" in out.out
    assert "%" in out.err  # the progress bar went to stderr
    assert run([*args, "--quiet"]) == 2  # exists: refuses without --force
    assert "--force" in capsys.readouterr().err
    assert run([*args, "--quiet", "--force", "--clients", "40"]) == 0
    db = Database.open(str(path))
    try:
        assert one(db, "SELECT count(*) FROM clients") == 40
        assert one(db, "SELECT locale FROM shops") == "zh_CN"
    finally:
        db.dispose()


def test_a_demo_made_before_opening_has_nothing_in_the_future(tmp_path: Path) -> None:
    """The second newcomer's walk ran the demo at 04:17 in Shanghai: the drawer said "Open since
    09:45". Whatever the hour the demo is made, nothing of today is stamped after now."""
    early = datetime(2026, 11, 17, 20, 17, tzinfo=UTC)  # 04:17 on the 18th in Shanghai
    path = tmp_path / "early.sqlite3"
    generate(str(path), clients=60, months=1, staff=4, seed=3, today=early)
    db = Database.open(str(path))
    try:
        later = "2026-11-17 20:17:00"
        assert one(db, "SELECT count(*) FROM cash_sessions WHERE closed_at IS NULL") >= 1
        assert one(db, f"SELECT count(*) FROM cash_sessions WHERE opened_at > '{later}'") == 0
        assert one(db, f"SELECT count(*) FROM sales WHERE sold_at > '{later}'") == 0
        assert one(db, f"SELECT count(*) FROM visits WHERE arrived_at > '{later}'") == 0
    finally:
        db.dispose()
