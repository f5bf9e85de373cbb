"""The derived search columns of a client: pinyin, initials, phone digits, search text.

``build_search_fields`` is a pure function used by every writer of ``clients``
(the client service, the importer, the demo generator) so that the FTS5 index
(SQLite) and the trigram index (PostgreSQL) always hold the same tokens.

The search text is a space-separated list of lower-case tokens. A search is a
set of token PREFIX matches, so the text contains:

- the client number (``c000123``), its digits (``000123``) and its number (``123``);
- the name words, split where the script changes (``Tom张三`` -> ``tom``, ``张三``),
  and every suffix of a Chinese run (``三``) so a given name alone is found;
- for Chinese characters: the full pinyin without spaces (``zhangsan``), each
  syllable (``zhang``, ``san``), every later syllable run (``san``...) and the
  initials (``zs``);
- for a name that begins with a Chinese surname read otherwise as a name (``surnames.py``:
  曾 Zēng, not céng; 尉迟 Yùchí), the pinyin, initials and syllables of the surname's readings
  too (``曾小明`` -> ``zengxiaoming``, ``zxm``, ``zeng`` beside ``cengxiaoming``, ``cxm``);
- each Latin word without its accents too (``hélène`` -> ``helene``), as a query is written;
- the phone digits and every suffix of them of length >= 3, so any part of the
  phone number (the last four digits included) is a prefix of some token.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from itertools import product

from desk_app.clients.surnames import COMPOUND, SINGLE

__all__ = ["build_search_fields", "char_pinyin", "is_cjk", "normalize_query"]

_MIN_PHONE_SUFFIX = 3
_SPLIT = re.compile(r"[^\w]+", re.UNICODE)


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF  # CJK Unified Ideographs
        or 0x3400 <= cp <= 0x4DBF  # Extension A
        or 0x20000 <= cp <= 0x2EBEF  # Extensions B-F
        or 0xF900 <= cp <= 0xFAFF  # Compatibility Ideographs
        or cp == 0x3007  # 〇
    )


@cache
def char_pinyin(ch: str) -> str:
    """The first (most common) reading of one Chinese character, without tones; '' if none."""
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore", strict=False)
    if not out:
        return ""
    syl = out[0].lower()
    # pypinyin writes ü as "v" in NORMAL style; people type "v" (lv) -- keep it
    return "".join(c for c in syl if c.isascii() and c.isalnum())


def _script_runs(word: str) -> list[tuple[bool, str]]:
    """Split a word into runs of (is_chinese, text)."""
    runs: list[tuple[bool, str]] = []
    for ch in word:
        c = is_cjk(ch)
        if runs and runs[-1][0] == c:
            runs[-1] = (c, runs[-1][1] + ch)
        else:
            runs.append((c, ch))
    return runs


def _fold(text: str) -> str:
    """Lower-case, full-width to half-width (NFKC)."""
    return unicodedata.normalize("NFKC", text).lower()


_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def plain(word: str) -> str:
    """A Latin word without its accents, as it is typed on a keyboard without them: ``hélène`` ->
    ``helene``, ``müller`` -> ``muller``, ``søren`` -> ``soren``. Chinese is left as it is."""
    if word.isascii():
        return word
    out = "".join(
        ch for ch in unicodedata.normalize("NFKD", word)
        if not unicodedata.combining(ch)
    )
    return unicodedata.normalize("NFC", out).translate(_LETTERS)


def normalize_query(text: str) -> list[str]:
    """Split what a person typed into search tokens the same way the index was built.

    Chinese runs stay together (``张三``); Latin and digits are split from them.
    Phone-like input keeps only its digits (``138-1234`` -> ``1381234``).
    """
    folded = _fold(text).strip()
    if not folded:
        return []
    compact = folded.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if compact.startswith("+"):
        compact = compact[1:]
    if len(compact) >= 3 and compact.isdigit() and any(ch in folded for ch in "-() +"):
        return [compact]
    tokens: list[str] = []
    for word in _SPLIT.split(folded):
        if not word or word == "_":
            continue
        for chinese, run in _script_runs(word.replace("_", "")):
            run = run if chinese else plain(run)  # the index holds each Latin word without accents too
            if run and run not in tokens:
                tokens.append(run)
    return tokens


def surname_readings(run: str) -> list[tuple[str, ...]]:
    """The readings of each character of the surname a Chinese name ``run`` starts with, when the
    surname is read otherwise than its characters' everyday readings; ``[]`` when it is not.

    ``曾小明`` -> ``[("zeng", "ceng")]``; ``尉迟恭`` -> ``[("yu",), ("chi",)]`` (the compound's
    syllables; the everyday ``wei chi`` is kept by the caller)."""
    if run[:2] in COMPOUND:
        return [(syl,) for syl in COMPOUND[run[:2]]]
    special = SINGLE.get(run[:1])
    if not special:
        return []
    everyday = char_pinyin(run[0])
    return [special + (() if not everyday or everyday in special else (everyday,))]


def build_search_fields(name: str, phone: str, client_number: str) -> tuple[str, str, str, str]:
    """Return ``(name_pinyin, name_initials, phone_digits, search_text)`` for one client."""
    tokens: list[str] = []
    seen: set[str] = set()

    def add(tok: str) -> None:
        if tok and tok not in seen:
            seen.add(tok)
            tokens.append(tok)

    # client number: C000123 -> c000123, 000123, 123
    num = _fold(client_number).strip()
    if num:
        add(num)
        digits = "".join(c for c in num if c.isdigit())
        if digits:
            add(digits)
            add(digits.lstrip("0") or "0")

    syllables: list[str] = []
    first_run = True
    surname: list[tuple[str, ...]] = []  # the readings of the surname's characters, if it has special ones
    folded = _fold(name)
    for word in _SPLIT.split(folded):
        word = word.replace("_", "")
        if not word:
            continue
        for chinese, run in _script_runs(word):
            add(run)
            starts = first_run
            first_run = False
            if not chinese:
                add(plain(run))  # Hélène is found by "helene"
                continue
            for i in range(1, len(run)):
                add(run[i:])
            if starts:  # only a name that starts with Chinese starts with a Chinese surname
                surname = surname_readings(run)
            run_syl = [s for s in (char_pinyin(ch) for ch in run) if s]
            syllables.extend(run_syl)

    readings = [syllables]
    if surname and syllables:
        rest = syllables[len(surname):]
        readings = [list(first) + rest for first in product(*surname)]
        if syllables not in readings:
            readings.append(syllables)
    name_pinyin = "".join(readings[0])
    name_initials = "".join(s[0] for s in readings[0])
    for reading in readings:
        if not reading:
            continue
        add("".join(reading))
        add("".join(s[0] for s in reading))
        for s in reading:
            add(s)
        for i in range(1, len(reading) - 1):
            add("".join(reading[i:]))

    phone_digits = "".join(c for c in phone if c.isdigit())
    if phone_digits:
        add(phone_digits)
        for i in range(1, len(phone_digits) - _MIN_PHONE_SUFFIX + 1):
            add(phone_digits[i:])

    return name_pinyin, name_initials, phone_digits, " ".join(tokens)
