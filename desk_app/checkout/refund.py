"""Refunds and voids: new sales pointing at the original (docs/money-model.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from desk_app.checkout import bill as cb
from desk_app.checkout import record
from desk_app.checkout.ledger import open_cash_session_id, prepaid_move, voucher_move
from desk_app.checkout.points import give_back_paid, give_back_rewards, take_back_earned
from desk_app.checkout.views import PaidSale
from desk_app.core.service import NotFound, ValidationError, audit, next_counter, require, shop_tz
from desk_app.db.engine import Database, session_now
from desk_app.db.models import (
    Client,
    ClientCredit,
    ClientPackage,
    GiftVoucher,
    Membership,
    PackageRedemption,
    Payment,
    PrepaidAccount,
    PrepaidMovement,
    Product,
    Sale,
    SaleLine,
    StockMovement,
)
from desk_app.domain import points as pts
from desk_app.domain import vip
from desk_app.domain import voucher as gv
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import S, SettingsStore
from desk_app.trust.pins import PinPath, approve_with_owner_pin


def refunded_by_line(session: Session, sale_id: int) -> dict[int, int]:
    """original line id -> refunded quantity (positive)."""
    rows = session.execute(
        select(SaleLine.original_line_id, func.sum(SaleLine.quantity))
        .join(Sale, Sale.id == SaleLine.sale_id)
        .where(Sale.original_sale_id == sale_id, SaleLine.original_line_id.is_not(None))
        .group_by(SaleLine.original_line_id)
    )
    return {int(lid): -int(q or 0) for lid, q in rows if lid is not None}


def refund_approver(
    db: Database,
    settings: SettingsStore,
    actor: Actor,
    perm: Perm,
    reason: str,
    pin: str | None,
    path: PinPath,
    sale_id: int | None,
) -> Actor:
    """Who approves a refund or void: the actor when allowed, else the owner whose PIN was typed,
    checked here against the database (trust/pins.py counts a wrong PIN and may pause it).
    Settled before anything is written; a refusal is audited. Raises ApprovalNeeded when the
    owner's PIN is needed and none was typed, PinRefused when it is wrong or paused."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the refund.")})
    known = require(db.uow, actor, Perm.CHECKOUT)  # the rights the database gives, not the caller's
    if known.can(perm):
        return known
    with db.uow() as uow:
        now = session_now(uow.session)
        if not pin:
            audit(uow.session, actor, "refused", "sale", sale_id if sale_id is not None else "",
                  after={"path": path.value}, detail=f"{perm.value} without the owner's PIN",
                  allowed=False, at=now)
            uow.commit()
            raise cb.ApprovalNeeded(_("A refund or void needs the owner's PIN."), "pin")
        approval = approve_with_owner_pin(uow, settings, pin, path, actor, now)
        uow.commit()
        return approval.actor


def write_refund(
    session: Session,
    settings: SettingsStore,
    actor: Actor,
    approved_by: Actor,
    sale_id: int,
    line_ids: list[int] | None,
    reason: str,
    kind: str,
    now: datetime,
) -> PaidSale:
    orig = session.get(Sale, sale_id)
    if orig is None:
        raise NotFound(_("That sale no longer exists."))
    if orig.kind != "sale":
        raise ValidationError({"sale": _("A refund cannot itself be refunded.")})
    lines = list(
        session.scalars(select(SaleLine).where(SaleLine.sale_id == orig.id).order_by(SaleLine.line_no))
    )
    done = refunded_by_line(session, orig.id)
    open_lines = [
        ln for ln in lines if done.get(ln.id, 0) < ln.quantity or (ln.quantity <= 0 and ln.id not in done)
    ]
    if line_ids is None:
        chosen = [ln for ln in open_lines if ln.kind != cb.ROUNDING]
    else:
        by_id = {ln.id: ln for ln in open_lines}
        missing = [i for i in line_ids if i not in by_id]
        if missing:
            raise ValidationError(
                {"lines": _("Some of these lines were already refunded or are not on this sale.")}
            )
        chosen = [by_id[i] for i in line_ids if by_id[i].kind != cb.ROUNDING]
    if not chosen:
        raise ValidationError({"lines": _("Nothing left to refund on this sale.")})
    chosen_ids = {ln.id for ln in chosen}
    rest = [ln for ln in open_lines if ln.id not in chosen_ids and ln.kind != cb.ROUNDING]
    if not rest:  # the sale is now fully refunded: its cash rounding goes back too
        chosen += [ln for ln in open_lines if ln.kind == cb.ROUNDING]

    client = session.get(Client, orig.client_id) if orig.client_id else None
    refund = Sale(
        branch_id=orig.branch_id,
        receipt_no=f"R{next_counter(session, 'receipt'):08d}",
        kind=kind,
        original_sale_id=orig.id,
        reason=reason,
        client_id=orig.client_id,
        visit_id=orig.visit_id,
        cashier_id=actor.staff_id,
        approved_by_id=approved_by.staff_id,
        sold_at=now,
        currency=orig.currency,
        prices_include_tax=orig.prices_include_tax,
        cash_session_id=open_cash_session_id(session, actor.branch_id),
    )
    session.add(refund)
    session.flush()
    for no, ln in enumerate(chosen, start=1):
        session.add(SaleLine(**record.refund_line(_values(ln), ln.id, refund.id, no)))
        _undo_line_effects(session, orig, refund, ln, actor, now)
    totals = record.refund_totals([_values(ln) for ln in chosen])
    for column, value in totals.sale_columns().items():
        setattr(refund, column, value)
    already = -int(
        session.scalar(
            select(func.coalesce(func.sum(Sale.total_minor), 0)).where(
                Sale.original_sale_id == orig.id, Sale.id != refund.id
            )
        )
        or 0
    )
    if totals.total_minor + already > orig.total_minor:
        raise ValidationError({"lines": _("A refund cannot be more than what was paid.")})
    take_back_earned(session, settings, orig, refund, chosen, actor, now)
    give_back_rewards(session, orig, refund, chosen, actor, now, settings.get(S.POINTS_LAPSE_DAYS))
    _refund_payments(session, orig, refund, totals.total_minor, actor, now, settings.get(S.POINTS_LAPSE_DAYS))
    if client is not None:
        client.total_spend_minor -= totals.goods_minor
        client.full_price_spend_minor -= totals.full_price_goods_minor
        client.updated_at = now
        _membership_follows(session, settings, orig, client, actor, refund, now)
    if not rest:  # the whole sale is undone: a complaint voucher it used is owed to the client again
        session.execute(
            update(ClientCredit).where(ClientCredit.used_sale_id == orig.id).values(used_sale_id=None, used_at=None)
        )
    audit(
        session,
        actor,
        kind,
        "sale",
        refund.id,
        at=now,
        after={
            "original": orig.receipt_no,
            "total_minor": refund.total_minor,
            "reason": reason,
            "approved_by": approved_by.staff_id,
        },
    )
    session.flush()
    return PaidSale(refund.id, refund.receipt_no, refund.total_minor, 0, False, orig.visit_id)


def _undo_line_effects(
    session: Session, orig: Sale, refund: Sale, ln: SaleLine, actor: Actor, now: datetime
) -> None:
    if ln.kind == cb.PRODUCT and ln.product_id:
        session.execute(
            update(Product)
            .where(Product.id == ln.product_id)
            .values(stock_qty=Product.stock_qty + ln.quantity)
            .execution_options(synchronize_session=False)
        )
        session.add(
            StockMovement(
                product_id=ln.product_id,
                qty_delta=ln.quantity,
                reason="refund",
                sale_id=refund.id,
                staff_id=actor.staff_id,
                at=now,
            )
        )
    elif ln.kind == cb.PACKAGE and ln.package_id:
        cps = list(
            session.scalars(
                select(ClientPackage).where(
                    ClientPackage.sale_id == orig.id,
                    ClientPackage.package_id == ln.package_id,
                    ClientPackage.sessions_total > ClientPackage.sessions_used,
                )
            )
        )
        if any(cp.sessions_used for cp in cps) or len(cps) < ln.quantity:
            raise ValidationError(
                {
                    "lines": _(
                        "Sessions of this package were already used; refund the unused part as a discount instead."
                    )
                }
            )
        for cp in cps[: ln.quantity]:
            cp.sessions_total = cp.sessions_used  # closed: nothing left to redeem
    elif ln.kind == cb.TOPUP and orig.client_id:
        acct = session.scalars(
            select(PrepaidAccount).where(PrepaidAccount.client_id == orig.client_id)
        ).first()
        if acct is None:
            raise ValidationError({"lines": _("The client has no prepaid account.")})
        bonus = int(
            session.scalar(
                select(func.coalesce(func.sum(PrepaidMovement.amount_minor), 0)).where(
                    PrepaidMovement.sale_id == orig.id, PrepaidMovement.kind == "bonus"
                )
            )
            or 0
        )
        if acct.balance_minor - acct.held_minor < ln.line_total_minor + bonus:
            raise ValidationError(
                {"lines": _("The top-up was already partly spent; only the unspent balance can be refunded.")}
            )
        prepaid_move(
            session, acct, "refund", -ln.line_total_minor, refund.id, actor.staff_id, now, "top-up refunded"
        )
        if bonus:
            prepaid_move(session, acct, "refund", -bonus, refund.id, actor.staff_id, now, "bonus taken back")
    elif ln.kind == cb.VOUCHER:
        unit = ln.unit_price_minor
        vouchers = list(
            session.scalars(
                select(GiftVoucher)
                .where(GiftVoucher.sale_id == orig.id, GiftVoucher.amount_minor == unit, GiftVoucher.closed == "")
                .order_by(GiftVoucher.id)
            )
        )
        unspent = [v for v in vouchers if v.balance_minor == v.amount_minor]
        if len(unspent) < ln.quantity:
            touched = session.execute(
                select(GiftVoucher.code, GiftVoucher.closed).where(
                    GiftVoucher.sale_id == orig.id, GiftVoucher.amount_minor == unit, GiftVoucher.closed != "void",
                    (GiftVoucher.closed != "") | (GiftVoucher.balance_minor != GiftVoucher.amount_minor),
                ).order_by(GiftVoucher.id)
            ).all()
            said = [
                (_("Gift voucher {code} was moved to a new code.") if closed == "transferred"
                 else _("Gift voucher {code} was already spent in part.")).format(code=gv.shown(code))
                for code, closed in touched
            ]  # fmt: skip
            raise ValidationError(
                {"lines": " ".join([*said, _("Only an unspent voucher can be refunded.")])}
            )
        for v in unspent[: ln.quantity]:
            voucher_move(session, v, "void", -v.balance_minor, refund.id, actor.staff_id, now, "voucher refunded")
            v.closed = "void"
    elif ln.kind == cb.SERVICE and ln.discount_reason == "package" and ln.line_total_minor == 0:
        red = session.scalars(
            select(PackageRedemption)
            .join(ClientPackage, ClientPackage.id == PackageRedemption.client_package_id)
            .where(
                PackageRedemption.sale_id == orig.id,
                ClientPackage.service_id == ln.service_id,
                PackageRedemption.sessions > 0,
            )
        ).first()
        if red is not None:
            held = session.get(ClientPackage, red.client_package_id)
            if held is not None:
                held.sessions_used -= ln.quantity
            session.add(
                PackageRedemption(
                    client_package_id=red.client_package_id,
                    sale_id=refund.id,
                    visit_id=orig.visit_id,
                    sessions=-ln.quantity,
                    value_minor=-red.value_minor,
                    at=now,
                    staff_id=actor.staff_id,
                )
            )


def _refund_payments(
    session: Session, orig: Sale, refund: Sale, amount: int, actor: Actor, now: datetime, lapse_days: int
) -> None:
    paid: dict[tuple[str, int | None], int] = {}
    today = now.astimezone(shop_tz(session)).date()
    # a voucher paid with: its money goes back onto it, or onto the code its balance moved to
    onto: dict[int, int] = {}
    for p in session.scalars(select(Payment).where(Payment.sale_id == orig.id)):
        if p.method == gv.METHOD:
            v = _open_end(session, session.get(GiftVoucher, p.voucher_id) if p.voucher_id is not None else None)
            if v is None or v.closed or (v.expires_on is not None and today > v.expires_on):
                continue  # a voucher refunded or expired takes nothing back: the money goes another way
            onto[p.voucher_id or 0] = v.id
        k = (p.method, onto.get(p.voucher_id or 0) if p.method == gv.METHOD else p.prepaid_account_id)
        paid[k] = paid.get(k, 0) + p.amount_minor
    back: dict[tuple[str, int | None], int] = {}
    for p in session.scalars(
        select(Payment)
        .join(Sale, Sale.id == Payment.sale_id)
        .where(Sale.original_sale_id == orig.id, Sale.id != refund.id)
    ):
        if p.method == gv.METHOD:  # given back onto a voucher since moved: counted where it is now
            end = _open_end(session, session.get(GiftVoucher, p.voucher_id) if p.voucher_id is not None else None)
            k = (p.method, end.id if end is not None else p.voucher_id)
        else:
            k = (p.method, p.prepaid_account_id)
        back[k] = back.get(k, 0) - p.amount_minor
    for method, acct_id, take in record.refund_payments(amount, paid, back):
        to_voucher = session.get(GiftVoucher, acct_id) if method == gv.METHOD and acct_id is not None else None
        session.add(
            Payment(
                sale_id=refund.id,
                method=method,
                amount_minor=-take,
                prepaid_account_id=acct_id if method == "prepaid" else None,
                voucher_id=to_voucher.id if to_voucher is not None else None,
                paid_at=now,
                reference=to_voucher.code if to_voucher is not None else orig.receipt_no,
            )
        )
        if method == pts.METHOD:
            give_back_paid(session, orig, refund, take, actor, now, lapse_days)
        if to_voucher is not None:
            voucher_move(session, to_voucher, "refund", take, refund.id, actor.staff_id, now, "payment refunded")
        if method == "prepaid" and acct_id is not None:
            acct = session.get(PrepaidAccount, acct_id)
            if acct is not None:
                prepaid_move(session, acct, "refund", take, refund.id, actor.staff_id, now, "payment refunded")


def _open_end(session: Session, v: GiftVoucher | None) -> GiftVoucher | None:
    """The voucher itself, or the one its balance was moved to (and so on): where money given back goes."""
    seen = 0
    while v is not None and v.closed == "transferred" and seen < 100:
        v = session.scalars(select(GiftVoucher).where(GiftVoucher.from_voucher_id == v.id)).first()
        seen += 1
    return v


def _values(ln: SaleLine) -> dict[str, object]:
    return {k: getattr(ln, k) for k in record.LINE_COLUMNS}


def _membership_follows(
    session: Session,
    settings: SettingsStore,
    orig: Sale,
    client: Client,
    actor: Actor,
    refund: Sale,
    now: datetime,
) -> None:
    """A membership this sale gave ends when, after the refund, nothing qualifies any more."""
    if not orig.member_upgrade or client.membership_tier != "vip":
        return
    session.flush()
    net_goods = int(
        session.scalar(
            select(func.coalesce(func.sum(SaleLine.line_total_minor), 0))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(
                (Sale.id == orig.id) | (Sale.original_sale_id == orig.id), SaleLine.kind.in_(cb.GOODS_KINDS)
            )
        )
        or 0
    )
    cur = orig.currency
    d = vip.evaluate(
        settings.vip_rule(),
        False,
        Money.from_minor(net_goods, cur).amount,
        Money.from_minor(0, cur).amount,
        Money.from_minor(client.full_price_spend_minor, cur).amount,
    )
    if not d.becomes_member:
        client.membership_tier = ""
        client.member_since = None
        session.add(
            Membership(
                client_id=client.id,
                tier="",
                reason="refund",
                sale_id=refund.id,
                staff_id=actor.staff_id,
                at=now,
            )
        )
