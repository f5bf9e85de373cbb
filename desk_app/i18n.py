"""Translations (gettext, catalogs under resources/locale) and the ONE place
where money, dates and numbers are formatted (Babel).

``Fmt`` is an explicit, immutable formatting context: a language, an IANA time
zone and a currency. Printing and PDFs build one for the page they make (the
client's language, the shop's time zone) and never touch the process state.
The module-level functions (``_()``, ``format_money()``...) are the screen's:
they delegate to the process ``Fmt`` that ``set_language()``,
``set_timezone()`` and ``set_currency()`` replace.

Rules: every string shown to a person goes through ``_()`` (or ``fmt._()``);
no f-strings inside ``_()`` -- use ``_("{n} clients").format(n=3)``. Strings
declared at import time (settings labels, enum labels) are marked with
``N_()`` and translated where shown.
"""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
import io
import locale as _locale
import os
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from desk_app.resources import resource_path

if TYPE_CHECKING:  # Babel is imported when a date or an amount is first formatted, not at start-up
    from babel import Locale

DOMAIN = "desk_app"
SUPPORTED = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_CURRENCY = "CNY"


def locale_dir() -> Path:
    return resource_path("locale")


def _load_catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang``. An installed app has only the .mo that was compiled when
    it was built. In a source checkout the .po is the truth: a .mo older than it (or none) is
    compiled in memory, never written, so a read-only folder is never a problem."""
    base = locale_dir() / lang / "LC_MESSAGES"
    po = base / f"{DOMAIN}.po"
    mo = base / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    if not po.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def normalise_language(lang: str | None) -> str:
    if not lang:
        return "en"
    low = lang.replace("-", "_").lower()
    if low.startswith("zh"):
        return "zh_CN"
    return "en"


def parse_language(text: str) -> str:
    """A language named on a command line: zh_CN (zh, zh-CN, zh_Hans...) or en (en_US...);
    anything else is refused rather than quietly turned into English."""
    low = text.strip().replace("-", "_").lower()
    if low in ("zh", "zh_cn", "zh_hans", "zh_hans_cn", "zh_sg"):
        return "zh_CN"
    if low == "en" or low.startswith("en_"):
        return "en"
    raise ValueError(f"{text!r} is not a language of the app: zh_CN (简体中文) or en (English)")


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


_translations: dict[str, _gettext.NullTranslations] = {}
_translations_lock = threading.Lock()


def translation(lang: str) -> _gettext.NullTranslations:
    """The gettext catalog of ``lang`` (loaded once per language; English is the source text)."""
    found = _translations.get(lang)
    if found is not None:
        return found
    with _translations_lock:
        if lang not in _translations:
            if lang == "en":
                _translations[lang] = _gettext.NullTranslations()
            else:
                _translations[lang] = _load_catalog(lang)
        return _translations[lang]


@cache
def _babel_locale(lang: str) -> Locale:
    from babel import Locale

    return Locale.parse("zh_Hans_CN" if lang == "zh_CN" else "en_US")


@dataclass(frozen=True)
class Fmt:
    """How one screen or one printed page says things: its language, time zone and currency."""

    language: str = "en"  # zh_CN or en
    timezone: str = DEFAULT_TIMEZONE  # IANA name
    currency: str = DEFAULT_CURRENCY  # ISO 4217

    @classmethod
    def for_shop(cls, language: str | None, timezone: str | None, currency: str | None) -> Fmt:
        """A page in ``language`` for a shop in ``timezone`` that counts in ``currency``."""
        tz = timezone or DEFAULT_TIMEZONE
        ZoneInfo(tz)  # an unknown zone fails here, not halfway through a page
        return cls(normalise_language(language), tz, currency or DEFAULT_CURRENCY)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def locale(self) -> Locale:
        return _babel_locale(self.language)

    @property
    def is_zh(self) -> bool:
        return self.language.startswith("zh")

    # ------------------------------------------------------------- words
    def _(self, message: str) -> str:
        return translation(self.language).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translation(self.language).ngettext(singular, plural, n)

    def pick(self, zh: str, en: str) -> str:
        """Choose the catalog text (service names, care advice) for this language."""
        if self.is_zh:
            return zh or en
        return en or zh

    # ------------------------------------------------------------ numbers
    def money(self, amount: Decimal, currency: str | None = None) -> str:
        from babel.numbers import format_currency as _bn_currency

        if isinstance(amount, float):
            raise TypeError("money is never a float")
        return str(_bn_currency(amount, currency or self.currency, locale=self.locale))

    def currency_symbol(self, currency: str | None = None) -> str:
        """The sign people write before an amount ("¥" in Chinese, "CN¥" in English for CNY)."""
        from babel.numbers import get_currency_symbol as _bn_symbol

        return str(_bn_symbol(currency or self.currency, locale=self.locale))

    def number(self, value: Decimal | int, digits: int | None = None) -> str:
        from babel.numbers import format_decimal as _bn_decimal

        if digits is not None:
            pattern = "#,##0." + "0" * digits if digits else "#,##0"
            return str(_bn_decimal(value, format=pattern, locale=self.locale))
        return str(_bn_decimal(value, locale=self.locale))

    def percent(self, value: Decimal | float, digits: int = 0) -> str:
        from babel.numbers import format_percent as _bn_percent

        pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
        return str(_bn_percent(value, format=pattern, locale=self.locale))

    # -------------------------------------------------------------- times
    def local(self, dt: _dt.datetime) -> _dt.datetime:
        return dt.astimezone(self.tz)

    def date(self, d: _dt.date | _dt.datetime, fmt: str = "medium") -> str:
        from babel.dates import format_date as _bd_date

        if isinstance(d, _dt.datetime):
            d = self.local(d).date()
        return str(_bd_date(d, format=fmt, locale=self.locale))

    def time(self, t: _dt.datetime | _dt.time, fmt: str = "HH:mm") -> str:
        """24-hour clock times everywhere (Today, the calendar, receipts): one way to read a time."""
        from babel.dates import format_time as _bd_time

        if isinstance(t, _dt.datetime):
            t = self.local(t).timetz().replace(tzinfo=None)
        return str(_bd_time(t, format=fmt, locale=self.locale))

    def datetime(self, dt: _dt.datetime, fmt: str = "medium") -> str:
        from babel.dates import format_datetime as _bd_datetime

        return str(_bd_datetime(self.local(dt), format=fmt, tzinfo=self.tz, locale=self.locale))

    def when(self, dt: _dt.datetime) -> str:
        """A moment on screen: the day as the rest of the app writes it and a 24-hour time, "Dec 5,
        2026 12:14" / "2026年12月5日 12:14" (Babel's "short" gave "12/5/26, 12:14 PM" beside
        "Dec 4, 2026": read as May in most of the world)."""
        return f"{self.date(dt, 'medium')} {self.time(dt)}"

    def month_day(self, d: _dt.date | _dt.datetime) -> str:
        """A day of this year in a list: "Dec 3" / "12月3日" (was "12-03")."""
        from babel.dates import format_skeleton

        if isinstance(d, _dt.datetime):
            d = self.local(d).date()
        return str(format_skeleton("MMMd", d, locale=self.locale))

    def duration_minutes(self, minutes: int) -> str:
        if minutes < 60:
            return self._("{n} min").format(n=minutes)
        h, m = divmod(minutes, 60)
        if m == 0:
            return self._("{h} h").format(h=h)
        return self._("{h} h {m} min").format(h=h, m=m)


# ------------------------------------------------ the screen's (process) context


class _State:
    fmt: Fmt = Fmt()


_state = _State()


def current() -> Fmt:
    """The screen's formatting context (the process language, time zone and currency)."""
    return _state.fmt


def sentences(*parts: str) -> str:
    """Sentences one after another: a space between them in English, none after a Chinese 。"""
    return ("" if current().is_zh else " ").join(p for p in parts if p)


def set_language(lang: str) -> str:
    lang = normalise_language(lang)
    translation(lang)  # load (and compile) the catalog now, not on the first string
    _state.fmt = replace(_state.fmt, language=lang)
    return lang


def language() -> str:
    return _state.fmt.language


def set_timezone(tz: str) -> None:
    ZoneInfo(tz)
    _state.fmt = replace(_state.fmt, timezone=tz)


def timezone() -> _dt.tzinfo:
    return _state.fmt.tz


def set_currency(currency: str) -> None:
    _state.fmt = replace(_state.fmt, currency=currency)


def currency() -> str:
    return _state.fmt.currency


def _(message: str) -> str:
    return _state.fmt._(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _state.fmt.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark for extraction only; translate later with ``_()``."""
    return message


def pick(zh: str, en: str) -> str:
    """Choose the catalog text (service names, care advice) for the screen's language."""
    return _state.fmt.pick(zh, en)


def babel_locale() -> Locale:
    return _state.fmt.locale


# ---------------------------------------------------------------- formatting


def format_money(amount: Decimal, currency_code: str | None = None) -> str:
    return _state.fmt.money(amount, currency_code)


def currency_symbol(currency_code: str | None = None) -> str:
    return _state.fmt.currency_symbol(currency_code)


def format_number(value: Decimal | int, digits: int | None = None) -> str:
    return _state.fmt.number(value, digits)


def format_percent(value: Decimal | float, digits: int = 0) -> str:
    return _state.fmt.percent(value, digits)


def local(dt: _dt.datetime) -> _dt.datetime:
    return _state.fmt.local(dt)


def format_date(d: _dt.date | _dt.datetime, fmt: str = "medium") -> str:
    return _state.fmt.date(d, fmt)


def format_time(t: _dt.datetime | _dt.time, fmt: str = "HH:mm") -> str:
    return _state.fmt.time(t, fmt)


def format_datetime(dt: _dt.datetime, fmt: str = "medium") -> str:
    return _state.fmt.datetime(dt, fmt)


def format_when(dt: _dt.datetime) -> str:
    return _state.fmt.when(dt)


def format_month_day(d: _dt.date | _dt.datetime) -> str:
    return _state.fmt.month_day(d)


def format_duration_minutes(minutes: int) -> str:
    return _state.fmt.duration_minutes(minutes)
