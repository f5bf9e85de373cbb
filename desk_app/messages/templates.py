"""The wording of each message (docs/messages.md, "What is sent"): the app's defaults per language,
the owner's own wording (``message_templates``), the placeholders each kind may use, checking and
rendering a template, and how many text-message parts a body takes.

A message is written in the *client's* language (``Client.language``), else the shop's, else
Simplified Chinese. The defaults are plain data here, not gettext: they are what the client reads,
whatever the language of the desk that queued them.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.db.models import Client, MessageTemplate, Shop
from desk_app.domain.messages import MessageKind
from desk_app.errors import ServiceError
from desk_app.i18n import Fmt, _, normalise_language
from desk_app.messages.views import Rendered

LANGUAGES = ("zh_CN", "en")

_SHOP = ("client_name", "shop_name", "branch_name", "shop_phone")
_APPT = ("date", "time", "service", "staff")

PLACEHOLDERS: dict[MessageKind, tuple[str, ...]] = {
    MessageKind.CONFIRMATION: _SHOP + _APPT,
    MessageKind.REMINDER: _SHOP + _APPT,
    MessageKind.NO_SHOW: _SHOP + _APPT,
    MessageKind.FEEDBACK: _SHOP + ("date", "service", "staff"),
    MessageKind.REBOOK: _SHOP + ("last_visit", "service"),
    MessageKind.BIRTHDAY: _SHOP,
    MessageKind.BALANCE_LOW: _SHOP + ("balance",),
    MessageKind.PACKAGE_EXPIRING: _SHOP + ("package", "balance", "expires_on"),
    MessageKind.CAMPAIGN: _SHOP,
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


# (kind, language) -> the app's own wording. A reminder fits one Chinese text message (70
# characters) with ordinary names.
DEFAULTS: dict[tuple[MessageKind, str], Wording] = {
    (MessageKind.CONFIRMATION, "zh_CN"): Wording(
        "预约确认：{date} {time}",
        "{client_name}您好，已为您预约{date} {time}的{service}（{staff}），地点：{branch_name}。改期请致电{shop_phone}。",
    ),
    (MessageKind.CONFIRMATION, "en"): Wording(
        "Your booking on {date} at {time}",
        "Hi {client_name}, you are booked for {service} with {staff} on {date} at {time} at {branch_name}. "
        "To change it, call {shop_phone}.",
    ),
    (MessageKind.REMINDER, "zh_CN"): Wording(
        "预约提醒：{date} {time}",
        "{client_name}您好，提醒您{date} {time}在{branch_name}有{service}预约。改期请致电{shop_phone}。",
    ),
    (MessageKind.REMINDER, "en"): Wording(
        "Reminder: {service} on {date} at {time}",
        "Hi {client_name}, a reminder of your {service} on {date} at {time} at {branch_name}. "
        "To change it, call {shop_phone}.",
    ),
    (MessageKind.FEEDBACK, "zh_CN"): Wording(
        "您对今天的服务满意吗？",
        "{client_name}您好，感谢您{date}光临{shop_name}。请回复1-5分为{staff}的{service}打分（5分最满意），"
        "也欢迎留言建议。",
    ),
    (MessageKind.FEEDBACK, "en"): Wording(
        "How was your visit?",
        "Hi {client_name}, thank you for visiting {shop_name} on {date}. Please reply with a score from 1 to 5 "
        "for your {service} with {staff} (5 = very happy), and any comment.",
    ),
    (MessageKind.REBOOK, "zh_CN"): Wording(
        "该来做{service}啦",
        "{client_name}您好，距您上次{service}（{last_visit}）已有一段时间，欢迎预约下次护理。预约电话{shop_phone}。",
    ),
    (MessageKind.REBOOK, "en"): Wording(
        "Time for your next {service}",
        "Hi {client_name}, it has been a while since your {service} on {last_visit}. Call {shop_phone} to book "
        "your next visit.",
    ),
    (MessageKind.BIRTHDAY, "zh_CN"): Wording(
        "生日快乐！",
        "{client_name}，{shop_name}祝您生日快乐！期待再次为您服务。",
    ),
    (MessageKind.BIRTHDAY, "en"): Wording(
        "Happy birthday!",
        "Happy birthday, {client_name}! Everyone at {shop_name} wishes you a lovely day.",
    ),
    (MessageKind.NO_SHOW, "zh_CN"): Wording(
        "您错过了预约",
        "{client_name}您好，您{date} {time}在{branch_name}的{service}预约未能到店。如需重新预约请致电{shop_phone}。",
    ),
    (MessageKind.NO_SHOW, "en"): Wording(
        "We missed you today",
        "Hi {client_name}, we missed you for your {service} on {date} at {time}. Call {shop_phone} to book "
        "another time.",
    ),
    (MessageKind.BALANCE_LOW, "zh_CN"): Wording(
        "储值余额提醒",
        "{client_name}您好，您在{shop_name}的储值余额为{balance}，如需充值请到店或致电{shop_phone}。",
    ),
    (MessageKind.BALANCE_LOW, "en"): Wording(
        "Your prepaid balance is low",
        "Hi {client_name}, your prepaid balance at {shop_name} is {balance}. Top it up at the desk or call "
        "{shop_phone}.",
    ),
    (MessageKind.PACKAGE_EXPIRING, "zh_CN"): Wording(
        "{package}即将到期",
        "{client_name}您好，您的{package}（剩余{balance}）将于{expires_on}到期，请尽快预约使用。电话{shop_phone}。",
    ),
    (MessageKind.PACKAGE_EXPIRING, "en"): Wording(
        "Your {package} expires on {expires_on}",
        "Hi {client_name}, your {package} ({balance} left) expires on {expires_on}. Call {shop_phone} to book "
        "and use it in time.",
    ),
    # the owner's one-off message to a client list: an invitation to book, to reword for each occasion
    (MessageKind.CAMPAIGN, "zh_CN"): Wording(
        "{shop_name}邀您再次光临",
        "{client_name}您好，{shop_name}期待再次为您服务。欢迎致电{shop_phone}预约。",
    ),
    (MessageKind.CAMPAIGN, "en"): Wording(
        "News from {shop_name}",
        "Hi {client_name}, we would love to see you again at {shop_name}. Call {shop_phone} to book your "
        "next visit.",
    ),
}


def message_language(client: Client | None, shop: Shop | None) -> str:
    """The client's language, else the shop's, else Simplified Chinese."""
    for lang in ((client.language if client else ""), (shop.locale if shop else "")):
        if lang and lang.strip():
            return normalise_language(lang)
    return "zh_CN"


def kind_of(kind: str) -> MessageKind:
    if kind not in MessageKind._value2member_map_:
        raise ServiceError(_("There is no kind of message called {kind}.").format(kind=kind))
    return MessageKind(kind)


def language_of(language: str) -> str:
    if language not in LANGUAGES:
        raise ServiceError(_("Messages are written in Chinese (zh_CN) or English (en), not {language}.").format(
            language=language))
    return language


def default_wording(kind: str, language: str) -> Wording:
    return DEFAULTS[(kind_of(kind), language_of(language))]


def wording(session: Session, kind: str, language: str) -> tuple[Wording, bool]:
    """The wording in use (the owner's, else the app's) and whether it is the app's default."""
    row = session.execute(
        select(MessageTemplate).where(MessageTemplate.kind == kind, MessageTemplate.language == language)
    ).scalar_one_or_none()
    if row is not None and row.body.strip():
        return Wording(row.subject, row.body), False
    return default_wording(kind, language), True


# ------------------------------------------------------------------ checking


def _fields(text: str) -> list[tuple[str, str | None, str | None]]:
    """(field name, format spec, conversion) of each {placeholder}; ValueError on bad braces."""
    return [(name, spec, conv) for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None]


def validate(kind: str, subject: str, body: str) -> None:
    """Refuse a wording the sender could not fill: an unknown {name}, a brace without its pair, a
    {name} with anything after it, or an empty body. The error names the problem and lists the
    placeholders this kind may use."""
    allowed = PLACEHOLDERS[kind_of(kind)]
    listed = ", ".join("{" + p + "}" for p in allowed)
    if not body.strip():
        raise ServiceError(_("Write the message: it cannot be empty."), "body")
    for field, text in (("subject", subject), ("body", body)):
        try:
            found = _fields(text)
        except ValueError:
            raise ServiceError(
                _("A {{ or }} has no partner. Placeholders are written like {{client_name}}; to show a brace, "
                  "write it twice. This message may use: {allowed}.").format(allowed=listed),
                field,
            ) from None
        for name, spec, conv in found:
            if name not in allowed or spec or conv:
                shown = "{" + name + (("!" + conv) if conv else "") + ((":" + spec) if spec else "") + "}"
                if name == "":
                    shown = "{}"
                raise ServiceError(
                    _("{placeholder} is not a placeholder this message can use. It may use: {allowed}.").format(
                        placeholder=shown, allowed=listed
                    ),
                    field,
                )


# ------------------------------------------------------------------ rendering


def format_value(value: object, fmt: Fmt) -> str:
    """One value as the client reads it: dates and money in their language, the shop's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return fmt.date(value, "medium")
    if isinstance(value, date):
        return fmt.date(value, "medium")
    if isinstance(value, Decimal):
        return fmt.money(value)
    return str(value)


def fill(text: str, values: Mapping[str, str]) -> str:
    """Put the values in (a missing one is left empty); no attribute lookups, no format specs."""
    out: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def render(
    kind: str, language: str, subject: str, body: str, values: Mapping[str, object], fmt: Fmt
) -> Rendered:
    """The message as the client gets it. ``values`` may hold dates, datetimes (their date; give
    ``time`` as a str or a datetime too) and Decimal money: they are written in ``fmt``'s way."""
    validate(kind, subject, body)
    shown: dict[str, str] = {}
    for name, value in values.items():
        if name == "time" and isinstance(value, datetime):
            shown[name] = fmt.time(value)
        else:
            shown[name] = format_value(value, fmt)
    text = fill(body, shown).strip()
    return Rendered(subject=fill(subject, shown).strip(), body=text, sms_parts=sms_parts(text))


def sample_values(kind: str, language: str, now: datetime) -> dict[str, object]:
    """What the preview shows when no client is chosen."""
    zh = language == "zh_CN"
    values: dict[str, object] = {
        "client_name": "王丽" if zh else "Lily Wang",
        "shop_name": "莲花美发" if zh else "Lotus Hair & Spa",
        "branch_name": "莲花美发（中山路店）" if zh else "Lotus Hair & Spa, Zhongshan Rd",
        "shop_phone": "021-6234 5678",
        "date": now,
        "time": now,
        "service": "剪发造型" if zh else "Cut and style",
        "staff": "陈美" if zh else "Mia Chen",
        "last_visit": now,
        "balance": Decimal("80.00"),
        "package": "护发套餐" if zh else "Hair care package",
        "expires_on": now.date(),
    }
    if kind == MessageKind.PACKAGE_EXPIRING:
        values["balance"] = "3次" if zh else "3 sessions"
    allowed = PLACEHOLDERS[kind_of(kind)]
    return {k: v for k, v in values.items() if k in allowed}


# ------------------------------------------------------------------ text message parts

# the GSM 03.38 default alphabet (its Greek capitals written as escapes: the app's font has no Greek);
# the extension characters take two septets
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅå\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039eÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = set("^{}\\[~]|€\f")


def sms_parts(body: str) -> int:
    """How many text-message parts ``body`` takes: GSM-7 160 (153 each when split), else UCS-2 70
    (67 each when split, counted in UTF-16 units)."""
    if not body:
        return 0
    if all(ch in _GSM_BASIC or ch in _GSM_EXT for ch in body):
        n = sum(2 if ch in _GSM_EXT else 1 for ch in body)
        single, multi = 160, 153
    else:
        n = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if n <= single:
        return 1
    return -(-n // multi)
