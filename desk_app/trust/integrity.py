"""``desk-app check``: the database file's integrity and the money invariants
listed at the end of docs/money-model.md. Each problem is one line of text."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Connection, text

from desk_app.db.engine import Database
from desk_app.domain.commission import PlanError, parse_plan

# the bookings whose deposit hold has ended (released or taken, and not held again since: a booking
# kept after a mistaken check-in is held again): a set read once, not a scan of the movements for
# each hold (prepaid_movements has no index on appointment_id)
_ENDED_HOLDS = """SELECT e.appointment_id FROM prepaid_movements e
                  WHERE e.kind IN ('hold', 'release', 'forfeit') AND e.appointment_id IS NOT NULL
                  GROUP BY e.appointment_id
                  HAVING MAX(CASE WHEN e.kind = 'hold' THEN e.id END)
                       < MAX(CASE WHEN e.kind != 'hold' THEN e.id END)"""


def _overlaps(col: str) -> str:
    """Pairs of live appointments of one stylist (resource) whose blocks overlap, smaller id first.

    One pass in start order per stylist finds the appointments that start before an earlier one's
    block ends (a running MAX of the earlier ends: a window); only those are paired with the earlier
    ones they overlap. Of any overlapping pair the later-starting one is found, so every pair is
    reported, as the self-join of all pairs did (which was quadratic in a stylist's appointments)."""
    live = "status NOT IN ('cancelled', 'no_show')"
    return f"""WITH late AS (
                 SELECT id, k, start_at, block_end_at FROM (
                   SELECT id, {col} AS k, start_at, block_end_at,
                          MAX(block_end_at) OVER (PARTITION BY {col} ORDER BY start_at, id
                                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
                   FROM appointments WHERE {col} IS NOT NULL AND {live}) AS w
                 WHERE w.prev_end > w.start_at)
               SELECT DISTINCT CASE WHEN a.id < l.id THEN a.id ELSE l.id END,
                      CASE WHEN a.id < l.id THEN l.id ELSE a.id END, l.k
               FROM late l JOIN appointments a ON a.{col} = l.k AND a.id != l.id AND a.start_at <= l.start_at
               WHERE a.{live}
                 AND a.start_at < l.block_end_at AND l.start_at < a.block_end_at
               ORDER BY 1, 2"""


# each query returns offending rows; the message is formatted with the row
_CHECKS: list[tuple[str, str]] = [
    (
        "I1: sale {0} ({1}) total {2} != sum of its lines {3}",
        """SELECT s.id, s.receipt_no, s.total_minor, COALESCE(SUM(l.line_total_minor), 0)
           FROM sales s LEFT JOIN sale_lines l ON l.sale_id = s.id
           GROUP BY s.id, s.receipt_no, s.total_minor
           HAVING s.total_minor != COALESCE(SUM(l.line_total_minor), 0)""",
    ),
    (
        "I2: sale {0} ({1}) total {2} != sum of its payments {3}",
        """SELECT s.id, s.receipt_no, s.total_minor, COALESCE(SUM(p.amount_minor), 0)
           FROM sales s LEFT JOIN payments p ON p.sale_id = s.id
           GROUP BY s.id, s.receipt_no, s.total_minor
           HAVING s.total_minor != COALESCE(SUM(p.amount_minor), 0)""",
    ),
    (
        "sale {0} ({1}) has no lines",
        """SELECT s.id, s.receipt_no FROM sales s
           WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)""",
    ),
    (
        "prepaid account {0}: balance {1} != sum of its movements {2}",
        """SELECT a.id, a.balance_minor, COALESCE(SUM(m.amount_minor), 0)
           FROM prepaid_accounts a LEFT JOIN prepaid_movements m ON m.account_id = a.id
           GROUP BY a.id, a.balance_minor
           HAVING a.balance_minor != COALESCE(SUM(m.amount_minor), 0)""",
    ),
    (
        "gift voucher {0}: balance {1} != its value {2} plus its movements {3}",
        """SELECT v.id, v.balance_minor, v.amount_minor, COALESCE(SUM(m.amount_minor), 0)
           FROM gift_vouchers v LEFT JOIN voucher_movements m ON m.voucher_id = v.id
           GROUP BY v.id, v.balance_minor, v.amount_minor
           HAVING v.balance_minor != v.amount_minor + COALESCE(SUM(m.amount_minor), 0)""",
    ),
    (
        "gift voucher {0}: balance {1} is below zero",
        "SELECT id, balance_minor FROM gift_vouchers WHERE balance_minor < 0 OR amount_minor <= 0",
    ),
    (
        "gift voucher {0}: closed ({1}) with {2} still on it",
        "SELECT id, closed, balance_minor FROM gift_vouchers WHERE closed != '' AND balance_minor != 0",
    ),
    (
        "voucher movement {0}: balance after {1} != running balance {2}",
        """SELECT m.id, m.balance_after_minor, m.running FROM (
             SELECT mv.id, mv.balance_after_minor, v.amount_minor + SUM(mv.amount_minor) OVER (
                    PARTITION BY mv.voucher_id ORDER BY mv.id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
             FROM voucher_movements mv JOIN gift_vouchers v ON v.id = mv.voucher_id) AS m
           WHERE m.balance_after_minor != m.running""",
    ),
    (
        "sale {0}: gift voucher payments {1} != what its vouchers' movements took {2}",
        """SELECT p.sale_id, SUM(p.amount_minor), (SELECT -COALESCE(SUM(m.amount_minor), 0) FROM voucher_movements m
                  WHERE m.sale_id = p.sale_id AND m.kind IN ('redeem', 'refund'))
           FROM payments p WHERE p.method = 'voucher' GROUP BY p.sale_id
           HAVING SUM(p.amount_minor) != (SELECT -COALESCE(SUM(m.amount_minor), 0) FROM voucher_movements m
                  WHERE m.sale_id = p.sale_id AND m.kind IN ('redeem', 'refund'))""",
    ),
    (
        "sale {0}: gift vouchers sold {1} != the vouchers it issued {2}",
        """SELECT s.id, SUM(l.line_total_minor), (SELECT COALESCE(SUM(v.amount_minor), 0) FROM gift_vouchers v
                  WHERE v.sale_id = s.id)
           FROM sales s JOIN sale_lines l ON l.sale_id = s.id
           WHERE s.kind = 'sale' AND l.kind = 'gift_voucher' GROUP BY s.id
           HAVING SUM(l.line_total_minor) != (SELECT COALESCE(SUM(v.amount_minor), 0) FROM gift_vouchers v
                  WHERE v.sale_id = s.id)""",
    ),
    (
        "points account {0}: balance {1} != sum of its movements {2}",
        """SELECT a.id, a.balance, COALESCE(SUM(m.points), 0)
           FROM points_accounts a LEFT JOIN points_movements m ON m.account_id = a.id
           GROUP BY a.id, a.balance
           HAVING a.balance != COALESCE(SUM(m.points), 0)""",
    ),
    (
        "points account {0}: balance {1} is below zero",
        "SELECT id, balance FROM points_accounts WHERE balance < 0",
    ),
    (
        "points movement {0}: balance after {1} != running balance {2}",
        """SELECT m.id, m.balance_after, m.running FROM (
             SELECT mv.id, mv.balance_after, SUM(mv.points) OVER (
                    PARTITION BY mv.account_id ORDER BY mv.id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
             FROM points_movements mv) AS m
           WHERE m.balance_after != m.running""",
    ),
    (
        "sale {0}: loyalty points payments {1} != what its points movements paid {2}",
        """SELECT p.sale_id, SUM(p.amount_minor), (SELECT COALESCE(SUM(m.value_minor), 0) FROM points_movements m
                  WHERE m.sale_id = p.sale_id AND m.kind IN ('redeem', 'refund'))
           FROM payments p WHERE p.method = 'points' GROUP BY p.sale_id
           HAVING SUM(p.amount_minor) != (SELECT COALESCE(SUM(m.value_minor), 0) FROM points_movements m
                  WHERE m.sale_id = p.sale_id AND m.kind IN ('redeem', 'refund'))""",
    ),
    (
        "points movement {0}: on sale {1} of another client",
        # a profile merged into another (docs/clients.md) keeps its account; its sales are the other's
        """SELECT m.id, m.sale_id FROM points_movements m
           JOIN points_accounts a ON a.id = m.account_id JOIN sales s ON s.id = m.sale_id
           JOIN clients c ON c.id = a.client_id
           WHERE c.merged_into_id IS NULL AND (s.client_id IS NULL OR s.client_id != a.client_id)""",
    ),
    (
        "points movement {0}: its reward's line {1} is not a free line of sale {2}",
        """SELECT m.id, m.line_no, m.sale_id FROM points_movements m
           WHERE m.kind IN ('reward', 'reward_refund') AND NOT EXISTS (
                 SELECT 1 FROM sale_lines l WHERE l.sale_id = m.sale_id AND l.line_no = m.line_no
                 AND l.discount_reason = 'reward' AND l.line_total_minor = 0)""",
    ),
    (
        "sale {0}: line {1} is a reward without the points movement that paid it",
        """SELECT l.sale_id, l.line_no FROM sale_lines l WHERE l.discount_reason = 'reward' AND NOT EXISTS (
                 SELECT 1 FROM points_movements m WHERE m.sale_id = l.sale_id AND m.line_no = l.line_no
                 AND m.kind IN ('reward', 'reward_refund'))""",
    ),
    (
        "product {0}: stock {1} is not the sum of its stock movements ({2})",
        """SELECT p.id, p.stock_qty, COALESCE(SUM(m.qty_delta), 0) FROM products p
           LEFT JOIN stock_movements m ON m.product_id = p.id
           GROUP BY p.id, p.stock_qty HAVING p.stock_qty != COALESCE(SUM(m.qty_delta), 0)""",
    ),
    (
        "purchase order line {0}: {1} received, but its deliveries bring {2} (ordered {3})",
        """SELECT l.id, l.qty_received, COALESCE(SUM(m.qty_delta), 0), l.qty_ordered
           FROM purchase_order_lines l LEFT JOIN stock_movements m ON m.order_line_id = l.id
           GROUP BY l.id, l.qty_received, l.qty_ordered
           HAVING l.qty_received != COALESCE(SUM(m.qty_delta), 0) OR l.qty_received > l.qty_ordered
               OR l.qty_received < 0""",
    ),
    (
        "purchase order {0}: received while a draft",
        """SELECT DISTINCT o.id FROM purchase_orders o JOIN purchase_order_lines l ON l.order_id = o.id
           WHERE o.status = 'draft' AND l.qty_received != 0""",
    ),
    (
        "stock count {0}: product {1} was counted {2} against {3}, but the count booked {4}",
        """SELECT c.id, l.product_id, l.counted_qty, l.expected_qty, COALESCE(SUM(m.qty_delta), 0)
           FROM stock_counts c JOIN stock_count_lines l ON l.count_id = c.id
           LEFT JOIN stock_movements m ON m.count_id = c.id AND m.product_id = l.product_id
           GROUP BY c.id, c.status, l.product_id, l.counted_qty, l.expected_qty
           HAVING COALESCE(SUM(m.qty_delta), 0) != CASE WHEN c.status = 'closed'
                  THEN l.counted_qty - l.expected_qty ELSE 0 END""",
    ),
    (
        "stock movement {0}: booked by count {1}, which did not count product {2}",
        """SELECT m.id, m.count_id, m.product_id FROM stock_movements m WHERE m.count_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM stock_count_lines l WHERE l.count_id = m.count_id
                           AND l.product_id = m.product_id)""",
    ),
    (
        "sale {0}: earned points {1} times",
        """SELECT sale_id, COUNT(*) FROM points_movements WHERE kind = 'earn' AND sale_id IS NOT NULL
           GROUP BY sale_id HAVING COUNT(*) > 1""",
    ),
    (
        "prepaid account {0}: balance {1} is below zero",
        "SELECT id, balance_minor FROM prepaid_accounts WHERE balance_minor < 0 OR held_minor < 0",
    ),
    (
        "prepaid movement {0}: balance after {1} is below zero",
        "SELECT id, balance_after_minor FROM prepaid_movements WHERE balance_after_minor < 0",
    ),
    (
        "prepaid movement {0}: balance after {1} != running balance {2}",
        # one pass in account and id order (a window), not a sum of the earlier movements for each one
        """SELECT m.id, m.balance_after_minor, m.running FROM (
             SELECT id, balance_after_minor,
                    SUM(amount_minor) OVER (PARTITION BY account_id ORDER BY id
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running
             FROM prepaid_movements WHERE account_id IS NOT NULL) AS m
           WHERE m.balance_after_minor != m.running""",
    ),
    (
        "prepaid account {0}: {1} held for deposits != the deposits of bookings still holding one ({2})",
        f"""SELECT a.id, a.held_minor, COALESCE(SUM(ap.deposit_minor), 0)
           FROM prepaid_accounts a
           LEFT JOIN (SELECT DISTINCT account_id, appointment_id FROM prepaid_movements
                      WHERE kind = 'hold' AND appointment_id NOT IN ({_ENDED_HOLDS})) h ON h.account_id = a.id
           LEFT JOIN appointments ap ON ap.id = h.appointment_id
           GROUP BY a.id, a.held_minor
           HAVING a.held_minor != COALESCE(SUM(ap.deposit_minor), 0)""",
    ),
    (
        "appointment {0} is {1} but its deposit is still held (neither released nor taken)",
        f"""SELECT ap.id, ap.status FROM appointments ap
           JOIN prepaid_movements h ON h.appointment_id = ap.id AND h.kind = 'hold'
           WHERE ap.status NOT IN ('booked', 'confirmed')
             AND ap.id NOT IN ({_ENDED_HOLDS})""",
    ),
    ("appointments {0} and {1} overlap for stylist {2}", _overlaps("staff_id")),
    ("appointments {0} and {1} overlap for resource {2}", _overlaps("resource_id")),
    (
        "refunds of sale line {0} ({1}) exceed what was paid for it ({2})",
        """SELECT o.id, -SUM(r.line_total_minor), o.line_total_minor
           FROM sale_lines r JOIN sale_lines o ON o.id = r.original_line_id
           GROUP BY o.id, o.line_total_minor
           HAVING -SUM(r.line_total_minor) > o.line_total_minor OR -SUM(r.quantity) > o.quantity""",
    ),
    (
        "refunds of sale {0} ({1}) exceed its total ({2})",
        """SELECT o.id, -SUM(r.total_minor), o.total_minor
           FROM sales r JOIN sales o ON o.id = r.original_sale_id
           GROUP BY o.id, o.total_minor
           HAVING -SUM(r.total_minor) > o.total_minor""",
    ),
    (
        "refund {0} points at sale {1}, which is not a sale",
        """SELECT r.id, o.id FROM sales r JOIN sales o ON o.id = r.original_sale_id
           WHERE o.kind != 'sale' OR r.kind NOT IN ('refund', 'void')""",
    ),
    (
        "erasure {0} names client {1} ({2}), who is not erased: its redactions cannot be trusted",
        """SELECT e.id, e.client_id, e.client_number FROM erasures e
           LEFT JOIN clients c ON c.id = e.client_id
           WHERE c.id IS NULL OR c.erased_at IS NULL OR c.client_number != e.client_number""",
    ),
    (
        "client {0} ({1}) is marked erased but still holds personal data",
        """SELECT c.id, c.client_number FROM clients c
           WHERE c.erased_at IS NOT NULL
             AND (c.phone != '' OR c.email != '' OR c.wechat_id != '' OR c.notes != ''
                  OR c.allergies != '' OR c.contraindications != '' OR c.birthday IS NOT NULL
                  OR c.gender != '' OR c.skin_type != '' OR c.hair_type != '' OR c.external_id != ''
                  OR c.marketing_consent OR c.privacy_consent OR c.sms_consent OR c.email_consent
                  OR NOT EXISTS (SELECT 1 FROM erasures e WHERE e.client_id = c.id))""",
    ),
    (
        "client {0} ({1}) has {2} erasure records: one erasure is written once",
        """SELECT e.client_id, MIN(e.client_number), COUNT(*) FROM erasures e
           GROUP BY e.client_id HAVING COUNT(*) > 1""",
    ),
    (
        "erasure {0} of client {1} has no erase entry in the audit log",
        """SELECT e.id, e.client_number FROM erasures e
           WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'erase' AND a.entity = 'client'
                               AND a.entity_id = CAST(e.client_id AS VARCHAR(32)))""",
    ),
    (
        "erasure {0} of client {1} redacted {2} audit entries but says {3}: entries were emptied in its name",
        """SELECT e.id, e.client_number, COUNT(a.id), e.audit_redacted FROM erasures e
           LEFT JOIN audit_log a ON a.redacted_by = e.id
           GROUP BY e.id, e.client_number, e.audit_redacted
           HAVING COUNT(a.id) != e.audit_redacted""",
    ),
    (
        "client package {0}: sessions used {1} outside 0..{2}",
        """SELECT id, sessions_used, sessions_total FROM client_packages
           WHERE sessions_used < 0 OR sessions_used > sessions_total""",
    ),
    (
        "staff {0}: base pay {1} != the newest in its history ({2})",
        # the figure the staff editor shows is the one the newest month's statement pays
        """SELECT st.id, st.base_pay_minor, h.monthly_minor FROM staff st
           LEFT JOIN staff_base_pays h ON h.id = (
               SELECT h2.id FROM staff_base_pays h2 WHERE h2.staff_id = st.id
               ORDER BY h2.effective_from DESC, h2.id DESC LIMIT 1)
           WHERE COALESCE(st.base_pay_minor, -1) != COALESCE(h.monthly_minor, -1)""",
    ),
    (
        "time punch {0}: {1}",
        # the time clock (trust/timeclock.py): a removal names what it removes, a correction says
        # why, and it corrects a punch of the same person
        """SELECT p.id, CASE
               WHEN p.kind NOT IN ('in', 'out', 'break', 'back', 'void') THEN 'unknown kind ' || p.kind
               WHEN p.kind = 'void' AND p.replaces_id IS NULL THEN 'removes no punch'
               WHEN p.source = 'correction' AND TRIM(p.reason) = '' THEN 'a correction with no reason'
               ELSE 'replaces a punch of another person' END
           FROM time_punches p LEFT JOIN time_punches o ON o.id = p.replaces_id
           WHERE p.kind NOT IN ('in', 'out', 'break', 'back', 'void')
              OR (p.kind = 'void' AND p.replaces_id IS NULL)
              OR (p.source = 'correction' AND TRIM(p.reason) = '')
              OR (o.id IS NOT NULL AND o.staff_id != p.staff_id)""",
    ),
]

# visit step timestamps that must be in this order when present
_VISIT_ORDER = (
    "arrived_at",
    "greeted_at",
    "assessed_at",
    "service_started_at",
    "service_ended_at",
    "paid_at",
)


def check_invariants(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        problems = invariant_problems(conn, db.is_sqlite)
        conn.rollback()
    return problems


def invariant_problems(conn: Connection, is_sqlite: bool) -> list[str]:
    """The problems ``desk-app check`` finds, read on ``conn`` (inside its transaction: the move to
    a server checks what it copied before it commits)."""
    problems: list[str] = []
    if is_sqlite:
        for (row,) in conn.exec_driver_sql("PRAGMA integrity_check").fetchall():
            if row != "ok":
                problems.append(f"integrity_check: {row}")
        for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
            problems.append(f"foreign key: table {row[0]} row {row[1]} points at a missing {row[2]}")
    for message, sql in _CHECKS:
        for row in conn.execute(text(sql)).fetchall():
            problems.append(message.format(*row))
    for vid, n1, n2 in conn.execute(text(_visit_order_sql(is_sqlite))).fetchall():
        problems.append(f"visit {vid}: {n1} is after {n2}")
    problems += _erasure_problems(conn)
    problems += _plan_problems(conn)
    problems += _punch_problems(conn)
    problems += _rota_problems(conn)
    problems += _guard_problems(conn, is_sqlite)
    problems += summary_problems(conn, is_sqlite)
    return problems


def _plan_problems(conn: Connection) -> list[str]:
    """Every commission plan can be read (a pay statement of its months would fail otherwise)."""
    out = []
    for pid, raw in conn.execute(text("SELECT id, plan FROM commission_plans")).fetchall():
        try:
            parse_plan(json.loads(raw) if isinstance(raw, str) else raw)
        except (PlanError, ValueError, TypeError) as exc:
            out.append(f"commission plan {pid}: {exc}")
    return out


def _punch_problems(conn: Connection) -> list[str]:
    """Each person's punches in force make shifts (every write keeps it so: trust/timeclock.py)."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from desk_app.db.models import TimePunch
    from desk_app.domain import timesheet as ts

    later = aliased(TimePunch)
    rows = conn.execute(
        select(TimePunch.id, TimePunch.staff_id, TimePunch.kind, TimePunch.at)
        .outerjoin(later, later.replaces_id == TimePunch.id)
        .where(later.id.is_(None), TimePunch.kind != "void")
        .order_by(TimePunch.staff_id, TimePunch.at, TimePunch.id)
    ).all()
    by_staff: dict[int, list[ts.Punch]] = {}
    for pid, sid, kind, at in rows:
        by_staff.setdefault(int(sid), []).append(ts.Punch(int(pid), str(kind), at))
    out = []
    for sid, punches in sorted(by_staff.items()):
        try:
            ts.shifts(punches, strict=True)
        except ts.SequenceError as exc:
            out.append(f"staff {sid}: time punches do not make shifts ({exc.code}: {exc.kind} at {exc.at.isoformat()})")
    return out


def _rota_problems(conn: Connection) -> list[str]:
    """Every planned day of the rota is one the calendar can read (the rota's writes keep it so:
    calendar/rota.py): HH:MM times, the day ends after it starts, a break inside it, none on a day off."""
    from desk_app.domain import rota as rt

    out = []
    for rid, sid, day, a, b, c, d in conn.execute(
        text("SELECT id, staff_id, day, from_time, to_time, break_from, break_to FROM rota_days ORDER BY id")
    ).fetchall():
        bad = rt.problems(rt.DayPlan(a, b, c, d))
        if bad:
            out.append(f"staff {sid}: rota day {day} ({rid}) cannot be read ({', '.join(bad)})")
    return out


def _visit_order_sql(is_sqlite: bool) -> str:
    """The visits whose step times are out of ``_VISIT_ORDER``, with the first two present times
    that are out of order (a step not taken is skipped): read by the database, not by a Python loop
    over every visit. SQLite compares the stored text as ``_as_text`` does; PostgreSQL the times."""

    def t(expr: str) -> str:
        return f"substr(replace({expr}, 'T', ' '), 1, 26)" if is_sqlite else expr

    cases: list[tuple[str, str, str]] = []  # (out of order, this step, the next present step)
    for i, col in enumerate(_VISIT_ORDER[:-1]):
        later = _VISIT_ORDER[i + 1 :]
        nxt = later[0] if len(later) == 1 else f"COALESCE({', '.join(later)})"
        name = " ".join(f"WHEN {c} IS NOT NULL THEN '{c}'" for c in later)
        cases.append((f"({col} IS NOT NULL AND {t(col)} > {t(nxt)})", f"'{col}'", f"CASE {name} END"))
    first = " ".join(f"WHEN {cond} THEN {this}" for cond, this, _ in cases)
    second = " ".join(f"WHEN {cond} THEN {following}" for cond, _, following in cases)
    where = " OR ".join(cond for cond, _, _ in cases)
    return f"SELECT id, CASE {first} END, CASE {second} END FROM visits WHERE {where} ORDER BY id"


def _hour(col: str, is_sqlite: bool) -> str:
    if is_sqlite:
        return f"(substr({col}, 1, 13) || ':00:00.000000')"
    return f"(date_trunc('hour', {col} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"


# the sales summed by hour (migration 0022, what the monthly report reads) against the rows they sum:
# (table, its key, its sums, the same from the rows); a group whose sums are all zero is no group
_SUMMARIES: list[tuple[str, str, str, str]] = [
    (
        "sale_item_hours",
        "hour, branch_id, sale_kind, line_kind, service_id, product_id",
        "lines, quantity, total_minor, tax_minor, discount_minor",
        """SELECT {h}, s.branch_id, s.kind, l.kind, COALESCE(l.service_id, 0), COALESCE(l.product_id, 0), COUNT(*),
                  SUM(l.quantity), SUM(l.line_total_minor), SUM(l.tax_minor),
                  SUM(l.discount_minor + l.member_discount_minor)
           FROM sales s JOIN sale_lines l ON l.sale_id = s.id GROUP BY 1, 2, 3, 4, 5, 6""",
    ),
    (
        "sale_staff_hours",
        "hour, branch_id, sale_kind, line_kind, staff_id",
        "lines, quantity, total_minor",
        """SELECT {h}, s.branch_id, s.kind, l.kind, COALESCE(l.staff_id, 0), COUNT(*), SUM(l.quantity),
                  SUM(l.line_total_minor)
           FROM sales s JOIN sale_lines l ON l.sale_id = s.id GROUP BY 1, 2, 3, 4, 5""",
    ),
    (
        "sale_hours",
        "hour, branch_id, kind",
        "sales, total_minor, tickets",
        """SELECT {h}, s.branch_id, s.kind, COUNT(*), SUM(s.total_minor),
                  SUM(CASE WHEN s.kind = 'sale' AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id
                      AND l.kind NOT IN ('prepaid_topup', 'gift_voucher')) THEN 1 ELSE 0 END)
           FROM sales s GROUP BY 1, 2, 3""",
    ),
    (
        "payment_hours",
        "hour, branch_id, sale_kind, method",
        "payments, amount_minor",
        """SELECT {h}, s.branch_id, s.kind, p.method, COUNT(*), SUM(p.amount_minor)
           FROM sales s JOIN payments p ON p.sale_id = s.id GROUP BY 1, 2, 3, 4""",
    ),
    (  # migration 0023: a client's goods by hour (the value segments)
        "client_spend_hours",
        "client_id, hour",
        "lines, goods_minor",
        """SELECT s.client_id, {h}, COUNT(*), SUM(l.line_total_minor)
           FROM sales s JOIN sale_lines l ON l.sale_id = s.id
           WHERE s.client_id IS NOT NULL AND l.kind IN ('service', 'product', 'package') GROUP BY 1, 2""",
    ),
    (  # migration 0024: a client's first visit, not cancelled (the report's new clients); not a sum
        "client_first_visits",
        "client_id",
        "first_at",
        """SELECT v.client_id, MIN(v.arrived_at) FROM visits v
           WHERE v.client_id IS NOT NULL AND v.step != 'cancelled' GROUP BY 1""",
    ),
]
_NOT_SUMMED = {"client_first_visits"}  # every row counts (no all-zero rows left by subtractions)


def summary_rebuild_sql(is_sqlite: bool) -> list[str]:
    """Statements that make the hourly sales summaries again from the rows (what the triggers would
    have written): for a bulk build that set the triggers aside while it wrote."""
    out: list[str] = []
    for table, key, sums, rows_sql in _SUMMARIES:
        out.append(f"DELETE FROM {table}")
        out.append(f"INSERT INTO {table} ({key}, {sums}) " + rows_sql.format(h=_hour("s.sold_at", is_sqlite)))
    return out


def summary_problems(conn: Connection, is_sqlite: bool, limit: int = 5) -> list[str]:
    """Where the hourly sales summaries differ from the sales, lines and payments they sum (a row
    written past the triggers, a summary changed by hand). At most ``limit`` groups a table."""
    out: list[str] = []
    for table, key, sums, rows_sql in _SUMMARIES:
        cols = [c.strip() for c in (key + "," + sums).split(",")]
        listed = ", ".join(cols)
        nonzero = "1 = 1" if table in _NOT_SUMMED else " OR ".join(f"{c.strip()} != 0" for c in sums.split(","))
        have = f"SELECT {key}, {sums}, 1 AS side FROM {table} WHERE {nonzero}"
        want = f"SELECT *, 2 AS side FROM ({rows_sql.format(h=_hour('s.sold_at', is_sqlite))}) AS w"
        # both ways in one pass (the rows summed once, not once for each EXCEPT): a group found on one
        # side only is not in (side 1) or missing from (side 2) the summary of the rows
        sql = f"""SELECT * FROM (
                    SELECT {listed}, side, ROW_NUMBER() OVER (PARTITION BY side ORDER BY {listed}) AS n FROM (
                      SELECT {listed}, MIN(side) AS side FROM ({have} UNION ALL {want}) AS u
                      GROUP BY {listed} HAVING MIN(side) = MAX(side)) AS d) AS r
                  WHERE n <= {int(limit)} ORDER BY side, n"""
        for row in conn.execute(text(sql)).fetchall():
            what = "not in" if row[-2] == 1 else "missing from"
            out.append(
                f"{'visits' if table in _NOT_SUMMED else 'sales'} summary {table}: the group {tuple(row[:-2])} "
                f"is {what} the summary of the rows (changed by hand?): the monthly report cannot be trusted"
            )
    return out


def _erasure_problems(conn: Connection) -> list[str]:
    """An erased client carries the anonymised name in one of the app's languages, and is erased
    after the profile was made (a hand-made erasure keeps the name or back-dates the record)."""
    from desk_app.i18n import SUPPORTED, translation

    names = [translation(lang).gettext("Erased client {number}") for lang in SUPPORTED]
    out: list[str] = []
    rows = conn.execute(
        text(
            """SELECT c.id, c.client_number, c.name, c.created_at, e.id, e.at FROM clients c
               LEFT JOIN erasures e ON e.client_id = c.id WHERE c.erased_at IS NOT NULL ORDER BY c.id"""
        )
    ).fetchall()
    for cid, number, name, created, eid, at in rows:
        if name not in {n.format(number=number) for n in names}:
            out.append(f"client {cid} ({number}) is marked erased but still carries a name")
        if eid is not None and _as_text(at) < _as_text(created):
            out.append(f"erasure {eid} of client {number} is dated before the profile was made")
    return out


# The guards the migrations put in the database (append-only audit log and erasure records, no
# double booking, the search index and the sales summaries kept in step): their names and a fingerprint of their text at
# the head revision. A guard dropped, disabled or rewritten by hand is a problem. A migration that
# changes a guard updates this table (a fresh shop must pass desk-app check: tests/integration/test_sales_summaries.py).
SQLITE_GUARDS = {
    "appointments_no_overlap_resource_id_insert": "a6db5e901f5dc6f1",
    "appointments_no_overlap_resource_id_update": "f23d00baaf2ac25a",
    "appointments_no_overlap_staff_id_insert": "d070db03a71c73fd",
    "appointments_no_overlap_staff_id_update": "ab33644185be1ffc",
    "client_spend_ad": "709dad62f6966c73",
    "client_spend_ai": "93dd5e3ce8713a41",
    "client_spend_au": "1338074b4fd31eb1",
    "client_spend_sale_au": "914edba6fcf36df8",
    "client_first_ad": "5a31fb52d71d4e91",
    "client_first_ai": "1f091df5ab2e0858",
    "client_first_au": "9f263489e899eab7",
    "audit_log_refuse_delete": "c3e23bff69a13211",
    "audit_log_refuse_replace": "802a5d782984d8a0",
    "audit_log_refuse_update": "cae2e787903e2da8",
    "client_fts_ad": "9ab3fdb7fd2d5ffe",
    "client_fts_ai": "4f0d955a550c2d8b",
    "client_fts_au": "e9e31daf4b4e8365",
    "erasures_only_of_erased_clients": "3a6d3d0fa011a3f2",
    "erasures_refuse_delete": "b7687ace36f81321",
    "erasures_refuse_replace": "9498a59b7468b6ef",
    "erasures_refuse_update": "f2ef0b7c9b3462d3",
    "payment_hours_ad": "7375ea3f0353c91f",
    "payment_hours_ai": "d7a873616b9dfa38",
    "payment_hours_au": "ac9e55400c60eee0",
    "sale_lines_summary_ad": "8c41caf2335c45c3",
    "sale_lines_summary_ai": "a300c61cbf0494e1",
    "sale_lines_summary_au": "93cc6b61476b8f84",
    "sale_hours_ad": "e8f1594b21813a4b",
    "sale_hours_ai": "1520c6ee5d1e160d",
    "sale_hours_au": "e3994ff3a84557b3",
}
# PostgreSQL: trigger name -> (table, event bits, fingerprint of the function's source); the
# source is compared rather than pg_get_triggerdef, whose layout differs between server versions
POSTGRES_GUARDS = {
    "audit_log_only_redaction": ("audit_log", 19, "19f293969eac82cc"),
    "audit_log_refuse_change": ("audit_log", 42, "0d294213e88227a5"),
    "client_spend_keep": ("sale_lines", 29, "ccd840a9f23135f5"),
    "client_spend_sale_keep": ("sales", 17, "2af829fafcb8a8c6"),
    "client_first_keep": ("visits", 29, "a33201564a93804a"),
    "erasures_only_of_erased_clients": ("erasures", 7, "57fc90213f1d9c24"),
    "erasures_refuse_change": ("erasures", 58, "408bd641a34c4371"),
    "payment_hours_keep": ("payments", 29, "a308223693efea36"),
    "sale_hours_keep": ("sales", 29, "136fd2745b53dcb8"),
    "sale_lines_summary_keep": ("sale_lines", 29, "c295992f8250d63f"),
}
POSTGRES_CONSTRAINTS = ("ex_appointments_resource_overlap", "ex_appointments_staff_overlap")


def fingerprint(sql: str) -> str:
    return hashlib.sha256(" ".join(sql.split()).encode()).hexdigest()[:16]


def guards_found(conn: Connection, is_sqlite: bool) -> dict[str, object]:
    """The guards in the database as ``SQLITE_GUARDS`` / ``POSTGRES_GUARDS`` describe them."""
    if is_sqlite:
        return {
            str(n): fingerprint(str(sql or ""))
            for n, sql in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        }
    found: dict[str, object] = {}
    for n, table, bits, enabled, src in conn.exec_driver_sql(
        """SELECT t.tgname, c.relname, t.tgtype, t.tgenabled, p.prosrc FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE NOT t.tgisinternal AND c.relnamespace = to_regnamespace(current_schema())"""
    ):
        found[str(n)] = (str(table), int(bits), fingerprint(str(src))) if enabled != "D" else "disabled"
    for (n,) in conn.exec_driver_sql(
        """SELECT con.conname FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
           WHERE con.contype = 'x' AND c.relnamespace = to_regnamespace(current_schema())"""
    ):
        found[str(n)] = "constraint"
    return found


def _guard_problems(conn: Connection, is_sqlite: bool) -> list[str]:
    found = guards_found(conn, is_sqlite)
    expected: dict[str, object] = (
        dict(SQLITE_GUARDS)
        if is_sqlite
        else {**POSTGRES_GUARDS, **{n: "constraint" for n in POSTGRES_CONSTRAINTS}}
    )
    out: list[str] = []
    for name, want in sorted(expected.items()):
        have = found.get(name)
        if have is None:
            out.append(
                f"database guard {name} is missing (dropped by hand?): the records it protects cannot be trusted"
            )
        elif have == "disabled":
            out.append(f"database guard {name} is disabled: the records it protects cannot be trusted")
        elif have != want:
            out.append(
                f"database guard {name} was changed by hand: the records it protects cannot be trusted"
            )
    return out


def _as_text(v: object) -> str:
    """Timestamps come back as text (SQLite, ISO) or datetimes (PostgreSQL); compare them as ISO text in UTC."""
    from datetime import UTC, datetime

    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(UTC).replace(tzinfo=None)
        return v.isoformat(sep=" ")
    return str(v).replace("T", " ")[:26]
