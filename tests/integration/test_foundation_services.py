"""Shop setup, sign-in with PIN rate limits, settings, audit of sign-ins, staff management."""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, ConsultationQuestion, Service, Staff
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.settings import DEFS, S, SettingDef, UnknownSetting
from desk_app.trust.auth import SignInError
from desk_app.trust.pins import PinRefused
from tests.conftest import OWNER_PIN, FakeClock

ROOT = Path(__file__).resolve().parents[2]


def test_create_shop_validates_every_field(services: Services) -> None:
    with pytest.raises(ValidationError) as info:
        services.shop.create_shop(name=" ", currency="XXX", language="en", owner_name="", owner_pin="12")
    assert set(info.value.errors) == {"name", "currency", "owner_name", "owner_pin"}
    assert not services.shop.is_set_up()


def test_create_shop_seeds_a_bilingual_catalog(services: Services, owner: Actor) -> None:
    assert owner.role == Role.OWNER
    info = services.shop.info()
    assert info.currency == "CNY" and info.name == "Lotus Hair & Spa"
    with services.db.uow(write=False) as uow:
        svc = uow.session.scalars(select(Service)).all()
        assert len(svc) >= 10 and all(s.name_zh and s.name_en and s.care_advice_zh for s in svc)
        kinds = set(uow.session.scalars(select(ConsultationQuestion.kind)))
        assert kinds == {"hair", "skin", "nails", "generic"}
    with pytest.raises(ValidationError):
        services.shop.create_shop(name="Again", currency="CNY", language="en", owner_name="X", owner_pin="1234")


def test_sign_in_and_wrong_pin_rate_limit(services: Services, owner: Actor, clock: FakeClock) -> None:
    assert services.auth.sign_in(owner.staff_id, OWNER_PIN).staff_id == owner.staff_id
    for _ in range(4):
        with pytest.raises(SignInError, match="Wrong PIN"):
            services.auth.sign_in(owner.staff_id, "0000")
    with pytest.raises(SignInError) as info:
        services.auth.sign_in(owner.staff_id, "0000")
    assert info.value.locked_seconds == 60
    # even the right PIN waits while locked
    with pytest.raises(SignInError, match="Try again"):
        services.auth.sign_in(owner.staff_id, OWNER_PIN)
    clock.advance(seconds=61)
    assert services.auth.sign_in(owner.staff_id, OWNER_PIN).name == "Mia Chen"
    with services.db.uow(write=False) as uow:
        n = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "sign_in_failed"))
    assert n == 5


def test_pins_are_hashed_with_argon2id(services: Services, owner: Actor) -> None:
    with services.db.uow(write=False) as uow:
        s = uow.session.get(Staff, owner.staff_id)
        assert s is not None and s.pin_hash.startswith("$argon2id$") and OWNER_PIN not in s.pin_hash


def test_staff_management_is_owner_only(services: Services, owner: Actor) -> None:
    rec = services.auth.save_staff(owner, staff_id=None, name="Wang Fang", role="receptionist", pin="2222")
    receptionist = services.auth.sign_in(rec.id, "2222")
    with pytest.raises(NotAllowed):
        services.auth.save_staff(receptionist, staff_id=None, name="X", role="stylist", pin="3333")
    with pytest.raises(ValidationError) as info:
        services.auth.save_staff(owner, staff_id=None, name="", role="boss", pin="12")
    assert set(info.value.errors) == {"name", "role", "pin"}
    with services.db.uow(write=False) as uow:
        denied = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "denied"))
    assert denied == 1


def test_settings_defaults_round_trip_and_validation(services: Services, owner: Actor) -> None:
    assert services.settings.vip_rule().single_purchase_threshold == 3000
    assert services.settings.standards().greet_within.total_seconds() == 30
    services.settings.set(S.VIP_DISCOUNT_PERCENT, "15", owner.staff_id)
    assert str(services.settings.vip_rule().discount_percent) == "15"
    with pytest.raises(ValueError):
        services.settings.set(S.VIP_DISCOUNT_PERCENT, "150")
    with pytest.raises(UnknownSetting):
        services.settings.get_key("no.such.key")
    assert services.settings.get(S.VIP_DISCOUNT_PERCENT) == Decimal("15")  # typed: a Decimal, not text
    assert services.settings.get_key("vip.discount_percent") == Decimal("15")


def test_settings_are_read_through_typed_keys() -> None:
    """``store.get(S.NAME)``: a typo fails at import and mypy knows the type; text keys are only
    for the editor that lists every setting (get_key/set_key)."""
    pattern = re.compile(r"""settings\.(?:get|set)\(\s*["']""")
    offenders = [
        f"{path.relative_to(ROOT)}"
        for folder in ("desk_app", "ui")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert {d.key for d in vars(S).values() if isinstance(d, SettingDef)} == set(DEFS)


def test_settings_labels_are_marked_for_translation() -> None:
    tree = ast.parse((ROOT / "desk_app" / "settings.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "SettingDef"]
    assert len(calls) == len(DEFS)
    for c in calls:
        label = c.args[3]
        assert isinstance(label, ast.Call) and getattr(label.func, "id", "") == "N_"


def test_owner_pin_approval(services: Services, owner: Actor) -> None:
    approval = services.payments.approve_discount(owner, OWNER_PIN)
    assert approval.staff_id == owner.staff_id and approval.actor.role == Role.OWNER and approval.token
    with pytest.raises(PinRefused, match="not the owner's"):
        services.payments.approve_discount(owner, "0000")
