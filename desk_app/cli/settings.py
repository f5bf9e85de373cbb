"""``desk-app settings get|set|list``: the owner's settings, headless (docs/messages.md, "Settings
from the command line").

Every key is one of the settings declared once in ``desk_app/settings.py``; ``set`` types the
value as the Settings screen does (money as "100.50", a percentage as "6.5" or "6.5 %", a list or
a dict as JSON, e.g. '["reminder","feedback"]'), checks it with ``validate()`` and saves it through
``ShopDetailsService.save_setting`` (``SettingsStore.set_key`` with the staff id, audited with
before/after). All three need the right to change settings (``Perm.SETTINGS``): the owner key
(``DESK_APP_OWNER_KEY``) or ``--staff N`` and the PIN. Bad input is one line on stderr, exit 2,
and nothing is changed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from desk_app.cli.owner import Refused, err, identify
from desk_app.cli.reports import _open_db
from desk_app.domain.money import Money, currency_exponent
from desk_app.domain.permissions import Perm
from desk_app.i18n import _
from desk_app.settings import DEFS, MONEY, PERCENT, SettingDef, validate

TRUE = ("true", "yes", "on", "1", "y", "是")
FALSE = ("false", "no", "off", "0", "n", "否")
_NOISE = str.maketrans("", "", " \u00a0\u3000\u202f,，_")


class BadInput(ValueError):
    """A key or value the command refuses; the message is the one line to print."""


def _bad(message: str) -> int:
    print(f"desk-app: {message}", file=sys.stderr)
    return 2


def find_def(key: str) -> SettingDef[Any]:
    d = DEFS.get(key)
    if d is not None:
        return d
    close = difflib.get_close_matches(key, list(DEFS), n=4, cutoff=0.5)
    if not close:  # a part of a key ("reminder") names its settings
        close = [k for k in DEFS if key.lower() in k.lower()][:4]
    hint = _("; did you mean: {keys}").format(keys=", ".join(close)) if close else ""
    raise BadInput(_("there is no setting {key}{hint} (desk-app settings list shows them all)").format(key=key, hint=hint))


def _number(text: str, strip: tuple[str, ...]) -> Decimal:
    t = text.strip()
    for s in strip:
        t = t.replace(s, "")
    t = t.translate(_NOISE)
    try:
        v = Decimal(t)
    except InvalidOperation:
        raise BadInput("") from None
    if not v.is_finite():
        raise BadInput("")
    return v


def parse_value(d: SettingDef[Any], text: str, currency: str) -> Any:
    """The value ``text`` means for setting ``d``, typed as on the Settings screen (not yet range-checked)."""
    try:
        if d.kind == MONEY:
            amount = _number(text, (currency, "¥", "￥", "$", "€", "£"))
            if amount < 0:
                raise BadInput(_("{key}: the amount cannot be negative").format(key=d.key))
            try:
                minor = Money(amount, currency).minor  # no finer than the currency's smallest coin
            except ValueError:
                raise BadInput(
                    _("{key}: use at most {n} decimal places, for example 100.50").format(
                        key=d.key, n=currency_exponent(currency)
                    )
                ) from None
            return minor if d.type is int else amount
        if d.kind == PERCENT:
            pct = _number(text, ("%", "％"))
            if d.type is not int:
                return pct
            bp = pct.scaleb(2)
            if bp != bp.to_integral_value():
                raise BadInput(_("{key}: use at most two decimal places, for example 6.25").format(key=d.key))
            return int(bp)
    except BadInput as exc:
        if str(exc):
            raise
        what = _("an amount, for example 100.50") if d.kind == MONEY else _("a percentage, for example 6.5")
        raise BadInput(_("{key}: {value!r} is not {what}").format(key=d.key, value=text, what=what)) from None
    if d.type is bool:
        low = text.strip().lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise BadInput(_("{key}: write true or false").format(key=d.key))
    if d.type in (list, dict):
        try:
            v = json.loads(text)
        except ValueError:
            v = None
        if d.type is list and not isinstance(v, list) and not text.strip().startswith(("[", "{")):
            v = [x.strip() for x in text.split(",") if x.strip()]  # "60, 7, 3" as the screen takes it
        if not isinstance(v, d.type):
            example = '\'["reminder","feedback"]\'' if d.type is list else "'{\"key\": \"value\"}'"
            raise BadInput(
                _("{key}: write the value as JSON, e.g. {example}").format(key=d.key, example=example)
            )
        return v
    if d.type is int:
        try:
            return int(text.strip().replace(",", ""))
        except ValueError:
            raise BadInput(_("{key}: {value!r} is not a whole number").format(key=d.key, value=text)) from None
    if d.type is Decimal:
        try:
            return _number(text, ())
        except BadInput:
            raise BadInput(_("{key}: {value!r} is not a number").format(key=d.key, value=text)) from None
    return text


def show_value(d: SettingDef[Any], value: Any, currency: str) -> str:
    """The value as ``set`` takes it back: money in currency units, a percentage in percent, JSON."""
    if value is None:
        return ""
    if d.kind == MONEY:
        return str(Money.from_minor(int(value), currency).amount) if d.type is int else str(value)
    if d.kind == PERCENT:
        number = Decimal(str(value)).scaleb(-2) if d.type is int else Decimal(str(value))
        text = format(number.normalize(), "f")
        return f"{text} %"
    if d.type is bool:
        return "true" if value else "false"
    if d.type in (list, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _currency(services: Any) -> str:
    with services.db.uow(write=False) as uow:
        from desk_app.core.service import shop_row

        return str(shop_row(uow.session).currency)


def cli_settings(args: argparse.Namespace) -> int:
    from desk_app.container import Services
    from desk_app.core.service import ValidationError

    kind = args.settings_kind
    try:
        # the key and the group are checked before anything is opened
        d = find_def(args.key) if kind in ("get", "set") else None
        if kind == "list" and args.group and not any(x.group == args.group for x in DEFS.values()):
            groups = sorted({x.group for x in DEFS.values()})
            raise BadInput(_("there is no group {group}; groups: {groups}").format(group=args.group, groups=", ".join(groups)))
    except BadInput as exc:
        return _bad(str(exc))
    try:
        db = _open_db(args)
    except FileNotFoundError as exc:
        return err(str(exc))
    try:
        services = Services(db)
        try:
            actor = identify(services, args, Perm.SETTINGS)
        except Refused as exc:
            return err(str(exc))
        currency = _currency(services)
        store = services.settings
        if kind == "get":
            assert d is not None
            print(show_value(d, store.get_key(d.key), currency))
            return 0
        if kind == "list":
            for key, x in DEFS.items():
                if args.group and x.group != args.group:
                    continue
                print(f"{key}\t{show_value(x, store.get_key(key), currency)}\t{_(x.label)}")
            return 0
        assert d is not None
        try:
            value = parse_value(d, args.value, currency)
            validate(d.key, value)  # the declaration's own words for what is wrong
        except BadInput as exc:
            return _bad(str(exc))
        except ValueError as exc:
            return _bad(str(exc))
        try:
            saved = services.shop_details.save_setting(actor, d.key, value)
        except ValidationError as exc:
            return _bad(f"{d.key}: {exc.message}")
        print(f"{d.key} = {show_value(d, saved, currency)}")
        return 0
    finally:
        db.dispose()
