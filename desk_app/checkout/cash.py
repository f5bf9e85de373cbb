"""The cash drawer: open with a float, cash in/out, close with a count, the Z report.

Sales paid while a drawer is open are linked to it (``sales.cash_session_id``,
set by checkout), so the expected cash and the Z report are sums over the
session's sales; closed sessions are kept for ever (past days). A sale taken
while no drawer was open is linked to the next drawer opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update

from desk_app.core.service import NotFound, ServiceError, ValidationError, audit, require, shop_tz
from desk_app.db.engine import Clock, Database
from desk_app.db.models import CashMovement, CashSession, PackageRedemption, Payment, Sale, SaleLine, Staff
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.shop.service import shop_info


@dataclass(frozen=True)
class CashMove:
    id: int
    kind: str  # in | out
    amount_minor: int
    reason: str
    staff_name: str
    at: datetime


@dataclass(frozen=True)
class DrawerView:
    id: int
    business_date: date
    opened_at: datetime
    opened_by: str
    float_minor: int
    cash_sales_minor: int  # net cash taken by sales and refunds
    cash_in_minor: int
    cash_out_minor: int
    expected_minor: int
    counted_minor: int | None
    over_short_minor: int | None
    closed_at: datetime | None
    closed_by: str
    notes: str
    moves: tuple[CashMove, ...]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class ZReport:
    drawer: DrawerView
    currency: str
    shop_name: str
    branch_name: str
    by_method: tuple[tuple[str, int, int], ...]  # (method, payments count, amount) net of refunds
    sales_count: int
    sales_total_minor: int
    refunds_count: int
    refunds_total_minor: int  # <= 0
    voids_count: int
    tips_minor: int
    tips_by_staff: tuple[tuple[str, int], ...]
    discounts_minor: int
    tax_minor: int
    topups_minor: int
    package_sessions: int
    first_receipt: str
    last_receipt: str
    net_takings_minor: int  # sum of all payments
    address: str = ""  # the branch's (else the shop's) address, phone and receipt line
    phone: str = ""
    receipt_header: str = ""


class CashDrawerService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # ----------------------------------------------------------------- reading
    def _view(self, session: object, cs: CashSession) -> DrawerView:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        names = dict(session.execute(select(Staff.id, Staff.name)).all())
        cash = int(
            session.scalar(
                select(func.coalesce(func.sum(Payment.amount_minor), 0))
                .join(Sale, Sale.id == Payment.sale_id)
                .where(Sale.cash_session_id == cs.id, Payment.method == "cash")
            )
            or 0
        )
        moves = tuple(
            CashMove(m.id, m.kind, m.amount_minor, m.reason, names.get(m.staff_id or 0, ""), m.at)
            for m in session.scalars(
                select(CashMovement).where(CashMovement.session_id == cs.id).order_by(CashMovement.id)
            )
        )
        cin = sum(m.amount_minor for m in moves if m.kind == "in")
        cout = sum(m.amount_minor for m in moves if m.kind == "out")
        expected = cs.float_minor + cash + cin - cout
        return DrawerView(
            id=cs.id,
            business_date=cs.business_date,
            opened_at=cs.opened_at,
            opened_by=names.get(cs.opened_by_id or 0, ""),
            float_minor=cs.float_minor,
            cash_sales_minor=cash,
            cash_in_minor=cin,
            cash_out_minor=cout,
            expected_minor=cs.expected_minor
            if cs.closed_at is not None and cs.expected_minor is not None
            else expected,
            counted_minor=cs.counted_minor,
            over_short_minor=cs.over_short_minor,
            closed_at=cs.closed_at,
            closed_by=names.get(cs.closed_by_id or 0, ""),
            notes=cs.notes,
            moves=moves,
        )

    def current(self, branch_id: int) -> DrawerView | None:
        with self.db.uow(write=False) as uow:
            cs = uow.session.scalars(
                select(CashSession)
                .where(CashSession.branch_id == branch_id, CashSession.closed_at.is_(None))
                .order_by(CashSession.id.desc())
            ).first()
            return self._view(uow.session, cs) if cs else None

    def get(self, session_id: int) -> DrawerView:
        with self.db.uow(write=False) as uow:
            cs = uow.session.get(CashSession, session_id)
            if cs is None:
                raise NotFound(_("That drawer session no longer exists."))
            return self._view(uow.session, cs)

    def history(self, branch_id: int, limit: int = 60) -> list[DrawerView]:
        """Past days, newest first."""
        with self.db.uow(write=False) as uow:
            rows = uow.session.scalars(
                select(CashSession)
                .where(CashSession.branch_id == branch_id)
                .order_by(CashSession.id.desc())
                .limit(limit)
            )
            return [self._view(uow.session, cs) for cs in rows]

    # ----------------------------------------------------------------- writing
    def open(self, actor: Actor, float_minor: int, notes: str = "") -> DrawerView:
        require(self.db.uow, actor, Perm.CASH_DRAWER)
        if float_minor < 0:
            raise ValidationError({"float": _("The float cannot be below zero.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            if s.scalar(
                select(CashSession.id).where(
                    CashSession.branch_id == actor.branch_id, CashSession.closed_at.is_(None)
                )
            ):
                raise ServiceError(_("The drawer is already open. Close it before opening a new day."))
            cs = CashSession(
                branch_id=actor.branch_id,
                business_date=now.astimezone(shop_tz(s)).date(),
                opened_at=now,
                opened_by_id=actor.staff_id,
                float_minor=float_minor,
                notes=notes,
            )
            s.add(cs)
            s.flush()
            # Sales taken while no drawer was open (before the morning float, after the close) are
            # counted in the drawer opened next, so no cash is ever outside every Z report.
            adopted = s.execute(  # type: ignore[attr-defined]  # CursorResult at run time
                update(Sale)
                .where(Sale.branch_id == actor.branch_id, Sale.cash_session_id.is_(None), Sale.sold_at <= now)
                .values(cash_session_id=cs.id)
            ).rowcount
            audit(
                s,
                actor,
                "drawer_open",
                "cash_session",
                cs.id,
                after={"float_minor": float_minor, "sales_adopted": adopted},
                at=now,
            )
            uow.commit()
            return self._view(s, cs)

    def move(self, actor: Actor, kind: str, amount_minor: int, reason: str) -> DrawerView:
        """Cash put in (change from the bank) or taken out (a delivery paid, a bank deposit)."""
        require(self.db.uow, actor, Perm.CASH_DRAWER)
        errors: dict[str, str] = {}
        if kind not in ("in", "out"):
            errors["kind"] = _("Choose cash in or cash out.")
        if amount_minor <= 0:
            errors["amount"] = _("Enter an amount above zero.")
        if not reason.strip():
            errors["reason"] = _("Say why the cash goes in or out.")
        if errors:
            raise ValidationError(errors)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            cs = s.scalars(
                select(CashSession).where(
                    CashSession.branch_id == actor.branch_id, CashSession.closed_at.is_(None)
                )
            ).first()
            if cs is None:
                raise ServiceError(_("The drawer is closed. Open it with a float first."))
            if kind == "out" and self._view(s, cs).expected_minor < amount_minor:
                raise ValidationError({"amount": _("There is not that much cash in the drawer.")})
            s.add(
                CashMovement(
                    session_id=cs.id,
                    kind=kind,
                    amount_minor=amount_minor,
                    reason=reason.strip(),
                    staff_id=actor.staff_id,
                    at=now,
                )
            )
            s.flush()
            audit(
                s,
                actor,
                "drawer_" + kind,
                "cash_session",
                cs.id,
                after={"amount_minor": amount_minor, "reason": reason.strip()},
                at=now,
            )
            uow.commit()
            return self._view(s, cs)

    DRAWER_REASONS = ("sale", "manual", "test")

    def may_open_drawer(self, actor: Actor, reason: str) -> Actor:
        """Checked before the drawer is kicked: after a cash sale anyone who takes payments; by
        hand ("no sale") or as a test only those who run the drawer. NotAllowed is logged."""
        if reason not in self.DRAWER_REASONS:
            raise ValidationError({"reason": _("Unknown reason to open the drawer.")})
        return require(self.db.uow, actor, Perm.CHECKOUT if reason == "sale" else Perm.CASH_DRAWER)

    def drawer_opened(self, actor: Actor, reason: str, sale_id: int | None = None, desk: str = "") -> None:
        """The audit entry for a drawer that was kicked open (the kick itself is hardware, done by
        the desk's printer); ``desk`` names the printer that opened it."""
        self.may_open_drawer(actor, reason)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            cs = s.scalars(
                select(CashSession).where(CashSession.branch_id == actor.branch_id, CashSession.closed_at.is_(None))
            ).first()
            audit(s, actor, "drawer_opened", "cash_session", cs.id if cs else "",
                  after={"reason": reason, "sale_id": sale_id, "printer": desk}, at=now)
            uow.commit()

    def close(self, actor: Actor, counted_minor: int, notes: str = "") -> DrawerView:
        require(self.db.uow, actor, Perm.CASH_DRAWER)
        if counted_minor < 0:
            raise ValidationError({"counted": _("The count cannot be below zero.")})
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            cs = s.scalars(
                select(CashSession).where(
                    CashSession.branch_id == actor.branch_id, CashSession.closed_at.is_(None)
                )
            ).first()
            if cs is None:
                raise ServiceError(_("The drawer is not open."))
            expected = self._view(s, cs).expected_minor
            cs.expected_minor = expected
            cs.counted_minor = counted_minor
            cs.over_short_minor = counted_minor - expected
            cs.closed_at = now
            cs.closed_by_id = actor.staff_id
            if notes.strip():
                cs.notes = (cs.notes + "\n" + notes.strip()).strip()
            s.flush()
            audit(
                s,
                actor,
                "drawer_close",
                "cash_session",
                cs.id,
                after={
                    "expected_minor": expected,
                    "counted_minor": counted_minor,
                    "over_short_minor": counted_minor - expected,
                },
                at=now,
            )
            uow.commit()
            return self._view(s, cs)

    # ----------------------------------------------------------------- Z report
    def z_report(self, session_id: int) -> ZReport:
        from desk_app.core.service import shop_row

        with self.db.uow(write=False) as uow:
            s = uow.session
            cs = s.get(CashSession, session_id)
            if cs is None:
                raise NotFound(_("That drawer session no longer exists."))
            view = self._view(s, cs)
            shop = shop_row(s)
            paper = shop_info(s, cs.branch_id)  # the branch's details, falling back to the shop's
            sales = list(s.scalars(select(Sale).where(Sale.cash_session_id == cs.id).order_by(Sale.id)))
            ids = [x.id for x in sales]
            by_method: dict[str, list[int]] = {}
            for m, n, amt in s.execute(
                select(Payment.method, func.count(), func.sum(Payment.amount_minor))
                .where(Payment.sale_id.in_(ids))
                .group_by(Payment.method)
                .order_by(Payment.method)
            ):
                by_method[m] = [int(n), int(amt or 0)]
            names = dict(s.execute(select(Staff.id, Staff.name)).all())
            tips: dict[str, int] = {}
            topups = 0
            for ln in s.scalars(
                select(SaleLine).where(SaleLine.sale_id.in_(ids), SaleLine.kind.in_(("tip", "prepaid_topup")))
            ):
                if ln.kind == "tip":
                    nm = names.get(ln.staff_id or 0, _("the team"))
                    tips[nm] = tips.get(nm, 0) + ln.line_total_minor
                else:
                    topups += ln.line_total_minor
            sessions = int(
                s.scalar(
                    select(func.coalesce(func.sum(PackageRedemption.sessions), 0)).where(
                        PackageRedemption.sale_id.in_(ids)
                    )
                )
                or 0
            )
            plain = [x for x in sales if x.kind == "sale"]
            refunds = [x for x in sales if x.kind != "sale"]
            return ZReport(
                drawer=view,
                currency=shop.currency,
                shop_name=shop.name,
                branch_name=paper.branch_name,
                address=paper.address,
                phone=paper.phone,
                receipt_header=paper.receipt_header,
                by_method=tuple((m, v[0], v[1]) for m, v in sorted(by_method.items())),
                sales_count=len(plain),
                sales_total_minor=sum(x.total_minor for x in plain),
                refunds_count=len([x for x in refunds if x.kind == "refund"]),
                refunds_total_minor=sum(x.total_minor for x in refunds),
                voids_count=len([x for x in refunds if x.kind == "void"]),
                tips_minor=sum(tips.values()),
                tips_by_staff=tuple(sorted(tips.items())),
                discounts_minor=sum(x.discount_minor for x in sales),
                tax_minor=sum(x.tax_minor for x in sales),
                topups_minor=topups,
                package_sessions=sessions,
                first_receipt=sales[0].receipt_no if sales else "",
                last_receipt=sales[-1].receipt_no if sales else "",
                net_takings_minor=sum(v[1] for v in by_method.values()),
            )
