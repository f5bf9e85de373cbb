"""Phone numbers: stored as E.164, shown in the shop's national format (pure rules, no session)."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from desk_app import i18n
from desk_app.i18n import _


@lru_cache(maxsize=4096)
def display_phone(e164: str, region: str) -> str:
    """A readable phone: national format for the shop's own country, international otherwise."""
    if not e164:
        return ""
    try:
        n = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(n) == region:
        return str(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL))
    return str(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


@lru_cache(maxsize=64)
def _country_code(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region) or "")


def quick_phone(e164: str, region: str) -> str:
    """A readable phone for result lists, without parsing (tens of times faster than ``display_phone``).

    Own-country numbers lose the country code and are grouped (CN mobiles 3-4-4, 8 digits 4-4);
    numbers from abroad stay in E.164.
    """
    cc = _country_code(region)
    if not e164.startswith("+" + cc) or not cc:
        return e164
    nat = e164[len(cc) + 1 :]
    if len(nat) == 11:
        return f"{nat[:3]} {nat[3:7]} {nat[7:]}"
    if len(nat) == 8:
        return f"{nat[:4]} {nat[4:]}"
    return nat


def normalize_phone(raw: str, region: str) -> str:
    """E.164 for a valid number; raise ValueError (with a message for the desk) otherwise."""
    raw = (raw or "").strip()
    if not raw:
        raise ValueError(_("Enter a phone number."))
    try:
        n = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(
            _("This is not a phone number. Type the digits, or + and the country code for a number abroad.")
        ) from None
    if not phonenumbers.is_valid_number(n):
        raise ValueError(
            _(
                "This phone number is not valid for {region}. Check the digits, or start with + and the "
                "country code."
            ).format(region=i18n.babel_locale().territories.get(region, region))  # "China", not "CN"
        )
    if _missing_national_prefix(raw, n, region):
        raise ValueError(
            _(
                "{value} looks like a number from abroad, or a number here written without its {prefix}: write "
                "a number from another country with + and its country code (e.g. +1 415 555 0134), a number "
                "here with its {prefix} ({national})."
            ).format(
                value=raw,
                prefix=_national_prefix(region),
                national=phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL),
            )
        )
    return str(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164))


def _national_prefix(region: str) -> str:
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return str(md.national_prefix or "") if md is not None else ""


def _missing_national_prefix(raw: str, n: phonenumbers.PhoneNumber, region: str) -> bool:
    """A number typed without a country code whose domestic form starts with the national prefix
    (a landline: 0415 555 0134 in China), but typed without it: "(415) 555-0134" is then far more
    likely a number abroad (here, San Francisco) than a Chinese landline, so it is not guessed."""
    prefix = _national_prefix(region)
    digits = re.sub(r"\D", "", raw)
    if not prefix or raw.lstrip().startswith("+") or digits.startswith("00"):
        return False
    if digits.startswith(str(n.country_code)) and len(digits) > len(str(n.national_number)):
        return False  # typed with its country code, without the + (8613812345678)
    national = re.sub(r"\D", "", phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL))
    return national.startswith(prefix) and not digits.startswith(prefix)
