"""First start: set up a shop (owner, branch, starting catalog) and read shop details."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app import catalog_defaults as cd
from desk_app.core.service import ValidationError, audit, shop_row
from desk_app.db.engine import Database
from desk_app.db.models import (
    Branch,
    ConsultationQuestion,
    Package,
    Product,
    Resource,
    SafetyRule,
    Service,
    ServiceCategory,
    Shop,
    Staff,
    StockMovement,
)
from desk_app.domain.money import Money
from desk_app.domain.permissions import Actor, Role
from desk_app.i18n import _
from desk_app.trust.auth import PIN_RE, actor_for, hash_pin, pin_format_error

CURRENCIES = ("CNY", "HKD", "TWD", "SGD", "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "MYR")


@dataclass(frozen=True)
class ShopInfo:
    id: int
    name: str
    currency: str
    locale: str
    timezone: str
    region: str
    address: str
    phone: str
    tax_number: str
    return_policy_zh: str
    return_policy_en: str
    is_demo: bool
    branch_id: int
    branch_name: str
    receipt_header: str = ""  # the branch's line under the name on receipts


def shop_info(session: Session, branch_id: int | None = None) -> ShopInfo:
    """The shop as its papers show it. With ``branch_id`` (a sale's branch): that branch's name
    after the shop's (unless they are the same), its address, phone and receipt line, each falling
    back to the shop's; without: the shop's own, with its first branch."""
    s = shop_row(session)
    b = session.get(Branch, branch_id) if branch_id is not None else None
    if b is None:
        b = session.execute(select(Branch).where(Branch.shop_id == s.id).order_by(Branch.id).limit(1)).scalar_one()
        name, address, phone, header = s.name, s.address, s.phone, ""
    else:
        name = s.name if b.name in ("", s.name) else f"{s.name} · {b.name}"
        address, phone, header = b.address or s.address, b.phone or s.phone, b.receipt_header
    return ShopInfo(
        id=s.id, name=name, currency=s.currency, locale=s.locale, timezone=s.timezone, region=s.region,
        address=address, phone=phone, tax_number=s.tax_number, return_policy_zh=s.return_policy_zh,
        return_policy_en=s.return_policy_en, is_demo=s.is_demo, branch_id=b.id, branch_name=b.name,
        receipt_header=header,
    )


class ShopService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def is_set_up(self) -> bool:
        with self.db.uow(write=False) as uow:
            n = uow.session.scalar(select(func.count()).select_from(Shop))
            return bool(n)

    def info(self) -> ShopInfo:
        with self.db.uow(write=False) as uow:
            return shop_info(uow.session)

    def create_shop(
        self,
        *,
        name: str,
        currency: str,
        language: str,
        owner_name: str,
        owner_pin: str,
        timezone: str = "Asia/Shanghai",
        region: str = "CN",
        address: str = "",
        phone: str = "",
        with_catalog: bool = True,
        is_demo: bool = False,
    ) -> Actor:
        errors: dict[str, str] = {}
        if not name.strip():
            errors["name"] = _("Enter the shop's name.")
        if currency not in CURRENCIES:
            errors["currency"] = _("Choose a currency from the list.")
        if not owner_name.strip():
            errors["owner_name"] = _("Enter the owner's name.")
        if not PIN_RE.match(owner_pin or ""):
            errors["owner_pin"] = pin_format_error()
        if errors:
            raise ValidationError(errors)
        with self.db.uow() as uow:
            if uow.session.scalar(select(func.count()).select_from(Shop)):
                raise ValidationError({"name": _("This database already has a shop.")})
            shop = Shop(
                name=name.strip(), currency=currency, locale=language, timezone=timezone, region=region,
                address=address, phone=phone, is_demo=is_demo,
                return_policy_zh="未开封的产品凭本小票 14 天内可换货；服务如有不满意，请在 7 天内联系我们免费调整。",
                return_policy_en=(
                    "Unopened products can be exchanged within 14 days with this receipt. If you are not "
                    "happy with a service, call us within 7 days for a free adjustment."
                ),
            )
            uow.session.add(shop)
            uow.session.flush()
            branch = Branch(shop_id=shop.id, code="MAIN", name=name.strip())
            uow.session.add(branch)
            uow.session.flush()
            owner = Staff(
                branch_id=branch.id, name=owner_name.strip(), role=Role.OWNER.value,
                pin_hash=hash_pin(owner_pin), working_hours=cd.DEFAULT_HOURS, color="#C2185B",
            )
            uow.session.add(owner)
            uow.session.flush()
            if with_catalog:
                seed_catalog(uow.session, branch.id, currency, language)
            actor = actor_for(owner)
            audit(uow.session, actor, "create", "shop", shop.id, after={"name": shop.name, "currency": currency})
            uow.commit()
            return actor


def _minor(amount: str, currency: str) -> int:
    return Money.of(Decimal(amount), currency).minor


def seed_catalog(session: Session, branch_id: int, currency: str, language: str = "zh_CN") -> None:
    cats: dict[str, ServiceCategory] = {}
    for i, c in enumerate(cd.CATEGORIES):
        cat = ServiceCategory(code=c["code"], name_zh=c["zh"], name_en=c["en"], consultation_kind=c["kind"], sort=i)
        session.add(cat)
        cats[c["code"]] = cat
    session.flush()
    services: dict[str, Service] = {}
    for i, s in enumerate(cd.SERVICES):
        svc = Service(
            category_id=cats[s["cat"]].id, code=s["code"], name_zh=s["zh"], name_en=s["en"],
            price_minor=_minor(s["price"], currency), duration_min=s["min"], return_interval_days=s["ret"],
            care_advice_zh=s["care_zh"], care_advice_en=s["care_en"], resource_kind=s["res"], sort=i,
            buffer_min=10 if s["cat"] in ("colour", "skin") else 0,
        )
        session.add(svc)
        services[s["code"]] = svc
    session.flush()
    products = []
    for p in cd.PRODUCTS:
        prod = Product(
            sku=p["sku"], barcode=p["barcode"], name_zh=p["zh"], name_en=p["en"],
            price_minor=_minor(p["price"], currency), cost_minor=_minor(p["cost"], currency),
            stock_qty=p["stock"], reorder_level=p["reorder"], usage_advice_zh=p["use_zh"],
            usage_advice_en=p["use_en"], is_retail=p.get("retail", True), is_backbar=p.get("backbar", False),
            unit=p.get("unit", "pc"), pack_qty=p.get("pack", 1),
        )
        session.add(prod)
        products.append(prod)
    session.flush()
    for prod in products:  # the stock is the sum of its movements (docs/stock.md)
        if prod.stock_qty:
            session.add(StockMovement(product_id=prod.id, qty_delta=prod.stock_qty, reason="opening"))
    for pk in cd.PACKAGES:
        session.add(
            Package(
                name_zh=pk["zh"], name_en=pk["en"], service_id=services[pk["service"]].id,
                sessions=pk["sessions"], price_minor=_minor(pk["price"], currency), valid_days=pk["days"],
            )
        )
    for i, q in enumerate(cd.QUESTIONS):
        session.add(
            ConsultationQuestion(
                kind=q["kind"], key=q["key"], label_zh=q["zh"], label_en=q["en"], answer_type=q["type"],
                choices=q.get("choices", []), required=q.get("required", False), sort=i,
            )
        )
    for r in cd.RESOURCES:
        name = r["zh"] if language.startswith("zh") else r["en"]
        session.add(Resource(branch_id=branch_id, name=name, kind=r["kind"]))
    for rule in cd.SAFETY_RULES:
        session.add(
            SafetyRule(
                label=rule["zh"] if language.startswith("zh") else rule["en"], keywords=rule["keywords"], category_id=cats[rule["cat"]].id,
                patch_test_days=rule["days"],
            )
        )
    session.flush()
