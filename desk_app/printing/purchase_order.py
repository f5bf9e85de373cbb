"""A purchase order as a one-page A4 PDF (docs/stock.md): what the shop asks its supplier for, to be
emailed or printed and handed over. The shop's name and contact at the top, the supplier's, the
lines (SKU, product, quantity, unit cost, total) and the order's total; the note under them."""

from __future__ import annotations

import os
from typing import IO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from desk_app.fonts import PDF_LOCK, register_cjk_font
from desk_app.i18n import Fmt
from desk_app.shop.service import ShopInfo
from desk_app.stock.service import OrderView

INK = colors.HexColor("#2B2B33")
MUTED = colors.HexColor("#6B6B78")
LINE = colors.HexColor("#D9D9E0")


def render_purchase_order(order: OrderView, shop: ShopInfo, out: str | os.PathLike[str] | IO[bytes],
                          fmt: Fmt) -> None:
    """Write the order in ``fmt``'s language (what is still to come is what a sent order asks for)."""
    _ = fmt._
    font = register_cjk_font()
    wrap = "CJK" if fmt.is_zh else "LTR"
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=15, textColor=INK, wordWrap=wrap)
    title = ParagraphStyle("title", parent=base, fontSize=20, leading=26)
    muted = ParagraphStyle("muted", parent=base, fontSize=9.5, leading=13, textColor=MUTED)

    def p(text: str, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    name = _("Purchase order {number}").format(number=order.number)
    if order.state == "draft":  # not sent yet: a draft handed over by mistake says so
        name = _("{order} (draft, not sent)").format(order=name)
    head = [p(name, title), Spacer(1, 2 * mm)]
    shop_lines = "\n".join(x for x in (shop.name, shop.address, shop.phone) if x)
    when = fmt.date(order.sent_at or order.created_at)
    who = Table(
        [[p(_("Ordered by"), muted), p(_("Supplier"), muted)],
         [p(shop_lines), p("\n".join(x for x in (order.supplier_name, order.supplier_contact) if x))]],
        colWidths=[85 * mm, 85 * mm],
    )
    who.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    rows = [[p(_("SKU"), muted), p(_("Product"), muted), p(_("Quantity"), muted), p(_("Unit cost"), muted),
             p(_("Total"), muted)]]
    for ln in order.lines:
        rows.append([p(ln.sku), p(ln.name), p(fmt.number(ln.ordered)), p(fmt.money(ln.unit_cost, order.currency)),
                     p(fmt.money(ln.total, order.currency))])
    rows.append(["", p(_("Total"), base), "", "", p(fmt.money(order.total, order.currency))])
    table = Table(rows, colWidths=[30 * mm, 70 * mm, 20 * mm, 25 * mm, 25 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -2), 0.3, LINE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ]))
    story = [*head, p(_("Date: {date}").format(date=when), muted), Spacer(1, 5 * mm), who, Spacer(1, 6 * mm),
             table]
    if order.note:
        story += [Spacer(1, 5 * mm), p(_("Note: {text}").format(text=order.note))]
    story += [Spacer(1, 8 * mm), p(_("Please confirm the order and the delivery date to {shop} ({phone}).").format(
        shop=shop.name, phone=shop.phone or "—"), muted)]
    with PDF_LOCK:
        doc = SimpleDocTemplate(os.fspath(out) if isinstance(out, os.PathLike) else out, pagesize=A4,
                                leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
                                title=f"{shop.name} {order.number}")
        doc.build(story)
