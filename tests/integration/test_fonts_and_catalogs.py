"""The app's own CJK font and its translation catalogs: printing never depends on the computer's
fonts, an unusable font is skipped, and a catalog is never compiled into the app's folder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

import desk_app.fonts as fonts
import desk_app.i18n as i18n
from desk_app.resources import resource_path

ROOT = Path(__file__).resolve().parents[2]


def _cff_font(path: Path) -> Path:
    """A real OpenType font with CFF outlines (as Noto Sans CJK has), which ReportLab refuses."""
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder([".notdef", "A"])
    fb.setupCharacterMap({ord("A"): "A"})
    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0))
    pen.lineTo((500, 0))
    pen.lineTo((250, 700))
    pen.closePath()
    box = pen.getCharString()
    fb.setupCFF("TestCFF", {"FullName": "Test CFF"}, {".notdef": box, "A": box}, {})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Test CFF", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))
    return path


def _unregister() -> None:
    pdfmetrics._fonts.pop(fonts.FONT, None)  # ReportLab has no unregister
    for face, font in list(pdfmetrics._dynFaceNames.items()):
        if font.fontName == fonts.FONT:
            del pdfmetrics._dynFaceNames[face]


@pytest.fixture
def fresh_font_registry() -> Iterator[None]:
    """ReportLab keeps registered fonts per process: each test registers afresh."""
    _unregister()
    yield
    _unregister()


def _print_chinese(out: Path) -> str:
    from reportlab.pdfgen import canvas

    name = fonts.register_cjk_font()
    c = canvas.Canvas(str(out))
    c.setFont(name, 12)
    c.drawString(72, 720, "收据 合计 ¥128.00 Hélène ⚠")
    c.save()
    return PdfReader(out).pages[0].extract_text()


def test_a_cff_font_on_the_computer_never_breaks_printing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_font_registry: None
) -> None:
    cff = _cff_font(tmp_path / "cff.otf")
    assert "CFF " in TTFont(str(cff))  # it really is a CFF font
    monkeypatch.setenv("DESK_APP_CJK_FONT", str(cff))
    text = _print_chinese(tmp_path / "p.pdf")
    assert "收据 合计" in text and "Hélène" in text
    assert pdfmetrics.getFont(fonts.FONT).face.filename == fonts.bundled_font()


def test_a_missing_chosen_font_falls_back_to_the_apps_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_font_registry: None
) -> None:
    monkeypatch.setenv("DESK_APP_CJK_FONT", str(tmp_path / "gone.ttc#2"))
    assert fonts.font_candidates()[0] == (str(tmp_path / "gone.ttc"), 2)
    assert "收据" in _print_chinese(tmp_path / "p.pdf")


def test_a_chosen_truetype_font_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_font_registry: None
) -> None:
    copy = tmp_path / "mine.ttf"
    shutil.copy(fonts.bundled_font(), copy)
    monkeypatch.setenv("DESK_APP_CJK_FONT", str(copy))
    assert "收据" in _print_chinese(tmp_path / "p.pdf")
    assert pdfmetrics.getFont(fonts.FONT).face.filename == str(copy)


def test_no_usable_font_at_all_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_font_registry: None
) -> None:
    monkeypatch.setattr(fonts, "bundled_font", lambda: str(tmp_path / "removed.ttf"))
    monkeypatch.delenv("DESK_APP_CJK_FONT", raising=False)
    with pytest.raises(fonts.FontMissing, match="Install the app again"):
        fonts.register_cjk_font()


def test_the_apps_font_has_every_character_the_app_writes() -> None:
    """Every non-ASCII character in the screens' and pages' source and in the Chinese catalog is
    in the bundled font, and it is TrueType (glyf), which ReportLab embeds."""
    font = TTFont(fonts.bundled_font())
    assert "glyf" in font and "CFF " not in font
    cmap = font.getBestCmap()
    sources = [*ROOT.joinpath("desk_app").rglob("*.py"), *ROOT.joinpath("ui").rglob("*.py"),
               *resource_path("locale").glob("*/LC_MESSAGES/*.po")]
    chars = {c for f in sources for c in f.read_text(encoding="utf-8") if ord(c) > 127}
    missing = sorted(c for c in chars if ord(c) not in cmap and not c.isspace())
    assert missing == []
    # the client and service names a shop types: all of GB2312's Hanzi at least (and rarer ones)
    gb2312 = {bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xF8) for lo in range(0xA1, 0xFF)
              if (hi, lo) not in {(0xD7, x) for x in range(0xFA, 0xFF)}}
    assert all(ord(c) in cmap for c in gb2312 | set("玥喆赟堃珺曾覃尉迟￥"))
    assert resource_path("fonts", "LICENSE.txt").read_text(encoding="utf-8").count("Apache License") >= 2


def test_a_catalog_is_read_without_writing_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed app's folder may be read-only: a stale or missing .mo is compiled in memory."""
    locale = tmp_path / "locale"
    po_dir = locale / "zh_CN" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    shutil.copy(resource_path("locale", "zh_CN", "LC_MESSAGES", "desk_app.po"), po_dir)
    po_dir.chmod(0o555)
    monkeypatch.setattr(i18n, "locale_dir", lambda: locale)
    try:
        catalog = i18n._load_catalog("zh_CN")
        assert catalog.gettext("Receipt") == "小票"
        assert sorted(p.name for p in po_dir.iterdir()) == ["desk_app.po"]
    finally:
        po_dir.chmod(0o755)


def test_the_checkout_has_no_compiled_catalog_in_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert re.search(r"^resources/locale/\*/LC_MESSAGES/\*\.mo$", ignored, re.M)


def _line_starts(text: str, widths: range) -> list[str]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("b", fontName=fonts.register_cjk_font(), fontSize=11, leading=16, wordWrap="CJK")
    starts = []
    for width in widths:
        p = Paragraph(text, style)
        p.wrap(width, 1000)
        for line in p.blPara.lines[1:]:  # (space, words) for one style; FragLine for several
            words = line.words if hasattr(line, "words") else line[1]
            starts.append("".join(getattr(w, "text", w) for w in words)[:1])
    return starts


def test_no_printed_chinese_line_starts_with_a_comma_or_semicolon() -> None:
    """The care sheet once began a line with "；": full-width punctuation hangs at the line's end."""
    text = "洗发后请使用护发素，避免高温吹干；外出时请涂抹SPF30以上防晒；如有持续发红、刺痛，请立即停用并联系我们。"
    starts = _line_starts(text, range(60, 400, 3))  # one style: ReportLab's wordSplit
    starts += _line_starts("<b>注意</b>" + text, range(60, 400, 3))  # mixed styles: its fragment splitter
    assert len(starts) > 200
    assert not [c for c in starts if c in fonts.CANNOT_START_A_LINE + "。、"]
