"""The phone number an SMS goes to: E.164 (+ country code + number), as the outbox keeps it."""

from __future__ import annotations

import re

from desk_app.i18n import _

_E164 = re.compile(r"\+[1-9]\d{6,14}")


def e164(to: str) -> str:
    """``to`` without spaces or dashes if it is an E.164 number, else ValueError in words."""
    number = re.sub(r"[\s\-()]", "", to or "")
    if not _E164.fullmatch(number):
        raise ValueError(_("{to} is not a phone number in international form (+86…).").format(to=to))
    return number
