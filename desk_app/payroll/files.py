"""Pay statements as files: a workbook (one sheet for the period, one per person), a PDF (one
page or more per person, to hand over) and a CSV of every counted line (docs/payroll.md).

Amounts are numbers in the workbook and the CSV (to add up in a spreadsheet), words in the PDF.
"""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from desk_app.core import csvfile
from desk_app.domain import commission as cm
from desk_app.domain import timesheet as ts
from desk_app.domain.money import from_minor
from desk_app.i18n import N_, Fmt
from desk_app.payroll.statement import TIP, Group, Payroll, Statement, StatementLine

SCOPE_WORDS = {
    cm.SERVICE: N_("Services"),
    cm.PRODUCT: N_("Retail products"),
    cm.PACKAGE: N_("Packages"),
    cm.PREPAID: N_("Prepaid top-ups"),
    cm.VOUCHER: N_("Gift vouchers"),
    TIP: N_("Tip"),
}
NOTE_WORDS = {
    "prepaid": N_("paid from a prepaid balance"),
    "voucher": N_("paid with a gift voucher"),
    "package": N_("package session"),
    "later": N_("earns when it is used"),
}
SALE_WORDS = {"sale": N_("Sale"), "refund": N_("Refund"), "void": N_("Void")}


def only(payroll: Payroll, staff_id: int) -> Payroll:
    return replace(payroll, statements=tuple(s for s in payroll.statements if s.staff_id == staff_id))


def amount(payroll: Payroll, minor: int) -> Decimal:
    return from_minor(minor, payroll.currency)


def group_label(payroll: Payroll, g: Group, fmt: Fmt) -> str:
    words = fmt._(SCOPE_WORDS[g.scope])
    if g.scope == cm.SERVICE and g.category_id is not None:
        zh, en = payroll.categories.get(g.category_id, ("", ""))
        words = fmt._("{what}: {category}").format(what=words, category=fmt.pick(zh, en) or "?")
    return words


def rate_text(payroll: Payroll, g: Group, fmt: Fmt) -> str:
    """"15 %" or "10 % to 10,000.00, 15 % above"; "none" without a rate."""
    if g.rate is None:
        return fmt._("no rate")
    tiers = g.rate.tiers
    if len(tiers) == 1:
        return f"{cm.percent_text(tiers[0].rate_bp)}%"
    parts = []
    for i, t in enumerate(tiers):
        if i + 1 < len(tiers):
            upto = fmt.money(amount(payroll, tiers[i + 1].from_minor), payroll.currency)
            parts.append(fmt._("{rate}% to {amount}").format(rate=cm.percent_text(t.rate_bp), amount=upto))
        else:
            parts.append(fmt._("{rate}% above").format(rate=cm.percent_text(t.rate_bp)))
    return fmt._(", ").join(parts)


def item(ln: StatementLine, fmt: Fmt) -> str:
    """What the line sold, in the reader's language (the catalog's name; a typed-in item as typed)."""
    if ln.scope == TIP:
        return fmt._("Tip")
    if ln.line_kind == "prepaid_topup" and not ln.names:  # kept in the desk's language at the sale
        return fmt.pick("储值充值", "Prepaid top-up")
    return fmt.pick(*ln.names) if ln.names else ln.description


def described(ln: StatementLine, fmt: Fmt) -> str:
    """The line's item with what it was and why it counts as it does: "Refund: Full colour",
    "Hydrating facial (paid from a prepaid balance)"."""
    what = item(ln, fmt)
    if ln.sale_kind != "sale":
        what = fmt._("{sale}: {item}").format(sale=fmt._(SALE_WORDS.get(ln.sale_kind, ln.sale_kind)), item=what)
    note = line_note(ln, fmt)
    return fmt._("{item} ({note})").format(item=what, note=note) if note else what


def line_note(ln: StatementLine, fmt: Fmt) -> str:
    return fmt._(NOTE_WORDS[ln.note]) if ln.note in NOTE_WORDS else ""


def summary_rows(payroll: Payroll, fmt: Fmt) -> tuple[list[str], list[list[Any]]]:
    head = [fmt._("Staff"), fmt._("Hours (decimal)"), fmt._("Sold (before tax)"), fmt._("Commission base"), fmt._("Commission"), fmt._("Tips"),
            fmt._("Base pay"), fmt._("Performance pay"), fmt._("To pay"), fmt._("Not clocked out")]  # fmt: skip
    rows: list[list[Any]] = []
    for s in payroll.statements:
        rows.append([
            s.name, hours_number(s), amount(payroll, s.sold_minor), amount(payroll, sum(g.basis_minor for g in s.groups)),
            amount(payroll, s.commission_minor), amount(payroll, s.tips_minor),
            amount(payroll, s.base_pay_minor) if s.base_pay_minor is not None else None,
            amount(payroll, s.performance_pay_minor) if s.performance_pay_minor is not None else None,
            amount(payroll, s.total_minor),
            # the hours are short by these days until the owner adds their clock-outs
            ", ".join(fmt.month_day(d) for d in s.hours.unclosed) if s.hours is not None and s.hours.unclosed else None,
        ])  # fmt: skip
    return head, rows


def line_head(fmt: Fmt) -> list[str]:
    return [fmt._("When"), fmt._("Receipt"), fmt._("Line"), fmt._("Kind"), fmt._("Item"), fmt._("Sold (before tax)"),
            fmt._("Commission base"), fmt._("Note")]  # fmt: skip


def line_row(payroll: Payroll, ln: StatementLine, fmt: Fmt) -> list[Any]:
    kind = fmt._(SCOPE_WORDS.get(ln.scope, ln.scope))
    if ln.sale_kind != "sale":
        kind = fmt._("{kind} ({sale})").format(kind=kind, sale=fmt._(SALE_WORDS.get(ln.sale_kind, ln.sale_kind)))
    return [fmt.when(ln.at), ln.receipt_no, ln.line_no, kind, item(ln, fmt), amount(payroll, ln.sold_minor),
            amount(payroll, ln.basis_minor) if ln.scope != TIP else None, line_note(ln, fmt)]  # fmt: skip


def pay_rows(s: Statement, fmt: Fmt) -> list[tuple[str, int]]:
    """Base pay and the appraisal's performance pay, as lines under the commission and tips."""
    rows = []
    if s.base_pay_minor is not None:
        rows.append((fmt._("Base pay"), s.base_pay_minor))
    if s.performance_pay_minor is not None:
        rows.append((fmt._("Performance pay (appraisal score {score})").format(score=s.score or "—"),
                     s.performance_pay_minor))  # fmt: skip
    return rows


def hours_number(s: Statement) -> float | None:
    """Hours worked as a number to add up (8.25), None without a time clock."""
    return None if s.hours is None else round(s.hours.worked_seconds / 3600, 2)


def hours_note(s: Statement, fmt: Fmt) -> str:
    """"8:18 in 1 shift (breaks 0:45)." with what the owner must still correct; "" without hours."""
    h = s.hours
    if h is None:
        return ""
    counted = h.shifts - len(h.unclosed)  # a shift never clocked out counts nothing
    text = fmt.ngettext("{hours} in {n} shift (breaks {breaks}).", "{hours} in {n} shifts (breaks {breaks}).", counted).format(
        hours=ts.hours_text(h.worked_seconds), n=counted, breaks=ts.hours_text(h.break_seconds))
    if h.on_clock:
        text = then(fmt, text, fmt._("Still on the clock: counted to now."))
    if h.unclosed:
        days = fmt._(", ").join(fmt.date(d) for d in h.unclosed)
        text = then(fmt, text, fmt._("Not clocked out on {days}: no hours counted until the time sheet is corrected.").format(days=days))
    return text


def day_hours(payroll: Payroll, s: Statement, fmt: Fmt) -> list[str]:
    """"Nov 1: 10:44 h" for each day worked (a non-breaking space inside, so a line never splits one)."""
    if s.hours is None:
        return []
    return [fmt._("{day}: {hours} h").format(day=fmt.month_day(d), hours=ts.hours_text(secs)).replace(" ", "\u00a0")
            for d, secs in s.hours.by_day]  # fmt: skip


def title(payroll: Payroll, fmt: Fmt) -> str:
    """"Pay statement Nov 1, 2026 – Nov 30, 2026", or to today while the month runs."""
    if payroll.through < payroll.first_day:
        return fmt._("Pay statement {first} – {last} (not started yet)").format(
            first=fmt.date(payroll.first_day), last=fmt.date(payroll.last_day))
    text = fmt._("Pay statement {first} – {last}").format(
        first=fmt.date(payroll.first_day), last=fmt.date(payroll.through))
    return text if payroll.complete else fmt._("{statement} (month in progress)").format(statement=text)



def plan_note(payroll: Payroll, fmt: Fmt) -> str:
    if payroll.plan_from is None:
        return fmt._("No commission rates are set: Settings > Pay.")
    rules = fmt._("Prepaid top-ups earn {prepaid}; packages earn {package}; gift vouchers earn {voucher}.").format(
        prepaid=fmt._("when sold") if payroll.plan.prepaid_rule == cm.ON_SALE else fmt._("when spent"),
        package=fmt._("when sold") if payroll.plan.package_rule == cm.ON_SALE else fmt._("as each session is used"),
        voucher=fmt._("when sold") if payroll.plan.voucher_rule == cm.ON_SALE else fmt._("when spent"),
    )
    return then(fmt, fmt._("Rates in force from {day}.").format(day=fmt.date(payroll.plan_from)), rules)


def then(fmt: Fmt, sentence: str, following: str) -> str:
    """Two sentences in a row: a space between them in English, none after "。" in Chinese."""
    return fmt._("{sentence} {following}").format(sentence=sentence, following=following)


# ----------------------------------------------------------------------------- xlsx
def write_xlsx(payroll: Payroll, path: str | os.PathLike[str], fmt: Fmt) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _sheet_name(fmt._("Summary"), set())
    ws.append([title(payroll, fmt)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([plan_note(payroll, fmt)])
    ws.append([])
    head, rows = summary_rows(payroll, fmt)
    ws.append(head)
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
    _money_format(ws, 2, payroll)
    for row in ws.iter_rows(min_row=5, min_col=2, max_col=2):
        for c in row:
            c.number_format = "0.00"
    _widths(ws, [22, 10, 16, 14, 14, 12, 12, 14, 14, 18])
    names: set[str] = {ws.title}
    for s in payroll.statements:
        sh = wb.create_sheet(_sheet_name(s.name, names))
        _statement_sheet(sh, payroll, s, fmt, Font)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))


def _statement_sheet(sh: Any, payroll: Payroll, s: Statement, fmt: Fmt, font: Any) -> None:
    sh.append([s.name, title(payroll, fmt)])
    sh["A1"].font = font(bold=True, size=14)
    sh.append([])
    sh.append([fmt._("Commission"), fmt._("Rate (%)"), fmt._("Commission base"), fmt._("Amount")])
    for c in sh[sh.max_row]:
        c.font = font(bold=True)
    for g in s.groups:
        sh.append([group_label(payroll, g, fmt), rate_text(payroll, g, fmt), amount(payroll, g.basis_minor),
                   amount(payroll, g.commission_minor)])  # fmt: skip
    sh.append([fmt._("Tips"), "", "", amount(payroll, s.tips_minor)])
    for label, minor in pay_rows(s, fmt):
        sh.append([label, "", "", amount(payroll, minor)])
    sh.append([fmt._("To pay"), "", "", amount(payroll, s.total_minor)])
    sh.cell(sh.max_row, 1).font = font(bold=True)
    sh.cell(sh.max_row, 4).font = font(bold=True)
    if s.hours is not None:
        sh.append([])
        sh.append([fmt._("Hours"), hours_note(s, fmt)])
        sh.cell(sh.max_row, 1).font = font(bold=True)
        sh.append([fmt._("Date"), fmt._("Hours (decimal)"), fmt._("Hours (h:mm)")])
        for c in sh[sh.max_row]:
            c.font = font(bold=True)
        for day, secs in s.hours.by_day:  # a real date and a number, to sort and add up
            sh.append([day, round(secs / 3600, 2), ts.hours_text(secs)])
            sh.cell(sh.max_row, 1).number_format = "yyyy-mm-dd"
            sh.cell(sh.max_row, 2).number_format = "0.00"
    sh.append([])
    sh.append(line_head(fmt))
    for c in sh[sh.max_row]:
        c.font = font(bold=True)
    for ln in s.lines:
        sh.append(line_row(payroll, ln, fmt))
    _money_format(sh, 2, payroll)
    _widths(sh, [24, 22, 14, 16, 34, 16, 14, 26])


def _money_format(ws: Any, first_col: int, payroll: Payroll) -> None:
    digits = -from_minor(1, payroll.currency).as_tuple().exponent  # type: ignore[operator]
    pattern = "#,##0" + ("." + "0" * int(digits) if digits else "")
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, Decimal):
                c.number_format = pattern


def _widths(ws: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _sheet_name(name: str, taken: set[str]) -> str:
    """A sheet name Excel takes: at most 31 characters, none of []:*?/\\, not used yet."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip() or "-"
    base, n = clean[:31], 2
    out = base
    while out in taken:
        suffix = f" ({n})"
        out = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(out)
    return out


# ----------------------------------------------------------------------------- csv
CSV_COLUMNS = ("staff", "sold_at", "receipt_no", "line_no", "sale_kind", "line_kind", "item", "sold_before_tax",
               "commission_base", "note")  # fmt: skip


def write_csv(payroll: Payroll, path: str | os.PathLike[str], fmt: Fmt) -> None:
    """Every line of every statement (the figures to check against ``export sales``)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as out:
        w = csvfile.writer(out)
        w.writerow(CSV_COLUMNS)
        for s in payroll.statements:
            for ln in s.lines:
                w.writerow([s.name, ln.at.astimezone(fmt.tz).isoformat(timespec="seconds"), ln.receipt_no, ln.line_no, ln.sale_kind,
                            ln.line_kind, item(ln, fmt), amount(payroll, ln.sold_minor),
                            amount(payroll, ln.basis_minor) if ln.scope != TIP else "", ln.note])  # fmt: skip


# ----------------------------------------------------------------------------- pdf
def write_pdf(payroll: Payroll, out: str | os.PathLike[str] | IO[bytes], fmt: Fmt) -> None:
    """One statement per person, each from a new page, to hand over."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from desk_app.fonts import FONT, PDF_LOCK, register_cjk_font

    register_cjk_font()
    ink, muted, line = colors.HexColor("#1F2933"), colors.HexColor("#616E7C"), colors.HexColor("#CBD2D9")
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=21, textColor=ink, spaceAfter=4)
    small = ParagraphStyle("sm", fontName=FONT, fontSize=8.5, leading=11, textColor=muted)
    body = ParagraphStyle("b", fontName=FONT, fontSize=8.5, leading=11, textColor=ink)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def money(minor: int | None) -> str:
        return "" if minor is None else fmt.money(amount(payroll, minor), payroll.currency)

    def table(rows: list[list[Any]], widths: list[float], bold_last: bool = False) -> Table:
        cells = [[Paragraph(esc(c), body) if isinstance(c, str) and len(c) > 24 else c for c in r] for r in rows]
        t = Table(cells, colWidths=widths, repeatRows=1)
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("TEXTCOLOR", (0, 0), (-1, 0), muted),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ink),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, line),
            ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        if bold_last:
            style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, ink))
        t.setStyle(TableStyle(style))
        return t

    story: list[Any] = []
    width = A4[0] - 30 * mm
    if not payroll.statements:
        story.append(Paragraph(esc(title(payroll, fmt)), h1))
        story.append(Paragraph(esc(fmt._("No one sold, served, clocked hours or had base pay in this period.")), body))
    for i, s in enumerate(payroll.statements):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(esc(f"{s.name} · {title(payroll, fmt)}"), h1))
        story.append(Paragraph(esc(f"{payroll.shop_name} · {plan_note(payroll, fmt)}"), small))
        story.append(Spacer(1, 4 * mm))
        rows: list[list[Any]] = [[fmt._("Commission"), fmt._("Rate (%)"), fmt._("Commission base"), fmt._("Amount")]]
        for g in s.groups:
            rows.append([group_label(payroll, g, fmt), rate_text(payroll, g, fmt), money(g.basis_minor),
                         money(g.commission_minor)])  # fmt: skip
        rows.append([fmt._("Tips"), "", "", money(s.tips_minor)])
        for label, minor in pay_rows(s, fmt):
            rows.append([label, "", "", money(minor)])
        rows.append([fmt._("To pay"), "", "", money(s.total_minor)])
        story.append(table(rows, [width * 0.34, width * 0.30, width * 0.18, width * 0.18], bold_last=True))
        if s.hours is not None:
            story.append(Spacer(1, 4 * mm))
            story.append(Paragraph(esc(fmt._("Hours: {note}").format(note=hours_note(s, fmt))), body))
            story.append(Paragraph(esc(" · ".join(day_hours(payroll, s, fmt))), small))
        story.append(Spacer(1, 5 * mm))
        lines: list[list[Any]] = [[fmt._("When"), fmt._("Receipt"), fmt._("Item"), fmt._("Sold (before tax)"),
                                   fmt._("Commission base")]]  # fmt: skip
        for ln in s.lines:
            lines.append([fmt.when(ln.at), ln.receipt_no, described(ln, fmt), money(ln.sold_minor),
                          money(ln.basis_minor) if ln.scope != TIP else ""])  # fmt: skip
        story.append(table(lines, [width * 0.2, width * 0.15, width * 0.35, width * 0.15, width * 0.15]))
    target: Any = str(out) if isinstance(out, str | Path) else out
    doc = SimpleDocTemplate(target, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title(payroll, fmt), author=payroll.shop_name)  # fmt: skip
    with PDF_LOCK:
        doc.build(story)
