"""``desk-app check``: the database file's integrity and the money invariants
listed at the end of docs/money-model.md. Each problem is one line of text."""

from __future__ import annotations

from sqlalchemy import text

from desk_app.db.engine import Database

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
        "prepaid account {0}: balance {1} is below zero",
        "SELECT id, balance_minor FROM prepaid_accounts WHERE balance_minor < 0 OR held_minor < 0",
    ),
    (
        "prepaid movement {0}: balance after {1} is below zero",
        "SELECT id, balance_after_minor FROM prepaid_movements WHERE balance_after_minor < 0",
    ),
    (
        "prepaid movement {0}: balance after {1} != running balance {2}",
        """SELECT m.id, m.balance_after_minor,
                  (SELECT SUM(m2.amount_minor) FROM prepaid_movements m2
                    WHERE m2.account_id = m.account_id AND m2.id <= m.id)
           FROM prepaid_movements m
           WHERE m.balance_after_minor != (SELECT SUM(m2.amount_minor) FROM prepaid_movements m2
                                             WHERE m2.account_id = m.account_id AND m2.id <= m.id)""",
    ),
    (
        "prepaid account {0}: {1} held for deposits != the deposits of bookings still holding one ({2})",
        """SELECT a.id, a.held_minor, COALESCE(SUM(ap.deposit_minor), 0)
           FROM prepaid_accounts a
           LEFT JOIN prepaid_movements h ON h.account_id = a.id AND h.kind = 'hold'
                AND NOT EXISTS (SELECT 1 FROM prepaid_movements e WHERE e.appointment_id = h.appointment_id
                                  AND e.kind IN ('release', 'forfeit'))
           LEFT JOIN appointments ap ON ap.id = h.appointment_id
           GROUP BY a.id, a.held_minor
           HAVING a.held_minor != COALESCE(SUM(ap.deposit_minor), 0)""",
    ),
    (
        "appointment {0} is {1} but its deposit is still held (neither released nor taken)",
        """SELECT ap.id, ap.status FROM appointments ap
           JOIN prepaid_movements h ON h.appointment_id = ap.id AND h.kind = 'hold'
           WHERE ap.status NOT IN ('booked', 'confirmed')
             AND NOT EXISTS (SELECT 1 FROM prepaid_movements e WHERE e.appointment_id = ap.id
                               AND e.kind IN ('release', 'forfeit'))""",
    ),
    (
        "appointments {0} and {1} overlap for stylist {2}",
        """SELECT a.id, b.id, a.staff_id FROM appointments a JOIN appointments b
             ON a.staff_id = b.staff_id AND a.id < b.id
           WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')
             AND a.start_at < b.block_end_at AND b.start_at < a.block_end_at""",
    ),
    (
        "appointments {0} and {1} overlap for resource {2}",
        """SELECT a.id, b.id, a.resource_id FROM appointments a JOIN appointments b
             ON a.resource_id = b.resource_id AND a.id < b.id
           WHERE a.resource_id IS NOT NULL
             AND a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')
             AND a.start_at < b.block_end_at AND b.start_at < a.block_end_at""",
    ),
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
                  OR NOT EXISTS (SELECT 1 FROM erasures e WHERE e.client_id = c.id))""",
    ),
    (
        "client package {0}: sessions used {1} outside 0..{2}",
        """SELECT id, sessions_used, sessions_total FROM client_packages
           WHERE sessions_used < 0 OR sessions_used > sessions_total""",
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
    problems: list[str] = []
    with db.engine.connect() as conn:
        if db.is_sqlite:
            for (row,) in conn.exec_driver_sql("PRAGMA integrity_check").fetchall():
                if row != "ok":
                    problems.append(f"integrity_check: {row}")
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
                problems.append(f"foreign key: table {row[0]} row {row[1]} points at a missing {row[2]}")
        for message, sql in _CHECKS:
            for row in conn.execute(text(sql)).fetchall():
                problems.append(message.format(*row))
        cols = ", ".join(_VISIT_ORDER)
        for row in conn.execute(text(f"SELECT id, {cols} FROM visits")).fetchall():
            stamps = [(name, v) for name, v in zip(_VISIT_ORDER, row[1:], strict=True) if v is not None]
            for (n1, v1), (n2, v2) in zip(stamps, stamps[1:], strict=False):
                if _as_text(v1) > _as_text(v2):
                    problems.append(f"visit {row[0]}: {n1} is after {n2}")
                    break
        conn.rollback()
    return problems


def _as_text(v: object) -> str:
    """Timestamps come back as text (SQLite, ISO) or datetimes (PostgreSQL); compare them as ISO text in UTC."""
    from datetime import UTC, datetime

    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(UTC).replace(tzinfo=None)
        return v.isoformat(sep=" ")
    return str(v).replace("T", " ")[:26]
