"""The shop's own details (receipt header, currency, language, time zone) and the owner's settings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import func, select

from desk_app.core.forms import Form, diff
from desk_app.core.service import ValidationError, audit, require, shop_row
from desk_app.db.engine import Clock, Database
from desk_app.db.models import (
    Sale,
    ServiceCategory,
)
from desk_app.domain.permissions import Actor, Perm
from desk_app.domain.visit import GUIDED_STEPS
from desk_app.i18n import _, pick
from desk_app.settings import DATES, DEFS, SEGMENTS, SettingsStore, validate
from desk_app.shop.service import CURRENCIES, ShopInfo, shop_info

STEPS: tuple[str, ...] = tuple(str(s) for s in GUIDED_STEPS)  # the steps a shop may make required


class ShopDetailsService:
    def __init__(self, db: Database, settings: SettingsStore, clock: Clock | None = None) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock

    # -- shop details -----------------------------------------------------------------------
    def details(self) -> ShopInfo:
        with self.db.uow(write=False) as uow:
            return shop_info(uow.session)

    def save_details(self, actor: Actor, data: Mapping[str, Any]) -> ShopInfo:
        """Name, address, phone, tax number, return policy (zh/en), currency, language, time zone, region."""
        require(self.db.uow, actor, Perm.SETTINGS)
        with self.db.uow() as uow:
            s = uow.session
            shop = shop_row(s)
            f = Form(data)
            f.text("name", 200, required=_("Enter the shop's name as it should appear on receipts."))
            f.text("address", 1000)
            f.text("tax_number", 60)
            f.text("return_policy_zh", 4000)
            f.text("return_policy_en", 4000)
            region = str(data.get("region", shop.region) or "").upper()
            if region not in phonenumbers.SUPPORTED_REGIONS:
                f.errors["region"] = _("Choose the shop's country or region (two letters, e.g. CN, HK, SG).")
            else:
                f.out["region"] = region
            phone = str(data.get("phone", shop.phone) or "").strip()
            if phone:
                try:
                    n = phonenumbers.parse(phone, region if "region" in f.out else "CN")
                    if not phonenumbers.is_possible_number(n):
                        raise ValueError
                    f.out["phone"] = phone
                except (phonenumbers.NumberParseException, ValueError):
                    f.errors["phone"] = _("This phone number does not look right; check the digits.")
            else:
                f.out["phone"] = ""
            f.choice("currency", set(CURRENCIES), _("Choose a currency from the list."), shop.currency)
            f.choice("locale", {"zh_CN", "en"}, _("Choose Chinese or English."), shop.locale)
            tz = str(data.get("timezone", shop.timezone) or "")
            try:
                ZoneInfo(tz)
                f.out["timezone"] = tz
            except (ZoneInfoNotFoundError, ValueError):
                f.errors["timezone"] = _("Choose a time zone from the list, e.g. Asia/Shanghai.")
            values = f.done()
            if values["currency"] != shop.currency:
                if s.scalar(select(func.count()).select_from(Sale)):
                    raise ValidationError(
                        {
                            "currency": _(
                                "The currency cannot change once sales are recorded: amounts would change meaning."
                            )
                        }
                    )
            before, after = diff(shop, values)
            if before:
                for k, v in values.items():
                    setattr(shop, k, v)
                audit(s, actor, "update", "shop", shop.id, before=before, after=after, at=self.clock())
            s.flush()
            info = shop_info(s)
            uow.commit()
            return info

    # -- declared settings --------------------------------------------------------------------
    def setting_values(self) -> dict[str, Any]:
        return self.settings.all()

    def _category_rate_problem(self, value: Any) -> str:
        with self.db.uow(write=False) as uow:
            names = {c.code: pick(c.name_zh, c.name_en) for c in uow.session.scalars(select(ServiceCategory))}
        wrong = []
        for code, rate in dict(value).items():
            try:
                validate("loyalty.category_rates", {code: rate})
            except ValueError:
                wrong.append(names.get(str(code), str(code)))
        if not wrong:
            return _("This value is not valid here.")
        return _("Points per 1.00 for {category} must be a number from 0 to 100.").format(category=", ".join(wrong))

    def save_setting(self, actor: Actor, key: str, value: Any) -> Any:
        """Save one declared setting after checking its type and range; audited with before/after."""
        require(self.db.uow, actor, Perm.SETTINGS)
        d = DEFS.get(key)
        if d is None:
            raise ValidationError({key: _("This setting does not exist.")})
        if isinstance(value, str) and d.type in (int, Decimal):
            value = value.strip().replace(",", "")
        try:
            v = validate(key, value)
        except ValueError as exc:
            if d.kind == DATES:  # the check names the piece that is not a date
                raise ValidationError({key: str(exc).split(": ", 1)[-1]}) from None
            if key == "loyalty.category_rates":  # the category that is wrong, by its name
                raise ValidationError({key: self._category_rate_problem(value)}) from None
            raise ValidationError({key: _setting_message(d.type, d.minimum, d.maximum)}) from None
        if key == "visit.required_steps":
            steps = [str(x) for x in v]
            if not set(steps) <= set(STEPS):
                raise ValidationError(
                    {key: _("Choose steps from: greeting, needs, service, checkout, rebooking.")}
                )
            v = [x for x in STEPS if x in steps]
        elif d.kind == SEGMENTS:  # the saved client lists: checked and written back by validate()
            pass
        elif d.type is list and d.choices:  # e.g. the messages sent: in the declaration's order, once each
            v = [x for x in d.choices if x in {str(y) for y in v}]
        elif d.type is list:
            try:
                v = sorted({int(x) for x in v}, reverse=True)
            except (TypeError, ValueError):
                v = []
            if not v or v[-1] < 0:
                raise ValidationError(
                    {key: _("Enter whole numbers of days separated by commas, e.g. 60, 7, 3.")}
                )
        if d.type in (int, Decimal) and isinstance(v, Decimal) and not v.is_finite():
            raise ValidationError({key: _setting_message(d.type, d.minimum, d.maximum)})
        before = self.settings.get_key(key)
        if before == v:
            return v
        self.settings.set_key(key, v, staff_id=actor.staff_id)
        with self.db.uow() as uow:
            audit(
                uow.session,
                actor,
                "update",
                "setting",
                key,
                before={key: before},
                after={key: v},
                at=self.clock(),
            )
            uow.commit()
        return v


def _setting_message(typ: type, lo: float | None, hi: float | None) -> str:
    if typ is int or typ is Decimal:
        what = _("a whole number") if typ is int else _("a number")
        if lo is not None and hi is not None:
            return _("Enter {what} from {lo} to {hi}.").format(what=what, lo=_num(lo), hi=_num(hi))
        if lo is not None:
            return _("Enter {what} of at least {lo}.").format(what=what, lo=_num(lo))
        return _("Enter {what}.").format(what=what)
    return _("This value is not valid here.")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
