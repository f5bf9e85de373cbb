"""A tiny top-to-bottom layout for receipts: rows of text that wrap (CJK-aware).

Thermal paper gets one page as long as the content; A5 paginates.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from desk_app.fonts import PDF_LOCK

Draw = Callable[[Canvas, float], None]  # (canvas, y of the row's top)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width``: at spaces for Latin text, anywhere for CJK."""
    out: list[str] = []
    for para in (text or "").split("\n"):
        line = ""
        for ch in para:
            trial = line + ch
            if stringWidth(trial, font, size) <= width or not line:
                line = trial
                continue
            cut = line.rfind(" ")
            if ch != " " and cut > 0 and all(ord(c) < 0x2E80 for c in line[cut:]):
                out.append(line[:cut])
                line = line[cut + 1 :] + ch
            else:
                out.append(line.rstrip())
                line = ch.lstrip()
        out.append(line)
    return out


@dataclass
class Flow:
    width: float  # page width in points
    margin: float
    font: str
    size: float = 8.0
    rows: list[tuple[float, Draw]] = field(default_factory=list)

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin

    def _lead(self, size: float) -> float:
        return size * 1.35

    def text(
        self,
        text: str,
        size: float | None = None,
        align: str = "left",
        indent: float = 0.0,
        color: tuple[float, float, float] = (0, 0, 0),
        font: str | None = None,
    ) -> None:
        """``font``: another than the page's, such as "Courier-Bold" for a code read aloud or typed."""
        sz = size or self.size
        face = font or self.font
        for line in wrap(text, face, sz, self.inner - indent):
            self._line(line, sz, align, indent, color, face)

    def _line(
        self, line: str, sz: float, align: str, indent: float, color: tuple[float, float, float], font: str
    ) -> None:
        m, w = self.margin, self.width

        def draw(c: Canvas, y: float) -> None:
            c.setFont(font, sz)
            c.setFillColorRGB(*color)
            base = y - sz
            if align == "center":
                c.drawCentredString(w / 2, base, line)
            elif align == "right":
                c.drawRightString(w - m, base, line)
            else:
                c.drawString(m + indent, base, line)

        self.rows.append((self._lead(sz), draw))

    def row(
        self, left: str, right: str, size: float | None = None, indent: float = 0.0, bold: bool = False
    ) -> None:
        """Left text (wrapping) with an amount on the right of its first line."""
        sz = size or self.size
        rw = stringWidth(right, self.font, sz) + 4
        lines = wrap(left, self.font, sz, max(self.inner - indent - rw, 20))
        m, w, font = self.margin, self.width, self.font
        for i, line in enumerate(lines):
            r = right if i == 0 else ""

            def draw(c: Canvas, y: float, line: str = line, r: str = r) -> None:
                c.setFont(font, sz)
                c.setFillColorRGB(0, 0, 0)
                base = y - sz
                c.drawString(m + indent, base, line)
                if r:
                    c.drawRightString(w - m, base, r)
                if bold:  # a second pass offset by a hair reads as bold on paper
                    c.drawString(m + indent + 0.25, base, line)
                    if r:
                        c.drawRightString(w - m + 0.25, base, r)

            self.rows.append((self._lead(sz), draw))

    def rule(self, dashed: bool = True) -> None:
        m, w = self.margin, self.width

        def draw(c: Canvas, y: float) -> None:
            c.setLineWidth(0.5)
            c.setStrokeColorRGB(0.3, 0.3, 0.3)
            if dashed:
                c.setDash(2, 2)
            c.line(m, y - 3, w - m, y - 3)
            c.setDash()

        self.rows.append((6.0, draw))

    def drawing(self, d: Drawing, gap: float = 3.0) -> None:
        """A ReportLab drawing (a barcode, a QR code), centred; shrunk to the paper's width if wider."""
        scale = min(1.0, self.inner / d.width) if d.width else 1.0
        w, h = d.width * scale, d.height * scale
        page_w = self.width

        def draw(c: Canvas, y: float) -> None:
            c.saveState()
            c.translate((page_w - w) / 2, y - h)
            c.scale(scale, scale)
            renderPDF.draw(d, c, 0, 0)
            c.restoreState()

        self.rows.append((h + gap, draw))

    def space(self, h: float = 4.0) -> None:
        self.rows.append((h, lambda c, y: None))

    @property
    def height(self) -> float:
        return sum(h for h, _d in self.rows)

    def render(
        self, out: str | os.PathLike[str] | IO[bytes], page_height: float | None = None, title: str = ""
    ) -> int:
        """Draw on one long page (``page_height`` None) or paginate; return the page count."""
        if isinstance(out, os.PathLike):
            out = os.fspath(out)
        top_margin = self.margin if page_height else 4 * mm
        h = page_height or (self.height + 2 * top_margin)
        with PDF_LOCK:
            c = Canvas(out, pagesize=(self.width, h))
            if title:
                c.setTitle(title)
            c.setCreator("desk-app")
            y = h - top_margin
            pages = 1
            for rh, draw in self.rows:
                if page_height and y - rh < top_margin:
                    c.showPage()
                    pages += 1
                    y = h - top_margin
                draw(c, y)
                y -= rh
            c.showPage()
            c.save()
        return pages
