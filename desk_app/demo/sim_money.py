"""The demo shop's money, simulated: the bill of a paid visit (priced by ``checkout.bill`` and
written by the counter's own ``checkout.record.sale_rows``), how it is paid, prepaid accounts,
refunds and voids, stock (deliveries, back-bar use, sales, refunds) and each day's cash drawer.
One part of ``desk_app.demo.sim.World``."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from desk_app.checkout import bill as cb
from desk_app.checkout import record
from desk_app.demo import pools as P
from desk_app.demo.sim_aftercare import Aftercare
from desk_app.demo.sim_state import CState, Person, Pkg, Prod, Row, SimState, Svc
from desk_app.domain import points as pts
from desk_app.domain import voucher as gv
from desk_app.domain.vip import VipRule

PREPAID_VALIDITY_DAYS = 730  # the shop's setting (the default, docs/product.md)
VOUCHER_VALIDITY_DAYS = 365  # the shop's setting (the default, docs/vouchers.md)
POINTS_RULE = pts.PointsRule()  # the shop's loyalty points rule (the defaults, docs/loyalty.md)


class Till:
    def __init__(
        self,
        sim: SimState,
        aftercare: Aftercare,
        *,
        currency: str,
        products: list[Prod],
        packages: list[Pkg],
        services: Sequence[Svc] = (),
        vip_percent: int,
        vip_single: int,
        vip_cumulative: int,
    ) -> None:
        self.rng, self.now, self.tz, self.rows, self.ids = sim.rng, sim.now, sim.tz, sim.rows, sim.ids
        self.owner_id = sim.owner_id
        self.clients, self.cid, self.st = sim.clients, sim.clients.cid, sim.clients.st
        self.local, self.txt, self.cashier = sim.local, sim.txt, sim.cashier
        self.aftercare = aftercare
        self.currency = currency
        self.products = products
        self.retail = [p for p in products if p.retail]
        self.pkg_by_service = {p.service_id: p for p in packages}
        self.vip_percent = vip_percent
        self.vip_rule = VipRule(
            Decimal(vip_single) / 100, Decimal(vip_cumulative) / 100, Decimal(vip_percent)
        )
        self.package_terms = {
            p.id: record.PackageTerms(p.service_id, p.sessions, p.valid_days) for p in packages
        }
        self.prepaid_rows: dict[int, Row] = {}
        # the points decisions draw from their own stream: the shop's other randomness (which clients
        # come, what they buy, how they pay) stays what it was before points existed
        self.points_rng = random.Random(20261207)
        # the rewards for points (Settings > Rewards): the cheapest service and the two cheapest retail
        # products, each for half its price in points (a reward gives twice what points pay on a bill);
        # the second product's is retired. Regulars take the product home free now and then.
        cheapest = sorted(self.retail, key=lambda x: (x.price, x.id))[:2]
        rewards = [("service", s.id, s.price, True) for s in sorted(services, key=lambda x: (x.price, x.id))[:1]]
        rewards += [("product", x.id, x.price, n == 0) for n, x in enumerate(cheapest)]
        self.reward: tuple[int, Prod, int] | None = None  # (reward id, product, points) taken at the desk
        for kind, item, price, active in rewards:
            rid = self.ids("points_rewards")
            cost = max(100, round(price / 200) * 100)
            self.rows["points_rewards"].append({
                "id": rid, "kind": kind, "service_id": item if kind == "service" else None,
                "product_id": item if kind == "product" else None, "points": cost, "active": active})
            if kind == "product" and active:
                self.reward = (rid, cheapest[0], cost)
        self.vouchers: list[Row] = []  # gift vouchers sold and not yet spent to nothing (their rows)
        self.stock = {p.id: p.stock for p in products}
        self.receipts = 0
        self.cash_session: dict[int, Row] = {}
        self.cash_in: dict[int, int] = {}
        # refunds a day or more after the sale, played on their day (voids are written at once)
        self.pending_refunds: dict[date, list[tuple[datetime, Row, str]]] = defaultdict(list)

    # ------------------------------------------------------------------ the bill
    def vip_cut(self, gross: int) -> int:
        return (gross * self.vip_percent + 50) // 100

    def sale(
        self, visit: Row, svc: Svc, p: Person, idx: int, at: datetime, suggest: Prod | None, cashier: int
    ) -> None:
        """A bill as the counter would build it, written by the counter's own ``record.sale_rows``."""
        rng = self.rng
        st = self.st(idx)
        lines: list[cb.DraftLine] = []
        held: dict[int, record.HeldPackage] = {}
        redeemed: Row | None = None

        def line(kind: str, name: str, unit: int, qty: int = 1, **kw: Any) -> None:
            lines.append(cb.DraftLine(f"L{len(lines) + 1}", kind, name, name, qty, unit, **kw))

        # the service: a package session, a promotion, or the price (the member price when VIP)
        cp = next((c for c in st.packages if c["service_id"] == svc.id and c["_left"] > 0), None)
        if cp is not None:
            redeemed = cp
            held[cp["id"]] = record.HeldPackage(
                self.cid(idx),
                cp["service_id"],
                cp["sessions_total"],
                cp["sessions_total"] - cp["_left"],
                cp["price_minor"],
            )
            line(
                cb.SERVICE, svc.name, svc.price, service_id=svc.id, staff_id=p.id, client_package_id=cp["id"]
            )
        elif not st.vip and rng.random() < 0.07:
            pct = rng.choice((10, 20))
            line(
                cb.SERVICE,
                svc.name,
                svc.price,
                service_id=svc.id,
                staff_id=p.id,
                discount_minor=(svc.price * pct + 50) // 100,
                discount_reason=self.txt(("新客优惠", "New client offer"))
                if visit["is_new_client"]
                else self.txt(("节日活动", "Seasonal offer")),
            )
        else:
            line(cb.SERVICE, svc.name, svc.price, service_id=svc.id, staff_id=p.id)
        # retail products
        buy: list[tuple[Prod, int]] = []
        if suggest is not None and rng.random() < 0.45:
            buy.append((suggest, 1))
        if self.retail and rng.random() < 0.06:
            extra = self.retail[rng.randrange(len(self.retail))]
            if all(b[0].id != extra.id for b in buy):
                buy.append((extra, 2 if rng.random() < 0.1 else 1))
        for prod, qty in buy:
            self.ensure_stock(prod, qty, at)
            line(cb.PRODUCT, prod.name, prod.price, qty, product_id=prod.id, staff_id=p.id)
        # a package bought for the service just done (some buy two at once: a big single purchase,
        # the way most clients become VIP here)
        pkg = self.pkg_by_service.get(svc.id)
        if pkg is not None and cp is None and rng.random() < 0.06:
            n = 2 if rng.random() < 0.25 else 1
            line(cb.PACKAGE, pkg.name, pkg.price, n, package_id=pkg.id, staff_id=p.id)
        # prepaid top-up
        if rng.random() < 0.035 or (st.prepaid_id is not None and st.balance < 20_000 and rng.random() < 0.3):
            topup = rng.choice((100_000, 200_000, 200_000, 300_000, 500_000))
            line(cb.TOPUP, self.txt(("储值充值", "Prepaid top-up")), topup, member_price=False)
        if rng.random() < 0.08:
            line(cb.TIP, self.txt(("小费", "Tip")), rng.choice((1_000, 2_000, 3_000, 5_000)), staff_id=p.id)
        # a gift voucher bought for someone else at checkout
        if rng.random() < 0.012:
            line(cb.VOUCHER, self.txt(("礼品券", "Gift voucher")), rng.choice((20_000, 50_000, 50_000, 100_000)),
                 member_price=False)

        estimate = visit["estimate_minor"]
        ctx = cb.BillContext(
            currency=self.currency,
            prices_include_tax=True,
            rounding_step_minor=0,
            discount_limit_percent=Decimal(20),
            vip_rule=self.vip_rule,
            is_member=st.vip,
            client_full_price_spend_minor=st.full_spend,
            estimate_minor=estimate,
        )
        bill = record.price(cb.Bill(ctx, visit["id"], self.cid(idx), lines=tuple(lines)))
        if bill.over_estimate_minor > 0:
            bill = replace(
                bill,
                over_estimate_agreed=True,
                over_estimate_note=self.txt(("顾客同意加购产品", "Client agreed to add products")),
            )
        topup_minor = sum(ln.unit_price_minor for ln in lines if ln.kind == cb.TOPUP)
        selling = sum(ln.quantity for ln in lines if ln.kind == cb.VOUCHER)
        spent = self.voucher_to_spend(at) if not topup_minor and not selling and rng.random() < 0.03 else None
        payments = self.pay(st, bill.total_minor, topup_minor, visit["id"], spent, at)
        if (topup_minor or any(x.method == "prepaid" for x in payments)) and st.prepaid_id is None:
            self.open_prepaid(idx, st, at)
        if st.points_id is None:
            self.open_points(idx, st, at)
        assert st.points_id is not None
        rewards: dict[int, pts.RewardTerms] = {}
        if self.reward is not None and not any(x.method == pts.METHOD for x in payments):
            # now and then a regular with the points takes the reward product home free (a line of
            # nothing: the bill's total and payments stay as drawn)
            rid, prod, cost = self.reward
            held_points = 0 if pts.lapsed(st.points_last, POINTS_RULE.lapse_days, at) else st.points
            if held_points >= cost and self.points_rng.random() < 0.3:
                self.ensure_stock(prod, 1, at)
                line(cb.PRODUCT, prod.name, prod.price, product_id=prod.id, staff_id=p.id, member_price=False,
                     reward_id=rid, reward_points=cost)
                bill = cb.reprice(replace(bill, lines=tuple(lines)), explain=False)
                rewards[rid] = pts.RewardTerms(rid, None, prod.id, cost, True)
        sale_id = self.ids("sales")
        branch = p.branch_id
        rows = record.sale_rows(
            bill,
            payments,
            record.SaleState(
                sale_id=sale_id,
                receipt_no=self.receipt(),
                branch_id=branch,
                cashier_id=cashier,
                at=at,
                tz=self.tz,
                cash_session_id=self.cash_session[branch]["id"] if branch in self.cash_session else None,
                prepaid_account_id=st.prepaid_id,
                prepaid_balance_minor=st.balance,
                prepaid_available_minor=st.balance,
                prepaid_expires_on=self.prepaid_rows[st.prepaid_id]["expires_on"] if st.prepaid_id else None,
                prepaid_validity_days=PREPAID_VALIDITY_DAYS,
                packages=self.package_terms,
                held=held,
                voucher_codes=[gv.new_code(rng.randrange) for _i in range(selling)],
                voucher_validity_days=VOUCHER_VALIDITY_DAYS,
                vouchers={spent["code"]: self.held_voucher(spent)} if spent is not None else {},
                points=pts.Held(st.points_id, st.points, st.points_last, st.points_version),
                points_rule=POINTS_RULE,
                rewards=rewards,
            ),
            self.ids,
        )
        sale = rows.sale
        sale["_lines"] = rows.tables["sale_lines"]
        sale["_methods"] = [x.method for x in payments]
        self.rows["sales"].append(sale)
        for table in record.TABLE_ORDER:
            self.rows[table].extend(rows.tables[table])
        # what the simulation remembers
        for pid, qty in rows.stock.items():
            self.stock[pid] += qty
            assert self.stock[pid] >= 0
        if redeemed is not None:
            redeemed["_left"] -= 1
        for new_pkg in rows.tables["client_packages"]:
            new_pkg["_left"] = new_pkg["sessions_total"]
            st.packages.append(new_pkg)
        if rows.prepaid_balance_minor is not None and st.prepaid_id is not None:
            st.balance = rows.prepaid_balance_minor
            self.prepaid_rows[st.prepaid_id]["expires_on"] = rows.prepaid_expires_on
        if rows.points_balance is not None:
            st.points, st.points_version = rows.points_balance, st.points_version + 1
            if rows.points_active:
                st.points_last = at
        sale["_earned"] = sum(m["points"] for m in rows.tables["points_movements"] if m["kind"] == "earn")
        sale["_rewards"] = {m["line_no"]: -m["points"] for m in rows.tables["points_movements"] if m["kind"] == "reward"}
        self.vouchers.extend(rows.tables["gift_vouchers"])
        for v in [v for v in self.vouchers if v["id"] in rows.voucher_balances]:
            v["balance_minor"] = rows.voucher_balances[v["id"]]
            v["version"] += 1
            if not v["balance_minor"]:
                self.vouchers.remove(v)
        for pay in rows.tables["payments"]:
            if pay["method"] == "cash":
                self.cash_in[branch] = self.cash_in.get(branch, 0) + pay["amount_minor"]
        if rows.becomes_member:
            st.vip, st.member_since = True, at
        st.full_spend += rows.full_price_goods_minor
        st.total_spend += rows.goods_minor
        st.visits += 1
        arrived = visit["arrived_at"]
        st.first = st.first or arrived
        st.last = arrived
        self.aftercare.score_at_checkout(sale, visit, svc, p, at)
        # refunds and voids, later (only simple sales: one outside method, nothing stored)
        by_points = any(x.method == pts.METHOD for x in payments)
        outside = [x for x in payments if x.method != pts.METHOD]  # as the draws were before points existed
        simple = (
            len(outside) == 1
            and outside[0].method not in ("prepaid", gv.METHOD)
            and not rows.tables["client_packages"]
            and not selling
            and not topup_minor
            and cp is None
            and not sale["member_upgrade"]
            and bill.total_minor > 0
        )
        if simple:
            r = rng.random()
            if r < 0.002:
                when = at + timedelta(minutes=rng.randint(3, 20))
                if (
                    when < self.now and not by_points
                ):  # voided at the desk minutes later: written now, the day is already laid out
                    self.refund(when, sale, "void")
            elif r < 0.009:
                when = at + timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 120))
                if when < self.now and not by_points:  # (a refund here goes back to one method)
                    self.pending_refunds[when.astimezone(self.tz).date()].append((when, sale, "refund"))

    def receipt(self) -> str:
        """The next receipt number."""
        self.receipts += 1
        return f"R{self.receipts:08d}"

    def voucher_to_spend(self, at: datetime) -> Row | None:
        """A gift voucher sold at least a week before and still valid on ``at``: brought in to pay."""
        today = at.astimezone(self.tz).date()
        usable = [v for v in self.vouchers if v["issued_at"] <= at - timedelta(days=7)
                  and (v["expires_on"] is None or v["expires_on"] >= today)]  # fmt: skip
        return usable[self.rng.randrange(len(usable))] if usable else None

    @staticmethod
    def held_voucher(v: Row) -> gv.Held:
        return gv.Held(v["id"], v["code"], v["balance_minor"], v["expires_on"], "", v["version"])

    def pay(
        self, st: CState, total: int, topup: int, ref: int, voucher: Row | None = None, at: datetime | None = None
    ) -> list[cb.PaymentIn]:
        """A gift voucher brought in, prepaid when the client has a balance, then a wallet, card or
        cash; now and then part of that by the client's points."""
        rng = self.rng
        out: list[cb.PaymentIn] = []
        rest = total
        if voucher is not None and rest > 0:
            use = min(voucher["balance_minor"], rest)
            out.append(cb.PaymentIn(gv.METHOD, use, reference=voucher["code"]))
            rest -= use
        if rest > 0 and not topup and st.prepaid_id is not None and st.balance > 0 and rng.random() < 0.9:
            use = min(st.balance, rest)
            out.append(cb.PaymentIn("prepaid", use))
            rest -= use
        if rest <= 0:
            return out
        self._outside(out, rest, ref)
        # now and then a regular pays part with her points: taken off the last payment, after the draws above
        held = 0 if at is None or pts.lapsed(st.points_last, POINTS_RULE.lapse_days, at) else st.points
        worth = pts.worth_minor(held, POINTS_RULE, 2)
        last = out[-1]
        if not topup and voucher is None and worth >= 2_000 and last.amount_minor > 100 and last.method != "cash" \
                and self.points_rng.random() < 0.25:
            use = min(worth, last.amount_minor - 100)
            out[-1] = replace(last, amount_minor=last.amount_minor - use)
            out.append(cb.PaymentIn(pts.METHOD, use))
        return out

    def _outside(self, out: list[cb.PaymentIn], rest: int, ref: int) -> None:
        """``rest`` by a wallet, card or cash (sometimes half in cash first)."""
        rng = self.rng
        pick = rng.choices(("wechat", "alipay", "card", "cash"), weights=(45, 25, 15, 15))
        if rest >= 20_000 and rng.random() < 0.05:
            first = (rest // 2) // 100 * 100
            out.append(cb.PaymentIn("cash", first, tendered_minor=first))
            rest -= first
            pick = [rng.choice(("wechat", "card"))]
        m = pick[0]
        if m == "cash":
            step = 10_000 if rest > 5_000 else 5_000
            tendered = rest if rng.random() < 0.3 else -(-rest // step) * step
            out.append(cb.PaymentIn("cash", rest, tendered_minor=tendered))
        else:
            prefix = "WX" if m == "wechat" else "ALI" if m == "alipay" else "POS"
            out.append(cb.PaymentIn(m, rest, reference=f"{prefix}{ref:010d}"))

    def open_prepaid(self, idx: int, st: CState, at: datetime) -> None:
        st.prepaid_id = self.ids("prepaid_accounts")
        row = {
            "id": st.prepaid_id,
            "client_id": self.cid(idx),
            "balance_minor": 0,
            "held_minor": 0,
            "expires_on": at.astimezone(self.tz).date() + timedelta(days=PREPAID_VALIDITY_DAYS),
            "created_at": at,
            "_state": st,
        }
        self.rows["prepaid_accounts"].append(row)
        self.prepaid_rows[st.prepaid_id] = row

    def open_points(self, idx: int, st: CState, at: datetime) -> None:
        st.points_id = self.ids("points_accounts")
        self.rows["points_accounts"].append(
            {"id": st.points_id, "client_id": self.cid(idx), "balance": 0, "last_activity_at": None,
             "created_at": at, "version": 1, "_state": st}
        )

    def refund(self, at: datetime, orig: Row, kind: str) -> None:
        """A refund of one line, or a void of the whole sale, back to the original method."""
        rng = self.rng
        olines: list[Row] = orig["_lines"]
        if kind == "void":
            chosen = olines
            reason = self.txt(("收银录入错误，整单作废", "Entered by mistake; whole sale voided"))
        else:
            cands = [
                ln for ln in olines if ln["kind"] in ("product", "service") and ln["line_total_minor"] > 0
            ]
            if not cands:
                return
            chosen = [cands[-1]]
            reason = self.txt(rng.choice(P.REFUND_REASONS))
        sale_id = self.ids("sales")
        branch = orig["branch_id"]
        # the same rows the counter's refund writes (checkout/record.py)
        lines: list[Row] = []
        for ln in chosen:
            row = record.refund_line(ln, ln["id"], sale_id, len(lines) + 1)
            lines.append({"id": self.ids("sale_lines"), **row})
        totals = record.refund_totals(chosen)
        total = sum(ln["line_total_minor"] for ln in lines)
        cashier = self.cashier(branch)
        sale: Row = {
            **{k: v for k, v in orig.items() if not k.startswith("_")},
            "id": sale_id,
            "receipt_no": self.receipt(),
            "kind": kind,
            "original_sale_id": orig["id"],
            "reason": reason,
            "cashier_id": cashier,
            "approved_by_id": self.owner_id,
            "sold_at": at,
            **totals.sale_columns(),
            "estimate_minor": None,
            "over_estimate_agreed_at": None,
            "over_estimate_note": "",
            "member_upgrade": False,
            "member_price_applied": False,
            "satisfaction": None,
            "cash_session_id": self.cash_session[branch]["id"] if branch in self.cash_session else None,
        }
        self.rows["sales"].append(sale)
        self.rows["sale_lines"].extend(lines)
        method = orig["_methods"][0]
        self.rows["payments"].append(
            {
                "id": self.ids("payments"),
                "sale_id": sale_id,
                "method": method,
                "amount_minor": total,
                "tendered_minor": None,
                "change_minor": 0,
                "prepaid_account_id": None,
                "client_package_id": None,
                "voucher_id": None,
                "reference": "",
                "paid_at": at,
            }
        )
        if method == "cash":
            self.cash_in[branch] = self.cash_in.get(branch, 0) + total
        for ln in lines:
            if ln["kind"] == "product" and ln["product_id"] is not None:
                prod = next(p for p in self.products if p.id == ln["product_id"])
                self.move_stock(prod, -ln["quantity"], "refund", at, sale_id=sale_id, staff_id=cashier)
        idx = orig["client_id"] - self.clients.base
        st = self.st(idx)
        earned = orig.get("_earned", 0)
        if earned and st.points_id is not None:  # the points the refunded lines earned go (checkout/points.py)
            base = pts.eligible_minor((ln["kind"], ln["line_total_minor"]) for ln in olines if ln["line_total_minor"] > 0)
            gone = pts.eligible_minor((ln["kind"], ln["line_total_minor"]) for ln in chosen if ln["line_total_minor"] > 0)
            due = min(st.points, pts.clawback_due(earned, 0, base, 0, gone))
            if due > 0:
                st.points -= due
                st.points_version += 1
                self.rows["points_movements"].append(
                    {"id": self.ids("points_movements"), "account_id": st.points_id, "kind": "clawback",
                     "points": -due, "balance_after": st.points, "value_minor": 0, "sale_id": sale_id,
                     "staff_id": cashier, "note": "earned on refunded lines", "at": at, "line_no": None}
                )
        for no, ln in enumerate(chosen, start=1):  # a reward voided: its points go back (checkout/points.py)
            back = orig.get("_rewards", {}).get(ln["line_no"], 0)
            if back and st.points_id is not None:
                st.points += back
                st.points_version += 1
                st.points_last = at
                self.rows["points_movements"].append(
                    {"id": self.ids("points_movements"), "account_id": st.points_id, "kind": "reward_refund",
                     "points": back, "balance_after": st.points, "value_minor": -ln["quantity"] * ln["unit_price_minor"],
                     "sale_id": sale_id, "staff_id": cashier, "note": "reward refunded", "at": at, "line_no": no}
                )
        st.total_spend -= totals.goods_minor
        st.full_spend -= totals.full_price_goods_minor
        if kind == "refund":
            self.aftercare.refund_complaint(at, orig, sale_id, reason, total)

    # ------------------------------------------------------------------ stock
    def ensure_stock(self, prod: Prod, qty: int, at: datetime) -> None:
        """A delivery just before ``at`` when the shelf has fewer than ``qty``."""
        if self.stock[prod.id] >= qty:
            return
        batch = max(prod.stock, prod.reorder * 3, qty)
        self.move_stock(
            prod, batch, "receive", at - timedelta(minutes=30), note=self.txt(("补货", "Delivery"))
        )

    def restock(self, d: date) -> None:
        """Monday's delivery of what ran low."""
        if d.weekday() != 0:
            return
        at = self.local(d, time(9, 30))
        for prod in self.products:
            if self.stock[prod.id] <= prod.reorder and self.rng.random() < 0.7:
                self.move_stock(
                    prod,
                    max(prod.stock, prod.reorder * 3),
                    "receive",
                    at,
                    note=self.txt(("每周补货", "Weekly delivery")),
                )

    def move_stock(
        self,
        prod: Prod,
        delta: int,
        reason: str,
        at: datetime,
        *,
        sale_id: int | None = None,
        visit_id: int | None = None,
        staff_id: int | None = None,
        note: str = "",
    ) -> None:
        self.stock[prod.id] += delta
        assert self.stock[prod.id] >= 0
        self.rows["stock_movements"].append(
            {
                "id": self.ids("stock_movements"),
                "product_id": prod.id,
                "qty_delta": delta,
                "reason": reason,
                "sale_id": sale_id,
                "visit_id": visit_id,
                "staff_id": staff_id,
                "note": note,
                "at": at,
            }
        )

    # ------------------------------------------------------------------ cash drawer
    def open_cash(self, branch: int, d: date) -> None:
        """The drawer opens at 9:45 with its float; a demo made earlier in the day (say at 04:17) has
        it opened a quarter of an hour before, never in the future ("Open since 09:45" at 04:17)."""
        sid = self.ids("cash_sessions")
        opened = min(self.local(d, time(9, 45)), max(self.local(d, time(0, 0)), self.now - timedelta(minutes=15)))
        row = {
            "id": sid,
            "branch_id": branch,
            "business_date": d,
            "opened_at": opened,
            "opened_by_id": self.cashier(branch),
            "float_minor": 50_000,
            "closed_at": None,
            "closed_by_id": None,
            "expected_minor": None,
            "counted_minor": None,
            "over_short_minor": None,
            "notes": "",
        }
        self.cash_session[branch] = row
        self.cash_in[branch] = 0
        self.rows["cash_sessions"].append(row)

    def close_cash(self, branch: int, d: date) -> None:
        """The drawer is counted at 21:15 (now and then a little over or short)."""
        row = self.cash_session.pop(branch)
        closed = self.local(d, time(21, 15))
        if closed > self.now:
            return  # today's drawer is still open
        expected = row["float_minor"] + self.cash_in.get(branch, 0)
        r = self.rng.random()
        diff = 0 if r < 0.9 else self.rng.choice((-2_000, -1_000, -500, 500, 1_000))
        row.update(
            closed_at=closed,
            closed_by_id=self.cashier(branch),
            expected_minor=expected,
            counted_minor=expected + diff,
            over_short_minor=diff,
            notes=self.txt(("找零有误", "Change error")) if diff else "",
        )

    def finish(self) -> None:
        """The balances the rows end with (packages' sessions used, prepaid balances); the
        simulation's own keys leave the rows."""
        for s in self.clients.state.values():
            for cp in s.packages:
                cp["sessions_used"] = cp["sessions_total"] - cp["_left"]
                del cp["_left"]
        for acc in self.rows["prepaid_accounts"]:
            acc["balance_minor"] = acc.pop("_state").balance
        for acc in self.rows["points_accounts"]:
            st = acc.pop("_state")
            acc["balance"], acc["last_activity_at"], acc["version"] = st.points, st.points_last, st.points_version
        for sale in self.rows["sales"]:
            sale.pop("_lines", None)
            sale.pop("_methods", None)
            sale.pop("_earned", None)
            sale.pop("_rewards", None)
