"""What a receipt, a care sheet or a sale screen needs to know about one sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.core.service import NotFound
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    Client,
    ClientPackage,
    GiftVoucher,
    Package,
    Payment,
    PlanItem,
    PointsMovement,
    PrepaidAccount,
    PrepaidMovement,
    Product,
    Sale,
    SaleLine,
    Service,
    Staff,
    Visit,
    VoucherMovement,
)
from desk_app.domain import points as pts
from desk_app.domain.appointment import INACTIVE
from desk_app.shop.service import ShopInfo, shop_info


@dataclass(frozen=True)
class SaleLineView:
    id: int
    line_no: int
    kind: str
    name_zh: str
    name_en: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    member_discount_minor: int
    discount_reason: str
    tax_rate_bp: int
    tax_minor: int
    line_total_minor: int
    full_price: bool
    staff_id: int | None
    staff_name: str
    service_id: int | None
    product_id: int | None
    package_id: int | None
    refunded_minor: int  # sum of refunds of this line so far (<= 0)
    refunded_qty: int = 0  # how many of this line were refunded (>= 0)

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_qty >= self.quantity > 0


@dataclass(frozen=True)
class PaymentView:
    id: int
    method: str
    amount_minor: int
    tendered_minor: int | None
    change_minor: int
    reference: str


@dataclass(frozen=True)
class VoucherOnSale:
    """A gift voucher a sale sold (printed with its code) or spent (its balance after)."""

    code: str
    amount_minor: int  # sold: its value; spent: what this sale took from it
    balance_minor: int  # what is left on it after this sale
    expires_on: date | None


@dataclass(frozen=True)
class PointsOnSale:
    """The loyalty points a sale moved (docs/loyalty.md), for the receipt."""

    earned: int = 0
    used: int = 0  # paid with (positive)
    rewarded: int = 0  # of ``used``: taken by rewards (docs/loyalty.md)
    given_back: int = 0  # a refund: points that paid, back on the account
    taken_back: int = 0  # a refund: points the refunded lines earned, taken off (positive)
    balance_after: int = 0


@dataclass(frozen=True)
class CareItem:
    name_zh: str
    name_en: str
    text_zh: str
    text_en: str
    staff_name: str = ""
    bought: bool = False


@dataclass(frozen=True)
class NextAppointment:
    start_at: datetime
    staff_name: str
    service_names_zh: tuple[str, ...]
    service_names_en: tuple[str, ...]


@dataclass(frozen=True)
class SaleView:
    id: int
    receipt_no: str
    kind: str
    original_sale_id: int | None
    original_receipt_no: str
    reason: str
    sold_at: datetime
    currency: str
    cashier_name: str
    approved_by_name: str
    client_id: int | None
    client_name: str
    client_number: str
    client_language: str
    member_status: str  # "" | vip
    member_upgrade: bool
    member_price_applied: bool
    visit_id: int | None
    lines: tuple[SaleLineView, ...]
    payments: tuple[PaymentView, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    tip_minor: int
    rounding_minor: int
    total_minor: int
    prices_include_tax: bool
    change_minor: int
    prepaid_balance_after_minor: int | None
    estimate_minor: int | None
    over_estimate_agreed_at: datetime | None
    over_estimate_note: str
    satisfaction: int | None
    next_appointment: NextAppointment | None
    care_services: tuple[CareItem, ...]
    care_products: tuple[CareItem, ...]
    refunds: tuple[tuple[int, str, int], ...]  # (sale id, receipt no, total) of refunds/voids of this sale
    shop: ShopInfo
    package_sessions_left: tuple[tuple[str, str, int], ...]  # (name_zh, name_en, sessions left)
    vouchers_sold: tuple[VoucherOnSale, ...] = ()
    vouchers_spent: tuple[VoucherOnSale, ...] = ()
    vouchers_voided: tuple[VoucherOnSale, ...] = ()  # a refund's: the vouchers it sold, refunded
    points: PointsOnSale | None = None  # the loyalty points it moved (None: none)

    @property
    def refundable_minor(self) -> int:
        return self.total_minor + sum(t for _i, _r, t in self.refunds)


def load_sale_view(session: Session, sale_id: int) -> SaleView:
    sale = session.get(Sale, sale_id)
    if sale is None:
        raise NotFound(f"sale {sale_id} not found")
    staff_names = dict(session.execute(select(Staff.id, Staff.name)).all())
    lines = list(
        session.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id).order_by(SaleLine.line_no))
    )
    refunded: dict[int, int] = {}
    refunded_q: dict[int, int] = {}
    if sale.kind == "sale":
        for orig_id, total, qty in session.execute(
            select(SaleLine.original_line_id, SaleLine.line_total_minor, SaleLine.quantity)
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(Sale.original_sale_id == sale.id)
        ):
            if orig_id is not None:
                refunded[orig_id] = refunded.get(orig_id, 0) + total
                refunded_q[orig_id] = refunded_q.get(orig_id, 0) - qty
    svc_ids = {ln.service_id for ln in lines if ln.service_id}
    prod_ids = {ln.product_id for ln in lines if ln.product_id}
    pkg_ids = {ln.package_id for ln in lines if ln.package_id}
    services = (
        {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(svc_ids)))} if svc_ids else {}
    )
    plan_products: list[int] = []
    if sale.visit_id:
        plan_products = [
            pid
            for pid in session.scalars(
                select(PlanItem.product_id).where(
                    PlanItem.visit_id == sale.visit_id, PlanItem.product_id.is_not(None)
                )
            )
            if pid is not None
        ]
    all_prod = prod_ids | set(plan_products)
    products = (
        {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(all_prod)))}
        if all_prod
        else {}
    )
    packages = (
        {p.id: p for p in session.scalars(select(Package).where(Package.id.in_(pkg_ids)))} if pkg_ids else {}
    )

    def names(ln: SaleLine) -> tuple[str, str]:
        if ln.service_id and ln.service_id in services:
            s = services[ln.service_id]
            return s.name_zh, s.name_en
        if ln.product_id and ln.product_id in products:
            p = products[ln.product_id]
            return p.name_zh, p.name_en
        if ln.package_id and ln.package_id in packages:
            k = packages[ln.package_id]
            return k.name_zh, k.name_en
        if ln.kind == "tip":
            return "小费", "Tip"
        if ln.kind == "prepaid_topup":
            return "储值充值", "Prepaid top-up"
        if ln.kind == "gift_voucher":
            return "礼品券", "Gift voucher"
        if ln.kind == "rounding":
            return "现金抹零", "Cash rounding"
        return ln.description, ln.description

    line_views = tuple(
        SaleLineView(
            id=ln.id,
            line_no=ln.line_no,
            kind=ln.kind,
            name_zh=names(ln)[0],
            name_en=names(ln)[1],
            quantity=ln.quantity,
            unit_price_minor=ln.unit_price_minor,
            discount_minor=ln.discount_minor,
            member_discount_minor=ln.member_discount_minor,
            discount_reason=ln.discount_reason,
            tax_rate_bp=ln.tax_rate_bp,
            tax_minor=ln.tax_minor,
            line_total_minor=ln.line_total_minor,
            full_price=ln.full_price,
            staff_id=ln.staff_id,
            staff_name=staff_names.get(ln.staff_id or 0, ""),
            service_id=ln.service_id,
            product_id=ln.product_id,
            package_id=ln.package_id,
            refunded_minor=refunded.get(ln.id, 0),
            refunded_qty=refunded_q.get(ln.id, 0),
        )
        for ln in lines
    )
    pays = tuple(
        PaymentView(p.id, p.method, p.amount_minor, p.tendered_minor, p.change_minor, p.reference)
        for p in session.scalars(select(Payment).where(Payment.sale_id == sale.id).order_by(Payment.id))
    )
    client = session.get(Client, sale.client_id) if sale.client_id else None
    balance_after: int | None = None
    if client is not None:
        mv = session.scalars(
            select(PrepaidMovement)
            .where(PrepaidMovement.sale_id == sale.id)
            .order_by(PrepaidMovement.id.desc())
        ).first()
        if mv is not None:
            balance_after = mv.balance_after_minor
        else:
            acct = session.scalars(
                select(PrepaidAccount).where(PrepaidAccount.client_id == client.id)
            ).first()
            if acct is not None:
                balance_after = acct.balance_minor
    nxt: NextAppointment | None = None
    visit = session.get(Visit, sale.visit_id) if sale.visit_id else None
    if visit is not None and visit.next_appointment_id:
        appt = session.get(Appointment, visit.next_appointment_id)
        if appt is not None and appt.status not in INACTIVE:
            svc_rows = list(
                session.execute(
                    select(Service.name_zh, Service.name_en)
                    .join(AppointmentService, AppointmentService.service_id == Service.id)
                    .where(AppointmentService.appointment_id == appt.id)
                )
            )
            nxt = NextAppointment(
                start_at=appt.start_at,
                staff_name=staff_names.get(appt.staff_id or 0, ""),
                service_names_zh=tuple(r[0] for r in svc_rows),
                service_names_en=tuple(r[1] for r in svc_rows),
            )
    care_services: list[CareItem] = []
    seen: set[int] = set()
    for ln in line_views:
        if ln.service_id and ln.service_id in services and ln.service_id not in seen:
            seen.add(ln.service_id)
            s = services[ln.service_id]
            care_services.append(
                CareItem(s.name_zh, s.name_en, s.care_advice_zh, s.care_advice_en, ln.staff_name)
            )
    care_products: list[CareItem] = []
    pseen: set[int] = set()
    for pid, bought in [(ln.product_id, True) for ln in line_views if ln.product_id] + [
        (pid, False) for pid in plan_products
    ]:
        if pid is None or pid in pseen or pid not in products:
            continue
        pseen.add(pid)
        p = products[pid]
        care_products.append(
            CareItem(p.name_zh, p.name_en, p.usage_advice_zh, p.usage_advice_en, bought=bought)
        )
    refunds = tuple(
        (r.id, r.receipt_no, r.total_minor)
        for r in session.scalars(select(Sale).where(Sale.original_sale_id == sale.id).order_by(Sale.id))
    )
    original_no = ""
    if sale.original_sale_id:
        o = session.get(Sale, sale.original_sale_id)
        original_no = o.receipt_no if o else ""
    pk_left: list[tuple[str, str, int]] = []
    if client is not None:
        for cp, pk in session.execute(
            select(ClientPackage, Package)
            .join(Package, Package.id == ClientPackage.package_id)
            .where(ClientPackage.client_id == client.id)
        ):
            left = cp.sessions_total - cp.sessions_used
            if left > 0:
                pk_left.append((pk.name_zh, pk.name_en, left))
    sold = tuple(
        VoucherOnSale(v.code, v.amount_minor, v.balance_minor, v.expires_on)
        for v in session.scalars(select(GiftVoucher).where(GiftVoucher.sale_id == sale.id).order_by(GiftVoucher.id))
    )
    spent = tuple(
        VoucherOnSale(v.code, -m.amount_minor, m.balance_after_minor, v.expires_on)
        for m, v in session.execute(
            select(VoucherMovement, GiftVoucher)
            .join(GiftVoucher, GiftVoucher.id == VoucherMovement.voucher_id)
            .where(VoucherMovement.sale_id == sale.id, VoucherMovement.kind.in_(("redeem", "refund")))
            .order_by(VoucherMovement.id)
        )
    )
    voided = tuple(
        VoucherOnSale(v.code, -m.amount_minor, m.balance_after_minor, v.expires_on)
        for m, v in session.execute(
            select(VoucherMovement, GiftVoucher)
            .join(GiftVoucher, GiftVoucher.id == VoucherMovement.voucher_id)
            .where(VoucherMovement.sale_id == sale.id, VoucherMovement.kind == "void")
            .order_by(VoucherMovement.id)
        )
    )
    moved = list(session.scalars(
        select(PointsMovement).where(PointsMovement.sale_id == sale.id).order_by(PointsMovement.id)))
    by_kind = {k: sum(m.points for m in moved if m.kind == k) for k in pts.KINDS}
    points = PointsOnSale(  # a reward is points used; its refund, points given back
        earned=by_kind["earn"], used=-by_kind["redeem"] - by_kind["reward"], rewarded=-by_kind["reward"],
        given_back=by_kind["refund"] + by_kind["reward_refund"],
        taken_back=-by_kind["clawback"], balance_after=moved[-1].balance_after,
    ) if moved else None
    return SaleView(
        id=sale.id,
        receipt_no=sale.receipt_no,
        kind=sale.kind,
        original_sale_id=sale.original_sale_id,
        original_receipt_no=original_no,
        reason=sale.reason,
        sold_at=sale.sold_at,
        currency=sale.currency,
        cashier_name=staff_names.get(sale.cashier_id or 0, ""),
        approved_by_name=staff_names.get(sale.approved_by_id or 0, ""),
        client_id=sale.client_id,
        client_name=client.name if client else "",
        client_number=client.client_number if client else "",
        client_language=client.language if client else "",
        member_status=client.membership_tier if client else "",
        member_upgrade=sale.member_upgrade,
        member_price_applied=sale.member_price_applied,
        visit_id=sale.visit_id,
        lines=line_views,
        payments=pays,
        subtotal_minor=sale.subtotal_minor,
        discount_minor=sale.discount_minor,
        tax_minor=sale.tax_minor,
        tip_minor=sale.tip_minor,
        rounding_minor=sale.rounding_minor,
        total_minor=sale.total_minor,
        prices_include_tax=sale.prices_include_tax,
        change_minor=sum(p.change_minor for p in pays),
        prepaid_balance_after_minor=balance_after,
        estimate_minor=sale.estimate_minor,
        over_estimate_agreed_at=sale.over_estimate_agreed_at,
        over_estimate_note=sale.over_estimate_note,
        satisfaction=sale.satisfaction,
        next_appointment=nxt,
        care_services=tuple(care_services),
        care_products=tuple(care_products),
        refunds=refunds,
        shop=shop_info(session, sale.branch_id),  # the sale's branch's name, address, phone, receipt line
        package_sessions_left=tuple(pk_left),
        vouchers_sold=sold,
        vouchers_spent=spent,
        vouchers_voided=voided,
        points=points,
    )


@dataclass(frozen=True)
class PaidSale:
    sale_id: int
    receipt_no: str
    total_minor: int
    change_minor: int
    member_upgrade: bool
    visit_id: int | None


@dataclass(frozen=True)
class ProductHit:
    id: int
    sku: str
    barcode: str
    name: str
    price_minor: int
    stock_qty: int


@dataclass(frozen=True)
class AddOn:
    product_id: int
    name: str
    price_minor: int
    why: str  # "suggested in the assessment" | "often bought with ..."


@dataclass(frozen=True)
class PackageOption:
    line_key: str
    client_package_id: int
    name: str
    sessions_left: int


@dataclass(frozen=True)
class RewardOption:
    """A bill line a reward for points could make free (docs/loyalty.md)."""

    line_key: str
    reward_id: int
    points: int  # for the line's quantity
    available: int  # the client's points not yet taken by the bill's other rewards

    @property
    def enough(self) -> bool:
        return self.available >= self.points


@dataclass(frozen=True)
class PrepaidMove:
    at: datetime
    kind: str
    amount_minor: int
    balance_after_minor: int
    receipt_no: str
    note: str


@dataclass(frozen=True)
class SaleSummary:
    id: int
    receipt_no: str
    kind: str
    sold_at: datetime
    client_name: str
    total_minor: int
    refundable_minor: int
