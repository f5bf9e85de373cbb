"""Translations (gettext, catalogs under resources/locale) and the ONE place
where money, dates and numbers are formatted (Babel, for the active locale).

Rules: every string shown to a person goes through ``_()``; no f-strings inside
``_()`` -- use ``_("{n} clients").format(n=3)``. Strings declared at import time
(settings labels, enum labels) are marked with ``N_()`` and translated where shown.
"""

from __future__ import annotations

import gettext as _gettext
import locale as _locale
import os
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _bd_date
from babel.dates import format_datetime as _bd_datetime
from babel.dates import format_time as _bd_time
from babel.numbers import format_currency as _bn_currency
from babel.numbers import format_decimal as _bn_decimal
from babel.numbers import format_percent as _bn_percent

from desk_app.resources import resource_path

DOMAIN = "desk_app"
SUPPORTED = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}


class _State:
    language: str = "en"
    translation: _gettext.NullTranslations = _gettext.NullTranslations()
    timezone: tzinfo = ZoneInfo("Asia/Shanghai")
    currency: str = "CNY"


_state = _State()


def locale_dir() -> Path:
    return resource_path("locale")


def _ensure_compiled(lang: str) -> None:
    """Compile the .po to .mo when the .mo is missing or older (fresh clones)."""
    base = locale_dir() / lang / "LC_MESSAGES"
    po = base / f"{DOMAIN}.po"
    mo = base / f"{DOMAIN}.mo"
    if not po.exists():
        return
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as f:
        write_mo(f, catalog)
    os.replace(tmp, mo)


def normalise_language(lang: str | None) -> str:
    if not lang:
        return "en"
    low = lang.replace("-", "_").lower()
    if low.startswith("zh"):
        return "zh_CN"
    return "en"


def system_language() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        val = os.environ.get(var)
        if val and val not in ("C", "POSIX", "C.UTF-8"):
            return normalise_language(val.split(".")[0])
    try:
        loc = _locale.getlocale()[0]
    except ValueError:
        loc = None
    return normalise_language(loc)


def set_language(lang: str) -> str:
    lang = normalise_language(lang)
    if lang == "en":
        _state.translation = _gettext.NullTranslations()
    else:
        _ensure_compiled(lang)
        _state.translation = _gettext.translation(
            DOMAIN, localedir=str(locale_dir()), languages=[lang], fallback=True
        )
    _state.language = lang
    return lang


def language() -> str:
    return _state.language


def set_timezone(tz: str) -> None:
    _state.timezone = ZoneInfo(tz)


def timezone() -> tzinfo:
    return _state.timezone


def set_currency(currency: str) -> None:
    _state.currency = currency


def currency() -> str:
    return _state.currency


def _(message: str) -> str:
    return _state.translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _state.translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark for extraction only; translate later with ``_()``."""
    return message


def pick(zh: str, en: str) -> str:
    """Choose the catalog text (service names, care advice) for the active language."""
    if _state.language.startswith("zh"):
        return zh or en
    return en or zh


def babel_locale() -> Locale:
    return Locale.parse("zh_Hans_CN" if _state.language == "zh_CN" else "en_US")


# ---------------------------------------------------------------- formatting


def format_money(amount: Decimal, currency_code: str | None = None) -> str:
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    cur = currency_code or _state.currency
    return str(_bn_currency(amount, cur, locale=babel_locale()))


def format_number(value: Decimal | int, digits: int | None = None) -> str:
    if digits is not None:
        fmt = "#,##0." + "0" * digits if digits else "#,##0"
        return str(_bn_decimal(value, format=fmt, locale=babel_locale()))
    return str(_bn_decimal(value, locale=babel_locale()))


def format_percent(value: Decimal | float, digits: int = 0) -> str:
    fmt = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return str(_bn_percent(value, format=fmt, locale=babel_locale()))


def local(dt: datetime) -> datetime:
    return dt.astimezone(_state.timezone)


def format_date(d: date | datetime, fmt: str = "medium") -> str:
    if isinstance(d, datetime):
        d = local(d).date()
    return str(_bd_date(d, format=fmt, locale=babel_locale()))


def format_time(t: datetime | time, fmt: str = "short") -> str:
    if isinstance(t, datetime):
        t = local(t).timetz().replace(tzinfo=None)
    return str(_bd_time(t, format=fmt, locale=babel_locale()))


def format_datetime(dt: datetime, fmt: str = "medium") -> str:
    return str(_bd_datetime(local(dt), format=fmt, tzinfo=_state.timezone, locale=babel_locale()))


def format_duration_minutes(minutes: int) -> str:
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    h, m = divmod(minutes, 60)
    if m == 0:
        return _("{h} h").format(h=h)
    return _("{h} h {m} min").format(h=h, m=m)
