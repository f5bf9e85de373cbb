"""Make resources/fonts/cjk.ttf: the CJK TrueType font the app prints with and shows when the
computer has no Chinese font of its own.

Source: WenQuanYi Micro Hei (Apache-2.0; Debian package fonts-wqy-microhei), a TrueType (glyf)
font, which ReportLab can embed; CFF-outlined fonts such as Noto Sans CJK it cannot.
Kept: Latin (names such as "Hélène"), punctuation, currency and the symbols pages use, CJK
punctuation, full-width forms and every CJK Unified Ideograph of the basic block (client and
service names are typed by the shop, so any common character may appear). Dropped: Hangul, kana,
hinting, vertical metrics. The family is renamed so it is never taken for the full font.

    .venv/bin/python scripts/make_cjk_font.py [SOURCE.ttc]

fontTools is a development dependency only; the result is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# the symbols the screens write that WenQuanYi lacks (⌫ ▸ ▾ ⚠ …) come from DejaVu Sans (Bitstream
# Vera licence, fonts-dejavu-core); both fonts have 2048 units per em, so glyphs merge unscaled
SYMBOLS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SYMBOL_RANGES = ((0x2190, 0x27BF),)
OUT = ROOT / "resources" / "fonts" / "cjk.ttf"
FAMILY = "Desk CJK Sans"
RANGES = (
    (0x0020, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A/B
    (0x02C6, 0x02DD),  # spacing modifiers (accents)
    (0x2000, 0x206F),  # general punctuation (… — · ‰)
    (0x20A0, 0x20CF),  # currency (€ ₩)
    (0x2100, 0x214F),  # letterlike (№ ℃)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (× ÷ ≤ ≥)
    (0x2460, 0x24FF),  # enclosed numbers (①)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x27BF),  # shapes, symbols, dingbats (■ ● ★ ✓)
    (0x3000, 0x303F),  # CJK punctuation (。、「」)
    (0x3200, 0x32FF),  # enclosed CJK
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms (￥ ，：)
)


def _options() -> subset.Options:
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.drop_tables += ["FFTM", "vhea", "vmtx"]
    options.notdef_outline = True
    return options


def main(source: str = SOURCE, symbols: str = SYMBOLS) -> Path:
    work = OUT.parent / "_work"
    work.mkdir(parents=True, exist_ok=True)
    font = TTCollection(source).fonts[0]
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=[cp for lo, hi in RANGES for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    have = set(font.getBestCmap())
    font.save(str(work / "main.ttf"))
    extra = TTFont(symbols)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=[cp for lo, hi in SYMBOL_RANGES for cp in range(lo, hi + 1)
                                 if cp not in have and cp in extra.getBestCmap()])
    subsetter.subset(extra)
    for table in ("GSUB", "GPOS", "GDEF", "kern"):  # the symbols need no layout of their own
        if table in extra:
            del extra[table]
    extra.save(str(work / "symbols.ttf"))
    font = Merger().merge([str(work / "main.ttf"), str(work / "symbols.ttf")])
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    names = font["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 4, 16):
            names.setName(FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 6:
            names.setName(FAMILY.replace(" ", ""), rec.nameID, rec.platformID, rec.platEncID, rec.langID)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    return OUT


if __name__ == "__main__":
    out = main(*sys.argv[1:2])
    print(f"{out} {out.stat().st_size / 1e6:.1f} MB")
