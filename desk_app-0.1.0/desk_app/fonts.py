"""The CJK TrueType font every printed page uses (receipts print Chinese, docs/product.md §8).

The app carries its own: ``resources/fonts/cjk.ttf`` (a subset of WenQuanYi Micro Hei, see
``resources/fonts/LICENSE.txt``), so printing never depends on what the computer has installed.
``DESK_APP_CJK_FONT`` may name another TrueType font (.ttf, or .ttc with ``#N`` for its Nth font);
one ReportLab cannot embed (a CFF-outlined OpenType font such as Noto Sans CJK) is skipped with a
warning, never a crash.
"""

from __future__ import annotations

import logging
import os
import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from desk_app.resources import resource_path

log = logging.getLogger(__name__)

FONT = "DeskCJK"


class FontMissing(RuntimeError):
    pass


# ReportLab is not thread-safe where it matters to us: the embedded CJK font keeps its subset
# state on the font object shared by every document, so two PDFs drawn at once on two workers (a
# receipt printing while the monthly report renders, or the report in two languages) could fail
# with KeyError inside ttfonts.makeSubset. Every document is drawn and saved holding this lock.
PDF_LOCK = threading.Lock()
_REGISTER_LOCK = threading.Lock()


def bundled_font() -> str:
    return str(resource_path("fonts", "cjk.ttf"))


def font_candidates() -> list[tuple[str, int]]:
    """(path, font number in a collection), the one chosen by DESK_APP_CJK_FONT first."""
    found: list[tuple[str, int]] = []
    env = os.environ.get("DESK_APP_CJK_FONT", "").strip()
    if env:
        path, _sep, number = env.rpartition("#") if "#" in env else (env, "", "0")
        found.append((path, int(number) if number.isdigit() else 0))
    found.append((bundled_font(), 0))
    return found


def load_cjk_font() -> TTFont:
    """The first candidate ReportLab can embed."""
    problems: list[str] = []
    for path, index in font_candidates():
        try:
            return TTFont(FONT, path, subfontIndex=index)
        except (TTFError, OSError, ValueError) as exc:  # missing, unreadable, or CFF outlines
            log.warning("font %s not usable for printing: %s", path, exc)
            problems.append(f"{path}: {exc}")
    raise FontMissing(
        "No font for printing Chinese could be loaded (" + "; ".join(problems) + "). "
        "Install the app again: its own font is resources/fonts/cjk.ttf."
    )


# Chinese line breaking: these may not begin a line. ReportLab's own list (Japanese-minded) lacks
# the full-width comma, semicolon, colon, question and exclamation marks and the closing quotes
# and brackets, so a care sheet could start a line with "；". Its two CJK wrappers (one-style text
# and mixed styles) read these module tables, extended once, before any page is drawn.
CANNOT_START_A_LINE = "，；：？！”’）》〉」』】〗〕｝…—～·％"


def _chinese_line_breaking() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):
        missing = "".join(c for c in CANNOT_START_A_LINE if c not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing


def register_cjk_font() -> str:
    """Register the font once and return its ReportLab name."""
    with _REGISTER_LOCK:
        _chinese_line_breaking()
        if FONT in pdfmetrics.getRegisteredFontNames():
            return FONT
        pdfmetrics.registerFont(load_cjk_font())
        from reportlab.lib.fonts import addMapping

        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT, bold, italic, FONT)
        return FONT
