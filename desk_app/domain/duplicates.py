"""Which two client profiles may be one person (docs/clients.md, "Duplicates"): pure rules, no
database. ``find_pairs`` takes every listed client's identifying fields and returns the pairs worth
showing the owner, strongest first, each with its reasons.

A pair is only ever compared inside a small group that already shares something (the same phone,
e-mail, phone ending, birthday or pinyin), so the work grows with the shop, not with its square:
100,000 clients take about a second. Names are compared with rapidfuzz (a maintained C library),
Latin names without accents or word order, Chinese names character by character.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from rapidfuzz import fuzz

# each reason's weight: the pair's score is its strongest reason's, plus 5 for each other one
WEIGHTS = {
    "phone": 100,  # the same phone number
    "email": 95,  # the same e-mail address
    "phone_tail": 85,  # the same last eight digits (a number typed with and without its country code)
    "name_birthday": 80,  # nearly the same name and the same birthday
    "pinyin": 70,  # names that sound the same (张伟, 章伟) and a shared phone ending or birthday day
    "name": 60,  # the same name, one of the two without a phone or e-mail (a walk-in typed quickly)
    "same_name": 50,  # the same uncommon name, each with other contact details (a new phone, a typo)
}
REASONS = tuple(WEIGHTS)
TAIL = 8  # digits of "phone_tail"
SHORT_TAIL = 4  # the phone ending that backs up "pinyin"
NAME_SIMILAR = 85  # rapidfuzz score (0-100) for "nearly the same name"
GROUP_CAP = 200  # a group bigger than this (a shop's own number on many profiles) is compared in part


@dataclass(frozen=True)
class Person:
    """What identifies a client: their id and the fields duplicates are found by."""

    id: int
    name: str
    name_pinyin: str = ""
    phone_digits: str = ""
    email: str = ""
    birthday: date | None = None


@dataclass(frozen=True)
class Pair:
    low_id: int
    high_id: int
    reasons: tuple[str, ...]  # in REASONS order
    score: int


def plain_name(name: str) -> str:
    """A name to compare: lower case, no accents, no spaces or dots (``Hélène  Andréa`` -> ``heleneandrea``)."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch.isalnum())


def uncommon(name: str) -> bool:
    """A name two people rarely share: a Latin one of six letters or more ("Ava Lim"), a Chinese one
    of four characters or more (欧阳娜娜). 张伟 or 王秀英 are shared by thousands: never alone."""
    plain = plain_name(name)
    return len(plain) >= (6 if plain.isascii() else 4)


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two names are, whatever the order of their words (``Lee Ann`` / ``Ann Lee``)."""
    pa = " ".join(sorted(unicodedata.normalize("NFKC", a).casefold().split()))
    pb = " ".join(sorted(unicodedata.normalize("NFKC", b).casefold().split()))
    return max(fuzz.ratio(plain_name(a), plain_name(b)), fuzz.token_sort_ratio(pa, pb))


def _groups(people: Iterable[Person], key: str) -> list[list[Person]]:
    by: dict[object, list[Person]] = defaultdict(list)
    for p in people:
        k: object
        if key == "phone":
            k = p.phone_digits if len(p.phone_digits) >= 6 else None
        elif key == "email":
            k = p.email.strip().casefold() or None
        elif key == "tail":
            k = p.phone_digits[-TAIL:] if len(p.phone_digits) >= TAIL else None
        elif key == "birthday":
            k = p.birthday
        elif key == "pinyin":
            k = p.name_pinyin or None
        else:  # "name"
            k = plain_name(p.name) or None
        if k is not None:
            by[k].append(p)
    return [g[:GROUP_CAP] for g in by.values() if len(g) > 1]


def find_pairs(people: Sequence[Person], not_same: Iterable[tuple[int, int]] = (), limit: int = 500) -> list[Pair]:
    """The pairs of ``people`` that may be one person, strongest first (then the newest profiles
    first), at most ``limit``. ``not_same``: pairs the owner said are two people (either order)."""
    found: dict[tuple[int, int], set[str]] = defaultdict(set)
    skip = {(min(a, b), max(a, b)) for a, b in not_same}

    def add(a: Person, b: Person, why: str) -> None:
        key = (min(a.id, b.id), max(a.id, b.id))
        if a.id != b.id and key not in skip:
            found[key].add(why)

    for group in _groups(people, "phone"):
        for a, b in combinations(group, 2):
            add(a, b, "phone")
    for group in _groups(people, "email"):
        for a, b in combinations(group, 2):
            add(a, b, "email")
    for group in _groups(people, "tail"):
        for a, b in combinations(group, 2):
            if a.phone_digits != b.phone_digits and name_similarity(a.name, b.name) >= 50:
                add(a, b, "phone_tail")
    for group in _groups(people, "birthday"):
        for a, b in combinations(group, 2):
            if name_similarity(a.name, b.name) >= NAME_SIMILAR:
                add(a, b, "name_birthday")
    for group in _groups(people, "pinyin"):
        for a, b in combinations(group, 2):
            same_end = (
                len(a.phone_digits) >= SHORT_TAIL
                and a.phone_digits[-SHORT_TAIL:] == b.phone_digits[-SHORT_TAIL:]
            )
            same_day = (
                a.birthday is not None and b.birthday is not None
                and (a.birthday.month, a.birthday.day) == (b.birthday.month, b.birthday.day)
            )
            if same_end or same_day:
                add(a, b, "pinyin")
    alone: list[tuple[Person, Person]] = []
    for group in _groups(people, "name"):
        for a, b in combinations(group, 2):
            if not (a.phone_digits or a.email) or not (b.phone_digits or b.email):
                add(a, b, "name")
            elif uncommon(a.name):
                alone.append((a, b))
    for a, b in alone:  # only when nothing stronger was found: the weakest reason, said alone
        if (min(a.id, b.id), max(a.id, b.id)) not in found:
            add(a, b, "same_name")
    pairs = []
    for (low, high), why in found.items():
        ordered = tuple(r for r in REASONS if r in why)
        score = WEIGHTS[ordered[0]] + 5 * (len(ordered) - 1)
        pairs.append(Pair(low, high, ordered, score))
    pairs.sort(key=lambda p: (-p.score, -p.high_id))
    return pairs[:limit]
