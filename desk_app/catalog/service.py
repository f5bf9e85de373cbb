"""The shop's catalog and details, set up by the owner in Settings.

Service categories, services, retail/back-bar products, packages, chairs and
rooms, consultation questions, shop details for receipts, and the declared
settings. Every save validates each field with a message that says what to do,
and writes an audit row with the values before and after. Reads that other
screens need (the service menu, product search, consultation questions) need
no permission.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from desk_app.core.forms import Form, diff
from desk_app.core.service import NotFound, audit, require, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    ConsultationQuestion,
    Package,
    PointsReward,
    Product,
    Resource,
    Service,
    ServiceCategory,
    StockMovement,
    Supplier,
)
from desk_app.domain import points as pts
from desk_app.domain.money import Money, currency_exponent
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import N_, _, format_number, pick
from desk_app.settings import SettingsStore

CONSULTATION_KINDS: dict[str, str] = {
    "hair": N_("Hair"),
    "skin": N_("Skin"),
    "nails": N_("Nails"),
    "generic": N_("General"),
}
RESOURCE_KINDS: dict[str, str] = {
    "chair": N_("Chair"),
    "room": N_("Room"),
    "bed": N_("Bed"),
    "basin": N_("Basin"),
}
ANSWER_TYPES: dict[str, str] = {
    "text": N_("Free text"),
    "choice": N_("One choice"),
    "multi": N_("Several choices"),
    "yesno": N_("Yes / no"),
}
_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")
T = TypeVar("T")


# ---------------------------------------------------------------- views


@dataclass(frozen=True)
class CategoryItem:
    id: int
    code: str
    name_zh: str
    name_en: str
    consultation_kind: str
    sort: int
    active: bool

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class ServiceItem:
    id: int
    category_id: int
    category_name: str
    code: str
    name_zh: str
    name_en: str
    price: Decimal
    duration_min: int
    buffer_min: int
    return_interval_days: int
    care_advice_zh: str
    care_advice_en: str
    resource_kind: str
    active: bool
    sort: int

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def care_advice(self) -> str:
        return pick(self.care_advice_zh, self.care_advice_en)


@dataclass(frozen=True)
class ProductItem:
    id: int
    sku: str
    barcode: str
    name_zh: str
    name_en: str
    brand: str
    price: Decimal
    cost: Decimal
    stock_qty: int
    unit: str
    reorder_level: int
    usage_advice_zh: str
    usage_advice_en: str
    is_retail: bool
    is_backbar: bool
    active: bool
    supplier_id: int | None = None  # who it is usually ordered from (docs/stock.md)
    pack_qty: int = 1  # ordered in packs of

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def usage_advice(self) -> str:
        return pick(self.usage_advice_zh, self.usage_advice_en)

    @property
    def low_stock(self) -> bool:
        return self.stock_qty <= self.reorder_level


@dataclass(frozen=True)
class PackageItem:
    id: int
    name_zh: str
    name_en: str
    service_id: int
    service_name: str
    sessions: int
    price: Decimal
    valid_days: int
    active: bool

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


@dataclass(frozen=True)
class RewardItem:
    """A reward for loyalty points: a service or product made free on the bill (docs/loyalty.md)."""

    id: int
    kind: str  # service | product
    item_id: int  # the service's or the product's id
    name: str
    points: int  # for each one
    price: Decimal  # the item's price now (what the reward is worth)
    worth: Decimal  # what the same points pay on a bill at the owner's rate now
    active: bool

    @property
    def key(self) -> str:
        """The item as the editor's choice says it: ``service:12`` or ``product:5``."""
        return f"{self.kind}:{self.item_id}"


@dataclass(frozen=True)
class ResourceItem:
    id: int
    name: str
    kind: str
    active: bool


@dataclass(frozen=True)
class QuestionItem:
    id: int
    kind: str
    key: str
    label_zh: str
    label_en: str
    answer_type: str
    choices: tuple[dict[str, str], ...]
    required: bool
    sort: int
    active: bool

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)


# ---------------------------------------------------------------- service


class CatalogService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    def _currency(self, s: Session) -> str:
        return shop_row(s).currency

    # -- generic save -------------------------------------------------------------------
    def _save(
        self,
        actor: Actor,
        model: type[Any],
        entity: str,
        item_id: int | None,
        clean: Callable[[Session], dict[str, Any]],
        view: Callable[[Session, Any], T],
        extra: Callable[[Session, Any, dict[str, Any]], None] | None = None,
    ) -> T:
        require(self.db.uow, actor, Perm.SETTINGS)
        now = self.clock()
        with self.db.uow() as uow:
            s = uow.session
            values = clean(s)
            if item_id is None:
                obj = model(**values)
                s.add(obj)
                s.flush()
                audit(s, actor, "create", entity, obj.id, after=values, at=now)
                if extra:
                    extra(s, obj, {k: (0, v) for k, v in values.items()})
            else:
                obj = s.get(model, item_id)
                if obj is None:
                    raise NotFound(_("This item no longer exists. Close and open Settings again."))
                before, after = diff(obj, values)
                if before:
                    old = dict(before)
                    for k, v in values.items():
                        setattr(obj, k, v)
                    s.flush()
                    detail = "price change" if any(k.endswith("price_minor") for k in after) else ""
                    audit(
                        s, actor, "update", entity, obj.id, before=before, after=after, detail=detail, at=now
                    )
                    if extra:
                        extra(s, obj, {k: (old[k], after[k]) for k in after})
            result = view(s, obj)
            uow.commit()
            return result

    # -- categories ---------------------------------------------------------------------
    def categories(self, include_inactive: bool = True) -> list[CategoryItem]:
        with self.db.uow(write=False) as uow:
            q = select(ServiceCategory).order_by(ServiceCategory.sort, ServiceCategory.id)
            if not include_inactive:
                q = q.where(ServiceCategory.active.is_(True))
            return [self._category(c) for c in uow.session.scalars(q)]

    @staticmethod
    def _category(c: ServiceCategory) -> CategoryItem:
        return CategoryItem(c.id, c.code, c.name_zh, c.name_en, c.consultation_kind, c.sort, c.active)

    def save_category(self, actor: Actor, category_id: int | None, data: Mapping[str, Any]) -> CategoryItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            f.names(max_len=120)
            code = str(data.get("code") or "").strip().lower()
            if not _CODE_RE.match(code):
                f.errors["code"] = _("A short code of lower-case letters, digits or _, e.g. hair_colour.")
            else:
                clash = s.scalar(
                    select(ServiceCategory.id).where(
                        ServiceCategory.code == code, ServiceCategory.id != (category_id or 0)
                    )
                )
                if clash:
                    f.errors["code"] = _("Another category already uses this code.")
                f.out["code"] = code
            f.choice(
                "consultation_kind", CONSULTATION_KINDS, _("Choose hair, skin, nails or general."), "generic"
            )
            f.integer("sort", 0, 999, _("Enter a position from 0 to 999."), default=0)
            f.flag("active", True)
            return f.done()

        return self._save(
            actor, ServiceCategory, "service_category", category_id, clean, lambda s, c: self._category(c)
        )

    # -- services -----------------------------------------------------------------------
    def services(self, include_inactive: bool = False) -> list[ServiceItem]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = (
                select(Service, ServiceCategory)
                .join(ServiceCategory, ServiceCategory.id == Service.category_id)
                .order_by(ServiceCategory.sort, Service.sort, Service.id)
            )
            if not include_inactive:
                q = q.where(Service.active.is_(True), ServiceCategory.active.is_(True))
            cur = self._currency(s)
            return [self._service(v, c, cur) for v, c in s.execute(q)]

    def services_menu(self) -> list[ServiceItem]:
        """Active services with prices and durations, grouped by category order (the new-client menu)."""
        return self.services(include_inactive=False)

    def service(self, service_id: int) -> ServiceItem:
        with self.db.uow(write=False) as uow:
            s = uow.session
            v = s.get(Service, service_id)
            if v is None:
                raise NotFound(_("This service no longer exists."))
            c = s.get(ServiceCategory, v.category_id)
            assert c is not None
            return self._service(v, c, self._currency(s))

    @staticmethod
    def _service(v: Service, c: ServiceCategory, currency: str) -> ServiceItem:
        return ServiceItem(
            id=v.id,
            category_id=v.category_id,
            category_name=pick(c.name_zh, c.name_en),
            code=v.code,
            name_zh=v.name_zh,
            name_en=v.name_en,
            price=Money.from_minor(v.price_minor, currency).amount,
            duration_min=v.duration_min,
            buffer_min=v.buffer_min,
            return_interval_days=v.return_interval_days,
            care_advice_zh=v.care_advice_zh,
            care_advice_en=v.care_advice_en,
            resource_kind=v.resource_kind,
            active=v.active,
            sort=v.sort,
        )

    def save_service(self, actor: Actor, service_id: int | None, data: Mapping[str, Any]) -> ServiceItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            f.names()
            try:
                cat_id = int(data.get("category_id") or 0)
            except (TypeError, ValueError):
                cat_id = 0
            if not cat_id or s.get(ServiceCategory, cat_id) is None:
                f.errors["category_id"] = _("Choose a category.")
            else:
                f.out["category_id"] = cat_id
            f.text("code", 40)
            f.money("price_minor", self._currency(s))
            f.integer("duration_min", 5, 600, _("The duration is 5 to 600 minutes."), default=60)
            f.integer("buffer_min", 0, 120, _("The clean-up time is 0 to 120 minutes."), default=0)
            f.integer(
                "return_interval_days", 0, 730, _("Return after 0 to 730 days (0 = no reminder)."), default=42
            )
            f.text("care_advice_zh", 4000)
            f.text("care_advice_en", 4000)
            f.choice(
                "resource_kind", {"", *RESOURCE_KINDS}, _("Choose which chair or room it needs, or none."), ""
            )
            f.integer("sort", 0, 9999, _("Enter a position from 0 to 9999."), default=0)
            f.flag("active", True)
            return f.done()

        def view(s: Session, v: Service) -> ServiceItem:
            c = s.get(ServiceCategory, v.category_id)
            assert c is not None
            return self._service(v, c, self._currency(s))

        return self._save(actor, Service, "service", service_id, clean, view)

    # -- products -----------------------------------------------------------------------
    def products(self, include_inactive: bool = True) -> list[ProductItem]:
        with self.db.uow(write=False) as uow:
            q = select(Product).order_by(Product.name_en, Product.id)
            if not include_inactive:
                q = q.where(Product.active.is_(True))
            cur = self._currency(uow.session)
            return [self._product(p, cur) for p in uow.session.scalars(q)]

    def search_products(self, text: str, limit: int = 30, retail_only: bool = False) -> list[ProductItem]:
        """Active products by name (either language), SKU or barcode."""
        t = (text or "").strip()
        with self.db.uow(write=False) as uow:
            q = select(Product).where(Product.active.is_(True))
            if retail_only:
                q = q.where(Product.is_retail.is_(True))
            if t:
                like = "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                q = q.where(
                    or_(
                        Product.name_zh.like(like, escape="\\"),
                        func.lower(Product.name_en).like(like.lower(), escape="\\"),
                        func.lower(Product.brand).like(like.lower(), escape="\\"),
                        func.lower(Product.sku).like(t.lower().replace("%", "") + "%"),
                        Product.barcode == t,
                    )
                )
            q = q.order_by(Product.name_en).limit(limit)
            cur = self._currency(uow.session)
            return [self._product(p, cur) for p in uow.session.scalars(q)]

    def product_by_barcode(self, barcode: str) -> ProductItem | None:
        with self.db.uow(write=False) as uow:
            p = uow.session.scalar(
                select(Product).where(Product.barcode == barcode.strip(), Product.active.is_(True))
            )
            return self._product(p, self._currency(uow.session)) if p else None

    @staticmethod
    def _product(p: Product, currency: str) -> ProductItem:
        return ProductItem(
            id=p.id,
            sku=p.sku,
            barcode=p.barcode,
            name_zh=p.name_zh,
            name_en=p.name_en,
            brand=p.brand,
            price=Money.from_minor(p.price_minor, currency).amount,
            cost=Money.from_minor(p.cost_minor, currency).amount,
            stock_qty=p.stock_qty,
            unit=p.unit,
            reorder_level=p.reorder_level,
            usage_advice_zh=p.usage_advice_zh,
            usage_advice_en=p.usage_advice_en,
            is_retail=p.is_retail,
            is_backbar=p.is_backbar,
            active=p.active,
            supplier_id=p.supplier_id,
            pack_qty=p.pack_qty,
        )

    def supplier_choices(self) -> list[tuple[str, str]]:
        """A product's usual supplier: none, or a supplier (a retired one named so: a product may
        still have it, and it cannot be chosen again; docs/stock.md)."""
        with self.db.uow(write=False) as uow:
            rows = uow.session.execute(
                select(Supplier.id, Supplier.name, Supplier.active).order_by(Supplier.active.desc(), Supplier.name)
            ).all()
        return [("", _("No usual supplier"))] + [
            (str(i), name if active else _("{name} (retired)").format(name=name)) for i, name, active in rows]

    def save_product(self, actor: Actor, product_id: int | None, data: Mapping[str, Any]) -> ProductItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            f.names()
            f.text("sku", 60, required=_("Enter the SKU (your product code)."))
            if f.out.get("sku"):
                clash = s.scalar(
                    select(Product.id).where(Product.sku == f.out["sku"], Product.id != (product_id or 0))
                )
                if clash:
                    f.errors["sku"] = _("Another product already has this SKU.")
            f.text("barcode", 60)
            bc = f.out.get("barcode")
            if bc:
                if not bc.isdigit():
                    f.errors["barcode"] = _("A barcode has digits only; scan it or leave it empty.")
                elif s.scalar(
                    select(Product.id).where(Product.barcode == bc, Product.id != (product_id or 0))
                ):
                    f.errors["barcode"] = _("Another product already has this barcode.")
            f.text("brand", 120)
            cur = self._currency(s)
            f.money("price_minor", cur)
            f.money("cost_minor", cur, required=False)
            f.integer("stock_qty", -100000, 1000000, _("Enter the stock as a whole number."), default=0)
            f.integer(
                "reorder_level",
                0,
                100000,
                _("Enter the reorder level as a whole number (0 or more)."),
                default=0,
            )
            f.integer("pack_qty", 1, 10000, _("Enter the pack size as a whole number (1 or more)."), default=1)
            sup = str(data.get("supplier_id") or "").strip()
            if not sup:
                f.out["supplier_id"] = None
            elif not sup.isdigit() or (found := s.get(Supplier, int(sup))) is None:
                f.errors["supplier_id"] = _("Choose a supplier from the list, or none.")
            elif not found.active and (product_id is None or s.scalar(
                    select(Product.supplier_id).where(Product.id == product_id)) != found.id):
                f.errors["supplier_id"] = _("{name} is retired: choose a supplier still ordered from, or none.").format(
                    name=found.name)
            else:
                f.out["supplier_id"] = int(sup)
            f.text("unit", 20)
            if not f.out.get("unit") and "unit" not in f.errors:
                f.out["unit"] = "pc"
            f.text("usage_advice_zh", 4000)
            f.text("usage_advice_en", 4000)
            f.flag("is_retail", True)
            f.flag("is_backbar", False)
            if not f.out["is_retail"] and not f.out["is_backbar"]:
                f.errors["is_retail"] = _("A product is for sale, for use in the salon (back bar), or both.")
            f.flag("active", True)
            return f.done()

        def stock_moves(s: Session, p: Product, changed: dict[str, tuple[Any, Any]]) -> None:
            if "stock_qty" in changed:
                old, new = changed["stock_qty"]
                if new != old:
                    s.add(
                        StockMovement(
                            product_id=p.id,
                            qty_delta=int(new) - int(old),
                            reason="adjust",
                            staff_id=actor.staff_id,
                            note="Settings",
                            at=self.clock(),
                        )
                    )

        return self._save(
            actor,
            Product,
            "product",
            product_id,
            clean,
            lambda s, p: self._product(p, self._currency(s)),
            stock_moves,
        )

    # -- packages -----------------------------------------------------------------------
    def packages(self, include_inactive: bool = True) -> list[PackageItem]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = select(Package).order_by(Package.id)
            if not include_inactive:
                q = q.where(Package.active.is_(True))
            cur = self._currency(s)
            return [self._package(s, p, cur) for p in s.scalars(q)]

    @staticmethod
    def _package(s: Session, p: Package, currency: str) -> PackageItem:
        svc = s.get(Service, p.service_id)
        return PackageItem(
            id=p.id,
            name_zh=p.name_zh,
            name_en=p.name_en,
            service_id=p.service_id,
            service_name=pick(svc.name_zh, svc.name_en) if svc else "",
            sessions=p.sessions,
            price=Money.from_minor(p.price_minor, currency).amount,
            valid_days=p.valid_days,
            active=p.active,
        )

    def save_package(self, actor: Actor, package_id: int | None, data: Mapping[str, Any]) -> PackageItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            f.names()
            try:
                sid = int(data.get("service_id") or 0)
            except (TypeError, ValueError):
                sid = 0
            if not sid or s.get(Service, sid) is None:
                f.errors["service_id"] = _("Choose the service the package is for.")
            else:
                f.out["service_id"] = sid
            f.integer("sessions", 1, 100, _("A package has 1 to 100 sessions."))
            f.money("price_minor", self._currency(s))
            f.integer("valid_days", 1, 3650, _("Valid for 1 to 3650 days."), default=365)
            f.flag("active", True)
            return f.done()

        return self._save(
            actor, Package, "package", package_id, clean, lambda s, p: self._package(s, p, self._currency(s))
        )

    # -- rewards for loyalty points ------------------------------------------------------------
    def rewards(self, include_inactive: bool = True) -> list[RewardItem]:
        with self.db.uow(write=False) as uow:
            s = uow.session
            q = select(PointsReward).order_by(PointsReward.points, PointsReward.id)
            if not include_inactive:
                q = q.where(PointsReward.active.is_(True))
            cur, rule = self._currency(s), self.settings.points_rule()
            return [self._reward(s, r, cur, rule) for r in s.scalars(q)]

    def _reward(self, s: Session, r: PointsReward, currency: str, rule: pts.PointsRule | None = None) -> RewardItem:
        item: Service | Product | None = (
            s.get(Service, r.service_id) if r.service_id is not None
            else s.get(Product, r.product_id) if r.product_id is not None else None
        )
        price = item.price_minor if item is not None else 0
        return RewardItem(
            id=r.id,
            kind=r.kind,
            item_id=int(r.service_id or r.product_id or 0),
            name=pick(item.name_zh, item.name_en) if item is not None else "",
            points=r.points,
            price=Money.from_minor(price, currency).amount,
            worth=Money.from_minor(
                pts.worth_minor(r.points, rule or self.settings.points_rule(), currency_exponent(currency)), currency
            ).amount,
            active=r.active,
        )

    def reward_choices(self) -> list[tuple[str, str]]:
        """What a reward can be: every service and product on sale, as (key, name)."""
        with self.db.uow(write=False) as uow:
            s = uow.session
            out = [(f"service:{v.id}", _("Service: {name}").format(name=pick(v.name_zh, v.name_en)))
                   for v in s.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.id))]
            out += [(f"product:{p.id}", _("Product: {name}").format(name=pick(p.name_zh, p.name_en)))
                    for p in s.scalars(select(Product).where(Product.active.is_(True), Product.is_retail.is_(True))
                                                .order_by(Product.id))]
            return out

    def save_reward(self, actor: Actor, reward_id: int | None, data: Mapping[str, Any]) -> RewardItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            kind, _sep, raw = str(data.get("item") or "").partition(":")
            try:
                item_id = int(raw)
            except ValueError:
                item_id = 0
            model = Service if kind == "service" else Product if kind == "product" else None
            if model is None or not item_id or s.get(model, item_id) is None:
                f.errors["item"] = _("Choose the service or product the points buy.")
            else:
                f.out.update(kind=kind, service_id=item_id if kind == "service" else None,
                             product_id=item_id if kind == "product" else None)
            f.integer("points", 1, 10_000_000, _("A reward costs 1 to 10,000,000 points."))
            f.flag("active", True)
            if "item" not in f.errors and f.out.get("active"):  # one reward on offer for an item
                same = PointsReward.service_id == item_id if kind == "service" else PointsReward.product_id == item_id
                other = s.scalars(select(PointsReward).where(
                    same, PointsReward.active.is_(True), PointsReward.id != (reward_id or 0))).first()
                if other is not None:
                    f.errors["item"] = _(
                        "This item already has a reward on offer ({points} points): change that one, or retire it first."
                    ).format(points=format_number(other.points))
            return f.done()

        return self._save(
            actor, PointsReward, "points_reward", reward_id, clean, lambda s, r: self._reward(s, r, self._currency(s))
        )

    # -- chairs and rooms ---------------------------------------------------------------------
    def resources(self, include_inactive: bool = True, branch_id: int | None = None) -> list[ResourceItem]:
        """The chairs and rooms (of one branch: a desk's Settings › Rooms shows its branch's)."""
        with self.db.uow(write=False) as uow:
            q = select(Resource).order_by(Resource.kind, Resource.name)
            if not include_inactive:
                q = q.where(Resource.active.is_(True))
            if branch_id is not None:
                q = q.where(Resource.branch_id == branch_id)
            return [ResourceItem(r.id, r.name, r.kind, r.active) for r in uow.session.scalars(q)]

    def save_resource(self, actor: Actor, resource_id: int | None, data: Mapping[str, Any]) -> ResourceItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            f.text("name", 120, required=_("Enter a name, e.g. Chair 1 or Room A."))
            if f.out.get("name"):
                clash = s.scalar(
                    select(Resource.id).where(
                        Resource.name == f.out["name"], Resource.id != (resource_id or 0)
                    )
                )
                if clash:
                    f.errors["name"] = _("Another chair or room already has this name.")
            f.choice("kind", RESOURCE_KINDS, _("Choose chair, room, bed or basin."), "chair")
            f.flag("active", True)
            if resource_id is None:
                f.out["branch_id"] = actor.branch_id
            return f.done()

        return self._save(
            actor,
            Resource,
            "resource",
            resource_id,
            clean,
            lambda s, r: ResourceItem(r.id, r.name, r.kind, r.active),
        )

    # -- consultation questions ----------------------------------------------------------------
    def questions(self, kind: str, include_inactive: bool = False) -> list[QuestionItem]:
        """The needs-assessment questions of a kind (hair, skin, nails, generic)."""
        with self.db.uow(write=False) as uow:
            q = (
                select(ConsultationQuestion)
                .where(ConsultationQuestion.kind == kind)
                .order_by(ConsultationQuestion.sort, ConsultationQuestion.id)
            )
            if not include_inactive:
                q = q.where(ConsultationQuestion.active.is_(True))
            return [self._question(x) for x in uow.session.scalars(q)]

    @staticmethod
    def _question(x: ConsultationQuestion) -> QuestionItem:
        return QuestionItem(
            id=x.id,
            kind=x.kind,
            key=x.key,
            label_zh=x.label_zh,
            label_en=x.label_en,
            answer_type=x.answer_type,
            choices=tuple(dict(c) for c in (x.choices or [])),
            required=x.required,
            sort=x.sort,
            active=x.active,
        )

    def save_question(self, actor: Actor, question_id: int | None, data: Mapping[str, Any]) -> QuestionItem:
        def clean(s: Session) -> dict[str, Any]:
            f = Form(data)
            f.choice("kind", CONSULTATION_KINDS, _("Choose hair, skin, nails or general."), "generic")
            f.names("label_zh", "label_en")
            key = str(data.get("key") or "").strip().lower()
            if not _CODE_RE.match(key):
                f.errors["key"] = _("A short code of lower-case letters, digits or _, e.g. scalp_condition.")
            elif "kind" in f.out:
                clash = s.scalar(
                    select(ConsultationQuestion.id).where(
                        ConsultationQuestion.kind == f.out["kind"],
                        ConsultationQuestion.key == key,
                        ConsultationQuestion.id != (question_id or 0),
                    )
                )
                if clash:
                    f.errors["key"] = _("This form already has a question with this code.")
            f.out["key"] = key
            f.choice(
                "answer_type",
                ANSWER_TYPES,
                _("Choose free text, one choice, several choices or yes/no."),
                "text",
            )
            choices = [dict(c) for c in (data.get("choices") or [])]
            cleaned = []
            for i, c in enumerate(choices):
                zh = str(c.get("zh") or "").strip()
                en = str(c.get("en") or "").strip()
                ck = str(c.get("key") or "").strip() or f"c{i + 1}"
                if not zh and not en:
                    continue
                cleaned.append({"key": ck, "zh": zh or en, "en": en or zh})
            if f.out.get("answer_type") in ("choice", "multi") and len(cleaned) < 2:
                f.errors["choices"] = _("Give at least two choices, one per line.")
            keys = [c["key"] for c in cleaned]
            if len(set(keys)) != len(keys):
                f.errors["choices"] = _("Two choices have the same code; make each one different.")
            f.out["choices"] = cleaned if f.out.get("answer_type") in ("choice", "multi") else []
            f.flag("required", False)
            f.integer("sort", 0, 9999, _("Enter a position from 0 to 9999."), default=0)
            f.flag("active", True)
            return f.done()

        return self._save(
            actor,
            ConsultationQuestion,
            "consultation_question",
            question_id,
            clean,
            lambda s, x: self._question(x),
        )
