"""CatalogService: owner-only changes, a message per bad field, audit before/after."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from desk_app.catalog.service import ServiceItem
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, StockMovement
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.settings import S


def _stylist(services: Services, owner: Actor) -> Actor:
    v = services.auth.save_staff(owner, staff_id=None, name="Leo", role="stylist", pin="5555")
    return Actor(staff_id=v.id, name="Leo", role=Role.STYLIST, branch_id=owner.branch_id)


def test_menu_questions_and_product_search_read_the_seeded_catalog(services: Services, owner: Actor) -> None:
    cat = services.catalog
    menu = cat.services_menu()
    assert menu and all(m.active and m.price > 0 and m.duration_min > 0 for m in menu)
    assert [m.category_name for m in menu][0] == cat.categories()[0].name
    hair = cat.questions("hair")
    assert [q.key for q in hair][:2] == ["hair_type", "condition"]
    assert hair[0].choices and {"key", "zh", "en"} <= set(hair[0].choices[0])
    prods = cat.products()
    p = prods[0]
    assert [x.id for x in cat.search_products(p.sku)] == [p.id]
    if p.barcode:
        assert [x.id for x in cat.search_products(p.barcode)] == [p.id]
    assert p.id in [x.id for x in cat.search_products(p.name_en[:4])]


def test_add_service_validates_each_field_then_saves_and_audits(services: Services, owner: Actor) -> None:
    cat = services.catalog
    cid = cat.categories()[0].id
    with pytest.raises(ValidationError) as ei:
        cat.save_service(
            owner,
            None,
            {
                "name_zh": "",
                "name_en": "",
                "category_id": 999,
                "price_minor": "12,x",
                "duration_min": 0,
                "resource_kind": "spaceship",
            },
        )
    errs = ei.value.errors
    assert set(errs) == {"name_zh", "category_id", "price_minor", "duration_min", "resource_kind"}
    assert "not an amount" in errs["price_minor"]
    with pytest.raises(ValidationError) as ei2:
        cat.save_service(owner, None, {"name_en": "Fringe trim", "category_id": cid, "price_minor": "-5"})
    assert "negative" in ei2.value.errors["price_minor"]
    with pytest.raises(ValidationError) as ei3:
        cat.save_service(owner, None, {"name_en": "Fringe trim", "category_id": cid, "price_minor": "5.555"})
    assert "decimals" in ei3.value.errors["price_minor"]
    svc = cat.save_service(
        owner,
        None,
        {
            "name_en": "Fringe trim",
            "name_zh": "修刘海",
            "category_id": cid,
            "price_minor": "38.50",
            "duration_min": "15",
        },
    )
    assert svc.price == Decimal("38.50") and svc.duration_min == 15 and svc.return_interval_days == 42
    assert svc.id in [m.id for m in cat.services_menu()]
    changed = cat.save_service(owner, svc.id, {**_service_data(svc), "price_minor": "45"})
    assert changed.price == Decimal("45.00")
    with services.db.uow(write=False) as uow:
        rows = [
            (a.action, a.before, a.after, a.detail)
            for a in uow.session.scalars(select(AuditEntry).where(AuditEntry.entity == "service"))
        ]
    assert rows[0][0] == "create"
    assert rows[1] == ("update", {"price_minor": 3850}, {"price_minor": 4500}, "price change")
    off = cat.save_service(owner, svc.id, {**_service_data(changed), "active": False})
    assert not off.active and off.id not in [m.id for m in cat.services_menu()]


def _service_data(s: ServiceItem) -> dict[str, object]:
    keys = (
        "name_zh",
        "name_en",
        "category_id",
        "code",
        "duration_min",
        "buffer_min",
        "return_interval_days",
        "care_advice_zh",
        "care_advice_en",
        "resource_kind",
        "sort",
        "active",
    )
    d = {k: getattr(s, k) for k in keys}
    d["price_minor"] = str(s.price)
    return d


def test_only_the_owner_changes_the_catalog(services: Services, owner: Actor) -> None:
    leo = _stylist(services, owner)
    with pytest.raises(NotAllowed):
        services.catalog.save_resource(leo, None, {"name": "Chair 9", "kind": "chair"})
    with pytest.raises(NotAllowed):
        services.shop_details.save_setting(leo, "standards.greet_seconds", 60)
    with services.db.uow(write=False) as uow:
        denied = uow.session.scalars(select(AuditEntry).where(AuditEntry.allowed.is_(False))).all()
        assert len(denied) == 2


def test_products_unique_sku_barcode_and_stock_adjustment(services: Services, owner: Actor) -> None:
    cat = services.catalog
    existing = cat.products()[0]
    with pytest.raises(ValidationError) as ei:
        cat.save_product(
            owner,
            None,
            {
                "name_en": "Serum",
                "sku": existing.sku,
                "barcode": "12ab",
                "price_minor": "99",
                "is_retail": False,
                "is_backbar": False,
            },
        )
    assert set(ei.value.errors) == {"sku", "barcode", "is_retail"}
    p = cat.save_product(
        owner,
        None,
        {
            "name_en": "Serum",
            "sku": "SER-1",
            "barcode": "6901234567892",
            "price_minor": "99",
            "stock_qty": 5,
            "reorder_level": 2,
        },
    )
    assert p.stock_qty == 5 and not p.low_stock
    data = {
        k: getattr(p, k)
        for k in (
            "name_zh",
            "name_en",
            "sku",
            "barcode",
            "brand",
            "unit",
            "reorder_level",
            "usage_advice_zh",
            "usage_advice_en",
            "is_retail",
            "is_backbar",
            "active",
        )
    }
    p2 = cat.save_product(owner, p.id, {**data, "price_minor": "99", "cost_minor": "0", "stock_qty": 2})
    assert p2.low_stock
    assert cat.product_by_barcode("6901234567892") == p2
    with services.db.uow(write=False) as uow:
        moves = [
            (m.qty_delta, m.reason)
            for m in uow.session.scalars(
                select(StockMovement).where(StockMovement.product_id == p.id).order_by(StockMovement.id)
            )
        ]
    assert moves == [(5, "adjust"), (-3, "adjust")]


def test_packages_resources_questions_categories(services: Services, owner: Actor) -> None:
    cat = services.catalog
    svc = cat.services_menu()[0]
    with pytest.raises(ValidationError) as ei:
        cat.save_package(
            owner, None, {"name_en": "10 x", "service_id": svc.id, "sessions": 0, "price_minor": "1"}
        )
    assert set(ei.value.errors) == {"sessions"}
    pk = cat.save_package(
        owner, None, {"name_en": "5 blow-dries", "service_id": svc.id, "sessions": 5, "price_minor": "300"}
    )
    assert pk.service_name == svc.name and pk.sessions == 5
    first = cat.resources()[0]
    with pytest.raises(ValidationError) as ei2:
        cat.save_resource(owner, None, {"name": first.name, "kind": "chair"})
    assert "already" in ei2.value.errors["name"]
    r = cat.save_resource(owner, None, {"name": "Chair 9", "kind": "chair"})
    assert r in cat.resources()
    with pytest.raises(ValidationError) as ei3:
        cat.save_question(
            owner,
            None,
            {
                "kind": "nails",
                "key": "Bad Key",
                "label_en": "Shape",
                "answer_type": "choice",
                "choices": [{"en": "Round"}],
            },
        )
    assert set(ei3.value.errors) == {"key", "choices"}
    q = cat.save_question(
        owner,
        None,
        {
            "kind": "nails",
            "key": "nail_length_goal",
            "label_en": "Shape",
            "label_zh": "甲形",
            "answer_type": "choice",
            "choices": [{"en": "Round", "zh": "圆形"}, {"en": "Square"}],
        },
    )
    assert q.choices == (
        {"key": "c1", "zh": "圆形", "en": "Round"},
        {"key": "c2", "zh": "Square", "en": "Square"},
    )
    assert q.key in [x.key for x in cat.questions("nails")]
    with pytest.raises(ValidationError) as ei4:
        cat.save_category(owner, None, {"code": "hair", "name_en": "Hair again"})
    assert "already" in ei4.value.errors["code"]
    c = cat.save_category(owner, None, {"code": "barber", "name_en": "Barber", "consultation_kind": "hair"})
    assert c.consultation_kind == "hair"


def test_shop_details_and_settings(services: Services, owner: Actor) -> None:
    with pytest.raises(ValidationError) as ei:
        services.shop_details.save_details(owner, {"name": "", "region": "XX", "timezone": "Mars/Base", "currency": "ABC"})
    assert set(ei.value.errors) == {"name", "region", "timezone", "currency"}
    info = services.shop_details.save_details(
        owner,
        {
            "name": "Lotus Spa",
            "address": "1 Nanjing Rd",
            "phone": "021 6123 4567",
            "tax_number": "91310000MA1",
            "return_policy_en": "Keep the receipt.",
            "region": "cn",
            "timezone": "Asia/Shanghai",
            "currency": "CNY",
            "locale": "zh_CN",
        },
    )
    assert info.name == "Lotus Spa" and info.region == "CN" and info.locale == "zh_CN"
    with pytest.raises(ValidationError) as ei2:
        services.shop_details.save_setting(owner, "standards.greet_seconds", "0")
    assert ei2.value.errors == {"standards.greet_seconds": "Enter a whole number of at least 1."}
    with pytest.raises(ValidationError) as ei3:
        services.shop_details.save_setting(owner, "vip.discount_percent", "150")
    assert "from 0 to 100" in ei3.value.errors["vip.discount_percent"]
    assert services.shop_details.save_setting(owner, "standards.greet_seconds", "45") == 45
    assert services.settings.get(S.STANDARDS_GREET_SECONDS) == 45
    assert services.shop_details.save_setting(owner, "visit.required_steps", ["checkout", "greeting"]) == [
        "greeting",
        "checkout",
    ]
    with pytest.raises(ValidationError):
        services.shop_details.save_setting(owner, "visit.required_steps", ["dance"])
    with services.db.uow(write=False) as uow:
        rows = [
            (a.entity, a.before, a.after)
            for a in uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity.in_(("shop", "setting")), AuditEntry.action == "update")
                .order_by(AuditEntry.id)
            )
        ]
    assert rows[0][0] == "shop" and rows[0][2]["name"] == "Lotus Spa"
    assert rows[1] == ("setting", {"standards.greet_seconds": 30}, {"standards.greet_seconds": 45})
