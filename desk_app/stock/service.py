"""Purchasing and stocktake (docs/stock.md): suppliers, purchase orders drafted from the low-stock
list, deliveries received in part, stock counts closed with their variance.

Every change of a product's stock is a ``stock_movements`` row written in the same unit of work as
the ``products.stock_qty`` it moves (an atomic ``UPDATE ... SET stock_qty = stock_qty + n``, so a
sale on another desk at the same moment is never lost). Orders carry a version: a delivery or edit
made on a stale copy of the order is refused, never applied twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, select, update
from sqlalchemy.orm import Session

from desk_app.core.forms import Form, diff
from desk_app.core.service import (
    ConflictError,
    NotFound,
    ValidationError,
    audit,
    next_counter,
    permitted,
    shop_row,
)
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Staff,
    StockCount,
    StockCountLine,
    StockMovement,
    Supplier,
)
from desk_app.domain import stock as st
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import N_, _, format_number, ngettext, pick

MAX_QTY = 100_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\- ]+$")


@dataclass(frozen=True)
class SupplierItem:
    id: int
    name: str
    contact: str
    phone: str
    email: str
    note: str
    active: bool


@dataclass(frozen=True)
class ToOrder:
    """A product at or below its reorder level."""

    product_id: int
    sku: str
    name: str
    unit: str
    on_hand: int
    reorder_level: int
    on_order: int  # on sent orders, still to come
    suggested: int  # what to order now (domain.stock.suggest_quantity)
    pack_qty: int
    supplier_id: int | None
    supplier_name: str
    unit_cost: Decimal
    currency: str
    on_draft: int = 0  # on a draft order not yet sent
    draft_no: str = ""  # that draft's number


@dataclass(frozen=True)
class OrderLineView:
    id: int
    product_id: int
    sku: str
    name: str
    unit: str
    ordered: int
    received: int
    unit_cost: Decimal

    @property
    def open(self) -> int:
        return max(self.ordered - self.received, 0)

    @property
    def total(self) -> Decimal:
        return self.unit_cost * self.ordered


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    supplier_id: int
    supplier_name: str
    supplier_contact: str
    state: str  # draft | sent | partly | received | cancelled
    note: str
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    cancelled_at: datetime | None
    lines: tuple[OrderLineView, ...]
    currency: str
    version: int

    @property
    def total(self) -> Decimal:
        return sum((ln.total for ln in self.lines), Decimal(0))

    @property
    def open_qty(self) -> int:
        return sum(ln.open for ln in self.lines) if self.state in (st.SENT, st.PARTLY) else 0


@dataclass(frozen=True)
class DraftResult:
    orders: tuple[OrderView, ...]
    no_supplier: tuple[str, ...]  # products on the list without a usual supplier


@dataclass(frozen=True)
class CountLineView:
    product_id: int
    sku: str
    name: str
    unit: str
    on_record: int  # the stock now
    counted: int | None
    expected: int | None  # the record when the figure was entered
    unit_cost: Decimal

    @property
    def variance(self) -> int | None:
        return None if self.counted is None or self.expected is None else st.variance(self.counted, self.expected)


@dataclass(frozen=True)
class CountView:
    id: int
    scope: str
    status: str  # open | closed | abandoned
    started_at: datetime
    started_by: str
    closed_at: datetime | None
    closed_by: str
    lines: tuple[CountLineView, ...]
    currency: str

    @property
    def counted(self) -> int:
        return sum(1 for ln in self.lines if ln.counted is not None)

    @property
    def variance_qty(self) -> int:
        return sum(ln.variance or 0 for ln in self.lines)

    @property
    def short(self) -> int:
        """Products counted fewer than the record."""
        return sum(1 for ln in self.lines if (ln.variance or 0) < 0)

    @property
    def over(self) -> int:
        """Products counted more than the record."""
        return sum(1 for ln in self.lines if (ln.variance or 0) > 0)

    @property
    def variance_value(self) -> Decimal:
        return sum((ln.unit_cost * (ln.variance or 0) for ln in self.lines), Decimal(0))


def state_word(state: str) -> str:
    return {
        st.DRAFT: _("Draft"),
        st.SENT: _("Sent"),
        st.PARTLY: _("Partly received"),
        st.RECEIVED: _("Received"),
        st.CANCELLED: _("Cancelled"),
    }.get(state, state)


def scope_word(scope: str) -> str:
    return {"retail": _("Retail shelf"), "backbar": _("Back-bar"), "all": _("All products")}.get(scope, scope)


class StockService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- suppliers ------------------------------------------------------------------------------
    def suppliers(self, include_inactive: bool = True) -> list[SupplierItem]:
        with self.db.uow(write=False) as uow:
            q = select(Supplier).order_by(Supplier.active.desc(), Supplier.name, Supplier.id)
            if not include_inactive:
                q = q.where(Supplier.active.is_(True))
            return [_supplier(x) for x in uow.session.scalars(q)]

    def save_supplier(self, actor: Actor, supplier_id: int | None, data: Mapping[str, Any]) -> SupplierItem:
        f = Form(data)
        f.text("name", 200, required=_("Enter the supplier's name."))
        f.text("contact", 200)
        f.text("phone", 60)
        f.text("email", 200)
        if f.out.get("email") and not _EMAIL.match(f.out["email"]):
            f.errors["email"] = _("This is not an email address; check it or leave it empty.")
        phone = f.out.get("phone") or ""
        if phone and (not _PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 5):
            f.errors["phone"] = _("A phone number has digits (and + - ( ) or spaces); check it or leave it empty.")
        f.text("note", 2000)
        f.flag("active", True)
        values = f.done()
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            clash = s.scalar(select(Supplier.id).where(
                func.lower(Supplier.name) == values["name"].lower(), Supplier.id != (supplier_id or 0)))
            if clash:
                raise ValidationError({"name": _("Another supplier already has this name.")})
            if supplier_id is None:
                obj = Supplier(**values)
                s.add(obj)
                s.flush()
                audit(s, actor, "create", "supplier", obj.id, after=values, at=self.clock())
            else:
                found = s.get(Supplier, supplier_id)
                if found is None:
                    raise NotFound(_("This supplier no longer exists."))
                obj = found
                before, after = diff(obj, values)
                if before:
                    for k, v in values.items():
                        setattr(obj, k, v)
                    audit(s, actor, "update", "supplier", obj.id, before=before, after=after, at=self.clock())
            s.flush()
            out = _supplier(obj)
            uow.commit()
            return out

    # -- what to order ----------------------------------------------------------------------------
    def to_order(self) -> list[ToOrder]:
        """Products at or below their reorder level, most short first. A retired supplier is no
        usual supplier (it is not ordered from)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            cur = shop_row(s).currency
            on_order = _on_order(s)
            drafted = _on_draft(s)
            rows = s.execute(
                select(Product, Supplier.name)
                .outerjoin(Supplier, and_(Supplier.id == Product.supplier_id, Supplier.active.is_(True)))
                .where(Product.active.is_(True), Product.reorder_level > 0,
                       Product.stock_qty <= Product.reorder_level)
                .order_by(Product.stock_qty - Product.reorder_level, Product.sku)
            ).all()
            return [
                ToOrder(
                    p.id, p.sku, pick(p.name_zh, p.name_en), p.unit, p.stock_qty, p.reorder_level,
                    on_order.get(p.id, 0),
                    st.suggest_quantity(p.stock_qty, on_order.get(p.id, 0), p.reorder_level, p.pack_qty),
                    p.pack_qty, p.supplier_id if sname is not None else None, sname or "",
                    Money.from_minor(p.cost_minor, cur).amount, cur, *drafted.get(p.id, (0, "")),
                )
                for p, sname in rows
            ]

    def draft_from_low_stock(self, actor: Actor, product_ids: Iterable[int] | None = None) -> DraftResult:
        """A draft order per supplier for what the low-stock list suggests (only ``product_ids``
        when given), added to that supplier's open draft when there is one; a product already on a
        draft is left as it is there."""
        wanted = set(product_ids) if product_ids is not None else None
        listed = [t for t in self.to_order() if t.suggested > 0 and (wanted is None or t.product_id in wanted)]
        items = [t for t in listed if not t.on_draft]
        if listed and not items:
            raise ValidationError({"order": _("These products are on drafts already: {orders}. Check and send them.")
                                   .format(orders=", ".join(sorted({t.draft_no for t in listed})))})
        no_supplier = tuple(t.name for t in items if t.supplier_id is None)
        by_supplier: dict[int, list[ToOrder]] = {}
        for t in items:
            if t.supplier_id is not None:
                by_supplier.setdefault(t.supplier_id, []).append(t)
        if not by_supplier:
            raise ValidationError({"order": _(
                "Nothing to order: every product on the list is already on its way."
            ) if not no_supplier else _(
                "Give these products a usual supplier in Settings › Products first: {names}."
            ).format(names=", ".join(no_supplier))})
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            ids: list[int] = []
            for supplier_id, ts in sorted(by_supplier.items()):
                order = s.scalars(select(PurchaseOrder).where(
                    PurchaseOrder.supplier_id == supplier_id, PurchaseOrder.status == st.DRAFT
                ).order_by(PurchaseOrder.id)).first()
                if order is None:
                    order = self._new(s, actor, supplier_id, now)
                else:
                    _claim(s, order.id, order.version)
                have = set(s.scalars(select(PurchaseOrderLine.product_id).where(
                    PurchaseOrderLine.order_id == order.id)))
                added = []
                for t in ts:
                    if t.product_id in have:
                        continue
                    cost = s.scalar(select(Product.cost_minor).where(Product.id == t.product_id)) or 0
                    s.add(PurchaseOrderLine(order_id=order.id, product_id=t.product_id, qty_ordered=t.suggested,
                                            qty_received=0, unit_cost_minor=cost))
                    added.append({"product_id": t.product_id, "qty": t.suggested})
                audit(s, actor, "draft", "purchase_order", order.id, after={"lines": added}, at=now)
                ids.append(order.id)
            s.flush()
            out = tuple(self._view(s, i) for i in ids)
            uow.commit()
            return DraftResult(out, no_supplier)

    # -- orders -------------------------------------------------------------------------------------
    def new_order(self, actor: Actor, supplier_id: int) -> OrderView:
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            sup = s.get(Supplier, supplier_id)
            if sup is None or not sup.active:
                raise ValidationError({"supplier": _("Choose a supplier.")})
            order = self._new(s, actor, supplier_id, now)
            audit(s, actor, "create", "purchase_order", order.id, after={"supplier_id": supplier_id}, at=now)
            out = self._view(s, order.id)
            uow.commit()
            return out

    def orders(self, states: Iterable[str] | None = None, limit: int = 300) -> list[OrderView]:
        """The newest orders first (only those in ``states`` when given)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            ids = list(s.scalars(select(PurchaseOrder.id).order_by(PurchaseOrder.id.desc()).limit(limit)))
            views = [self._view(s, i) for i in ids]
        want = set(states) if states is not None else None
        return [v for v in views if want is None or v.state in want]

    def order(self, order_id: int) -> OrderView:
        with self.db.uow(write=False) as uow:
            return self._view(uow.session, order_id)

    def save_draft(self, actor: Actor, order_id: int, version: int,
                   lines: Sequence[Mapping[str, Any]], note: str = "") -> OrderView:
        """Replace a draft's lines: each ``{"product_id", "qty", "unit_cost"}`` (the cost in the
        shop's currency units, as typed)."""
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            order = self._get(s, order_id)
            _fresh(order.version, version)
            if order.status != st.DRAFT:
                raise ValidationError({"order": _("Only a draft can be changed; this order was sent.")})
            cur = shop_row(s).currency
            clean: list[tuple[int, int, int]] = []
            errors: dict[str, str] = {}
            seen: set[int] = set()
            for i, ln in enumerate(lines):
                f = Form(ln)
                pid = int(ln.get("product_id") or 0)
                p = s.get(Product, pid)
                name = pick(p.name_zh, p.name_en) if p is not None else ""
                f.integer("qty", 1, MAX_QTY, _("{name}: order a whole number from 1 to {max}.").format(
                    name=name, max=format_number(MAX_QTY)))
                f.money("unit_cost", cur, required=False)
                if "unit_cost" in f.errors:
                    f.errors["unit_cost"] = f"{name}: {f.errors['unit_cost']}"
                if p is None or not p.active:
                    f.errors["product"] = _("This product is no longer in the catalogue.")
                elif pid in seen:
                    f.errors["product"] = _("{name} is on the order twice: change the quantity of one line.").format(
                        name=pick(p.name_zh, p.name_en))
                seen.add(pid)
                for k, msg in f.errors.items():
                    errors.setdefault(f"{i}.{k}", msg)
                if not f.errors and p is not None:  # no cost typed: the product's cost
                    typed = str(ln.get("unit_cost") or "").strip()
                    clean.append((pid, f.out["qty"], f.out["unit_cost"] if typed else p.cost_minor))
            text = " ".join(str(note or "").split())
            if len(text) > 2000:
                errors["note"] = _("Too long: {n} characters at most.").format(n=2000)
            if errors:
                raise ValidationError(errors)
            old_note = order.note
            _claim(s, order.id, version)
            before = [(x.product_id, x.qty_ordered, x.unit_cost_minor) for x in s.scalars(
                select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id))]
            for x in s.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id)):
                s.delete(x)
            s.flush()
            for pid, qty, cost in clean:
                s.add(PurchaseOrderLine(order_id=order.id, product_id=pid, qty_ordered=qty, qty_received=0,
                                        unit_cost_minor=cost))
            s.execute(update(PurchaseOrder).where(PurchaseOrder.id == order.id).values(note=text))
            audit(s, actor, "update", "purchase_order", order.id, before={"lines": before, "note": old_note},
                  after={"lines": clean, "note": text}, at=self.clock())
            s.flush()
            out = self._view(s, order.id)
            uow.commit()
            return out

    def send(self, actor: Actor, order_id: int, version: int) -> OrderView:
        """A draft becomes an order sent to the supplier: its lines are fixed and can be received."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            order = self._get(s, order_id)
            _fresh(order.version, version)
            if order.status != st.DRAFT:
                raise ValidationError({"order": _("This order was already sent.")})
            if not s.scalar(select(func.count()).select_from(PurchaseOrderLine)
                            .where(PurchaseOrderLine.order_id == order.id)):
                raise ValidationError({"order": _("Add at least one product before sending the order.")})
            _claim(s, order.id, version, status=st.SENT, sent_at=now)
            audit(s, actor, "send", "purchase_order", order.id, at=now)
            out = self._view(s, order.id)
            uow.commit()
            return out

    def cancel(self, actor: Actor, order_id: int, version: int) -> OrderView:
        """Nothing more is expected: a draft or a sent order is cancelled (what was received stays)."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            view = self._view(s, order_id)
            _fresh(view.version, version)
            if view.state in (st.RECEIVED, st.CANCELLED):
                raise ValidationError({"order": _("This order is already closed ({state}).").format(
                    state=state_word(view.state))})
            _claim(s, order_id, version, status=st.CANCELLED, cancelled_at=now)
            audit(s, actor, "cancel", "purchase_order", order_id,
                  detail=f"open {view.open_qty}", at=now)
            out = self._view(s, order_id)
            uow.commit()
            return out

    def receive(self, actor: Actor, order_id: int, version: int, quantities: Mapping[int, int | str]) -> OrderView:
        """A delivery: ``quantities`` maps order lines to what came, each at most what is still to
        come. The stock rises by it and the product's cost becomes the order's cost."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.STOCK) as (uow, _known):
            s = uow.session
            view = self._view(s, order_id)
            _fresh(view.version, version)
            if view.state not in (st.SENT, st.PARTLY):
                raise ValidationError({"order": _("Only a sent order can be received; this one is {state}.").format(
                    state=state_word(view.state).lower())})
            lines = {ln.id: ln for ln in view.lines}
            errors: dict[str, str] = {}
            took: list[tuple[OrderLineView, int]] = []
            for line_id, raw in quantities.items():
                ln = lines.get(int(line_id))
                if ln is None:
                    errors[str(line_id)] = _("This line is not on the order.")
                    continue
                try:
                    qty = int(str(raw).strip() or 0)
                except ValueError:
                    errors[str(line_id)] = _("{name}: type a whole number.").format(name=ln.name)
                    continue
                if qty < 0 or qty > ln.open:
                    errors[str(line_id)] = ngettext(
                        "{name}: {n} is still to come; type 0 to {n}.",
                        "{name}: {n} are still to come; type 0 to {n}.", ln.open,
                    ).format(name=ln.name, n=ln.open)
                elif qty:
                    took.append((ln, qty))
            if errors:
                raise ValidationError(errors)
            if not took:
                raise ValidationError({"order": _("Type how many of each product came.")})
            _claim(s, order_id, version)
            for ln, qty in took:
                s.execute(update(PurchaseOrderLine).where(PurchaseOrderLine.id == ln.id)
                          .values(qty_received=PurchaseOrderLine.qty_received + qty))
                cost = Money(ln.unit_cost, view.currency).minor
                values: dict[str, Any] = {"stock_qty": Product.stock_qty + qty}
                if cost > 0:
                    values["cost_minor"] = cost
                s.execute(update(Product).where(Product.id == ln.product_id).values(**values))
                s.add(StockMovement(product_id=ln.product_id, qty_delta=qty, reason="receive",
                                    order_line_id=ln.id, staff_id=actor.staff_id, note=view.number, at=now))
            audit(s, actor, "receive", "purchase_order", order_id,
                  after={"lines": {ln.id: q for ln, q in took}}, at=now)
            s.flush()
            out = self._view(s, order_id)
            uow.commit()
            return out

    # -- counts -------------------------------------------------------------------------------------
    def open_count(self) -> CountView | None:
        with self.db.uow(write=False) as uow:
            cid = uow.session.scalar(select(StockCount.id).where(StockCount.status == "open"))
            return self._count(uow.session, cid) if cid is not None else None

    def counts(self, limit: int = 50) -> list[CountView]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            ids = list(s.scalars(select(StockCount.id).where(StockCount.status != "open")
                                 .order_by(StockCount.id.desc()).limit(limit)))
            return [self._count(s, i) for i in ids]

    def count(self, count_id: int) -> CountView:
        with self.db.uow(write=False) as uow:
            return self._count(uow.session, count_id)

    def start_count(self, actor: Actor, scope: str) -> CountView:
        if scope not in st.SCOPES:
            raise ValidationError({"scope": _("Choose what to count.")})
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.STOCK) as (uow, _known):
            s = uow.session
            if s.scalar(select(StockCount.id).where(StockCount.status == "open")) is not None:
                raise ValidationError({"scope": _("A count is already open: finish it or abandon it first.")})
            c = StockCount(scope=scope, status="open", started_at=now, started_by=actor.staff_id)
            s.add(c)
            s.flush()
            audit(s, actor, "create", "stock_count", c.id, after={"scope": scope}, at=now)
            out = self._count(s, c.id)
            uow.commit()
            return out

    def record_count(self, actor: Actor, count_id: int, product_id: int, counted: int | str | None) -> CountView:
        """What is on the shelf for one product (None or "": not counted after all). The record it
        is compared with is the stock at this moment."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.STOCK) as (uow, _known):
            s = uow.session
            c = self._open(s, count_id)
            p = s.get(Product, product_id)
            if p is None or not p.active or not st.in_scope(c.scope, p.is_retail, p.is_backbar):
                raise ValidationError({"product": _("This product is not in this count.")})
            line = s.scalars(select(StockCountLine).where(
                StockCountLine.count_id == c.id, StockCountLine.product_id == product_id)).first()
            if counted is None or str(counted).strip() == "":
                if line is not None:
                    s.delete(line)
            else:
                try:
                    qty = int(str(counted).strip())
                except ValueError:
                    raise ValidationError({"counted": _("{name}: type the number counted, 0 to {max}.").format(
                        name=pick(p.name_zh, p.name_en), max=format_number(MAX_QTY))}) from None
                if not 0 <= qty <= MAX_QTY:
                    raise ValidationError({"counted": _("{name}: type the number counted, 0 to {max}.").format(
                        name=pick(p.name_zh, p.name_en), max=format_number(MAX_QTY))})
                if line is None:
                    s.add(StockCountLine(count_id=c.id, product_id=product_id, counted_qty=qty,
                                         expected_qty=p.stock_qty, counted_at=now, counted_by=actor.staff_id))
                else:
                    line.counted_qty, line.expected_qty = qty, p.stock_qty
                    line.counted_at, line.counted_by = now, actor.staff_id
            s.flush()
            out = self._count(s, c.id)
            uow.commit()
            return out

    def close_count(self, actor: Actor, count_id: int) -> CountView:
        """Book each counted product's variance as a ``count`` movement; uncounted products stay
        as they are."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.PURCHASE) as (uow, _known):
            s = uow.session
            c = self._open(s, count_id)
            lines = list(s.scalars(select(StockCountLine).where(StockCountLine.count_id == c.id)))
            if not lines:
                raise ValidationError({"count": _("Nothing is counted yet: type what is on the shelf first.")})
            booked = {}
            for ln in lines:
                delta = st.variance(ln.counted_qty, ln.expected_qty)
                if delta:
                    s.execute(update(Product).where(Product.id == ln.product_id)
                              .values(stock_qty=Product.stock_qty + delta))
                    s.add(StockMovement(product_id=ln.product_id, qty_delta=delta, reason="count", count_id=c.id,
                                        staff_id=actor.staff_id, note="", at=now))
                    booked[ln.product_id] = delta
            c.status, c.closed_at, c.closed_by = "closed", now, actor.staff_id
            audit(s, actor, "close", "stock_count", c.id, after={"variance": booked}, at=now)
            s.flush()
            out = self._count(s, c.id)
            uow.commit()
            return out

    def abandon_count(self, actor: Actor, count_id: int) -> CountView:
        """Stop a count without changing any stock."""
        now = self.clock()
        with permitted(self.db.uow, actor, Perm.STOCK) as (uow, _known):
            s = uow.session
            c = self._open(s, count_id)
            c.status, c.closed_at, c.closed_by = "abandoned", now, actor.staff_id
            audit(s, actor, "abandon", "stock_count", c.id, at=now)
            s.flush()
            out = self._count(s, c.id)
            uow.commit()
            return out

    # -- helpers ------------------------------------------------------------------------------------
    def _new(self, s: Session, actor: Actor, supplier_id: int, now: datetime) -> PurchaseOrder:
        order = PurchaseOrder(number=f"PO{next_counter(s, 'purchase_order'):06d}", supplier_id=supplier_id,
                              status=st.DRAFT, note="", created_at=now, created_by=actor.staff_id, version=1)
        s.add(order)
        s.flush()
        return order

    @staticmethod
    def _get(s: Session, order_id: int) -> PurchaseOrder:
        order = s.get(PurchaseOrder, order_id)
        if order is None:
            raise NotFound(_("This order no longer exists."))
        return order

    def _view(self, s: Session, order_id: int) -> OrderView:
        order = self._get(s, order_id)
        cur = shop_row(s).currency
        sup = s.get(Supplier, order.supplier_id)
        who = s.scalar(select(Staff.name).where(Staff.id == order.created_by)) if order.created_by else ""
        lines = tuple(
            OrderLineView(ln.id, p.id, p.sku, pick(p.name_zh, p.name_en), p.unit, ln.qty_ordered, ln.qty_received,
                          Money.from_minor(ln.unit_cost_minor, cur).amount)
            for ln, p in s.execute(
                select(PurchaseOrderLine, Product).join(Product, Product.id == PurchaseOrderLine.product_id)
                .where(PurchaseOrderLine.order_id == order.id).order_by(PurchaseOrderLine.id))
        )
        state = st.order_state(order.status, (st.LineQty(ln.ordered, ln.received) for ln in lines))
        return OrderView(order.id, order.number, order.supplier_id, sup.name if sup else "",
                         " · ".join(x for x in (sup.contact, sup.phone, sup.email) if x) if sup else "",
                         state, order.note, order.created_at, who or "", order.sent_at, order.cancelled_at, lines,
                         cur, order.version)

    @staticmethod
    def _open(s: Session, count_id: int) -> StockCount:
        c = s.get(StockCount, count_id)
        if c is None:
            raise NotFound(_("This count no longer exists."))
        if c.status != "open":
            raise ValidationError({"count": _("This count is already closed.")})
        return c

    def _count(self, s: Session, count_id: int) -> CountView:
        c = s.get(StockCount, count_id)
        if c is None:
            raise NotFound(_("This count no longer exists."))
        cur = shop_row(s).currency
        names = dict(s.execute(select(Staff.id, Staff.name).where(Staff.id.in_(
            [x for x in (c.started_by, c.closed_by) if x is not None]))).all())
        counted = {ln.product_id: ln for ln in s.scalars(
            select(StockCountLine).where(StockCountLine.count_id == c.id))}
        q = select(Product).order_by(Product.name_en, Product.sku)
        if c.status == "open":  # every product in scope, to be counted
            products = [p for p in s.scalars(q.where(Product.active.is_(True)))
                        if st.in_scope(c.scope, p.is_retail, p.is_backbar)]
        else:  # what was counted
            products = list(s.scalars(q.where(Product.id.in_(list(counted)))))
        lines = tuple(
            CountLineView(p.id, p.sku, pick(p.name_zh, p.name_en), p.unit, p.stock_qty,
                          counted[p.id].counted_qty if p.id in counted else None,
                          counted[p.id].expected_qty if p.id in counted else None,
                          Money.from_minor(p.cost_minor, cur).amount)
            for p in products
        )
        return CountView(c.id, c.scope, c.status, c.started_at, names.get(c.started_by or 0, ""), c.closed_at,
                         names.get(c.closed_by or 0, ""), lines, cur)


def _supplier(x: Supplier) -> SupplierItem:
    return SupplierItem(x.id, x.name, x.contact, x.phone, x.email, x.note, x.active)


def _on_order(s: Session) -> dict[int, int]:
    """Per product, what sent orders still bring."""
    rows = s.execute(
        select(PurchaseOrderLine.product_id,
               func.sum(PurchaseOrderLine.qty_ordered - PurchaseOrderLine.qty_received))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.status == st.SENT, PurchaseOrderLine.qty_received < PurchaseOrderLine.qty_ordered)
        .group_by(PurchaseOrderLine.product_id)
    ).all()
    return {int(pid): int(n or 0) for pid, n in rows}


_CHANGED = N_("Someone changed this order at the same time. It is shown again as it is now.")


def _fresh(current: int, version: int) -> None:
    """Refuse at once an action typed on a stale copy of the order (before its input is judged)."""
    if current != version:
        raise ConflictError(_(_CHANGED))


def _on_draft(s: Session) -> dict[int, tuple[int, str]]:
    """Per product, what drafts (not yet sent) hold and the first such draft's number."""
    out: dict[int, tuple[int, str]] = {}
    for pid, qty, number in s.execute(
        select(PurchaseOrderLine.product_id, PurchaseOrderLine.qty_ordered, PurchaseOrder.number)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.status == st.DRAFT).order_by(PurchaseOrder.id)
    ):
        had = out.get(int(pid), (0, str(number)))
        out[int(pid)] = (had[0] + int(qty), had[1])
    return out


def _claim(s: Session, order_id: int, version: int, **values: Any) -> None:
    """Raise the order's version from ``version`` (with ``values``), or refuse: someone changed it."""
    done = cast(CursorResult[Any], s.execute(
        update(PurchaseOrder).where(PurchaseOrder.id == order_id, PurchaseOrder.version == version)
        .values(version=PurchaseOrder.version + 1, **values)
        .execution_options(synchronize_session="fetch")
    )).rowcount
    if done != 1:
        raise ConflictError(_(_CHANGED))
