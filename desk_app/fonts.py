"""A CJK TrueType font for every printed page (receipts print Chinese, docs/product.md §8)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from desk_app.resources import resource_path

FONT = "DeskCJK"

# (path, subfont index) in order of preference; DESK_APP_CJK_FONT overrides
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("/Library/Fonts/Arial Unicode.ttf", 0),
)


class FontMissing(RuntimeError):
    pass


# ReportLab is not thread-safe where it matters to us: the embedded CJK font keeps its subset
# state on the font object shared by every document, so two PDFs drawn at once on two workers (a
# receipt printing while the monthly report renders, or the report in two languages) could fail
# with KeyError inside ttfonts.makeSubset. Every document is drawn and saved holding this lock.
PDF_LOCK = threading.Lock()


def find_cjk_font() -> tuple[str, int]:
    env = os.environ.get("DESK_APP_CJK_FONT")
    bundled = resource_path("fonts", "cjk.ttf")
    paths: list[tuple[str, int]] = []
    if env:
        paths.append((env, 0))
    if bundled.exists():
        paths.append((str(bundled), 0))
    paths.extend(CANDIDATES)
    for path, index in paths:
        if Path(path).is_file():
            return path, index
    raise FontMissing(
        "No Chinese font found for printing. Install the Debian package fonts-wqy-microhei "
        "(sudo apt install fonts-wqy-microhei) or set DESK_APP_CJK_FONT to a .ttf/.ttc file."
    )


def register_cjk_font() -> str:
    """Register the font once and return its ReportLab name."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    path, index = find_cjk_font()
    pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
    from reportlab.lib.fonts import addMapping

    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT, bold, italic, FONT)
    return FONT
