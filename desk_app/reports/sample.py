"""A small, seeded shop history that follows docs/money-model.md to the letter.

Used by the report tests and the quick benchmark so that they do not depend on
the full demo generator: visits with every step time, sales with discounts,
VIP prices, tax, tips, split payments, prepaid top-ups and spending, packages
sold and redeemed, refunds and voids, no-shows, follow-ups, complaints,
feedback and memberships. Rows are written with bulk inserts (fast enough for
a few hundred thousand lines).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update

from desk_app.db.engine import Database
from desk_app.db.models import (
    Appointment,
    Branch,
    Client,
    ClientPackage,
    Complaint,
    Feedback,
    FollowUp,
    Membership,
    Package,
    PackageRedemption,
    Payment,
    PrepaidAccount,
    PrepaidMovement,
    Product,
    Sale,
    SaleLine,
    Service,
    Shop,
    Staff,
    Visit,
)
from desk_app.domain.aftercare import ComplaintCategory, ComplaintStatus, FeedbackStatus, FollowUpStatus

SERVICE_TAX_BP = 600


def _tax_in(total: int, bp: int) -> int:
    """Tax contained in a tax-inclusive amount, half-up."""
    if total == 0 or bp == 0:
        return 0
    num = total * bp
    den = 10000 + bp
    q, r = divmod(abs(num), den)
    q += 1 if 2 * r >= den else 0
    return q if total > 0 else -q


@dataclass
class _Ids:
    nxt: dict[str, int] = field(default_factory=dict)

    def take(self, name: str) -> int:
        self.nxt[name] = self.nxt.get(name, 0) + 1
        return self.nxt[name]


@dataclass
class SampleStats:
    sales: int = 0
    lines: int = 0
    visits: int = 0


def generate(
    db: Database,
    *,
    start_month: str,
    months: int = 1,
    clients: int = 60,
    stylists: int = 4,
    visits_per_day: int = 8,
    seed: int = 7,
) -> SampleStats:
    """Add stylists, clients and `months` of history from `start_month` (YYYY-MM) to a set-up shop."""
    rng = random.Random(seed)
    stats = SampleStats()
    with db.uow() as uow:
        s = uow.session
        shop = s.execute(select(Shop)).scalars().first()
        assert shop is not None, "create the shop first"
        tz = ZoneInfo(shop.timezone)
        cur = shop.currency
        branch_id = s.execute(select(Branch.id).order_by(Branch.id)).scalars().first()
        assert branch_id is not None
        services = s.execute(select(Service.id, Service.price_minor)).all()
        products = s.execute(select(Product.id, Product.price_minor)).all()
        pkg = s.execute(select(Package.id, Package.service_id, Package.sessions, Package.price_minor)).first()
        service_price = {int(i): int(pr) for i, pr in services}
        ids = _Ids()
        for table in (
            "sales",
            "sale_lines",
            "payments",
            "visits",
            "clients",
            "appointments",
            "staff",
            "prepaid_accounts",
            "prepaid_movements",
            "client_packages",
        ):
            ids.nxt[table] = int(
                s.execute(select(func.coalesce(func.max(_table(table).c.id), 0))).scalar_one()
            )
        staff_rows = []
        staff_ids = []
        for i in range(stylists):
            sid = ids.take("staff")
            staff_ids.append(sid)
            staff_rows.append(
                {
                    "id": sid,
                    "branch_id": branch_id,
                    "name": f"Stylist {i + 1:02d}",
                    "role": "stylist",
                    "pin_hash": "x",
                    "active": True,
                    "color": "#5B8DEF",
                    "working_hours": {},
                    "permissions": {},
                    "failed_pin_attempts": 0,
                }
            )
        s.execute(insert(Staff), staff_rows)
        client_rows = []
        client_ids = []
        for _n in range(clients):
            cid = ids.take("clients")
            client_ids.append(cid)
            client_rows.append(
                {
                    "id": cid,
                    "client_number": f"S{cid:06d}",
                    "name": f"客户 Client {cid}",
                    "search_text": "",
                    "branch_id": branch_id,
                    "phone": f"+86138{cid:08d}",
                    "version": 1,
                }
            )
        s.execute(insert(Client), client_rows)
        y, m = (int(x) for x in start_month.split("-"))
        first = datetime(y, m, 1, tzinfo=tz)
        last_y, last_m = y + (m - 1 + months) // 12, (m - 1 + months) % 12 + 1
        end = datetime(last_y, last_m, 1, tzinfo=tz)

        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen: set[int] = set()
        balance: dict[int, int] = {}  # client -> prepaid account balance
        account: dict[int, int] = {}
        cpack: dict[int, tuple[int, int, int]] = {}  # client -> (client_package_id, left, unit value)
        slot: dict[int, int] = defaultdict(int)
        member: set[int] = set()
        paid_sales: list[tuple[int, int, str, datetime, list[dict[str, Any]]]] = []
        receipt = [0]

        def appt(staff: int, client: int, status: str, start_at: datetime) -> int:
            aid = ids.take("appointments")
            rows["appointments"].append(
                {
                    "id": aid,
                    "branch_id": branch_id,
                    "client_id": client,
                    "staff_id": staff,
                    "start_at": start_at,
                    "end_at": start_at + timedelta(minutes=30),
                    "block_end_at": start_at + timedelta(minutes=30),
                    "status": status,
                    "version": 1,
                    "created_at": start_at,
                }
            )
            return aid

        def sale(
            kind: str,
            client: int | None,
            visit: int | None,
            at: datetime,
            lines: list[dict[str, Any]],
            pays: list[tuple[str, int]],
            original: int | None = None,
        ) -> int:
            sid = ids.take("sales")
            receipt[0] += 1
            total = 0
            for n, ln in enumerate(lines, 1):
                ln.update({"id": ids.take("sale_lines"), "sale_id": sid, "line_no": n})
                ln.setdefault("discount_minor", 0)
                ln.setdefault("member_discount_minor", 0)
                ln.setdefault("tax_minor", 0)
                ln.setdefault("tax_rate_bp", 0)
                ln.setdefault("discount_reason", "")
                ln.setdefault("full_price", ln["discount_minor"] == 0 and ln["member_discount_minor"] == 0)
                for k in ("staff_id", "service_id", "product_id", "package_id", "original_line_id"):
                    ln.setdefault(k, None)
                total += ln["line_total_minor"]
                rows["sale_lines"].append(ln)
            assert sum(a for _m, a in pays) == total, "I2"
            gross_kinds = ("service", "product", "package", "prepaid_topup")
            rows["sales"].append(
                {
                    "id": sid,
                    "branch_id": branch_id,
                    "receipt_no": f"R{sid:08d}",
                    "kind": kind,
                    "original_sale_id": original,
                    "reason": "sample" if original else "",
                    "client_id": client,
                    "visit_id": visit,
                    "sold_at": at,
                    "currency": cur,
                    "subtotal_minor": sum(
                        ln["quantity"] * ln["unit_price_minor"] for ln in lines if ln["kind"] in gross_kinds
                    ),
                    "discount_minor": sum(ln["discount_minor"] + ln["member_discount_minor"] for ln in lines),
                    "tax_minor": sum(ln["tax_minor"] for ln in lines),
                    "tip_minor": sum(ln["line_total_minor"] for ln in lines if ln["kind"] == "tip"),
                    "rounding_minor": 0,
                    "total_minor": total,
                    "prices_include_tax": True,
                }
            )
            for mth, amt in pays:
                pr: dict[str, Any] = {
                    "id": ids.take("payments"),
                    "sale_id": sid,
                    "method": mth,
                    "amount_minor": amt,
                    "paid_at": at,
                    "change_minor": 0,
                    "reference": "",
                }
                if mth == "prepaid":
                    pr["prepaid_account_id"] = account[client or 0]
                    move(client or 0, "spend", -amt, at, sid)
                rows["payments"].append(pr)
            stats.sales += 1
            stats.lines += len(lines)
            return sid

        def move(client: int, kind: str, amount: int, at: datetime, sale_id: int | None) -> None:
            if client not in account:
                aid = ids.take("prepaid_accounts")
                account[client] = aid
                balance[client] = 0
                rows["prepaid_accounts"].append(
                    {
                        "id": aid,
                        "client_id": client,
                        "balance_minor": 0,
                        "held_minor": 0,
                        "version": 1,
                        "created_at": at,
                    }
                )
            balance[client] += amount
            assert balance[client] >= 0
            rows["prepaid_movements"].append(
                {
                    "id": ids.take("prepaid_movements"),
                    "account_id": account[client],
                    "kind": kind,
                    "amount_minor": amount,
                    "balance_after_minor": balance[client],
                    "sale_id": sale_id,
                    "at": at,
                    "note": "",
                }
            )

        def flush() -> None:
            for ln in rows["sale_lines"]:
                ln.pop("_refunded", None)
            for pr_row in rows["package_redemptions"]:
                pr_row.pop("_sale", None)
            order = [
                "appointments",
                "visits",
                "sales",
                "sale_lines",
                "prepaid_accounts",
                "client_packages",
                "payments",
                "prepaid_movements",
                "package_redemptions",
                "memberships",
                "follow_ups",
                "feedback",
                "complaints",
            ]
            for name in order:
                batch = rows.get(name)
                if batch:
                    tbl = _table(name)
                    keys = set().union(*(r.keys() for r in batch))
                    for r in batch:  # executemany needs the same keys in every row
                        for k in keys - r.keys():
                            r[k] = None
                    for i in range(0, len(batch), 5000):
                        s.execute(insert(tbl), batch[i : i + 5000])
            rows.clear()

        day = first
        month_no = day.month
        while day < end:
            if day.month != month_no:
                flush()
                month_no = day.month
                del paid_sales[:-40]
            for _ in range(visits_per_day + rng.randint(-2, 2)):
                client = rng.choice(client_ids)
                staff = rng.choice(staff_ids)
                arrived = day + timedelta(hours=rng.randint(9, 19), minutes=rng.randint(0, 59))
                arrived_u = arrived.astimezone(UTC)
                booked = arrived_u - timedelta(minutes=rng.randint(-10, 10)) if rng.random() < 0.6 else None
                greeted = arrived_u + timedelta(seconds=rng.choice([10, 20, 25, 40, 90]))
                assessed = greeted + timedelta(minutes=rng.randint(3, 14))
                started = assessed + timedelta(minutes=rng.randint(1, 12))
                ended = started + timedelta(minutes=rng.randint(30, 90))
                paid = ended + timedelta(minutes=rng.randint(2, 8))
                vid = ids.take("visits")
                new = client not in seen
                seen.add(client)
                cancelled = rng.random() < 0.03
                nxt = None
                if not cancelled and rng.random() < 0.45:
                    slot[staff] += 1
                    nxt = appt(
                        staff,
                        client,
                        "booked",
                        datetime(2030, 1, 1, tzinfo=UTC) + timedelta(hours=slot[staff]),
                    )
                sat = rng.choice([5, 5, 5, 4, 4, 3, 2, None]) if not cancelled else None
                rows["visits"].append(
                    {
                        "id": vid,
                        "branch_id": branch_id,
                        "client_id": client,
                        "staff_id": staff,
                        "kind": "booked" if booked else "walk_in",
                        "step": "cancelled" if cancelled else "done",
                        "status": "cancelled" if cancelled else "done",
                        "booked_start_at": booked,
                        "arrived_at": arrived_u,
                        "greeted_at": greeted,
                        "assessed_at": assessed,
                        "service_started_at": None if cancelled else started,
                        "service_ended_at": None if cancelled else ended,
                        "paid_at": None if cancelled else paid,
                        "left_at": paid,
                        "is_new_client": new,
                        "skipped_steps": {},
                        "next_appointment_id": nxt,
                        "satisfaction": sat,
                        "version": 1,
                        "rebook_declined_reason": "",
                        "problem": "",
                        "notes": "",
                    }
                )
                stats.visits += 1
                if cancelled:
                    continue
                lines: list[dict[str, Any]] = []
                redeemed = False
                if client in cpack and cpack[client][1] > 0 and pkg is not None and rng.random() < 0.7:
                    cp_id, left, unit = cpack[client]
                    cpack[client] = (cp_id, left - 1, unit)
                    price = service_price[pkg[1]]
                    lines.append(
                        {
                            "kind": "service",
                            "service_id": pkg[1],
                            "staff_id": staff,
                            "quantity": 1,
                            "unit_price_minor": price,
                            "discount_minor": price,
                            "discount_reason": "package",
                            "line_total_minor": 0,
                            "full_price": False,
                            "description": "package session",
                        }
                    )
                    rows["package_redemptions"].append(
                        {
                            "client_package_id": cp_id,
                            "sessions": 1,
                            "value_minor": unit,
                            "at": paid,
                            "staff_id": staff,
                            "visit_id": vid,
                            "_sale": True,
                        }
                    )
                    redeemed = True
                for _k in range(rng.choice([1, 1, 1, 2])):
                    sv_id, price = rng.choice(services)
                    disc = rng.choice([0, 0, 0, price // 10])
                    mdisc = (price - disc) * 12 // 100 if client in member else 0
                    total = price - disc - mdisc
                    lines.append(
                        {
                            "kind": "service",
                            "service_id": sv_id,
                            "staff_id": staff,
                            "quantity": 1,
                            "unit_price_minor": price,
                            "discount_minor": disc,
                            "member_discount_minor": mdisc,
                            "tax_rate_bp": SERVICE_TAX_BP,
                            "tax_minor": _tax_in(total, SERVICE_TAX_BP),
                            "line_total_minor": total,
                            "description": "service",
                        }
                    )
                if products and rng.random() < 0.3:
                    pid, price = rng.choice(products)
                    qty = rng.choice([1, 1, 2])
                    lines.append(
                        {
                            "kind": "product",
                            "product_id": pid,
                            "staff_id": staff,
                            "quantity": qty,
                            "unit_price_minor": price,
                            "line_total_minor": qty * price,
                            "description": "product",
                        }
                    )
                if rng.random() < 0.1:
                    tip = rng.choice([1000, 2000, 5000])
                    lines.append(
                        {
                            "kind": "tip",
                            "staff_id": staff,
                            "quantity": 1,
                            "unit_price_minor": tip,
                            "line_total_minor": tip,
                            "description": "tip",
                        }
                    )
                total = sum(ln["line_total_minor"] for ln in lines)
                r = rng.random()
                if client in balance and balance[client] >= total and r < 0.5:
                    pays = [("prepaid", total)]
                elif r < 0.15 and total > 100:
                    pays = [("cash", total // 3), ("card", total - total // 3)]
                else:
                    pays = [(rng.choice(["cash", "card", "wechat", "alipay"]), total)]
                pays = [(mth, a) for mth, a in pays if a != 0] or ([] if total == 0 else [("cash", total)])
                sid = sale("sale", client, vid, paid, lines, pays)
                if redeemed:
                    rows["package_redemptions"][-1]["sale_id"] = sid
                paid_sales.append((sid, client, pays[0][0] if pays else "cash", paid, lines))
                if total >= 30000 and client not in member:
                    member.add(client)
                    rows["memberships"].append(
                        {
                            "client_id": client,
                            "tier": "vip",
                            "reason": "single_purchase",
                            "sale_id": sid,
                            "at": paid,
                        }
                    )
                # extras on some visits: a top-up, a package, a follow-up, feedback, a complaint
                if rng.random() < 0.08:
                    amt = rng.choice([100000, 200000, 300000])
                    tid = sale(
                        "sale",
                        client,
                        None,
                        paid + timedelta(minutes=1),
                        [
                            {
                                "kind": "prepaid_topup",
                                "quantity": 1,
                                "unit_price_minor": amt,
                                "line_total_minor": amt,
                                "description": "top-up",
                            }
                        ],
                        [(rng.choice(["card", "wechat"]), amt)],
                    )
                    move(client, "topup", amt, paid + timedelta(minutes=1), tid)
                    if amt >= 200000:
                        move(client, "bonus", amt // 10, paid + timedelta(minutes=1), tid)
                if pkg is not None and client not in cpack and rng.random() < 0.04:
                    pk_id, pk_service, sessions, pk_price = pkg
                    at = paid + timedelta(minutes=2)
                    psid = sale(
                        "sale",
                        client,
                        None,
                        at,
                        [
                            {
                                "kind": "package",
                                "package_id": pk_id,
                                "quantity": 1,
                                "unit_price_minor": pk_price,
                                "line_total_minor": pk_price,
                                "staff_id": staff,
                                "description": "package",
                            }
                        ],
                        [("alipay", pk_price)],
                    )
                    cp_id = ids.take("client_packages")
                    rows["client_packages"].append(
                        {
                            "id": cp_id,
                            "client_id": client,
                            "package_id": pk_id,
                            "service_id": pk_service,
                            "sessions_total": sessions,
                            "sessions_used": 0,
                            "price_minor": pk_price,
                            "sale_id": psid,
                            "purchased_at": at,
                            "version": 1,
                        }
                    )
                    cpack[client] = (cp_id, sessions, pk_price // sessions)
                rows["follow_ups"].append(
                    {
                        "visit_id": vid,
                        "client_id": client,
                        "staff_id": staff,
                        "due_from": paid + timedelta(days=2),
                        "due_by": paid + timedelta(days=3),
                        "status": FollowUpStatus.DONE if rng.random() < 0.8 else FollowUpStatus.NO_ANSWER,
                        "attempts": 1,
                        "satisfaction": rng.choice([5, 4, 4, 3, None]),
                        "completed_at": (called := paid + timedelta(days=rng.choice([2, 2, 3, 4]))),
                        "called_at": called,
                        "comments": "",
                    }
                )
                if rng.random() < 0.3:
                    rows["feedback"].append(
                        {
                            "client_id": client,
                            "visit_id": vid,
                            "staff_id": staff,
                            "source": "checkout",
                            "score": sat,
                            "content": "",
                            "at": paid + timedelta(hours=rng.choice([0, 1, 30])),
                            "status": FeedbackStatus.HANDLED,
                            "handled_at": paid + timedelta(hours=rng.choice([2, 50, 100])),
                            "improvement_action": "",
                        }
                    )
                if sat is not None and sat <= 2:
                    opened = paid + timedelta(minutes=5)
                    rows["complaints"].append(
                        {
                            "branch_id": branch_id,
                            "client_id": client,
                            "visit_id": vid,
                            "staff_involved_id": staff,
                            "category": rng.choice(
                                [
                                    ComplaintCategory.SERVICE,
                                    ComplaintCategory.WAIT,
                                    ComplaintCategory.PRICE,
                                    ComplaintCategory.ATTITUDE,
                                ]
                            ),
                            "source": "checkout_score",
                            "opened_at": opened,
                            "first_response_due_at": opened + timedelta(hours=24),
                            "first_response_at": opened + timedelta(hours=rng.choice([1, 5, 30])),
                            "status": ComplaintStatus.RESPONDED,
                        }
                    )
            # a no-show and, every few days, a refund and a void
            slot_staff = rng.choice(staff_ids)
            slot[slot_staff] += 1
            appt(
                slot_staff,
                rng.choice(client_ids),
                "no_show",
                (day + timedelta(hours=11)).astimezone(UTC) + timedelta(minutes=slot[slot_staff] % 50),
            )
            if paid_sales and rng.random() < 0.4:
                osid, oclient, method, oat, olines = rng.choice(paid_sales[-40:])
                cand = [
                    ln
                    for ln in olines
                    if ln["kind"] in ("product", "service")
                    and ln["line_total_minor"] > 0
                    and not ln.get("_refunded")
                ]
                if cand and method != "prepaid":
                    ln = cand[0]
                    ln["_refunded"] = True
                    at = (day + timedelta(hours=20)).astimezone(UTC)
                    rl = {
                        k: ln[k]
                        for k in (
                            "kind",
                            "service_id",
                            "product_id",
                            "staff_id",
                            "unit_price_minor",
                            "tax_rate_bp",
                            "description",
                        )
                    }
                    rl.update(
                        {
                            "quantity": -ln["quantity"],
                            "discount_minor": -ln["discount_minor"],
                            "member_discount_minor": -ln["member_discount_minor"],
                            "tax_minor": -ln["tax_minor"],
                            "line_total_minor": -ln["line_total_minor"],
                            "original_line_id": ln["id"],
                            "full_price": ln["full_price"],
                        }
                    )
                    sale(
                        "refund", oclient, None, at, [rl], [(method, -ln["line_total_minor"])], original=osid
                    )
            day = (day + timedelta(days=1, hours=2)).replace(hour=0)
        flush()
        for client, bal in balance.items():
            s.execute(
                update(PrepaidAccount).where(PrepaidAccount.id == account[client]).values(balance_minor=bal)
            )
        for cp_id, left, _u in cpack.values():
            s.execute(
                update(ClientPackage)
                .where(ClientPackage.id == cp_id)
                .values(sessions_used=ClientPackage.sessions_total - left)
            )
        s.execute(update(Client).where(Client.id.in_(list(member))).values(membership_tier="vip"))
        # make two products run low
        low = s.execute(select(Product.id).order_by(Product.id).limit(2)).scalars().all()
        s.execute(update(Product).where(Product.id.in_(low)).values(stock_qty=1, reorder_level=5))
        uow.commit()
    return stats


_TABLES = {
    "sales": Sale,
    "sale_lines": SaleLine,
    "payments": Payment,
    "visits": Visit,
    "clients": Client,
    "appointments": Appointment,
    "staff": Staff,
    "prepaid_accounts": PrepaidAccount,
    "prepaid_movements": PrepaidMovement,
    "client_packages": ClientPackage,
    "package_redemptions": PackageRedemption,
    "memberships": Membership,
    "follow_ups": FollowUp,
    "feedback": Feedback,
    "complaints": Complaint,
}


def _table(name: str) -> Any:
    return _TABLES[name].__table__
