"""Checking what was typed on the profile form: one message per wrong field, the clean values otherwise.

Session-level: the favourite stylist is looked up in the caller's session; nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from desk_app.clients.phones import normalize_phone
from desk_app.clients.views import CHANNELS, CONSENT_FIELDS, EDITABLE, GENDERS, LANGUAGES
from desk_app.core.service import ValidationError
from desk_app.db.engine import Clock
from desk_app.db.models import Staff
from desk_app.i18n import _

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def clean_fields(
    session: Session, data: Mapping[str, Any], creating: bool, region: str, clock: Clock
) -> dict[str, Any]:
    """The clean values of ``data`` (every editable field when ``creating``); ``ValidationError`` otherwise."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    unknown = [k for k in data if k not in EDITABLE]
    for k in unknown:
        errors[k] = _("This field cannot be changed here.")
    keys = set(EDITABLE) if creating else set(data)
    for key in EDITABLE:
        if key not in keys:
            continue
        value = data.get(key)
        try:
            out[key] = _clean_field(session, key, value, region, clock)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise ValidationError(errors)
    return out


def consent_addresses(values: Mapping[str, Any]) -> dict[str, str]:
    """A client who may receive texts or email needs the number or address to send them to: the
    errors, under the address field (``values`` are a profile's clean values after the change)."""
    errors: dict[str, str] = {}
    if values.get("sms_consent") and not str(values.get("phone") or "").strip():
        errors["phone"] = _("Enter the client's mobile number: they agreed to receive text messages.")
    if values.get("email_consent") and not str(values.get("email") or "").strip():
        errors["email"] = _("Enter the client's email address: they agreed to receive email.")
    return errors


def _clean_field(session: Session, key: str, value: Any, region: str, clock: Clock) -> Any:  # noqa: C901
    if key == "name":
        name = " ".join(str(value or "").split())
        if not name:
            raise ValueError(_("Enter the client's name."))
        if len(name) > 120:
            raise ValueError(_("The name is too long (120 characters at most)."))
        return name
    if key == "phone":
        return normalize_phone(str(value or ""), region)
    if key == "email":
        email = str(value or "").strip()
        if email and not _EMAIL_RE.match(email):
            raise ValueError(_("This e-mail address looks wrong. It needs a name, @ and a domain."))
        return email
    if key == "preferred_channel":
        ch = str(value or "phone")
        if ch not in CHANNELS:
            raise ValueError(_("Choose phone, text message, WeChat or e-mail."))
        return ch
    if key == "wechat_id":
        w = str(value or "").strip()
        if len(w) > 100:
            raise ValueError(_("The WeChat ID is too long."))
        return w
    if key == "birthday":
        try:
            b = parse_date(value)
        except ValueError:
            raise ValueError(_("Enter the birthday as a date, for example 1990-05-31.")) from None
        if b is not None:
            today = clock().date()
            if b > today:
                raise ValueError(_("The birthday cannot be in the future."))
            if b.year < 1900:
                raise ValueError(_("The birthday is too far in the past; check the year."))
        return b
    if key == "gender":
        g = str(value or "")
        if g not in GENDERS:
            raise ValueError(_("Choose female, male, other or leave it empty."))
        return g
    if key in ("skin_type", "hair_type"):
        t = str(value or "").strip()
        if len(t) > 40:
            raise ValueError(_("Keep this short (40 characters at most)."))
        return t
    if key in ("allergies", "contraindications"):
        t = str(value or "").strip()
        if len(t) > 2000:
            raise ValueError(_("This text is too long (2000 characters at most)."))
        return t
    if key == "notes":
        t = str(value or "").strip()
        if len(t) > 5000:
            raise ValueError(_("The notes are too long (5000 characters at most)."))
        return t
    if key == "preferences":
        if value is None:
            return []
        if isinstance(value, str):
            value = [line for line in value.splitlines()]
        prefs = [" ".join(str(p).split()) for p in value]
        prefs = [p for p in prefs if p]
        if len(prefs) > 50:
            raise ValueError(_("Keep the preferences list under 50 entries."))
        if any(len(p) > 200 for p in prefs):
            raise ValueError(_("Each preference must be shorter than 200 characters."))
        return prefs
    if key == "favourite_staff_id":
        if value in (None, "", 0):
            return None
        try:
            sid = int(value)
        except (TypeError, ValueError):
            raise ValueError(_("Choose a stylist from the list.")) from None
        st = session.get(Staff, sid)
        if st is None or not st.active:
            raise ValueError(_("This staff member no longer works here; choose another."))
        return sid
    if key == "language":
        lang = str(value or "")
        if lang not in LANGUAGES:
            raise ValueError(_("Choose Chinese, English or the shop default."))
        return lang
    if key in CONSENT_FIELDS:
        return bool(value)
    raise ValueError(_("This field cannot be changed here."))
