"""The end-of-day Z report as an A4 PDF."""

from __future__ import annotations

import os
from typing import IO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from desk_app.checkout.cash import ZReport
from desk_app.fonts import PDF_LOCK, register_cjk_font
from desk_app.i18n import Fmt
from desk_app.printing.common import L, method_label, money, when

ACCENT = colors.HexColor("#7B5EA7")


def _table(rows: list[list[str]], font: str, widths: list[float], header: bool = False) -> Table:
    t = Table(rows, colWidths=widths)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 10.5),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#DDDDE3")),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F3EEF9")),
            ("TEXTCOLOR", (0, 0), (-1, 0), ACCENT),
        ]
    t.setStyle(TableStyle(style))
    return t


def render_z_report(z: ZReport, out: str | os.PathLike[str] | IO[bytes], fmt: Fmt) -> int:
    """Write the Z report in ``fmt`` (the language chosen, the shop's time zone); returns the page count."""
    font = register_cjk_font()
    cur = z.currency
    d = z.drawer
    h1 = ParagraphStyle("h1", fontName=font, fontSize=18, leading=24, textColor=ACCENT)
    h2 = ParagraphStyle(
        "h2", fontName=font, fontSize=13, leading=18, textColor=ACCENT, spaceBefore=10, spaceAfter=4
    )
    base = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=15)
    story = [
        Paragraph(L(fmt, "z_title"), h1),
        Paragraph(
            " · ".join(dict.fromkeys([z.shop_name, z.branch_name, fmt.date(d.business_date, "long")])),
            base,
        ),
        *[Paragraph(escape(x), base) for x in (" · ".join(y for y in (z.address, z.phone) if y), z.receipt_header) if x],
        Spacer(1, 4 * mm),
        Paragraph(L(fmt, "drawer"), h2),
        _table(
            [
                [L(fmt, "opened"), f"{when(fmt, d.opened_at)} {d.opened_by}"],
                [
                    L(fmt, "closed"),
                    f"{when(fmt, d.closed_at)} {d.closed_by}" if d.closed_at else L(fmt, "open_now"),
                ],
                [L(fmt, "float"), money(fmt, d.float_minor, cur)],
                [L(fmt, "cash_sales"), money(fmt, d.cash_sales_minor, cur)],
                [L(fmt, "cash_in"), money(fmt, d.cash_in_minor, cur)],
                [L(fmt, "cash_out"), money(fmt, -d.cash_out_minor, cur)],
                [L(fmt, "expected"), money(fmt, d.expected_minor, cur)],
                [L(fmt, "counted"), money(fmt, d.counted_minor, cur) if d.counted_minor is not None else "-"],
                [
                    L(fmt, "over_short"),
                    money(fmt, d.over_short_minor, cur) if d.over_short_minor is not None else "-",
                ],
            ],
            font,
            [90 * mm, 80 * mm],
        ),
        Paragraph(L(fmt, "by_method"), h2),
        _table(
            [["", L(fmt, "count"), L(fmt, "amount")]]
            + [[method_label(fmt, m), str(n), money(fmt, a, cur)] for m, n, a in z.by_method]
            + [[L(fmt, "net"), "", money(fmt, z.net_takings_minor, cur)]],
            font,
            [90 * mm, 30 * mm, 50 * mm],
            header=True,
        ),
        Paragraph(L(fmt, "sales"), h2),
        _table(
            [
                [L(fmt, "sales"), str(z.sales_count), money(fmt, z.sales_total_minor, cur)],
                [L(fmt, "refunds"), str(z.refunds_count), money(fmt, z.refunds_total_minor, cur)],
                [L(fmt, "voids"), str(z.voids_count), ""],
                [L(fmt, "discounts"), "", money(fmt, z.discounts_minor, cur)],
                [L(fmt, "tax"), "", money(fmt, z.tax_minor, cur)],
                [L(fmt, "tips"), "", money(fmt, z.tips_minor, cur)],
                [L(fmt, "topups"), "", money(fmt, z.topups_minor, cur)],
                [L(fmt, "sessions"), str(z.package_sessions), ""],
                [L(fmt, "receipts"), f"{z.first_receipt} – {z.last_receipt}" if z.first_receipt else "-", ""],
            ],
            font,
            [90 * mm, 40 * mm, 40 * mm],
        ),
    ]
    if z.tips_by_staff:
        story += [
            Paragraph(L(fmt, "tips"), h2),
            _table([[n, money(fmt, a, cur)] for n, a in z.tips_by_staff], font, [90 * mm, 80 * mm]),
        ]
    if d.moves:
        story += [
            Paragraph(f"{L(fmt, 'cash_in')} / {L(fmt, 'cash_out')}", h2),
            _table(
                [
                    [
                        f"{when(fmt, m.at)} {m.staff_name} · {m.reason}"[:70],
                        money(fmt, m.amount_minor if m.kind == "in" else -m.amount_minor, cur),
                    ]
                    for m in d.moves
                ],
                font,
                [120 * mm, 50 * mm],
            ),
        ]
    doc = SimpleDocTemplate(
        os.fspath(out) if isinstance(out, os.PathLike) else out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=L(fmt, "z_title"),
    )
    pages: list[int] = []
    with PDF_LOCK:
        doc.build(story, onLaterPages=lambda c, _d: pages.append(1), onFirstPage=lambda c, _d: pages.append(1))
    return len(pages)
