"""Checking a form's fields: one message per bad field, raised together (settings screens)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from desk_app.core.service import ValidationError
from desk_app.domain.money import Money
from desk_app.i18n import _


class Form:
    """Collects one message per bad field, then raises them together."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.out: dict[str, Any] = {}

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str, max_len: int, required: str | None = None, default: str = "") -> None:
        if not self.has(key):
            if required:
                self.errors[key] = required
            else:
                self.out[key] = default
            return
        value = (
            " ".join(str(self.data.get(key) or "").split())
            if max_len <= 200
            else str(self.data.get(key) or "").strip()
        )
        if required and not value:
            self.errors[key] = required
        elif len(value) > max_len:
            self.errors[key] = _("Too long: {n} characters at most.").format(n=max_len)
        else:
            self.out[key] = value

    def integer(self, key: str, lo: int, hi: int, message: str, default: int | None = None) -> None:
        if not self.has(key):
            if default is None:
                self.errors[key] = message
            else:
                self.out[key] = default
            return
        raw = self.data.get(key)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            self.errors[key] = message
            return
        if not lo <= value <= hi:
            self.errors[key] = message
            return
        self.out[key] = value

    def money(self, key: str, currency: str, required: bool = True) -> None:
        raw = self.data.get(key)
        if raw is None or str(raw).strip() == "":
            if required:
                self.errors[key] = _("Enter a price, for example 128 or 128.50.")
            else:
                self.out[key] = 0
            return
        try:
            amount = Decimal(str(raw).strip().replace(",", ""))
            if not amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.errors[key] = _("This is not an amount. Type digits, for example 128 or 128.50.")
            return
        if amount < 0:
            self.errors[key] = _("The amount cannot be negative.")
            return
        if amount > Decimal("10000000"):
            self.errors[key] = _("The amount is too large; check the number of zeros.")
            return
        try:
            self.out[key] = Money(amount, currency).minor
        except ValueError:
            self.errors[key] = _("Too many decimals for {currency}.").format(currency=currency)

    def choice(self, key: str, allowed: Mapping[str, str] | set[str], message: str, default: str) -> None:
        value = str(self.data.get(key, default) or "")
        if value not in allowed:
            self.errors[key] = message
        else:
            self.out[key] = value

    def flag(self, key: str, default: bool) -> None:
        self.out[key] = bool(self.data.get(key, default))

    def names(self, zh: str = "name_zh", en: str = "name_en", max_len: int = 200) -> None:
        self.text(zh, max_len)
        self.text(en, max_len)
        if not self.out.get(zh) and not self.out.get(en) and zh not in self.errors:
            self.errors[zh] = _("Enter the name in Chinese or in English (or both).")

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise ValidationError(self.errors)
        return self.out


def diff(obj: object, values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = {k: getattr(obj, k) for k in values if getattr(obj, k) != values[k]}
    after = {k: values[k] for k in before}
    return before, after
