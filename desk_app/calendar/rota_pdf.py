"""The week's rota on paper (Calendar > Rota > Save as PDF): one landscape A4 page to pin up in the
staff room -- a row per person, a column per day with the hours and the break, a planned day
shaded with its note, the week's hours last (the Chinese font has no bold)."""

from __future__ import annotations

import io
from typing import Any

from desk_app.calendar.rota import RotaWeek
from desk_app.domain.permissions import ROLE_WORDS
from desk_app.i18n import Fmt


def _hours(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def rota_pdf(week: RotaWeek, shop_name: str, fmt: Fmt) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from desk_app.fonts import FONT, PDF_LOCK, register_cjk_font

    register_cjk_font()
    ink, muted, line = colors.HexColor("#1F2933"), colors.HexColor("#616E7C"), colors.HexColor("#CBD2D9")
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=21, textColor=ink, spaceAfter=2)
    small = ParagraphStyle("sm", fontName=FONT, fontSize=8.5, leading=11, textColor=muted)
    cell = ParagraphStyle("c", fontName=FONT, fontSize=9, leading=12, textColor=ink)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    last = week.days[-1]
    title = fmt._("Rota, week of {first} – {last}").format(first=fmt.date(week.first), last=fmt.month_day(last))
    heads = [fmt._("Staff")] + [f"{fmt.date(d, 'EEE')}\n{fmt.month_day(d)}" for d in week.days] + [fmt._("Hours")]
    rows: list[list[Any]] = [heads]
    shaded: list[tuple[int, int]] = []  # (column, row) of the planned days
    for y, r in enumerate(week.rows, 1):
        role = fmt._(ROLE_WORDS[r.role]) if r.role in ROLE_WORDS else r.role  # in the page's language
        out: list[Any] = [Paragraph(f'{esc(r.name)}<br/><font color="#616E7C" size="8">{esc(role)}</font>', cell)]
        for x, c in enumerate(r.cells, 1):
            p = c.plan
            text = esc(fmt._("Day off")) if p.off else f"{p.start}–{p.end}"
            if not p.off and p.break_start:
                pause = fmt._("break {start}–{end}").format(start=p.break_start, end=p.break_end)
                text += f'<br/><font size="8" color="#616E7C">{esc(pause)}</font>'
            if c.planned:
                shaded.append((x, y))
                if c.note:
                    text += "<br/>" + f'<font size="8">{esc(c.note)}</font>'
            out.append(Paragraph(text, cell))
        out.append(_hours(r.minutes))
        rows.append(out)
    width = landscape(A4)[0] - 24 * mm
    t = Table(rows, colWidths=[width * 0.16] + [width * 0.112] * 7 + [width * 0.056], repeatRows=1)
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("TEXTCOLOR", (0, 0), (-1, 0), muted),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ink),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, line),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *[("BACKGROUND", xy, xy, colors.HexColor("#E4EDFC")) for xy in shaded],
    ]))  # fmt: skip
    story: list[Any] = [
        Paragraph(esc(title), h1),
        Paragraph(esc(f"{shop_name} · " + fmt._("Shaded: a day planned differently from the standard hours.")), small),
        Spacer(1, 4 * mm),
        t,
    ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=title, author=shop_name)  # fmt: skip
    with PDF_LOCK:
        doc.build(story)
    return buf.getvalue()

