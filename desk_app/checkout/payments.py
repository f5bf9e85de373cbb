"""Taking payment, refunds and voids, the owner's PIN for approvals, sales and prepaid balances."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desk_app.checkout import bill as cb
from desk_app.checkout.bill import ApprovalNeeded, Bill, PaymentIn
from desk_app.checkout.ledger import write_sale
from desk_app.checkout.refund import refund_approver, write_refund
from desk_app.checkout.views import (
    PaidSale,
    PrepaidMove,
    SaleSummary,
    SaleView,
    load_sale_view,
)
from desk_app.core.service import ConflictError, can, permitted, require, run_with_retry
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Client,
    ClientCredit,
    PrepaidAccount,
    PrepaidMovement,
    Sale,
)
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.messages import outbox
from desk_app.settings import SettingsStore
from desk_app.trust.pins import (
    Approval,
    PinPath,
    approval_holds,
    approve_with_owner_pin,
    refuse,
    use_approval,
)


def discount_approver(session: Session, actor: Actor, bill: Bill, now: datetime) -> int | None:
    """Who approved the bill's discount above the limit, checked in the paying unit of work: the
    cashier when allowed, else the owner whose approval (``Bill.discount_approval``) is in the
    audit log, recent and unused. A staff id set on the bill by hand is not an approval."""
    if bill.max_discount_percent <= bill.ctx.discount_limit_percent:
        return None
    if can(session, actor, Perm.DISCOUNT_ABOVE_LIMIT):
        return actor.staff_id
    if approval_holds(session, bill.discount_approval, bill.discount_approved_by_id, PinPath.DISCOUNT, now):
        return bill.discount_approved_by_id
    raise ApprovalNeeded(_("A discount on this bill needs the owner's PIN."), "discount")


class PaymentService:
    """Each method is one person's action (one unit of work) or one read; the bill itself is
    built by CheckoutService (checkout/service.py) and only handed in here to be paid."""

    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    def prepaid_balance(self, client_id: int) -> int:
        with self.db.uow(write=False) as uow:
            acct = uow.session.scalars(
                select(PrepaidAccount).where(PrepaidAccount.client_id == client_id)
            ).first()
            return (acct.balance_minor - acct.held_minor) if acct else 0

    def prepaid_history(self, client_id: int) -> list[PrepaidMove]:
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(PrepaidMovement, Sale.receipt_no)
                .join(PrepaidAccount, PrepaidAccount.id == PrepaidMovement.account_id)
                .outerjoin(Sale, Sale.id == PrepaidMovement.sale_id)
                .where(PrepaidAccount.client_id == client_id)
                .order_by(PrepaidMovement.id.desc())
            )
            return [
                PrepaidMove(m.at, m.kind, m.amount_minor, m.balance_after_minor, r or "", m.note)
                for m, r in rows
            ]

    def pay(self, actor: Actor, bill: Bill, payments: list[PaymentIn] | tuple[PaymentIn, ...]) -> PaidSale:
        bill = cb.reprice(bill, explain=False)
        try:
            cb.validate_payments(bill, payments)
        except ApprovalNeeded:
            require(self.db.uow, actor, Perm.CHECKOUT)  # a cashier without the right is refused for that first
            refuse(self.db.uow, actor, PinPath.DISCOUNT, "sale", detail="discount above the limit, not approved")
            raise
        now = self.clock()
        def attempt() -> PaidSale:
            # the permission is checked inside the paying unit of work (one transaction, not two)
            with permitted(self.db.uow, actor, Perm.CHECKOUT) as (uow, _known):
                s = uow.session
                approved = discount_approver(s, actor, bill, now)  # the bill's approval, checked here
                with s.no_autoflush:  # three flushes: the sale (for its id), everything else, its receipt number
                    paid = write_sale(s, self.settings, actor, replace(bill, discount_approved_by_id=approved),
                                      list(payments), now)
                if paid.visit_id is not None:  # the feedback request, in the same unit of work
                    outbox.on_paid(s, paid.visit_id, now, self.settings, actor.staff_id)
                if approved is not None and approved != actor.staff_id:
                    use_approval(s, bill.discount_approval, actor, now, paid.sale_id)
                if bill.credit_id is not None:  # the owed voucher is used by this sale, once
                    used = s.execute(
                        update(ClientCredit)
                        .where(
                            ClientCredit.id == bill.credit_id,
                            ClientCredit.client_id == bill.client_id,
                            ClientCredit.used_sale_id.is_(None),
                        )
                        .values(used_sale_id=paid.sale_id, used_at=now)
                    )
                    if getattr(used, "rowcount", 0) != 1:
                        raise ConflictError(
                            _(
                                "That voucher was used at another desk a moment ago. Nothing was charged; "
                                "open the bill again."
                            )
                        )
                uow.commit()
                return paid

        try:
            # a PostgreSQL deadlock between two desks aborts the whole transaction (nothing was
            # written); running it again is safe
            result = run_with_retry(attempt)
        except ApprovalNeeded:
            refuse(self.db.uow, actor, PinPath.DISCOUNT, "sale",
                   detail=f"discount approval for staff {bill.discount_approved_by_id} not found")
            raise
        except StaleDataError as exc:  # another desk paid or changed the same visit/client/balance first
            raise ConflictError(
                _(
                    "Another desk changed this client, visit or gift voucher at the same moment. "
                    "Nothing was charged; open the bill again."
                )
            ) from exc
        return result

    def approve_discount(self, actor: Actor, pin: str) -> Approval:
        """The owner's PIN typed at ``actor``'s desk to approve a discount above the limit: an
        approval the bill carries until it is paid, where ``pay`` checks it against the database.
        A wrong PIN counts toward the owner's pause like a wrong sign-in (PinRefused)."""
        require(self.db.uow, actor, Perm.CHECKOUT)
        with self.db.uow() as uow:
            approval = approve_with_owner_pin(uow, self.settings, pin, PinPath.DISCOUNT, actor, self.clock())
            uow.commit()
        return approval

    def refund(
        self,
        actor: Actor,
        sale_id: int,
        line_ids: list[int] | None,
        reason: str,
        approval_pin: str | None = None,
    ) -> PaidSale:
        """Refund lines of a sale. Without the right to refund, ``approval_pin`` is the owner's
        PIN typed at the desk, checked here (never an approver built by the caller)."""
        approved_by = refund_approver(
            self.db, self.settings, actor, Perm.REFUND, reason, approval_pin, PinPath.REFUND, sale_id
        )
        with self.db.uow() as uow:
            res = write_refund(
                uow.session,
                self.settings,
                actor,
                approved_by,
                sale_id,
                line_ids,
                reason.strip(),
                "refund",
                self.clock(),
            )
            uow.commit()
        return res

    def void(self, actor: Actor, sale_id: int, reason: str, approval_pin: str | None = None) -> PaidSale:
        approved_by = refund_approver(
            self.db, self.settings, actor, Perm.VOID, reason, approval_pin, PinPath.VOID, sale_id
        )
        with self.db.uow() as uow:
            res = write_refund(
                uow.session,
                self.settings,
                actor,
                approved_by,
                sale_id,
                None,
                reason.strip(),
                "void",
                self.clock(),
            )
            uow.commit()
        return res

    def sale_for_visit(self, visit_id: int) -> int | None:
        """The visit's paid sale (not a refund), if any: to print its papers again later."""
        with self.db.uow(write=False) as uow:
            return uow.session.scalar(
                select(Sale.id).where(Sale.visit_id == visit_id, Sale.kind == "sale").order_by(Sale.id.desc()).limit(1)
            )

    def get_sale(self, sale_id: int) -> SaleView:
        with self.db.uow(write=False) as uow:
            return load_sale_view(uow.session, sale_id)

    def sale_by_receipt(self, receipt_no: str) -> int | None:
        """The sale (or refund) that printed this receipt number (R00000123), if any."""
        with self.db.uow(write=False) as uow:
            return uow.session.scalar(select(Sale.id).where(Sale.receipt_no == receipt_no.strip().upper()))

    def recent_sales(self, limit: int = 50, query: str = "") -> list[SaleSummary]:
        with self.db.uow(write=False) as uow:
            stmt = select(Sale, Client.name).outerjoin(Client, Client.id == Sale.client_id)
            q = query.strip()
            if q:
                stmt = stmt.where(or_(Sale.receipt_no.ilike(f"%{q}%"), Client.name.ilike(f"%{q}%")))
            rows = list(uow.session.execute(stmt.order_by(Sale.id.desc()).limit(limit)))
            ids = [sa.id for sa, _n in rows]
            refunded = (
                dict(
                    uow.session.execute(
                        select(Sale.original_sale_id, func.sum(Sale.total_minor))
                        .where(Sale.original_sale_id.in_(ids))
                        .group_by(Sale.original_sale_id)
                    ).all()
                )
                if ids
                else {}
            )
            return [
                SaleSummary(
                    sa.id,
                    sa.receipt_no,
                    sa.kind,
                    sa.sold_at,
                    name or "",
                    sa.total_minor,
                    sa.total_minor + int(refunded.get(sa.id) or 0) if sa.kind == "sale" else 0,
                )
                for sa, name in rows
            ]
