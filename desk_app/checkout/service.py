"""Checkout (docs/product.md §2 step 4, §4): the bill, payment, refunds and voids.

How sales are written is fixed by ``docs/money-model.md``. The bill's
arithmetic is ``desk_app.domain.pricing.price_lines`` (shared with the visit's
estimate) through ``checkout_bill.reprice``; everything a payment touches
(sale, lines, payments, stock, packages, prepaid, membership, spend totals and
the visit's step) commits in ONE write transaction.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from desk_app.checkout import bill as cb
from desk_app.checkout.bill import (
    METHODS,
    ApprovalNeeded,
    Bill,
    BillContext,
    DraftLine,
    OwedCredit,
    PaymentIn,
)
from desk_app.checkout.display import DisplayClient, greeting_name
from desk_app.checkout.views import (
    AddOn,
    PackageOption,
    ProductHit,
    RewardOption,
)
from desk_app.clients.points import points_card
from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    require,
    shop_row,
    shop_tz,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Client,
    ClientCredit,
    ClientPackage,
    Package,
    PlanItem,
    PointsReward,
    Product,
    SaleLine,
    Service,
    ServiceLog,
    Staff,
    Visit,
)
from desk_app.domain import voucher as gv
from desk_app.domain.permissions import Actor, Perm
from desk_app.domain.pricing import PricingError, rounding_step_minor
from desk_app.i18n import _, format_number, ngettext, pick
from desk_app.settings import S, SettingsStore
from desk_app.trust.pins import Approval, PinPath

__all__ = ["METHODS", "ApprovalNeeded", "CheckoutService", "PaymentIn"]


def owed_credits(session: Session, client_id: int) -> tuple[OwedCredit, ...]:
    """The vouchers and discounts promised to the client on resolved complaints and not used yet."""
    rows = session.scalars(
        select(ClientCredit)
        .where(ClientCredit.client_id == client_id, ClientCredit.used_sale_id.is_(None))
        .order_by(ClientCredit.id)
    )
    return tuple(OwedCredit(c.id, c.kind, c.amount_minor, c.created_at) for c in rows)


class CheckoutService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ------------------------------------------------------------------ the bill
    def _context(
        self,
        session: Session,
        client: Client | None,
        estimate: int | None,
        plan: tuple[tuple[str, int | None, int], ...],
    ) -> BillContext:
        shop = shop_row(session)
        return BillContext(
            currency=shop.currency,
            prices_include_tax=self.settings.get(S.MONEY_PRICES_INCLUDE_TAX),
            rounding_step_minor=rounding_step_minor(self.settings.get(S.MONEY_CASH_ROUNDING), shop.currency),
            discount_limit_percent=self.settings.get(S.MONEY_DISCOUNT_LIMIT_PERCENT),
            vip_rule=self.settings.vip_rule(),
            is_member=bool(client and client.membership_tier == "vip"),
            client_full_price_spend_minor=client.full_price_spend_minor if client else 0,
            estimate_minor=estimate,
            plan=plan,
            credits=owed_credits(session, client.id) if client is not None else (),
        )

    def _service_line(
        self,
        s: Service,
        staff: Staff | None,
        price_minor: int | None = None,
        source: str = "counter",
    ) -> DraftLine:
        rate = (
            s.tax_rate_bp
            if s.tax_rate_bp is not None
            else self.settings.get(S.MONEY_TAX_RATE_SERVICE_BP)
        )
        return DraftLine(
            key="",
            kind=cb.SERVICE,
            name_zh=s.name_zh,
            name_en=s.name_en,
            quantity=1,
            unit_price_minor=price_minor if price_minor else s.price_minor,
            tax_rate_bp=rate,
            service_id=s.id,
            staff_id=staff.id if staff else None,
            staff_name=staff.name if staff else "",
            source=source,
        )

    def _product_line(self, p: Product, qty: int, source: str = "counter") -> DraftLine:
        rate = (
            p.tax_rate_bp
            if p.tax_rate_bp is not None
            else self.settings.get(S.MONEY_TAX_RATE_PRODUCT_BP)
        )
        return DraftLine(
            key="",
            kind=cb.PRODUCT,
            name_zh=p.name_zh,
            name_en=p.name_en,
            quantity=qty,
            unit_price_minor=p.price_minor,
            tax_rate_bp=rate,
            product_id=p.id,
            source=source,
        )

    def build_bill(self, actor: Actor, visit_id: int | None = None, client_id: int | None = None) -> Bill:
        """A new bill: from a visit (services done, planned products) or empty for a counter sale."""
        require(self.db.uow, actor, Perm.CHECKOUT)
        with self.db.uow(write=False) as uow:
            s = uow.session
            visit = None
            if visit_id is not None:
                visit = s.get(Visit, visit_id)
                if visit is None:
                    raise NotFound(_("That visit no longer exists."))
                client_id = visit.client_id
            client = s.get(Client, client_id) if client_id else None
            if client_id and client is None:
                raise NotFound(_("That client no longer exists."))
            lines: list[DraftLine] = []
            plan: list[tuple[str, int | None, int]] = []
            if visit is not None:
                staff_by_id = {st.id: st for st in s.scalars(select(Staff))}
                plan_items = list(
                    s.scalars(select(PlanItem).where(PlanItem.visit_id == visit.id).order_by(PlanItem.id))
                )
                for pi in plan_items:
                    if not pi.suggested_only:
                        ref = pi.service_id if pi.kind == "service" else pi.product_id
                        kind = "service" if pi.kind == "fee" else pi.kind
                        plan.append((kind, ref, pi.quantity * pi.unit_price_minor))
                logs = list(
                    s.scalars(
                        select(ServiceLog).where(ServiceLog.visit_id == visit.id).order_by(ServiceLog.id)
                    )
                )
                if logs:
                    for lg in logs:
                        svc = s.get(Service, lg.service_id)
                        if svc is not None:
                            st = staff_by_id.get(lg.staff_id or visit.staff_id or 0)
                            lines.append(self._service_line(svc, st, lg.price_minor or None, "visit"))
                else:  # nothing logged: bill what was planned
                    for pi in plan_items:
                        if pi.kind == "service" and pi.service_id and not pi.suggested_only:
                            svc = s.get(Service, pi.service_id)
                            if svc is not None:
                                st = staff_by_id.get(pi.staff_id or visit.staff_id or 0)
                                lines.append(self._service_line(svc, st, pi.unit_price_minor, "plan"))
                for pi in plan_items:
                    if pi.kind == "product" and pi.product_id and not pi.suggested_only:
                        p = s.get(Product, pi.product_id)
                        if p is not None:
                            lines.append(
                                replace(
                                    self._product_line(p, pi.quantity, "plan"),
                                    unit_price_minor=pi.unit_price_minor,
                                )
                            )
                    elif pi.kind == "fee" and not pi.suggested_only:
                        rate = self.settings.get(S.MONEY_TAX_RATE_SERVICE_BP)
                        lines.append(
                            DraftLine(
                                key="",
                                kind=cb.SERVICE,
                                name_zh=pi.description,
                                name_en=pi.description,
                                quantity=pi.quantity,
                                unit_price_minor=pi.unit_price_minor,
                                tax_rate_bp=rate,
                                source="plan",
                                member_price=False,
                            )
                        )
            ctx = self._context(s, client, visit.estimate_minor if visit else None, tuple(plan))
            bill = Bill(
                ctx=ctx,
                visit_id=visit.id if visit else None,
                client_id=client.id if client else None,
                client_name=client.name if client else "",
                client_number=client.client_number if client else "",
            )
        for ln in lines:
            bill = cb.add_line(bill, ln)
        return cb.reprice(bill)

    def set_client(self, bill: Bill, client_id: int | None) -> Bill:
        """Attach (or detach) a client to a counter sale: member price, VIP rule and prepaid follow."""
        if bill.visit_id is not None:
            raise ServiceError(_("A visit's bill is for the visit's client."))
        with self.db.uow(write=False) as uow:
            client = uow.session.get(Client, client_id) if client_id else None
            if client_id and client is None:
                raise NotFound(_("That client no longer exists."))
            ctx = self._context(uow.session, client, None, ())
            # read while the session is open: leaving it expires every row it loaded
            lines = bill.lines
            if (client.id if client else None) != bill.client_id:  # their rewards and sessions are theirs
                lines = tuple(replace(ln, reward_id=None, reward_points=0, client_package_id=None)
                              if ln.redeemed else ln for ln in lines)
            chosen = replace(
                bill,
                lines=lines,
                ctx=ctx,
                client_id=client.id if client else None,
                client_name=client.name if client else "",
                client_number=client.client_number if client else "",
            )
        return cb.reprice(chosen)

    def display_client(self, actor: Actor, client_id: int) -> DisplayClient:
        """The bill's client as the customer display may show them: a greeting name and their
        language, nothing else (desk_app/checkout/display.py)."""
        require(self.db.uow, actor, Perm.CHECKOUT)
        with self.db.uow(write=False) as uow:
            client = uow.session.get(Client, client_id)
            if client is None:
                raise NotFound(_("That client no longer exists."))
            return DisplayClient(client.id, client.language or "", greeting_name(client.name, client.gender))

    def search_products(self, query: str, limit: int = 20) -> list[ProductHit]:
        q = (query or "").strip()
        with self.db.uow(write=False) as uow:
            stmt = select(Product).where(Product.active.is_(True), Product.is_retail.is_(True))
            if q:
                like = f"%{q}%"
                stmt = stmt.where(
                    or_(
                        Product.barcode == q,
                        Product.sku.ilike(like),
                        Product.name_zh.ilike(like),
                        Product.name_en.ilike(like),
                        Product.brand.ilike(like),
                    )
                )
            rows = uow.session.scalars(stmt.order_by(Product.name_en).limit(limit))
            return [
                ProductHit(p.id, p.sku, p.barcode, pick(p.name_zh, p.name_en), p.price_minor, p.stock_qty)
                for p in rows
            ]

    def add_product(self, bill: Bill, product_id: int, quantity: int = 1, source: str = "counter") -> Bill:
        if quantity < 1:
            raise ValidationError({"quantity": _("The quantity must be at least 1.")})
        with self.db.uow(write=False) as uow:
            p = uow.session.get(Product, product_id)
            if p is None or not p.active:
                raise NotFound(_("That product is no longer sold. Search again."))
            line = self._product_line(p, quantity, source)
        for ln in bill.lines:  # the same product again: one more on the same line
            if ln.kind == cb.PRODUCT and ln.product_id == product_id and not ln.discount_minor:
                return cb.update_line(bill, ln.key, quantity=ln.quantity + quantity)
        return cb.add_line(bill, line)

    def add_by_code(self, bill: Bill, code: str, quantity: int = 1) -> Bill:
        """A barcode scan or a typed SKU: exactly one product, else say what to do."""
        code = (code or "").strip()
        with self.db.uow(write=False) as uow:
            pid = uow.session.scalar(
                select(Product.id).where(
                    Product.active.is_(True), or_(Product.barcode == code, Product.sku == code)
                )
            )
        if pid is None:
            raise NotFound(_("No product has the code {code}. Search by name instead.").format(code=code))
        return self.add_product(bill, pid, quantity)

    def add_service(self, bill: Bill, service_id: int, staff_id: int | None = None) -> Bill:
        with self.db.uow(write=False) as uow:
            svc = uow.session.get(Service, service_id)
            if svc is None:
                raise NotFound(_("That service no longer exists."))
            st = uow.session.get(Staff, staff_id) if staff_id else None
            line = self._service_line(svc, st)
        return cb.add_line(bill, line)

    def add_counter_item(self, bill: Bill, description: str, amount_minor: int, quantity: int = 1) -> Bill:
        errors: dict[str, str] = {}
        if not description.strip():
            errors["description"] = _("Say what the item is.")
        if amount_minor <= 0:
            errors["amount"] = _("Enter a price above zero.")
        if errors:
            raise ValidationError(errors)
        rate = self.settings.get(S.MONEY_TAX_RATE_SERVICE_BP)
        return cb.add_line(
            bill,
            DraftLine(
                key="",
                kind=cb.SERVICE,
                name_zh=description.strip(),
                name_en=description.strip(),
                quantity=quantity,
                unit_price_minor=amount_minor,
                tax_rate_bp=rate,
                source="counter",
                member_price=False,
            ),
        )

    def add_tip(self, bill: Bill, staff_id: int | None, amount_minor: int) -> Bill:
        if amount_minor <= 0:
            raise ValidationError({"tip": _("Enter a tip above zero.")})
        name = ""
        if staff_id:
            with self.db.uow(write=False) as uow:
                st = uow.session.get(Staff, staff_id)
                name = st.name if st else ""
        return cb.add_line(
            bill,
            DraftLine(
                key="",
                kind=cb.TIP,
                name_zh="小费",
                name_en="Tip",
                quantity=1,
                unit_price_minor=amount_minor,
                staff_id=staff_id,
                staff_name=name,
            ),
        )

    def add_topup(self, bill: Bill, amount_minor: int) -> Bill:
        if bill.client_id is None:
            raise ValidationError(
                {"client": _("Choose the client first: a prepaid balance belongs to a client.")}
            )
        if amount_minor <= 0:
            raise ValidationError({"amount": _("Enter an amount above zero.")})
        return cb.add_line(
            bill,
            DraftLine(
                key="",
                kind=cb.TOPUP,
                name_zh="储值充值",
                name_en="Prepaid top-up",
                quantity=1,
                unit_price_minor=amount_minor,
            ),
        )

    def add_voucher(self, bill: Bill, amount_minor: int, quantity: int = 1) -> Bill:
        """Sell ``quantity`` gift vouchers of ``amount_minor`` each (no client needed: the code is
        the voucher; each gets its own code when the bill is paid)."""
        if not 0 < amount_minor <= gv.MAX_FACE_MINOR:
            raise ValidationError(
                {"amount": _("A gift voucher is worth more than 0 and at most {amount}.").format(
                    amount=cb.money(gv.MAX_FACE_MINOR, bill.currency))}
            )
        if not 0 < quantity <= 20:
            raise ValidationError({"quantity": _("Sell from 1 to 20 vouchers at once.")})
        return cb.add_line(
            bill,
            DraftLine(
                key="",
                kind=cb.VOUCHER,
                name_zh="礼品券",
                name_en="Gift voucher",
                quantity=quantity,
                unit_price_minor=amount_minor,
                member_price=False,
            ),
        )

    def topup_bonus_minor(self, amount_minor: int) -> int:
        return cb.percent_of(amount_minor, self.settings.get(S.PREPAID_TOPUP_BONUS_PERCENT))

    def add_package(self, bill: Bill, package_id: int) -> Bill:
        if bill.client_id is None:
            raise ValidationError({"client": _("Choose the client first: a package belongs to a client.")})
        with self.db.uow(write=False) as uow:
            pk = uow.session.get(Package, package_id)
            if pk is None or not pk.active:
                raise NotFound(_("That package is no longer sold."))
            line = DraftLine(
                key="",
                kind=cb.PACKAGE,
                name_zh=pk.name_zh,
                name_en=pk.name_en,
                quantity=1,
                unit_price_minor=pk.price_minor,
                package_id=pk.id,
            )
        return cb.add_line(bill, line)

    def packages_for_sale(self) -> list[tuple[int, str, int, int]]:
        """(package id, name, sessions, price) of the packages on sale."""
        with self.db.uow(write=False) as uow:
            return [
                (p.id, pick(p.name_zh, p.name_en), p.sessions, p.price_minor)
                for p in uow.session.scalars(
                    select(Package).where(Package.active.is_(True)).order_by(Package.id)
                )
            ]

    def set_quantity(self, bill: Bill, key: str, quantity: int) -> Bill:
        if quantity < 1:
            return cb.remove_line(bill, key)
        ln = bill.line(key)
        if ln.kind not in (cb.PRODUCT, cb.SERVICE, cb.VOUCHER):
            raise ValidationError({"quantity": _("Only products, services and gift vouchers have a quantity.")})
        if ln.kind == cb.VOUCHER and quantity > 20:
            raise ValidationError({"quantity": _("Sell from 1 to 20 vouchers at once.")})
        return cb.update_line(bill, key, quantity=quantity)

    def remove_line(self, bill: Bill, key: str) -> Bill:
        return cb.remove_line(bill, key)

    def _check_discount(
        self, actor: Actor, approval: Approval | None, percent: Decimal, limit: Decimal
    ) -> Approval | int | None:
        """Nothing when within the limit; the actor's id when they may give it; else the owner's
        approval (from PaymentService.approve_discount). Only a first answer for the bill editor:
        ``pay`` checks the actor's right and the approval again against the database."""
        if percent <= limit or actor.can(Perm.DISCOUNT_ABOVE_LIMIT):
            return actor.staff_id if percent > limit else None
        if approval is not None and approval.path == PinPath.DISCOUNT.value:
            return approval
        raise ApprovalNeeded(
            _("A discount above {limit}% needs the owner's PIN.").format(limit=format_number(limit)), "discount"
        )

    @staticmethod
    def _approved(bill: Bill, approved: Approval | int | None) -> Bill:
        if isinstance(approved, Approval):
            return replace(bill, discount_approved_by_id=approved.staff_id, discount_approval=approved.token)
        if approved is not None:
            return replace(bill, discount_approved_by_id=approved, discount_approval="")
        return bill

    def set_line_discount(
        self,
        actor: Actor,
        bill: Bill,
        key: str,
        amount_minor: int,
        reason: str,
        approval: Approval | None = None,
    ) -> Bill:
        ln = bill.line(key)
        gross = ln.quantity * ln.unit_price_minor
        if ln.kind not in (cb.SERVICE, cb.PRODUCT, cb.PACKAGE) or ln.redeemed:
            raise ValidationError({"discount": _("This line cannot have a discount.")})
        if amount_minor < 0 or amount_minor > gross:
            raise ValidationError({"discount": _("The discount must be between zero and the line's price.")})
        if amount_minor and not reason.strip():
            raise ValidationError({"reason": _("Give a reason for the discount.")})
        pct = Decimal(amount_minor) * 100 / Decimal(gross) if gross else Decimal(0)
        approved = self._check_discount(actor, approval, pct, bill.ctx.discount_limit_percent)
        bill = cb.update_line(bill, key, discount_minor=amount_minor, discount_reason=reason.strip())
        return self._approved(bill, approved)

    def set_bill_discount(
        self, actor: Actor, bill: Bill, amount_minor: int, reason: str, approval: Approval | None = None
    ) -> Bill:
        if amount_minor and not reason.strip():
            raise ValidationError({"reason": _("Give a reason for the discount.")})
        base = sum(
            v.gross_minor - v.discount_minor - v.member_discount_minor
            for ln, v in zip(bill.lines, bill.views, strict=True)
            if ln.kind in cb.GOODS_KINDS
        )
        if amount_minor < 0 or amount_minor > base:
            raise ValidationError({"discount": _("The discount must be between zero and the bill's total.")})
        pct = Decimal(amount_minor) * 100 / Decimal(base) if base else Decimal(0)
        approved = self._check_discount(actor, approval, pct, bill.ctx.discount_limit_percent)
        bill = self._approved(
            replace(bill, bill_discount_minor=amount_minor, bill_discount_reason=reason.strip()), approved
        )
        try:
            return cb.reprice(bill)
        except PricingError as exc:
            raise ValidationError({"discount": _("The discount is larger than the bill.")}) from exc

    def use_credit(self, bill: Bill, credit_id: int | None) -> Bill:
        """Take an owed voucher/discount (a resolved complaint's) off the bill, or put it back
        (None). Approved when it was promised, so no discount limit or PIN applies. A credit is
        used whole: the bill's goods must cover it."""
        if credit_id is None:
            return cb.reprice(replace(bill, credit_id=None))
        credit = next((c for c in bill.ctx.credits if c.id == credit_id), None)
        if credit is None:
            raise ValidationError({"credit": _("That voucher is not owed to this client any more.")})
        room = sum(
            v.gross_minor - v.discount_minor - v.member_discount_minor
            for ln, v in zip(bill.lines, bill.views, strict=True)
            if ln.kind in cb.GOODS_KINDS and not ln.redeemed
        ) + (bill.credit_minor if bill.credit_id is not None else 0)
        if credit.amount_minor > room:
            raise ValidationError(
                {
                    "credit": _("Add services or products worth at least {amount} to use it.").format(
                        amount=cb.money(credit.amount_minor, bill.currency)
                    )
                }
            )
        priced = cb.reprice(replace(bill, credit_id=credit_id))
        if priced.credit_id != credit_id:
            raise ValidationError({"credit": _("The bill is smaller than the voucher.")})
        return priced

    def agree_over_estimate(self, bill: Bill, note: str) -> Bill:
        """The client agreed to pay more than the estimate (recorded with the sale)."""
        return replace(bill, over_estimate_agreed=True, over_estimate_note=note.strip())

    def estimate_reasons(self, bill: Bill) -> list[str]:
        return cb.estimate_reasons(bill)

    # ------------------------------------------------------------ packages, prepaid
    def package_options(self, bill: Bill) -> list[PackageOption]:
        """Service lines a package the client holds could pay for."""
        if bill.client_id is None:
            return []
        with self.db.uow(write=False) as uow:
            today = self.clock().astimezone(shop_tz(uow.session)).date()
            rows = [
                (
                    cp.id,
                    cp.service_id,
                    cp.sessions_total - cp.sessions_used,
                    cp.expires_on,
                    pick(pk.name_zh, pk.name_en),
                )
                for cp, pk in uow.session.execute(
                    select(ClientPackage, Package)
                    .join(Package, Package.id == ClientPackage.package_id)
                    .where(
                        ClientPackage.client_id == bill.client_id,
                        ClientPackage.sessions_used < ClientPackage.sessions_total,
                    )
                    .order_by(ClientPackage.expires_on, ClientPackage.id)
                )
            ]
        used: dict[int, int] = {}
        for ln in bill.lines:
            if ln.client_package_id:
                used[ln.client_package_id] = used.get(ln.client_package_id, 0) + ln.quantity
        out: list[PackageOption] = []
        for ln in bill.lines:
            if ln.kind != cb.SERVICE or ln.redeemed or ln.service_id is None:
                continue
            for cp_id, svc_id, left0, expires_on, name in rows:
                left = left0 - used.get(cp_id, 0)
                if (
                    svc_id == ln.service_id
                    and left >= ln.quantity
                    and (expires_on is None or expires_on >= today)
                ):
                    out.append(PackageOption(ln.key, cp_id, name, left))
                    break
        return out

    def use_package(self, bill: Bill, key: str, client_package_id: int | None) -> Bill:
        """Pay a service line with a package session (None: pay it normally again)."""
        ln = bill.line(key)
        if client_package_id is not None:
            ok = [
                o
                for o in self.package_options(bill)
                if o.line_key == key and o.client_package_id == client_package_id
            ]
            if not ok:
                raise ValidationError({"package": _("This package cannot pay for this service.")})
        return cb.update_line(
            bill, ln.key, client_package_id=client_package_id, discount_minor=0, discount_reason=""
        )

    # ------------------------------------------------------------ rewards for points
    def reward_option(self, bill: Bill, key: str) -> RewardOption | None:
        """The reward that could make this line free, and the client's points it may use (None:
        no client, or no reward in the catalogue for this service or product)."""
        ln = bill.line(key)
        if bill.client_id is None or ln.kind not in (cb.SERVICE, cb.PRODUCT) or ln.client_package_id:
            return None
        item = PointsReward.service_id == ln.service_id if ln.kind == cb.SERVICE else \
            PointsReward.product_id == ln.product_id
        with self.db.uow(write=False) as uow:
            s = uow.session
            reward = s.execute(select(PointsReward.id, PointsReward.points).where(PointsReward.active.is_(True), item)
                               .order_by(PointsReward.points, PointsReward.id)).first()
            if reward is None:
                return None
            card = points_card(s, bill.client_id, self.settings.points_rule(), self.clock(), bill.currency,
                               moves=False)
        taken = bill.reward_points - ln.reward_points * ln.quantity  # what the bill's other rewards take
        return RewardOption(key, reward.id, reward.points * ln.quantity, card.available - taken)

    def use_reward(self, bill: Bill, key: str, reward: bool) -> Bill:
        """Make a line free with the client's points (False: pay it with money again)."""
        ln = bill.line(key)
        if not reward:
            return cb.update_line(bill, key, reward_id=None, reward_points=0)
        opt = self.reward_option(bill, key)
        if opt is None:
            raise ValidationError({"reward": _("No reward in the catalogue is for this item.")})
        if not opt.enough:
            raise ValidationError({"reward": ngettext(
                "The reward takes {need} points; the client has {points} point to use.",
                "The reward takes {need} points; the client has {points} points to use.", max(opt.available, 0),
            ).format(need=format_number(opt.points), points=format_number(max(opt.available, 0)))})
        return cb.update_line(bill, key, reward_id=opt.reward_id, reward_points=opt.points // ln.quantity,
                              discount_minor=0, discount_reason="")

    # ------------------------------------------------------------------ add-ons
    def addon_offers(self, bill: Bill, limit: int = 6) -> list[AddOn]:
        """Products suggested in the assessment, then those often bought with these services."""
        on_bill = {ln.product_id for ln in bill.lines if ln.product_id}
        svc_ids = {ln.service_id for ln in bill.lines if ln.service_id}
        out: list[AddOn] = []
        with self.db.uow(write=False) as uow:
            s = uow.session
            if bill.visit_id:
                for pi in s.scalars(
                    select(PlanItem).where(
                        PlanItem.visit_id == bill.visit_id,
                        PlanItem.suggested_only.is_(True),
                        PlanItem.product_id.is_not(None),
                    )
                ):
                    p = s.get(Product, pi.product_id)
                    if p is not None and p.active and p.id not in on_bill:
                        on_bill.add(p.id)
                        out.append(
                            AddOn(
                                p.id,
                                pick(p.name_zh, p.name_en),
                                p.price_minor,
                                _("suggested in the assessment"),
                            )
                        )
            if svc_ids and len(out) < limit:
                with_service = select(SaleLine.sale_id).where(
                    SaleLine.service_id.in_(svc_ids), SaleLine.kind == "service"
                )
                rows = s.execute(
                    select(SaleLine.product_id, func.count().label("n"))
                    .where(
                        SaleLine.sale_id.in_(with_service),
                        SaleLine.kind == "product",
                        SaleLine.product_id.is_not(None),
                        SaleLine.quantity > 0,
                    )
                    .group_by(SaleLine.product_id)
                    .order_by(func.count().desc())
                    .limit(limit * 2)
                ).all()
                for pid, n in rows:
                    if pid is None or pid in on_bill or len(out) >= limit:
                        continue
                    p = s.get(Product, pid)
                    if p is not None and p.active and p.is_retail:
                        on_bill.add(pid)
                        out.append(
                            AddOn(
                                p.id,
                                pick(p.name_zh, p.name_en),
                                p.price_minor,
                                _("often bought with these services ({n} times)").format(n=n),
                            )
                        )
        return out

    # ------------------------------------------------------------------ payment
    # ------------------------------------------------------------------ refunds
