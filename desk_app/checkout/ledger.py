"""Writing a sale, a refund's money and prepaid movements inside the caller's write unit of work.

Every function here takes the open session and never commits: the caller's action is one unit of work.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from desk_app.checkout import bill as cb
from desk_app.checkout import record
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
from desk_app.db.engine import touched
from desk_app.db.models import (
    CashSession,
    Client,
    ClientPackage,
    GiftVoucher,
    Membership,
    Package,
    PackageRedemption,
    Payment,
    PointsAccount,
    PointsMovement,
    PointsReward,
    PrepaidAccount,
    PrepaidMovement,
    Product,
    Sale,
    SaleLine,
    Service,
    ServiceCategory,
    StockMovement,
    Visit,
    VoucherMovement,
)
from desk_app.domain import points as pts
from desk_app.domain import visit as vd
from desk_app.domain import voucher as gv
from desk_app.domain.money import currency_exponent
from desk_app.domain.permissions import Actor
from desk_app.i18n import _, format_number, ngettext
from desk_app.settings import S, SettingsStore

_OPEN_CASH_SESSION = (
    select(CashSession.id)
    .where(CashSession.branch_id == bindparam("bid"), CashSession.closed_at.is_(None))
    .order_by(CashSession.id.desc())
    .limit(1)
)


def open_cash_session_id(session: Session, branch_id: int) -> int | None:
    return session.scalar(_OPEN_CASH_SESSION, {"bid": branch_id})


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


class _Held(Protocol):  # a row that holds a balance: a prepaid account, a gift voucher, a points account
    id: int
    balance_minor: int


def balance_move(
    session: Session,
    holder: _Held,
    movement: type[Any],
    holder_column: str,
    kind: str,
    amount: int,
    sale_id: int | None,
    staff_id: int | None,
    now: datetime,
    note: str,
    refused: tuple[str, str],
) -> None:
    """Move ``amount`` on a held balance and record the movement with the balance after it: the one
    shape of every stored-value write (the holder's version is checked when the session flushes).
    ``refused``: the field and message when the balance would go below zero."""
    balance = holder.balance_minor + amount
    if balance < 0:
        raise ValidationError({refused[0]: refused[1]})
    holder.balance_minor = balance
    session.add(movement(**{holder_column: holder.id}, kind=kind, amount_minor=amount, balance_after_minor=balance,
                         sale_id=sale_id, staff_id=staff_id, note=note, at=now))


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
    balance_move(session, acct, PrepaidMovement, "account_id", kind, amount, sale_id, staff_id, now, note,
                 ("prepaid", _("The prepaid balance is not enough for this.")))


def voucher_move(
    session: Session,
    v: GiftVoucher,
    kind: str,
    amount: int,
    sale_id: int | None,
    staff_id: int | None,
    now: datetime,
    note: str = "",
) -> None:
    balance_move(session, v, VoucherMovement, "voucher_id", kind, amount, sale_id, staff_id, now, note,
                 ("voucher", _("The gift voucher's balance is not enough for this.")))


_MODELS: dict[str, type[Any]] = {
    "sale_lines": SaleLine,
    "gift_vouchers": GiftVoucher,
    "voucher_movements": VoucherMovement,
    "points_movements": PointsMovement,
    "client_packages": ClientPackage,
    "package_redemptions": PackageRedemption,
    "stock_movements": StockMovement,
    "prepaid_movements": PrepaidMovement,
    "payments": Payment,
    "memberships": Membership,
}


_TABLES = {name: cast(Table, model.__table__) for name, model in _MODELS.items()}
# columns whose default fills a None (what the ORM's bulk insert did by leaving the key out)
_DEFAULTED = {
    name: frozenset(c.name for c in t.c if c.default is not None or c.server_default is not None)
    for name, t in {**_TABLES, "sales": Sale.__table__}.items()
}
_CLIENTS = cast(Table, Client.__table__)
_SALES = cast(Table, Sale.__table__)
_INSERT_SALE = insert(_SALES).returning(_SALES.c.id)
_SET_RECEIPT_NO = update(_SALES).where(_SALES.c.id == bindparam("sid")).values(receipt_no=bindparam("rno"))
_ACCOUNTS = cast(Table, PrepaidAccount.__table__)
_ACCOUNT_FOR_SALE = select(
    _ACCOUNTS.c.id, _ACCOUNTS.c.balance_minor, _ACCOUNTS.c.held_minor, _ACCOUNTS.c.expires_on, _ACCOUNTS.c.version
).where(_ACCOUNTS.c.client_id == bindparam("cid"))
_SET_BALANCE = (  # versioned like the ORM's own UPDATE of the account (rowcount checked)
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("aid"), _ACCOUNTS.c.version == bindparam("ver"))
    .values(balance_minor=bindparam("bal"), expires_on=bindparam("exp"), version=_ACCOUNTS.c.version + 1)
)
_VOUCHERS = cast(Table, GiftVoucher.__table__)
_SET_VOUCHER_BALANCE = (  # versioned: two desks spending one voucher at once cannot both succeed
    update(_VOUCHERS)
    .where(_VOUCHERS.c.id == bindparam("vid"), _VOUCHERS.c.version == bindparam("ver"))
    .values(balance_minor=bindparam("bal"), version=_VOUCHERS.c.version + 1)
)
_POINTS = cast(Table, PointsAccount.__table__)
_POINTS_FOR_SALE = select(_POINTS.c.id, _POINTS.c.balance, _POINTS.c.last_activity_at, _POINTS.c.version).where(
    _POINTS.c.client_id == bindparam("cid")
)
_OPEN_POINTS = insert(_POINTS)
_SET_POINTS = (  # versioned: two desks spending one client's points at once cannot both succeed
    update(_POINTS)
    .where(_POINTS.c.id == bindparam("pid"), _POINTS.c.version == bindparam("ver"))
    .values(balance=bindparam("bal"), last_activity_at=bindparam("last"), version=_POINTS.c.version + 1)
)
_CLIENT_FOR_SALE = select(Client.id, Client.membership_tier, Client.version).where(Client.id == bindparam("cid"))
_ADD_TO_CLIENT = (  # the client's totals, versioned (built once: a statement built per sale cost ~0.1 ms)
    update(_CLIENTS)
    .where(_CLIENTS.c.id == bindparam("cid"), _CLIENTS.c.version == bindparam("ver"))
    .values(
        total_spend_minor=_CLIENTS.c.total_spend_minor + bindparam("goods"),
        full_price_spend_minor=_CLIENTS.c.full_price_spend_minor + bindparam("full"),
        updated_at=bindparam("now"),
        version=_CLIENTS.c.version + 1,
    )
)
_ADD_TO_CLIENT_MEMBER = _ADD_TO_CLIENT.values(membership_tier="vip", member_since=bindparam("now"))
_PRODUCTS = cast(Table, Product.__table__)
_ADD_STOCK = (  # a Core statement: executemany over the products a sale moves
    update(_PRODUCTS)
    .where(_PRODUCTS.c.id == bindparam("pid"))
    .values(stock_qty=_PRODUCTS.c.stock_qty + bindparam("qty"))
)


def fresh_codes(session: Session, count: int) -> list[str]:
    """``count`` new voucher codes no voucher has (the unique key stays the last word)."""
    codes: list[str] = []
    while len(codes) < count:
        want = [gv.new_code() for _i in range(count - len(codes))]
        taken = set(session.scalars(select(GiftVoucher.code).where(GiftVoucher.code.in_(want))))
        codes += [c for c in dict.fromkeys(want) if c not in taken and c not in codes]
    return codes


def held_vouchers(session: Session, references: list[str]) -> dict[str, gv.Held]:
    """The vouchers a bill's payments name (by code), as the database has them now."""
    codes = [c for c in (gv.normalize(r) for r in references) if isinstance(c, str)]
    if not codes:
        return {}
    return {
        v.code: gv.Held(v.id, v.code, v.balance_minor, v.expires_on, v.closed, v.version)
        for v in session.scalars(select(GiftVoucher).where(GiftVoucher.code.in_(codes)))
    }


def _rewards(session: Session, bill: Bill) -> dict[int, pts.RewardTerms]:
    """The rewards the bill's lines take, as the catalogue says now."""
    ids = {ln.reward_id for ln in bill.lines if ln.reward_id is not None}
    if not ids:
        return {}
    return {
        r.id: pts.RewardTerms(r.id, r.service_id, r.product_id, r.points, r.active)
        for r in session.scalars(select(PointsReward).where(PointsReward.id.in_(ids)))
    }


def _points_state(
    session: Session, settings: SettingsStore, bill: Bill, payments: list[PaymentIn], now: datetime
) -> tuple[pts.PointsRule | None, pts.Held | None, dict[int, int]]:
    """The owner's points rule, the client's points account (opened on the first sale that earns)
    and the categories of the bill's services when some category has a rate of its own."""
    if bill.client_id is None:
        return None, None, {}
    own = settings.get(S.POINTS_CATEGORY_RATES)
    codes = dict(session.execute(select(ServiceCategory.code, ServiceCategory.id)).all()) if own else {}
    rule = settings.points_rule(codes)
    paying = any(p.method == pts.METHOD for p in payments) or any(ln.reward_id is not None for ln in bill.lines)
    if not (rule.earns or paying):
        return rule, None, {}
    conn = session.connection()
    row = conn.execute(_POINTS_FOR_SALE, {"cid": bill.client_id}).first()
    if row is None:
        # the first sale that earns opens it, without racing another desk doing the same for this client
        # (PostgreSQL server mode: a plain INSERT fails there with a duplicate key)
        values = {"client_id": bill.client_id, "balance": 0, "created_at": now, "version": 1}
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(_POINTS).values(values).on_conflict_do_nothing(index_elements=["client_id"]))
        else:  # SQLite write units of work hold the write lock (BEGIN IMMEDIATE): no race
            conn.execute(_OPEN_POINTS, values)
        row = conn.execute(_POINTS_FOR_SALE, {"cid": bill.client_id}).first()
        assert row is not None
    services = {ln.service_id for ln in bill.lines if ln.service_id}
    cats = (
        dict(session.execute(select(Service.id, Service.category_id).where(Service.id.in_(services))).all())
        if rule.category_rates and services else {}
    )
    return rule, pts.Held(row.id, row.balance, row.last_activity_at, row.version), cats


def _no_id(_table: str) -> int | None:
    return None


def _insert_rows(conn: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Core INSERTs of ``rows`` (one executemany per run of rows with the same columns), as the
    ORM's bulk insert wrote them: a None where the column has a default is left out (the default
    applies), and the rows keep their order (ids follow it)."""
    defaulted = _DEFAULTED[table]
    clean = [{k: v for k, v in r.items() if v is not None or k not in defaulted} for r in rows]
    stmt = insert(_TABLES[table])
    for _keys, run in groupby(clean, key=_columns):
        conn.execute(stmt, list(run))


def _columns(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)


def write_sale(
    session: Session,
    settings: SettingsStore,
    actor: Actor,
    bill: Bill,
    payments: list[PaymentIn],
    now: datetime,
) -> PaidSale:
    """Write a paid bill: the rows come from ``record.sale_rows`` (the one description of a sale)."""
    bill = record.price(bill)
    # nothing is pending in the session yet: its reads below run on the connection, Core statements
    # (the ORM's execute path cost ~80 µs a statement)
    conn = session.connection()
    client = (  # the columns the sale needs; its totals are updated in one statement below
        conn.execute(_CLIENT_FOR_SALE, {"cid": bill.client_id}).first() if bill.client_id else None
    )
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
    validity = settings.get(S.PREPAID_VALIDITY_DAYS)
    acct: Any = None  # the account's columns (id, balance, held, expiry, version), not an entity
    if client is not None and (
        any(ln.kind == cb.TOPUP for ln in bill.lines) or any(p.method == "prepaid" for p in payments)
    ):
        acct = conn.execute(_ACCOUNT_FOR_SALE, {"cid": client.id}).first()
        if acct is None:  # the client's first top-up opens the account
            prepaid_account(session, client.id, now, validity)
            acct = conn.execute(_ACCOUNT_FOR_SALE, {"cid": client.id}).first()
    package_ids = {ln.package_id for ln in bill.lines if ln.kind == cb.PACKAGE and ln.package_id}
    terms = {
        pk.id: record.PackageTerms(pk.service_id, pk.sessions, pk.valid_days)
        for pk in (session.get(Package, i) for i in package_ids)
        if pk is not None
    }
    if len(terms) != len(package_ids):
        raise NotFound(_("That package is no longer sold."))
    held_ids = {ln.client_package_id for ln in bill.lines if ln.redeemed and ln.client_package_id}
    held_rows = {i: session.get(ClientPackage, i) for i in held_ids}
    held = {
        i: record.HeldPackage(
            cp.client_id, cp.service_id, cp.sessions_total, cp.sessions_used, cp.price_minor
        )
        for i, cp in held_rows.items()
        if cp is not None
    }
    sold = sum(ln.quantity for ln in bill.lines if ln.kind == cb.VOUCHER)
    points_rule, points, service_categories = _points_state(session, settings, bill, payments, now)
    state = record.SaleState(
        sale_id=None,
        # the receipt number comes last (below): a unique stand-in until then
        receipt_no=f"~{uuid.uuid4().hex}",
        branch_id=actor.branch_id,
        cashier_id=actor.staff_id,
        at=now,
        tz=shop_tz(session),
        cash_session_id=conn.scalar(_OPEN_CASH_SESSION, {"bid": actor.branch_id}),
        prepaid_account_id=acct.id if acct is not None else None,
        prepaid_balance_minor=acct.balance_minor if acct is not None else 0,
        prepaid_available_minor=acct.balance_minor - acct.held_minor if acct is not None else 0,
        prepaid_expires_on=acct.expires_on if acct is not None else None,
        topup_bonus_percent=settings.get(S.PREPAID_TOPUP_BONUS_PERCENT),
        prepaid_validity_days=validity,
        packages=terms,
        held=held,
        voucher_codes=fresh_codes(session, sold) if sold else (),
        voucher_validity_days=settings.get(S.VOUCHER_VALIDITY_DAYS),
        vouchers=held_vouchers(session, [p.reference for p in payments if p.method == gv.METHOD]),
        points=points,
        points_rule=points_rule,
        rewards=_rewards(session, bill),
        service_categories=service_categories,
    )
    state_versions = {h.id: h.version for h in state.vouchers.values()}
    try:
        rows = record.sale_rows(bill, payments, state, _no_id)
    except record.SaleRefused as refused:
        if refused.field == "voucher":
            raise ValidationError({"voucher": refused.reason}) from None
        if refused.field == "points":
            usable = state.points.available(state.points_rule.lapse_days, now) \
                if state.points is not None and state.points_rule is not None else 0
            worth = pts.worth_minor(usable, state.points_rule, currency_exponent(bill.currency)) \
                if state.points_rule is not None else 0
            raise ValidationError({"points": _("The client's {points} points pay at most {amount}.").format(
                points=format_number(usable), amount=cb.money(worth, bill.currency))}) from None
        if refused.field == "reward":
            if refused.reason == "changed":
                raise ValidationError({"reward": _(
                    "The reward changed in Settings since it was put on the bill: take it off and put it on again."
                )}) from None
            usable = state.points.available(state.points_rule.lapse_days, now) \
                if state.points is not None and state.points_rule is not None else 0
            need = bill.reward_points
            raise ValidationError({"reward": ngettext(
                "The rewards on the bill take {need} points; the client has {points} point.",
                "The rewards on the bill take {need} points; the client has {points} points.", usable,
            ).format(need=format_number(need), points=format_number(usable))}) from None
        if refused.field == "prepaid":
            available = state.prepaid_available_minor
            raise ValidationError(
                {
                    "prepaid": _("The prepaid balance ({amount}) is not enough.").format(
                        amount=cb.money(available, bill.currency)
                    )
                }
            ) from None
        if held_ids and refused.reason == "no sessions left":
            raise ValidationError({"package": _("The package has no sessions left.")}) from None
        raise ValidationError({"package": _("This package cannot pay for this service.")}) from None
    # Core inserts, one statement per table (executemany): the ORM's per-object unit of work,
    # identity map and RETURNING of each new id cost more than the rows themselves, and nothing
    # below reads these rows back as objects. On the tables, not through the ORM's bulk insert
    # (~0.4 ms of bookkeeping a table, and a sale's lines in one statement per set of NULL columns).
    sale_row = {k: v for k, v in rows.sale.items() if v is not None or k not in _DEFAULTED["sales"]}
    sale_id = int(conn.execute(_INSERT_SALE, sale_row).scalar_one())
    rows.bind(sale_id)
    touched(session, "sale", sale_id)  # Core writes: the change feed is told by hand
    for table in record.TABLE_ORDER:
        if rows.tables[table]:
            _insert_rows(conn, table, rows.tables[table])
    if rows.stock:  # atomic UPDATEs (no read first): two desks selling the last bottle both count
        conn.execute(_ADD_STOCK, [{"pid": pid, "qty": qty} for pid, qty in rows.stock.items()])
        for pid in rows.stock:
            touched(session, "product", pid)
    for cp_id, n in rows.sessions_used.items():
        cp = held_rows[cp_id]
        assert cp is not None
        cp.sessions_used += n
    if acct is not None and rows.prepaid_balance_minor is not None:
        moved = conn.execute(
            _SET_BALANCE,
            {"aid": acct.id, "ver": acct.version, "bal": rows.prepaid_balance_minor, "exp": rows.prepaid_expires_on},
        )
        if moved.rowcount != 1:  # another desk moved this balance since it was read
            raise StaleDataError("the prepaid account changed while the sale was written")
        touched(session, "prepaid_account", acct.id)
    for vid, balance in rows.voucher_balances.items():
        spent = conn.execute(_SET_VOUCHER_BALANCE, {"vid": vid, "ver": state_versions[vid], "bal": balance})
        if spent.rowcount != 1:  # another desk spent this voucher since it was read
            raise StaleDataError("the gift voucher changed while the sale was written")
    if points is not None and rows.points_balance is not None:
        last = now if rows.points_active else points.last_activity_at
        moved = conn.execute(_SET_POINTS, {"pid": points.id, "ver": points.version, "bal": rows.points_balance,
                                           "last": last})
        if moved.rowcount != 1:  # another desk moved these points since they were read
            raise StaleDataError("the client's points changed while the sale was written")
    # the client's totals and membership
    if client is not None:
        done = conn.execute(
            _ADD_TO_CLIENT_MEMBER if rows.becomes_member else _ADD_TO_CLIENT,
            {
                "cid": client.id,
                "ver": client.version,
                "goods": rows.goods_minor,
                "full": rows.full_price_goods_minor,
                "now": now,
            },
        )
        if done.rowcount != 1:  # changed by another desk since read (as the ORM's version check)
            raise StaleDataError("the client changed while the sale was written")
        touched(session, "client", client.id)
    # the visit moves on to rebooking (stamps paid_at, creates the follow-up)
    if visit is not None:
        from desk_app.visits import flow as visit_flow

        visit_flow.move(session, visit, "advance", actor, now, standards=settings.standards())
    # The receipt counter is one row every desk's payment updates: its lock is held until COMMIT. Taken
    # last, after the sale's rows are written, other desks wait only for this sale's number, its audit
    # row and the commit, not for all of it (server mode, 10 desks: the wait for this lock was most of
    # a payment's time on the server). Numbers stay gap-free: a sale that rolls back gives its number back.
    session.flush()
    rows.sale["receipt_no"] = f"R{next_counter(session, 'receipt'):08d}"
    conn.execute(_SET_RECEIPT_NO, {"sid": sale_id, "rno": rows.sale["receipt_no"]})
    audit(
        session,
        actor,
        "sale",
        "sale",
        sale_id,
        at=now,
        after={
            "receipt_no": rows.sale["receipt_no"],
            "total_minor": rows.sale["total_minor"],
            "member_upgrade": rows.becomes_member,
            **({"vouchers_sold": [r["code"] for r in rows.tables["gift_vouchers"]]} if sold else {}),
        },
    )
    session.flush()
    return PaidSale(
        sale_id, rows.sale["receipt_no"], rows.sale["total_minor"], rows.change_minor, rows.becomes_member,
        bill.visit_id,
    )
