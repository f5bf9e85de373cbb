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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from desk_app.checkout import bill as cb
from desk_app.checkout import record
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
    StockMovement,
    Visit,
)
from desk_app.db.types import UTCDateTime
from desk_app.domain.aftercare import ComplaintCategory, ComplaintStatus, FeedbackStatus, FollowUpStatus
from desk_app.settings import SettingsStore
from desk_app.trust.integrity import summary_rebuild_sql

SERVICE_TAX_BP = 600  # the sample's services carry their own 6 % tax (prices include it)
TOPUP_BONUS = Decimal(10)  # percent added to a top-up


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
    part: int = 0,
    first_stylist: int = 1,
    defer_indexes: bool = False,
) -> SampleStats:
    """Add stylists, clients and `months` of history from `start_month` (YYYY-MM) to a set-up shop.

    ``part`` (see ``build_in_parts``): this history is one of several built at once in copies of
    the same shop; its rows take ids from ``part * PART_STRIDE`` on and its stylists are numbered
    from ``first_stylist`` (after the parts before it), so the parts' rows come together without a
    clash; ``defer_indexes``: the indexes and summaries this build sets aside are left for the merge
    to make once (a part's own copy of them would be thrown away)."""
    rng = random.Random(seed)
    stats = SampleStats()
    with db.uow() as uow, _bulk_build(uow.session.connection()) as indexes_again:
        s = uow.session
        shop = s.execute(select(Shop)).scalars().first()
        assert shop is not None, "create the shop first"
        tz = ZoneInfo(shop.timezone)
        cur = shop.currency
        branch_id = s.execute(select(Branch.id).order_by(Branch.id)).scalars().first()
        assert branch_id is not None
        services = s.execute(select(Service.id, Service.price_minor)).all()
        products = s.execute(select(Product.id, Product.price_minor)).all()
        pkg = s.execute(
            select(Package.id, Package.service_id, Package.sessions, Package.price_minor, Package.valid_days)
        ).first()
        service_price = {int(i): int(pr) for i, pr in services}
        ids = _Ids()
        writer = BulkWriter(s.connection(), db.clock)
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
            "package_redemptions",
            "stock_movements",
            "memberships",
        ):
            ids.nxt[table] = max(
                part * PART_STRIDE,
                int(s.execute(select(func.coalesce(func.max(_table(table).c.id), 0))).scalar_one()),
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
                    "name": f"Stylist {first_stylist + i:02d}",
                    "role": "stylist",
                    "pin_hash": "x",
                    "active": True,
                    "color": "#5B8DEF",
                    "working_hours": {},
                    "permissions": {},
                    "failed_pin_attempts": 0,
                }
            )
        writer.insert(_table("staff"), staff_rows)
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
        writer.insert(_table("clients"), client_rows)
        y, m = (int(x) for x in start_month.split("-"))
        first = datetime(y, m, 1, tzinfo=tz)
        last_y, last_m = y + (m - 1 + months) // 12, (m - 1 + months) % 12 + 1
        end = datetime(last_y, last_m, 1, tzinfo=tz)

        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen: set[int] = set()
        balance: dict[int, int] = {}  # client -> prepaid account balance
        account: dict[int, dict[str, Any]] = {}  # client -> prepaid account row
        cpack: dict[int, dict[str, Any]] = {}  # client -> client_packages row (with "_left")
        slot: dict[int, int] = defaultdict(int)
        member: set[int] = set()
        spend: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # client -> [total, full price]
        stock: dict[int, int] = defaultdict(int)  # product -> change
        paid_sales: list[tuple[int, int, list[tuple[str, int]], datetime, list[dict[str, Any]]]] = []
        receipt = [0]
        given_back: dict[int, dict[tuple[str, int | None], int]] = {}  # sale -> refunded per method
        rule = SettingsStore(db).vip_rule()
        terms = {pkg[0]: record.PackageTerms(pkg[1], pkg[2], pkg[4])} if pkg is not None else {}

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

        priced_bills: dict[tuple[tuple[cb.DraftLine, ...], bool], cb.Bill] = {}

        def line(kind: str, unit: int, qty: int = 1, **kw: Any) -> cb.DraftLine:
            return cb.DraftLine("", kind, kind, kind, qty, unit, **kw)

        def paid_sale(
            client: int,
            visit: int | None,
            at: datetime,
            lines: list[cb.DraftLine],
            methods: Callable[[int], list[tuple[str, int]]],
        ) -> tuple[int, list[tuple[str, int]], list[dict[str, Any]]]:
            """A sale written by the counter's own ``record.sale_rows`` (docs/money-model.md)."""
            ctx = cb.BillContext(
                currency=cur,
                prices_include_tax=True,
                rounding_step_minor=0,
                discount_limit_percent=Decimal(100),
                vip_rule=rule,
                is_member=client in member,
                client_full_price_spend_minor=spend[client][1],
                estimate_minor=None,
            )
            # pricing is pure: the same lines for a member (or not) price the same; a shop of a
            # million lines draws its bills from a few thousand kinds, so each is priced once
            memo_key = (tuple(lines), ctx.is_member)
            hit = priced_bills.get(memo_key)
            if hit is None:
                keyed = tuple(replace(ln, key=f"L{n}") for n, ln in enumerate(lines, 1))
                hit = priced_bills[memo_key] = record.price(cb.Bill(ctx, None, None, lines=keyed))
            bill = replace(hit, ctx=ctx, visit_id=visit, client_id=client)
            pays = methods(bill.total_minor)
            if (any(m == "prepaid" for m, _a in pays) or any(ln.kind == cb.TOPUP for ln in lines)) and (
                client not in account
            ):
                account[client] = {
                    "id": ids.take("prepaid_accounts"),
                    "client_id": client,
                    "balance_minor": 0,
                    "held_minor": 0,
                    "expires_on": None,
                    "version": 1,
                    "created_at": at,
                }
                balance[client] = 0
                rows["prepaid_accounts"].append(account[client])
            acct = account.get(client)
            held = {}
            cp = cpack.get(client)
            if cp is not None:
                held[cp["id"]] = record.HeldPackage(
                    client,
                    cp["service_id"],
                    cp["sessions_total"],
                    cp["sessions_total"] - cp["_left"],
                    cp["price_minor"],
                )
            sid = ids.take("sales")
            receipt[0] += 1
            out = record.sale_rows(
                bill,
                [cb.PaymentIn(m, a) for m, a in pays],
                record.SaleState(
                    sale_id=sid,
                    receipt_no=f"R{sid:08d}",
                    branch_id=branch_id,
                    cashier_id=None,
                    at=at,
                    tz=tz,
                    prepaid_account_id=acct["id"] if acct else None,
                    prepaid_balance_minor=balance.get(client, 0),
                    prepaid_available_minor=balance.get(client, 0),
                    prepaid_expires_on=acct["expires_on"] if acct else None,
                    topup_bonus_percent=TOPUP_BONUS,
                    prepaid_validity_days=365,
                    packages=terms,
                    held=held,
                ),
                ids.take,
            )
            rows["sales"].append(out.sale)
            for table in record.TABLE_ORDER:
                rows[table].extend(out.tables[table])
            for pid, qty in out.stock.items():
                stock[pid] += qty
            for new in out.tables["client_packages"]:
                new["_left"] = new["sessions_total"]
                cpack[client] = new
            if cp is not None and cp["id"] in out.sessions_used:
                cp["_left"] -= out.sessions_used[cp["id"]]
            if acct is not None and out.prepaid_balance_minor is not None:
                balance[client] = out.prepaid_balance_minor
                acct["expires_on"] = out.prepaid_expires_on
            spend[client][0] += out.goods_minor
            spend[client][1] += out.full_price_goods_minor
            if out.becomes_member:
                member.add(client)
            stats.sales += 1
            stats.lines += len(out.tables["sale_lines"])
            return sid, pays, out.tables["sale_lines"]

        def refund(
            client: int,
            at: datetime,
            originals: list[dict[str, Any]],
            paid: list[tuple[str, int]],
            original: int,
        ) -> None:
            """A refund of some lines, written with the counter's own ``record`` refund rules."""
            sid = ids.take("sales")
            receipt[0] += 1
            for n, ln in enumerate(originals, 1):
                row = record.refund_line(ln, ln["id"], sid, n)
                row["id"] = ids.take("sale_lines")
                rows["sale_lines"].append(row)
            totals = record.refund_totals(originals)
            rows["sales"].append(
                {
                    "id": sid,
                    "branch_id": branch_id,
                    "receipt_no": f"R{sid:08d}",
                    "kind": "refund",
                    "original_sale_id": original,
                    "reason": "sample",
                    "client_id": client,
                    "visit_id": None,
                    "sold_at": at,
                    "currency": cur,
                    **totals.sale_columns(),
                    "prices_include_tax": True,
                    "cashier_id": None,
                    "approved_by_id": None,
                    "estimate_minor": None,
                    "over_estimate_agreed_at": None,
                    "over_estimate_note": "",
                    "member_upgrade": False,
                    "member_price_applied": False,
                    "satisfaction": None,
                    "cash_session_id": None,
                }
            )
            groups: dict[tuple[str, int | None], int] = {}
            for mth, amt in paid:
                groups[(mth, None)] = groups.get((mth, None), 0) + amt
            back = given_back.setdefault(original, {})
            for mth, _acct, take in record.refund_payments(totals.total_minor, groups, back):
                back[(mth, None)] = back.get((mth, None), 0) + take
                rows["payments"].append(
                    {
                        "id": ids.take("payments"),
                        "sale_id": sid,
                        "method": mth,
                        "amount_minor": -take,
                        "paid_at": at,
                        "change_minor": 0,
                        "tendered_minor": None,
                        "prepaid_account_id": None,
                        "client_package_id": None,
                        "voucher_id": None,
                        "reference": f"R{original:08d}",
                    }
                )
            for ln in originals:
                if ln["kind"] == "product" and ln["product_id"]:
                    stock[ln["product_id"]] += ln["quantity"]
                    rows["stock_movements"].append(
                        {
                            "id": ids.take("stock_movements"),
                            "product_id": ln["product_id"],
                            "qty_delta": ln["quantity"],
                            "reason": "refund",
                            "sale_id": sid,
                            "note": "",
                            "at": at,
                        }
                    )
            spend[client][0] -= totals.goods_minor
            spend[client][1] -= totals.full_price_goods_minor
            stats.sales += 1
            stats.lines += len(originals)

        def flush() -> None:
            for name in FLUSH_ORDER:
                batch = rows.get(name)
                if batch:
                    writer.insert(_table(name), batch)
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
                        # a returning client's needs are confirmed in half the time (the later
                        # reception's standard), worked out after the draws: the rest stays the same
                        "assessed_at": assessed if new else greeted + (assessed - greeted) / 2,
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
                lines: list[cb.DraftLine] = []
                cp = cpack.get(client)
                if cp is not None and cp["_left"] > 0 and rng.random() < 0.7:
                    lines.append(
                        line(
                            cb.SERVICE,
                            service_price[cp["service_id"]],
                            service_id=cp["service_id"],
                            staff_id=staff,
                            client_package_id=cp["id"],
                        )
                    )
                for _k in range(rng.choice([1, 1, 1, 2])):
                    sv_id, price = rng.choice(services)
                    disc = rng.choice([0, 0, 0, price // 10])
                    lines.append(
                        line(
                            cb.SERVICE,
                            price,
                            service_id=sv_id,
                            staff_id=staff,
                            discount_minor=disc,
                            discount_reason="offer" if disc else "",
                            tax_rate_bp=SERVICE_TAX_BP,
                        )
                    )
                if products and rng.random() < 0.3:
                    pid, price = rng.choice(products)
                    lines.append(
                        line(cb.PRODUCT, price, rng.choice([1, 1, 2]), product_id=pid, staff_id=staff)
                    )
                if rng.random() < 0.1:
                    lines.append(line(cb.TIP, rng.choice([1000, 2000, 5000]), staff_id=staff))
                r = rng.random()
                split_to = rng.choice(["cash", "card", "wechat", "alipay"])

                def methods(
                    total: int, client: int = client, r: float = r, one: str = split_to
                ) -> list[tuple[str, int]]:
                    if total == 0:
                        return []
                    if balance.get(client, 0) >= total and r < 0.5:
                        return [("prepaid", total)]
                    if r < 0.15 and total > 100:
                        return [("cash", total // 3), ("card", total - total // 3)]
                    return [(one, total)]

                sid, pays, sold = paid_sale(client, vid, paid, lines, methods)
                paid_sales.append((sid, client, pays, paid, sold))
                # extras on some visits: a top-up, a package, a follow-up, feedback, a complaint
                if rng.random() < 0.08:
                    amt = rng.choice([100000, 200000, 300000])
                    way = rng.choice(["card", "wechat"])
                    paid_sale(
                        client,
                        None,
                        paid + timedelta(minutes=1),
                        [line(cb.TOPUP, amt, member_price=False)],
                        partial(_one_method, way),
                    )
                if pkg is not None and client not in cpack and rng.random() < 0.04:
                    paid_sale(
                        client,
                        None,
                        paid + timedelta(minutes=2),
                        [line(cb.PACKAGE, pkg[3], package_id=pkg[0], staff_id=staff)],
                        partial(_one_method, "alipay"),
                    )
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
                osid, oclient, opays, oat, olines = rng.choice(paid_sales[-40:])
                cand = [
                    ln
                    for ln in olines
                    if ln["kind"] in ("product", "service")
                    and ln["line_total_minor"] > 0
                    and not ln.get("_refunded")
                ]
                if cand and all(m != "prepaid" for m, _a in opays):
                    ln = cand[0]
                    ln["_refunded"] = True
                    at = (day + timedelta(hours=20)).astimezone(UTC)
                    refund(oclient, at, [ln], opays, osid)
            day = (day + timedelta(days=1, hours=2)).replace(hour=0)
        # stock: a delivery on the first day covers what was sold (the sample does not model deliveries)
        for pid, change in stock.items():
            rows["stock_movements"].append(
                {
                    "id": ids.take("stock_movements"),
                    "product_id": pid,
                    "qty_delta": -change,
                    "reason": "receive",
                    "note": "sample",
                    "at": first,
                }
            )
        flush()
        # the balances and sessions the history leaves, one executemany each (not a statement a client)
        if balance:
            accounts = _table("prepaid_accounts")
            s.connection().execute(
                update(accounts)
                .where(accounts.c.id == bindparam("aid"))
                .values(balance_minor=bindparam("bal"), expires_on=bindparam("exp")),
                [
                    {"aid": account[c]["id"], "bal": b, "exp": account[c]["expires_on"]}
                    for c, b in balance.items()
                ],
            )
        if cpack:
            packs = _table("client_packages")
            s.connection().execute(
                update(packs).where(packs.c.id == bindparam("pid")).values(sessions_used=bindparam("used")),
                [{"pid": cp["id"], "used": cp["sessions_total"] - cp["_left"]} for cp in cpack.values()],
            )
        if spend:
            clients_t = _table("clients")
            s.connection().execute(
                update(clients_t)
                .where(clients_t.c.id == bindparam("cid"))
                .values(total_spend_minor=bindparam("total"), full_price_spend_minor=bindparam("full")),
                [{"cid": c, "total": t, "full": f} for c, (t, f) in spend.items()],
            )
        s.execute(update(Client).where(Client.id.in_(list(member))).values(membership_tier="vip"))
        # make two products run low
        low = s.execute(select(Product.id, Product.stock_qty).order_by(Product.id).limit(2)).all()
        s.execute(update(Product).where(Product.id.in_([pid for pid, _q in low])).values(stock_qty=1, reorder_level=5))
        if part == 0:  # the catalogue's opening stock was there before the months drawn
            s.execute(update(StockMovement).where(StockMovement.reason == "opening", StockMovement.at > first)
                      .values(at=first))
        s.add_all(  # the stock is the sum of its movements (docs/stock.md)
            StockMovement(id=ids.take("stock_movements"), product_id=pid, qty_delta=1 - qty, reason="adjust",
                          note="sample", at=first)
            for pid, qty in low if qty != 1 and part == 0  # the shop's own catalogue: the other parts' is dropped
        )
        if not defer_indexes:
            indexes_again()
        uow.commit()
    return stats


PART_STRIDE = 100_000_000  # a part's ids start at part x this (a part writes far fewer rows a table)


@dataclass(frozen=True)
class PartSpec:
    path: str
    start_month: str
    months: int
    clients: int
    stylists: int
    visits_per_day: int
    seed: int
    part: int
    first_stylist: int
    defer_indexes: bool = False


def _build_part(spec: PartSpec) -> SampleStats:
    """One part, in its own process (``build_in_parts``)."""
    from desk_app.bootstrap import open_database

    db = open_database(spec.path, run_migrations=False)
    try:
        return generate(db, start_month=spec.start_month, months=spec.months, clients=spec.clients,
                        stylists=spec.stylists, visits_per_day=spec.visits_per_day, seed=spec.seed,
                        part=spec.part, first_stylist=spec.first_stylist,
                        defer_indexes=spec.defer_indexes)  # fmt: skip
    finally:
        db.dispose()


def build_in_parts(
    path: str,
    *,
    parts: int,
    start_month: str,
    months: int,
    clients: int,
    stylists: int,
    visits_per_day: int,
    seed: int,
) -> SampleStats:
    """The benchmark's big shop on several cores: ``path`` is a set-up shop (SQLite, no other
    connection open); each of ``parts`` processes adds its share of the clients, stylists and daily
    visits (``generate(..., part=k)``) to its own copy of it, and the parts' rows are then put into
    ``path`` in one transaction (the indexes made again after, as ``_bulk_build`` does). The clients
    and stylists of the parts are apart, so each part keeps every rule of the sales writer (a
    client's balance, packages, VIP; a stylist's diary) on its own; the shop's catalog and stock
    are common, and each part's history leaves the stock as it found it. One part: ``generate``."""
    import multiprocessing
    import shutil
    import sqlite3
    from pathlib import Path

    from desk_app.db.models import Base

    def share(total: int, k: int) -> int:
        return total // parts + (1 if k < total % parts else 0)

    copies = [f"{path}.part{k}" for k in range(1, parts)]
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file alone is the whole shop, to copy
        # what each part sets aside and leaves off (defer_indexes), made once after the merge
        deferred = _aside_of(con, _FILLED)
    finally:
        con.close()
    for copy in copies:
        shutil.copyfile(path, copy)
    specs = [PartSpec(path if k == 0 else copies[k - 1], start_month, months, share(clients, k), share(stylists, k),
                      share(visits_per_day, k), seed + 1000 * k, k, 1 + sum(share(stylists, j) for j in range(k)),
                      parts > 1)
             for k in range(parts)]  # fmt: skip
    try:
        if parts == 1:
            return _build_part(specs[0])
        with multiprocessing.get_context("spawn").Pool(parts) as pool:
            done = pool.map(_build_part, specs)
        con = sqlite3.connect(path, isolation_level=None)
        try:
            con.execute("PRAGMA cache_size=-262144")
            for k, copy in enumerate(copies, 1):
                con.execute("ATTACH DATABASE ? AS ?", (copy, f"part{k}"))
            con.execute("BEGIN IMMEDIATE")
            tables = [t.name for t in Base.metadata.sorted_tables if "id" in t.c]
            aside = _set_aside(con, con.execute, tables)  # the other tables' indexes, made once after
            for k in range(1, parts):
                for t in tables:
                    con.execute(f'INSERT INTO main."{t}" SELECT * FROM part{k}."{t}" WHERE id >= ?',
                                (k * PART_STRIDE,))  # fmt: skip
            _make_again(con.execute, aside)
            _make_again(con.execute, deferred)  # the filled tables' indexes, the summaries, their triggers
            con.execute("COMMIT")
        finally:
            con.close()
        return SampleStats(sales=sum(d.sales for d in done), lines=sum(d.lines for d in done),
                           visits=sum(d.visits for d in done))  # fmt: skip
    finally:
        for copy in copies:
            for suffix in ("", "-wal", "-shm"):
                Path(copy + suffix).unlink(missing_ok=True)


FLUSH_ORDER = (
    "appointments",
    "visits",
    "sales",
    "sale_lines",
    "prepaid_accounts",
    "client_packages",
    "payments",
    "prepaid_movements",
    "package_redemptions",
    "stock_movements",
    "memberships",
    "follow_ups",
    "feedback",
    "complaints",
)


@contextmanager
def _bulk_build(conn: Connection) -> Iterator[Callable[[], None]]:
    """SQLite, for this build only: a page cache big enough for the build's indexes (256 MB instead
    of 2 MB, so a random index insert does not spill pages to the WAL and read them back), and the
    secondary indexes of the tables the build fills dropped while it writes and made again at the
    end, in the same transaction (SQLite builds an index from sorted rows far faster than it keeps
    one up to date through a million random inserts). A table with triggers keeps its indexes:
    the appointments' overlap triggers search by them, and would scan without. It gives the
    function that makes the indexes again, called before the build commits (a failed build rolls
    the drops back with everything else)."""
    if conn.dialect.name != "sqlite":
        yield lambda: None
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    usual = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute("PRAGMA cache_size=-262144")
    aside = _set_aside(raw, conn.exec_driver_sql, _FILLED)

    def make_again() -> None:
        _make_again(conn.exec_driver_sql, aside)

    try:
        yield make_again
    finally:
        raw.execute(f"PRAGMA cache_size={usual}")


@dataclass
class _Aside:
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX text)
    summing: list[tuple[str, str]]  # (name, CREATE TRIGGER text)


def _aside_of(raw: Any, tables: list[str]) -> _Aside:
    """What a bulk write into ``tables`` sets aside: the summaries' triggers (``_summary_triggers``)
    and the named indexes of every table left without a trigger once those are gone (the
    appointments' overlap triggers search by theirs, the clients' feed the search index)."""
    summing = _summary_triggers(raw)
    marks = ",".join("?" * len(tables))
    summed = {n for n, _sql in summing}
    triggered = {t for n, t in raw.execute(
        f"SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})", tables)
        if n not in summed}  # fmt: skip
    indexes = [(str(n), str(sql)) for n, t, sql in raw.execute(
        f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall() if t not in triggered]  # fmt: skip
    return _Aside(indexes, summing)


def _set_aside(raw: Any, execute: Callable[[str], Any], tables: list[str]) -> _Aside:
    """For a bulk write into ``tables``: drop what ``_aside_of`` names (``raw`` reads the schema,
    ``execute`` runs the drops in the write's transaction) and give it, to be made again."""
    aside = _aside_of(raw, tables)
    for name, _sql in aside.summing:
        execute(f'DROP TRIGGER "{name}"')
    for name, _sql in aside.indexes:
        execute(f'DROP INDEX "{name}"')
    return aside


def _make_again(execute: Callable[[str], Any], aside: _Aside) -> None:
    """The indexes, then the summaries from the rows, then their triggers (once; later calls do nothing)."""
    while aside.indexes:
        execute(aside.indexes.pop()[1])
    if aside.summing:
        for sql in summary_rebuild_sql(is_sqlite=True):
            execute(sql)
        while aside.summing:
            execute(aside.summing.pop()[1])


def _summary_triggers(raw: Any) -> list[tuple[str, str]]:
    """The triggers that keep the summaries (migrations 0022-0024; the only triggers on the sales,
    their lines and payments, and the visits), with their text, so a bulk write can set them aside
    and make the summaries from the rows once (``summary_rebuild_sql``) instead of one upsert a row."""
    return [(str(n), str(sql)) for n, sql in raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name IN ('sales', 'sale_lines', 'payments', 'visits') ORDER BY name").fetchall()]  # fmt: skip


def _sqlite_utc(value: datetime) -> str:
    """A UTCDateTime as SQLAlchemy stores it in SQLite: naive UTC, 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column; attach a time zone")
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:-6]  # without its "+00:00"


class _Ctx:
    """What a column's Python default sees of the statement (the clock, as ``clock_default`` reads it)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.execution_options = {"desk_clock": clock}


class BulkWriter:
    """Rows (dicts, as ``record.sale_rows`` makes them) into a table by one ``INSERT ... VALUES``
    statement run with executemany on the unit of work's connection.

    The statement is compiled by SQLAlchemy once per batch and every value goes through its
    column type's own bind processor, so the stored text is what an ORM insert stores; what is
    skipped is SQLAlchemy's per-row bookkeeping (about 10 us a row, most of a million-line build).
    A column a batch leaves out gets its Python default (the clock for timestamps), as in SQLAlchemy.
    """

    def __init__(self, conn: Connection, clock: Callable[[], datetime]) -> None:
        self.conn = conn
        self.ctx = _Ctx(clock)

    def insert(self, table: Table, batch: list[dict[str, Any]]) -> None:
        dialect = self.conn.dialect
        given = {k for k in set().union(*batch) if not k.startswith("_")}  # "_" keys: the generator's notes
        texts: dict[datetime, str] = {}  # a sale's time recurs in its payments, movements, visit

        def utc_text(value: datetime) -> str:
            text = texts.get(value)
            if text is None:
                text = texts[value] = _sqlite_utc(value)
            return text

        cols: list[tuple[str, Any, Callable[[Any], Any] | None]] = []  # key, default, bind processor
        for col in table.columns:
            default: Any = None
            if col.key not in given:
                dflt = col.default
                if dflt is None or not hasattr(dflt, "arg"):
                    continue
                default = dflt.arg(self.ctx) if callable(dflt.arg) else dflt.arg
            proc: Callable[[Any], Any] | None = col.type.dialect_impl(dialect).bind_processor(dialect)
            if dialect.name == "sqlite" and isinstance(col.type, UTCDateTime):
                proc = utc_text  # what that processor stores, without its per-value dict formatting
            cols.append((col.key, default, proc))
        compiled = insert(table).compile(dialect=dialect, column_keys=[k for k, _d, _p in cols])
        order = list(compiled.positiontup or []) if dialect.positional else [k for k, _d, _p in cols]
        by_key = {k: (d, p) for k, d, p in cols}
        defaults = {k: by_key[k][0] for k in order}
        pick = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
        procs = [(i, by_key[k][1]) for i, k in enumerate(order) if by_key[k][1] is not None]
        params: list[Any] = []
        for r in batch:
            values = pick({**defaults, **r})  # each row's own value, else the column's default
            if procs:
                vals = list(values)
                for i, conv in procs:
                    if vals[i] is not None:
                        vals[i] = conv(vals[i])  # type: ignore[misc]
                values = tuple(vals)
            params.append(values)
        if not dialect.positional:
            params = [dict(zip(order, t, strict=True)) for t in params]
        self.conn.exec_driver_sql(str(compiled), params)


def _one_method(method: str, total: int) -> list[tuple[str, int]]:
    return [(method, total)]


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
    "stock_movements": StockMovement,
    "follow_ups": FollowUp,
    "feedback": Feedback,
    "complaints": Complaint,
}
_FILLED = sorted(_TABLES) + sorted(set(record.TABLE_ORDER) - set(_TABLES))  # the tables a build writes


def _table(name: str) -> Any:
    return _TABLES[name].__table__
