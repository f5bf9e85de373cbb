"""The care-advice sheet: one pleasant A4 page to take home (PRODUCT §2 step 4)."""

from __future__ import annotations

import os
from typing import IO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from desk_app.checkout.views import SaleView
from desk_app.fonts import PDF_LOCK, register_cjk_font
from desk_app.i18n import Fmt
from desk_app.printing.common import L, when

ACCENT = colors.HexColor("#7B5EA7")
SOFT = colors.HexColor("#F3EEF9")
INK = colors.HexColor("#2B2B33")
MUTED = colors.HexColor("#6B6B78")


def _styles(fmt: Fmt, font: str) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if fmt.is_zh else "LTR"
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=16, textColor=INK, wordWrap=wrap)
    return {
        "base": base,
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=14, leading=20, textColor=ACCENT, spaceBefore=8, spaceAfter=4
        ),
        "item": ParagraphStyle("item", parent=base, fontSize=12, leading=17, spaceBefore=4),
        "muted": ParagraphStyle("muted", parent=base, fontSize=9.5, leading=13, textColor=MUTED),
        "box": ParagraphStyle("box", parent=base, fontSize=11.5, leading=17),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def build_care_story(view: SaleView, fmt: Fmt, font: str) -> list[Flowable]:
    st = _styles(fmt, font)
    story: list[Flowable] = []
    stylists = sorted({c.staff_name for c in view.care_services if c.staff_name})
    who = view.client_name or "-"
    meta = f"{L(fmt, 'care_for')}: {who}  ·  {L(fmt, 'date')}: {when(fmt, view.sold_at)}"
    if stylists:
        meta += f"  ·  {L(fmt, 'stylist')}: {', '.join(stylists)}"
    story.append(_p(meta, st["base"]))
    story.append(Spacer(1, 4 * mm))
    if view.care_services:
        story.append(_p(L(fmt, "care_services"), st["h2"]))
        for c in view.care_services:
            story.append(_p("• " + fmt.pick(c.name_zh, c.name_en), st["item"]))
            text = fmt.pick(c.text_zh, c.text_en)
            if text:
                story.append(_p(text, st["base"]))
    if view.care_products:
        story.append(_p(L(fmt, "care_products"), st["h2"]))
        for c in view.care_products:
            tag = L(fmt, "bought") if c.bought else L(fmt, "recommended")
            story.append(_p(f"• {fmt.pick(c.name_zh, c.name_en)}  ({tag})", st["item"]))
            use = fmt.pick(c.text_zh, c.text_en)
            if use:
                story.append(_p(f"{L(fmt, 'how_to_use')}: {use}", st["base"]))
    story.append(Spacer(1, 6 * mm))
    nxt = view.next_appointment
    if nxt is not None:
        names = "、".join(nxt.service_names_zh) if fmt.is_zh else ", ".join(nxt.service_names_en)
        box_text = f"{L(fmt, 'next_appt')}: " + " · ".join(
            x for x in (when(fmt, nxt.start_at), nxt.staff_name, names) if x
        )
    else:
        box_text = L(fmt, "no_next")
    box = Table([[_p(box_text, st["box"])]], colWidths=[A4[0] - 40 * mm])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SOFT),
                ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story.append(box)
    policy = fmt.pick(view.shop.return_policy_zh, view.shop.return_policy_en)
    if policy:
        story.append(Spacer(1, 5 * mm))
        story.append(_p(f"{L(fmt, 'policy')}: {policy}", st["muted"]))
    return story


def render_care_sheet(view: SaleView, out: str | os.PathLike[str] | IO[bytes], fmt: Fmt) -> int:
    """Write the one-page care sheet in ``fmt`` (see ``receipt_fmt``); returns the page count
    (always 1: long text shrinks to fit)."""
    font = register_cjk_font()
    with PDF_LOCK:
        _draw_care_sheet(view, out, fmt, font)
    return 1


def _draw_care_sheet(view: SaleView, out: str | os.PathLike[str] | IO[bytes], fmt: Fmt, font: str) -> None:
    w, h = A4
    c = Canvas(os.fspath(out) if isinstance(out, os.PathLike) else out, pagesize=A4)
    c.setTitle(f"{view.shop.name} {L(fmt, 'care_title')}")
    # header band
    c.setFillColor(ACCENT)
    c.rect(0, h - 34 * mm, w, 34 * mm, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.setFont(font, 22)
    c.drawString(20 * mm, h - 17 * mm, L(fmt, "care_title"))
    c.setFont(font, 12)
    c.drawString(20 * mm, h - 26 * mm, view.shop.name)
    # footer: the shop's contact
    contact = " · ".join(x for x in (view.shop.name, view.shop.address, view.shop.phone) if x)
    c.setFillColor(SOFT)
    c.rect(0, 0, w, 18 * mm, stroke=0, fill=1)
    c.setFillColor(INK)
    c.setFont(font, 10)
    c.drawCentredString(w / 2, 10.5 * mm, f"{L(fmt, 'contact')} {view.shop.phone}".strip())
    c.setFillColor(MUTED)
    c.setFont(font, 8.5)
    c.drawCentredString(w / 2, 5.5 * mm, contact[:120])
    frame = Frame(20 * mm, 22 * mm, w - 40 * mm, h - 34 * mm - 30 * mm, showBoundary=0)
    story = build_care_story(view, fmt, font)
    frame.addFromList([KeepInFrame(w - 40 * mm, h - 34 * mm - 32 * mm, story, mode="shrink")], c)
    c.showPage()
    c.save()
