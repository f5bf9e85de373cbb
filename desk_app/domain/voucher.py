"""Gift vouchers (issue 21, docs/vouchers.md): the code, its check character and the state of a
voucher. Pure: no database.

A code is twelve characters from an alphabet without the look-alikes 0/O and 1/I: eleven random
ones (``secrets``) and a check character, so a mistyped code is told apart from an unknown one
before the database is asked. It is printed and shown in groups of four (``K7QM-2XWP-9HD4``);
staff may type it with or without the dashes, in either case.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from desk_app.domain.money import Money
from desk_app.i18n import N_, _, format_date, format_money

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 characters: no 0, O, 1 or I
LENGTH = 12
MAX_FACE_MINOR = 9_999_999  # the largest voucher sold in one line (99,999.99)
LINE_KIND = "gift_voucher"  # the sale line that sells one (stored value, like a prepaid top-up)
METHOD = "voucher"  # the payment method that spends one


def _check(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code(randbelow: object = None) -> str:
    """A fresh code (the caller makes sure it is unused: the database's unique key)."""
    pick = secrets.randbelow if randbelow is None else randbelow
    body = "".join(ALPHABET[pick(len(ALPHABET))] for _i in range(LENGTH - 1))  # type: ignore[operator]
    return body + _check(body)


class CodeProblem(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    CHARACTER = "character"
    TYPO = "typo"


CODE_PROBLEMS: dict[CodeProblem, str] = {
    CodeProblem.EMPTY: N_("Type or scan the voucher's code."),
    CodeProblem.LENGTH: N_("A voucher code has 12 letters and digits (like K7QM-2XWP-9HD4)."),
    CodeProblem.CHARACTER: N_("A voucher code has no 0, O, 1 or I, and no other signs than dashes."),
    CodeProblem.TYPO: N_("That code has a typing mistake: check it against the voucher."),
}


def normalize(text: str) -> str | CodeProblem:
    """The code as stored (upper case, no dashes or spaces), or why it cannot be one."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    if not raw:
        return CodeProblem.EMPTY
    if len(raw) != LENGTH:
        return CodeProblem.LENGTH
    if any(ch not in ALPHABET for ch in raw):
        return CodeProblem.CHARACTER
    if _check(raw[:-1]) != raw[-1]:
        return CodeProblem.TYPO
    return raw


def problem_text(problem: CodeProblem) -> str:
    return _(CODE_PROBLEMS[problem])


def shown(code: str) -> str:
    """The code in groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def expiry(sold_at: datetime, tz: ZoneInfo, days: int) -> date | None:
    """The last shop day a voucher sold at ``sold_at`` can be spent (None: it never expires)."""
    return (sold_at.astimezone(tz) + timedelta(days=days)).date() if days > 0 else None


class State(StrEnum):
    ACTIVE = "active"  # money left, not expired
    USED = "used"  # spent to nothing
    EXPIRED = "expired"  # money left, past its last day
    VOID = "void"  # refunded: its sale was undone
    TRANSFERRED = "transferred"  # its balance moved to a new code


STATE_WORDS: dict[State, str] = {
    State.ACTIVE: N_("Valid"),
    State.USED: N_("Used up"),
    State.EXPIRED: N_("Expired"),
    State.VOID: N_("Refunded"),
    State.TRANSFERRED: N_("Moved to a new code"),
}


@dataclass(frozen=True)
class Held:
    """A voucher as the database has it when a sale spends or refunds it."""

    id: int
    code: str
    balance_minor: int
    expires_on: date | None
    closed: str  # "" while open; void | transferred
    version: int


def state(closed: str, balance_minor: int, expires_on: date | None, today: date) -> State:
    if closed == "void":
        return State.VOID
    if closed == "transferred":
        return State.TRANSFERRED
    if balance_minor <= 0:
        return State.USED
    if expires_on is not None and today > expires_on:
        return State.EXPIRED
    return State.ACTIVE


def state_problem(st: State, expires_on: date | None) -> str:
    """Why a voucher in state ``st`` cannot be spent (translated); "" for a valid one."""
    if st is State.VOID:
        return _("That voucher was refunded and cannot be spent.")
    if st is State.TRANSFERRED:
        return _("That voucher's balance was moved to a new code; use the new voucher.")
    if st is State.USED:
        return _("That voucher is used up.")
    if st is State.EXPIRED and expires_on is not None:
        return _("That voucher expired on {day}.").format(day=format_date(expires_on))
    return ""


def spend_problem(held: Held | None, amount_minor: int, today: date, currency: str) -> str:
    """Why ``amount_minor`` cannot be paid from this voucher (translated), or "" when it can."""
    if held is None:
        return _("No voucher has that code. Check it against the voucher.")
    st = state(held.closed, held.balance_minor, held.expires_on, today)
    if st is not State.ACTIVE:
        return state_problem(st, held.expires_on)
    if amount_minor > held.balance_minor:
        return _("That voucher has {amount} left: take the rest another way.").format(
            amount=format_money(Money.from_minor(held.balance_minor, currency).amount, currency)
        )
    return ""
