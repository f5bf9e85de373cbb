"""Writing a sale, a refund's money and prepaid movements inside the caller's write unit of work.

Every function here takes the open session and never commits: the caller's action is one unit of work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from desk_app.checkout import bill as cb
from desk_app.checkout.bill import Bill, PaymentIn
from desk_app.checkout.views import PaidSale
from desk_app.core.service import (
    NotFound,
    ServiceError,
    ValidationError,
    audit,
    next_counter,
    shop_tz,
)
from desk_app.db.models import (
    CashSession,
    Client,
    ClientPackage,
    Membership,
    Package,
    PackageRedemption,
    Payment,
    PrepaidAccount,
    PrepaidMovement,
    Product,
    Sale,
    SaleLine,
    StockMovement,
    Visit,
)
from desk_app.domain import visit as vd
from desk_app.domain.permissions import Actor
from desk_app.domain.pricing import half_up
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore


def open_cash_session_id(session: Session, branch_id: int) -> int | None:
    return session.scalar(
        select(CashSession.id)
        .where(CashSession.branch_id == branch_id, CashSession.closed_at.is_(None))
        .order_by(CashSession.id.desc())
        .limit(1)
    )


def prepaid_account(session: Session, client_id: int, now: datetime, validity_days: int) -> PrepaidAccount:
    acct = session.scalars(select(PrepaidAccount).where(PrepaidAccount.client_id == client_id)).first()
    if acct is None:
        acct = PrepaidAccount(
            client_id=client_id,
            balance_minor=0,
            held_minor=0,
            expires_on=(now.astimezone(shop_tz(session)) + timedelta(days=validity_days)).date()
            if validity_days
            else None,
            created_at=now,
        )
        session.add(acct)
        session.flush()
    return acct


def prepaid_move(
    session: Session,
    acct: PrepaidAccount,
    kind: str,
    amount: int,
    sale_id: int | None,
    staff_id: int | None,
    now: datetime,
    note: str = "",
) -> None:
    new_balance = acct.balance_minor + amount
    if new_balance < 0:
        raise ValidationError({"prepaid": _("The prepaid balance is not enough for this.")})
    acct.balance_minor = new_balance
    session.add(
        PrepaidMovement(
            account_id=acct.id,
            kind=kind,
            amount_minor=amount,
            balance_after_minor=new_balance,
            sale_id=sale_id,
            staff_id=staff_id,
            note=note,
            at=now,
        )
    )


def write_sale(
    session: Session,
    settings: SettingsStore,
    actor: Actor,
    bill: Bill,
    payments: list[PaymentIn],
    now: datetime,
) -> PaidSale:
    p = bill.p
    client = session.get(Client, bill.client_id) if bill.client_id else None
    if bill.client_id and client is None:
        raise NotFound(_("That client no longer exists."))
    visit = session.get(Visit, bill.visit_id) if bill.visit_id else None
    if bill.visit_id is not None:
        if visit is None:
            raise NotFound(_("That visit no longer exists."))
        if visit.step != vd.Step.CHECKOUT.value:
            raise ServiceError(
                _("This visit is not at checkout any more (it may already be paid). Reopen it.")
            )
    if client is not None and (client.membership_tier == "vip") != bill.ctx.is_member:
        raise ServiceError(
            _("The client's membership changed while the bill was open. Start the bill again.")
        )
    decision = cb.vip_decision(bill)
    receipt_no = f"R{next_counter(session, 'receipt'):08d}"
    sale = Sale(
        branch_id=actor.branch_id,
        receipt_no=receipt_no,
        kind="sale",
        client_id=bill.client_id,
        visit_id=bill.visit_id,
        cashier_id=actor.staff_id,
        approved_by_id=bill.discount_approved_by_id,
        sold_at=now,
        currency=bill.currency,
        subtotal_minor=p.subtotal_minor,
        discount_minor=p.discount_minor + p.member_discount_minor,
        tax_minor=p.tax_minor,
        tip_minor=p.tip_minor,
        rounding_minor=p.rounding_minor,
        total_minor=p.total_minor,
        prices_include_tax=p.prices_include_tax,
        estimate_minor=bill.ctx.estimate_minor,
        over_estimate_agreed_at=now if bill.over_estimate_minor > 0 else None,
        over_estimate_note=bill.over_estimate_note if bill.over_estimate_minor > 0 else "",
        member_upgrade=decision.becomes_member,
        member_price_applied=p.member_discount_minor > 0,
        cash_session_id=open_cash_session_id(session, actor.branch_id),
    )
    session.add(sale)
    session.flush()
    line_no = 0
    bill_reason = bill.bill_discount_reason
    for ln, pl in zip(bill.lines, p.lines, strict=True):
        line_no += 1
        reason = ln.discount_reason
        if ln.redeemed:
            reason = "package"
        elif pl.discount_minor > ln.discount_minor and bill_reason:
            reason = "; ".join(x for x in (reason, bill_reason) if x)
        sl = SaleLine(
            sale_id=sale.id,
            line_no=line_no,
            kind=ln.kind,
            service_id=ln.service_id,
            product_id=ln.product_id,
            package_id=ln.package_id,
            staff_id=ln.staff_id,
            description=ln.name[:300],
            quantity=ln.quantity,
            unit_price_minor=ln.unit_price_minor,
            discount_minor=pl.discount_minor,
            member_discount_minor=pl.member_discount_minor,
            discount_reason=reason,
            tax_rate_bp=pl.tax_rate_bp,
            tax_minor=pl.tax_minor,
            line_total_minor=pl.line_total_minor,
            full_price=pl.full_price,
        )
        session.add(sl)
        if ln.kind == cb.PRODUCT and ln.product_id:
            # one atomic UPDATE (no read first): two desks selling the last bottle both count
            session.execute(
                update(Product)
                .where(Product.id == ln.product_id)
                .values(stock_qty=Product.stock_qty - ln.quantity)
                .execution_options(synchronize_session=False)
            )
            session.add(
                StockMovement(
                    product_id=ln.product_id,
                    qty_delta=-ln.quantity,
                    reason="sale",
                    sale_id=sale.id,
                    visit_id=bill.visit_id,
                    staff_id=actor.staff_id,
                    at=now,
                )
            )
        elif ln.kind == cb.PACKAGE and ln.package_id and client is not None:
            pk = session.get(Package, ln.package_id)
            if pk is None:
                raise NotFound(_("That package is no longer sold."))
            for _i in range(ln.quantity):
                session.add(
                    ClientPackage(
                        client_id=client.id,
                        package_id=pk.id,
                        service_id=pk.service_id,
                        sessions_total=pk.sessions,
                        sessions_used=0,
                        price_minor=pl.line_total_minor // ln.quantity,
                        sale_id=sale.id,
                        purchased_at=now,
                        expires_on=(now.astimezone(shop_tz(session)) + timedelta(days=pk.valid_days)).date()
                        if pk.valid_days
                        else None,
                    )
                )
        elif ln.redeemed and ln.client_package_id:
            cp = session.get(ClientPackage, ln.client_package_id)
            if cp is None or cp.client_id != bill.client_id or cp.service_id != ln.service_id:
                raise ValidationError({"package": _("This package cannot pay for this service.")})
            if cp.sessions_total - cp.sessions_used < ln.quantity:
                raise ValidationError({"package": _("The package has no sessions left.")})
            cp.sessions_used += ln.quantity
            session.add(
                PackageRedemption(
                    client_package_id=cp.id,
                    sale_id=sale.id,
                    visit_id=bill.visit_id,
                    sessions=ln.quantity,
                    value_minor=half_up(
                        Decimal(cp.price_minor) * ln.quantity / Decimal(max(cp.sessions_total, 1))
                    ),
                    at=now,
                    staff_id=actor.staff_id,
                )
            )
    if p.rounding_minor:
        line_no += 1
        session.add(
            SaleLine(
                sale_id=sale.id,
                line_no=line_no,
                kind=cb.ROUNDING,
                description="rounding",
                quantity=1,
                unit_price_minor=p.rounding_minor,
                line_total_minor=p.rounding_minor,
                full_price=False,
            )
        )
    # prepaid: top-ups (+ bonus), then spending
    validity = settings.get(S.PREPAID_VALIDITY_DAYS)
    topup = sum(pl.line_total_minor for pl in p.lines if pl.line.kind == cb.TOPUP)
    if topup and client is not None:
        acct = prepaid_account(session, client.id, now, validity)
        prepaid_move(session, acct, "topup", topup, sale.id, actor.staff_id, now)
        bonus = cb.percent_of(topup, settings.get(S.PREPAID_TOPUP_BONUS_PERCENT))
        if bonus:
            prepaid_move(session, acct, "bonus", bonus, sale.id, actor.staff_id, now)
        if validity:
            acct.expires_on = max(
                acct.expires_on or now.date(),
                (now.astimezone(shop_tz(session)) + timedelta(days=validity)).date(),
            )
    change_total = 0
    for pay in payments:
        acct_id = None
        if pay.method == "prepaid" and client is not None:
            acct = prepaid_account(session, client.id, now, validity)
            if acct.balance_minor - acct.held_minor < pay.amount_minor:
                raise ValidationError(
                    {
                        "prepaid": _("The prepaid balance ({amount}) is not enough.").format(
                            amount=cb.money(acct.balance_minor - acct.held_minor, bill.currency)
                        )
                    }
                )
            prepaid_move(session, acct, "spend", -pay.amount_minor, sale.id, actor.staff_id, now)
            acct_id = acct.id
        change = cb.change_for(pay)
        change_total += change
        session.add(
            Payment(
                sale_id=sale.id,
                method=pay.method,
                amount_minor=pay.amount_minor,
                tendered_minor=pay.tendered_minor if pay.method == "cash" else None,
                change_minor=change,
                prepaid_account_id=acct_id,
                reference=pay.reference,
                paid_at=now,
            )
        )
    # the client's totals and membership
    if client is not None:
        client.total_spend_minor += bill.goods_total_minor
        client.full_price_spend_minor += bill.full_price_goods_minor
        client.updated_at = now
        if decision.becomes_member:
            client.membership_tier = "vip"
            client.member_since = now
            session.add(
                Membership(
                    client_id=client.id,
                    tier="vip",
                    reason=decision.reason,
                    sale_id=sale.id,
                    staff_id=actor.staff_id,
                    at=now,
                )
            )
    # the visit moves on to rebooking (stamps paid_at, creates the follow-up)
    if visit is not None:
        from desk_app.visits import flow as visit_flow

        visit_flow.move(session, visit, "advance", actor, now, standards=settings.standards())
    audit(
        session,
        actor,
        "sale",
        "sale",
        sale.id,
        at=now,
        after={
            "receipt_no": receipt_no,
            "total_minor": p.total_minor,
            "member_upgrade": decision.becomes_member,
        },
    )
    session.flush()
    return PaidSale(sale.id, receipt_no, p.total_minor, change_total, decision.becomes_member, bill.visit_id)
