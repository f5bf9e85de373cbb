"""The one way the app writes CSV: every cell is escaped against formula injection.

A spreadsheet (Excel, WPS, LibreOffice) runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, so a client named ``=HYPERLINK("http://x", "click")`` in an export becomes a live
link or worse on the owner's computer. Following OWASP ("CSV Injection"), a text cell that starts
with one of ``= + - @``, a tab, a carriage return or a line feed gets a leading ``'``: the
spreadsheet then shows it as text (with the ``'`` visible), and the characters are all still there.

Numbers stay numbers:

* cells that are Python numbers (``int``, ``Decimal``, ``float``) are written as they are;
* a text cell that is exactly a plain negative decimal (``-12.50``, ``-3``) is left alone: a
  spreadsheet reads it as the number, and no formula can hide in digits and one point. This is
  how the exports write refunds, so sums over the money columns keep working.

Anything else that merely looks numeric is escaped: ``+8613812345678`` (a phone, kept as text
rather than turned into 8.6E+12), ``-1+2``, ``-2e3``, ``-12,50``.

The client importer undoes the escaping (:func:`csv_unescape`), so a clients export imported
into another database (docs/server-mode.md, step 7) keeps the names as they were.

Every CSV the app writes goes through :func:`writer`; a test greps the code for any other
``csv.writer`` (tests/integration/test_csv_injection.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(\.[0-9]+)?")


def csv_safe(value: Any) -> Any:
    """The cell as a spreadsheet will not run it as a formula (see the module's docstring)."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text[:1] in FORMULA_STARTS and not _NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_unescape(text: str) -> str:
    """The text :func:`csv_safe` escaped, as it was: how the importer reads the app's own exports
    (and other programs' that follow the same rule) back."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


class SafeWriter:
    """``csv.writer`` whose rows are escaped cell by cell."""

    def __init__(self, out: IO[str], **fmt: Any) -> None:
        self._w = csv.writer(out, **fmt)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow([csv_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], **fmt: Any) -> SafeWriter:
    """A CSV writer for an export (same arguments as ``csv.writer``)."""
    return SafeWriter(out, **fmt)
