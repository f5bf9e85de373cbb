"""The monthly summary as a PDF an owner can hand to a partner or an accountant.

ReportLab platypus: a cover with the shop, branch and month and the key
figures as tiles; charts drawn with reportlab.graphics (revenue by day, by
category, by stylist; satisfaction distribution; standards met); tables;
"page N of M" on every page; Chinese or English (CJK font embedded).

Everything is said through the ``Fmt`` the caller passes (the report's
language, the shop's time zone): the screen's language is never touched. The
label helpers are shared with the reports screen, which calls them without a
``Fmt`` and so gets the screen's.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desk_app import i18n
from desk_app.domain.aftercare import COMPLAINT_CATEGORY_LABELS, ComplaintCategory
from desk_app.domain.messages import KIND_LABELS, MESSAGE_CHANNEL_LABELS, MessageChannel, MessageKind
from desk_app.domain.payment import METHOD_LABELS, PaymentMethod
from desk_app.fonts import FONT, PDF_LOCK, register_cjk_font
from desk_app.i18n import Fmt
from desk_app.reports.monthly_staff import earned
from desk_app.reports.standards import standard_label

INK = colors.HexColor("#1F2937")
MUTED = colors.HexColor("#6B7280")
ACCENT = colors.HexColor("#2F6FDE")
ACCENT_2 = colors.HexColor("#14A38B")
LINE = colors.HexColor("#E5E7EB")
TILE = colors.HexColor("#F3F6FB")
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BODY_W = PAGE_W - 2 * MARGIN


def money(fmt: Fmt, data: dict[str, Any], value: str | None) -> str:
    if value is None:
        return "-"
    return fmt.money(Decimal(value), data["currency"])


def pct(fmt: Fmt, value: str | None) -> str:
    return "-" if value is None else fmt.percent(Decimal(value), 1)


def month_title(month: str, fmt: Fmt | None = None) -> str:
    fmt = fmt or i18n.current()
    y, m = (int(x) for x in month.split("-"))
    return fmt.date(date(y, m, 1), "yyyy年M月" if fmt.language == "zh_CN" else "MMMM yyyy")


def day_range(first: date, through: date, fmt: Fmt | None = None) -> str:
    """"1–18 Nov 2026" / "2026年11月1日–18日" (one month)."""
    fmt = fmt or i18n.current()
    if fmt.language == "zh_CN":
        return f"{fmt.date(first, 'yyyy年M月d日')}–{through.day}日"
    return f"{first.day}–{fmt.date(through, 'd MMM yyyy')}"


def span_title(month: str, period: dict[str, Any] | None, fmt: Fmt | None = None) -> str:
    """The month's name when the figures cover all of it, else the days they cover ("1–18 Oct 2026")."""
    fmt = fmt or i18n.current()
    if not period or period.get("complete", True) or not period.get("through"):
        return month_title(month, fmt)
    y, m = (int(x) for x in month.split("-"))
    return day_range(date(y, m, 1), date.fromisoformat(period["through"]), fmt)


def period_title(month: str, period: dict[str, Any] | None, fmt: Fmt | None = None) -> str:
    """The report's month, or for a month not over at the report's time the days it covers, said so:
    "1–18 Nov 2026 (month in progress)"."""
    fmt = fmt or i18n.current()
    if not period or period.get("complete", True):
        return month_title(month, fmt)
    if not period.get("through"):
        return fmt._("{month} (not started yet)").format(month=month_title(month, fmt))
    return fmt._("{days} (month in progress)").format(days=span_title(month, period, fmt))


def compare_note(data: dict[str, Any], fmt: Fmt | None = None) -> str:
    """What the month-over-month figures compare, when that is not two whole months ('' when it is)."""
    fmt = fmt or i18n.current()
    cmp_ = data.get("comparison") or {}
    if not cmp_ or data.get("period", {}).get("complete", True):
        return ""
    prev = span_title(cmp_["previous_month"], cmp_.get("previous_period"), fmt)
    if not cmp_.get("like_for_like", True):
        return fmt._(
            "This month is not over; the month before is shorter than the days so far ({prev}), "
            "so no % change is shown."
        ).format(prev=prev)
    return fmt._(
        "This month is not over: it is compared with the same days of the month before ({prev})."
    ).format(prev=prev)


class _Styles:
    def __init__(self) -> None:
        f = FONT
        self.title = ParagraphStyle("t", fontName=f, fontSize=28, leading=34, textColor=INK)
        self.subtitle = ParagraphStyle("s", fontName=f, fontSize=15, leading=20, textColor=MUTED)
        self.h1 = ParagraphStyle(
            "h1", fontName=f, fontSize=16, leading=21, textColor=INK, spaceBefore=4, spaceAfter=6
        )
        self.h2 = ParagraphStyle(
            "h2", fontName=f, fontSize=11.5, leading=15, textColor=ACCENT, spaceBefore=8, spaceAfter=4
        )
        self.body = ParagraphStyle("b", fontName=f, fontSize=9, leading=12.5, textColor=INK)
        self.small = ParagraphStyle("sm", fontName=f, fontSize=8, leading=10.5, textColor=MUTED)
        self.tile_v = ParagraphStyle(
            "tv", fontName=f, fontSize=14, leading=18, textColor=INK, alignment=TA_CENTER
        )
        self.tile_l = ParagraphStyle(
            "tl", fontName=f, fontSize=8, leading=10, textColor=MUTED, alignment=TA_CENTER
        )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[Any]], widths: list[float], st: _Styles, numeric_from: int = 1) -> Table:
    body = [
        [Paragraph(_esc(str(c)), st.body) if isinstance(c, str) and len(c) > 28 else c for c in r]
        for r in rows
    ]
    t = Table(body, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))  # fmt: skip
    return t


def _tiles(items: list[tuple[str, str, str]], st: _Styles, per_row: int = 4) -> Table:
    cells: list[Any] = []
    for label, value, note in items:
        cell = [Paragraph(_esc(value), st.tile_v), Paragraph(_esc(label), st.tile_l)]
        if note:
            cell.append(Paragraph(_esc(note), st.tile_l))
        cells.append(cell)
    rows: list[list[Any]] = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    while len(rows[-1]) < per_row:
        rows[-1].append("")
    w = BODY_W / per_row
    t = Table(rows, colWidths=[w] * per_row, rowHeights=[22 * mm] * len(rows))
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), TILE),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.white),
        ("INNERGRID", (0, 0), (-1, -1), 3, colors.white),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))  # fmt: skip
    return t


def _vbar(
    fmt: Fmt,
    values: list[float],
    labels: list[str],
    width: float,
    height: float,
    color: Any = ACCENT,
    label_every: int = 1,
    value_max: float | None = None,
    axis_format: str = "%d",
) -> Drawing:
    d = Drawing(width, height)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 40, 22, width - 50, height - 32
    c.data = [values or [0]]
    c.bars[0].fillColor = color
    c.bars[0].strokeColor = None
    c.categoryAxis.categoryNames = [lb if i % label_every == 0 else "" for i, lb in enumerate(labels)] or [""]
    c.categoryAxis.labels.fontName = FONT
    c.categoryAxis.labels.fontSize = 7
    c.categoryAxis.strokeColor = LINE
    c.valueAxis.labels.fontName = FONT
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.valueMin = 0
    if value_max is not None:
        c.valueAxis.valueMax = value_max
    c.valueAxis.labelTextFormat = _thousands(fmt) if axis_format == "%d" else axis_format
    c.valueAxis.strokeColor = LINE
    c.valueAxis.gridStrokeColor = LINE
    c.valueAxis.visibleGrid = True
    c.barSpacing = 1
    d.add(c)
    return d


def _hbar(
    fmt: Fmt,
    values: list[float],
    labels: list[str],
    width: float,
    color: Any = ACCENT,
    axis_format: str = "%d",
    value_max: float | None = None,
    label_w: float = 110,
) -> Drawing:
    n = max(1, len(values))
    height = 18 + n * 16
    d = Drawing(width, height)
    c = HorizontalBarChart()
    c.x, c.y, c.width, c.height = label_w, 12, width - label_w - 20, height - 18
    c.data = [list(reversed(values)) or [0]]
    c.bars[0].fillColor = color
    c.bars[0].strokeColor = None
    c.categoryAxis.categoryNames = list(reversed(labels)) or [""]
    c.categoryAxis.labels.fontName = FONT
    c.categoryAxis.labels.fontSize = 8
    c.categoryAxis.strokeColor = LINE
    c.valueAxis.labels.fontName = FONT
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.valueMin = 0
    if value_max is not None:
        c.valueAxis.valueMax = value_max
    c.valueAxis.labelTextFormat = _thousands(fmt) if axis_format == "%d" else axis_format
    c.valueAxis.visibleGrid = True
    c.valueAxis.gridStrokeColor = LINE
    c.valueAxis.strokeColor = LINE
    d.add(c)
    return d


def _no_data(width: float, text: str) -> Drawing:
    d = Drawing(width, 30)
    d.add(String(0, 10, text, fontName=FONT, fontSize=9, fillColor=MUTED))
    return d


def _staff_name(name: str) -> str:
    return name if len(name) <= 14 else name[:13] + "…"


def build_story(data: dict[str, Any], fmt: Fmt) -> list[Any]:
    _ = fmt._
    st = _Styles()
    r = data["revenue"]
    story: list[Any] = []
    shop = data.get("shop", {}).get("name", "")
    branch = data.get("branch")
    # -- cover ------------------------------------------------------------------
    story.append(Spacer(1, 14 * mm))
    story.append(Paragraph(_esc(shop), st.title))
    story.append(Spacer(1, 4 * mm))
    story.append(
        Paragraph(
            _esc(_("Monthly summary")) + " · " + _esc(period_title(data["month"], data.get("period"), fmt)),
            st.subtitle,
        )
    )
    story.append(
        Paragraph(
            _esc(_("Branch: {name}").format(name=branch["name"]) if branch else _("All branches")),
            st.subtitle,
        )
    )
    story.append(Spacer(1, 8 * mm))
    cmp_ = data.get("comparison", {}).get("figures", {})

    def vs(key: str, kind: str = "money") -> str:
        f = cmp_.get(key)
        if not f or f.get("previous") is None:
            return ""
        dr = f.get("delta_ratio")
        if dr is None and not data["comparison"].get("like_for_like", True):
            return ""  # spans of different lengths: nothing to set beside it
        if dr is None:
            return _("last month {v}").format(v=_fmt(fmt, data, f["previous"], kind))
        arrow = "▲" if Decimal(dr) > 0 else "▼" if Decimal(dr) < 0 else "="
        if not data.get("period", {}).get("complete", True):
            return _("{arrow} {pct} vs the same days last month").format(
                arrow=arrow, pct=pct(fmt, str(abs(Decimal(dr))))
            )
        return _("{arrow} {pct} vs last month").format(arrow=arrow, pct=pct(fmt, str(abs(Decimal(dr)))))

    sat = data["satisfaction"]

    def score(src: dict[str, Any]) -> str:
        return "-" if src["average"] is None else f"{src['average']} / 5"

    tiles = [
        (_("Revenue"), money(fmt, data, r["total"]), vs("revenue.total")),
        (_("Services"), money(fmt, data, r["services"]), vs("revenue.services")),
        (_("Retail products"), money(fmt, data, r["products"]), vs("revenue.products")),
        (_("Average ticket"), money(fmt, data, data["average_ticket"]), vs("average_ticket")),
        (_("Visits"), fmt.number(data["visits"]), vs("visits", "int")),
        (_("New clients"), fmt.number(data["new_clients"]), vs("new_clients", "int")),
        (_("Rebooking rate"), pct(fmt, data["rebooking_rate"]), vs("rebooking_rate", "pct")),
        (_("Checkout score"), score(sat["checkout"]), vs("satisfaction.checkout.average", "num")),
        (_("Follow-up call score"), score(sat["followup"]), vs("satisfaction.followup.average", "num")),
        (_("Refunds"), money(fmt, data, r["refunds"]), ""),
        (_("No-shows"), fmt.number(data["no_shows"]), vs("no_shows", "int")),
        (_("Complaints"), fmt.number(data["complaints"]["count"]),
         _("{n} overdue").format(n=data["complaints"]["overdue"])),
    ]  # fmt: skip
    story.append(_tiles(tiles, st))
    story.append(Spacer(1, 8 * mm))
    story.append(
        Paragraph(
            _esc(
                _("Generated {when} · amounts in {cur}, tax included where prices include it.").format(
                    when=data.get("generated_at", "")[:16].replace("T", " "), cur=data["currency"]
                )
            ),
            st.small,
        )
    )
    story.append(
        Paragraph(
            _esc(
                _(
                    "Revenue counts what clients paid for services, products, packages and tips; prepaid top-ups are money "
                    "held for clients and count when spent. Refunds are already deducted."
                )
            ),
            st.small,
        )
    )
    if cmp_:
        story.append(Spacer(1, 4 * mm))
        mom_title = Paragraph(_esc(_("Month over month")), st.h2)
        m_rows: list[list[Any]] = [
            [
                _("Figure"),
                _("This month"),
                span_title(data["comparison"]["previous_month"], data["comparison"].get("previous_period"), fmt),
                _("Difference"),
            ]
        ]
        for key, f in cmp_.items():
            kind = _kind_of(key)
            m_rows.append(
                [
                    compare_label(key, fmt),
                    _fmt(fmt, data, f["current"], kind),
                    _fmt(fmt, data, f["previous"], kind),
                    "-" if f["delta_ratio"] is None else pct(fmt, f["delta_ratio"]),
                ]
            )
        parts: list[Any] = [mom_title]
        note = compare_note(data, fmt)
        if note:
            parts.append(Paragraph(_esc(note), st.small))
        parts.append(_table(m_rows, [BODY_W * 0.4, BODY_W * 0.2, BODY_W * 0.2, BODY_W * 0.2], st))
        story.append(KeepTogether(parts))
    story.append(PageBreak())
    # -- revenue ---------------------------------------------------------------
    story.append(Paragraph(_esc(_("Revenue")), st.h1))
    story.append(Paragraph(_esc(_("Revenue by day")), st.h2))
    days = r.get("by_day", [])
    vals = [float(Decimal(x["total"])) for x in days]
    story.append(_vbar(fmt, vals, [x["date"][8:] for x in days], BODY_W, 55 * mm, label_every=2))
    story.append(Paragraph(_esc(_("Revenue by category")), st.h2))
    cats = [c for c in r.get("by_category", []) if Decimal(c["total"]) != 0]
    if cats:
        story.append(
            _hbar(
                fmt,
                [float(Decimal(c["total"])) for c in cats],
                [fmt.pick(c["name_zh"], c["name_en"]) for c in cats],
                BODY_W,
                ACCENT_2,
            )
        )
    rev_rows: list[list[Any]] = [[_("Revenue"), _("Amount")]]
    for key, label in (
        ("services", _("Services")),
        ("products", _("Retail products")),
        ("packages", _("Packages sold")),
        ("tips", _("Tips")),
        ("rounding", _("Cash rounding")),
        ("other", _("Other")),
        ("total", _("Total")),
        ("tax", _("of which tax")),
        ("discounts", _("Discounts given")),
        ("refunds", _("Refunds (already deducted)")),
    ):
        rev_rows.append([label, money(fmt, data, r[key])])
    half = BODY_W / 2 - 4 * mm
    pay_col = [_table(payment_rows(data, fmt), [half * 0.6, half * 0.4], st), Spacer(1, 3 * mm),
               _table(reconcile_rows(data, fmt), [half * 0.6, half * 0.4], st)]  # fmt: skip
    pair = Table([[_table(rev_rows, [half * 0.6, half * 0.4], st), pay_col]], colWidths=[BODY_W / 2, BODY_W / 2])
    pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(Paragraph(_esc(_("Revenue and payments")), st.h2))
    story.append(pair)
    story.append(Paragraph(_esc(_(
        "Money taken is what came in by cash, card, WeChat and Alipay. It differs from revenue: a prepaid "
        "top-up is money taken but not yet revenue, and what clients pay from their prepaid balance is revenue "
        "but was taken when they topped up."
    )), st.small))  # fmt: skip
    story.append(PageBreak())
    # -- staff -------------------------------------------------------------------
    story.append(Paragraph(_esc(_("Staff performance")), st.h1))
    staff = list(data.get("by_staff", []))  # only staff who did something this month
    labels, amounts = stylist_bars(data, fmt)
    if labels:
        story.append(Paragraph(_esc(_("Service revenue by stylist")), st.h2))
        story.append(_hbar(fmt, [float(a) for a in amounts], [_staff_name(x) for x in labels], BODY_W))
        story.append(Paragraph(_esc(stylist_sum_line(data, fmt)), st.small))
    if staff:
        rows: list[list[Any]] = [
            [
                _("Staff"),
                _("Revenue"),
                _("Services"),
                _("Retail"),
                _("Rebooking"),
                *(  # two lines in the header: the columns are narrow
                    h.replace(" ", "\n", 1)
                    for h in (_("Checkout score"), _("Complaints"), _("Reception standards"), _("Service standards"))
                ),
            ]
        ]
        for s in staff:
            rows.append([
                _staff_name(s["name"]),
                *([money(fmt, data, s["revenue"]), money(fmt, data, s["services"]), money(fmt, data, s["retail"])]
                  if earned(s) else ["-", "-", "-"]),
                pct(fmt, s["rebooking_rate"]), s["satisfaction"]["checkout"]["average"] or "-",
                str(s["complaints"]),
                met_of(s["standards"]["reception"]), met_of(s["standards"]["service"]),
            ])  # fmt: skip
        w = BODY_W
        story.append(Spacer(1, 3 * mm))
        story.append(_table(
            rows, [w * 0.15, w * 0.13, w * 0.12, w * 0.11, w * 0.09, w * 0.09, w * 0.09, w * 0.11, w * 0.11], st
        ))  # fmt: skip
        story.append(Paragraph(_esc(_(
            "Reception standards: greeting, reception, feedback, complaints and follow-up calls, for the desk "
            "person responsible. Service standards: the service started on time, for the stylist. Each is met "
            "of its own checks."
        )), st.small))  # fmt: skip
        if data.get("appraisal", {}).get("staff"):
            story.append(Paragraph(_esc(_("Staff appraisal")), st.h2))
            story.append(_table(appraisal_rows(data, fmt), [w * 0.16] + [w * 0.105] * 5 + [w * 0.12, w * 0.195], st))
            note = appraisal_note(data, fmt)
            if note:
                story.append(Paragraph(_esc(note), st.small))
            story.append(Paragraph(_esc(_(
                "Each part is 0-100 and weighted as the owner set it; a part that cannot be measured (no checkout "
                "scores, no sales for the desk) is left out and the others keep their proportions. Points are taken "
                "off per complaint. The performance share of pay follows the score; a pass adds the bonus."
            )), st.small))  # fmt: skip
    else:
        story.append(_no_data(BODY_W, _("No sales by staff this month.")))
    story.append(PageBreak())
    # -- clients and quality -------------------------------------------------------
    story.append(Paragraph(_esc(_("Clients and service quality")), st.h1))
    dist = sat["checkout"]["distribution"]
    sat_chart = _vbar(
        fmt,
        [float(dist.get(str(k), 0)) for k in range(1, 6)],
        ["1", "2", "3", "4", "5"],
        half,
        45 * mm,
        ACCENT_2,
    )
    stds = data.get("standards", {})
    keys = [k for k, v in stds.items() if v["total"]]
    std_chart = (
        _hbar(
            fmt,
            [float(Decimal(stds[k]["rate"]) * 100) for k in keys],
            [standard_label(k, fmt)[:26] for k in keys],
            half,
            ACCENT,
            "%d%%",
            100,
            118,
        )
        if keys
        else _no_data(half, _("Nothing measured yet."))
    )
    charts = Table(
        [
            [Paragraph(_esc(_("Checkout scores (1-5)")), st.h2), Paragraph(_esc(_("Standards met")), st.h2)],
            [sat_chart, std_chart],
        ],
        colWidths=[BODY_W / 2, BODY_W / 2],
    )
    charts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(charts)
    c = data["complaints"]
    fu = data.get("followups", {})
    pp = data["prepaid"]
    pk = data.get("packages", {})
    q_rows: list[list[Any]] = [
        [_("Figure"), _("This month")],
        [_("Returning clients"), str(data["returning_clients"])],
        [_("New profiles"), str(data.get("new_profiles", "-"))],
        [_("New members (VIP)"), str(data["members_new"])],
        *client_value_rows(data.get("client_value", {}), fmt),
        [_("Checkout score (scores)"), f"{sat['checkout']['average'] or '-'} ({sat['checkout']['count']})"],
        [_("Follow-up call score (scores)"), f"{sat['followup']['average'] or '-'} ({sat['followup']['count']})"],
        [_("Complaints / overdue"), f"{c['count']} / {c['overdue']}"],
        [_("Median first response"), "-" if c["median_first_response_hours"] is None
         else _("{h} h").format(h=c["median_first_response_hours"])],
        *complaint_deadline_rows(c, fmt),
        *contact_rows(data.get("contacts", {}), fmt),
        *incident_rows(data.get("incidents", {}), fmt),
        *spot_check_rows(data.get("spot_checks", {}), fmt),
        *followup_rows(fu, fmt),
        [_("Package sessions redeemed"), str(pk.get("sessions_redeemed", 0))],
    ]  # fmt: skip
    p_rows: list[list[Any]] = [
        [_("Prepaid balances"), _("Amount")],
        [_("Opening balance"), money(fmt, data, pp["opening_balance"])],
        [_("Top-ups"), money(fmt, data, pp["topups"])],
        [_("Bonus"), money(fmt, data, pp["bonus"])],
        [_("Spent"), money(fmt, data, pp["spent"])],
        [_("Refunded"), money(fmt, data, pp["refunds"])],
        [_("Deposits kept (no-shows)"), money(fmt, data, pp.get("deposits_taken", "0"))],
        [_("Closing balance"), money(fmt, data, pp["closing_balance"])],
    ]
    pair2 = Table(
        [[_table(q_rows, [half * 0.62, half * 0.38], st), _table(p_rows, [half * 0.6, half * 0.4], st)]],
        colWidths=[BODY_W / 2, BODY_W / 2],
    )
    pair2.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(pair2)
    if data.get("gift_vouchers"):
        story.append(
            KeepTogether(
                [
                    Paragraph(_esc(_("Gift vouchers")), st.h2),
                    _table(gift_voucher_rows(data, fmt), [half * 0.6, half * 0.4], st),
                ]
            )
        )
    if has_points(data):
        story.append(
            KeepTogether(
                [
                    Paragraph(_esc(_("Loyalty points")), st.h2),
                    _table(points_rows(data, fmt), [half * 0.75, half * 0.25], st),
                ]
            )
        )
    if c["by_category"]:
        story.append(Paragraph(_esc(_("Complaints by category")), st.h2))
        story.append(
            _table(
                [[_("Category"), _("Complaints")]]
                + [[complaint_label(k, fmt), str(v)] for k, v in c["by_category"].items()],
                [BODY_W * 0.5, BODY_W * 0.2],
                st,
            )
        )
    s_rows: list[list[Any]] = [[_("Standard"), _("Met"), _("Measured"), _("Rate")]]
    for k, v in stds.items():
        s_rows.append([standard_label(k, fmt), str(v["met"]), str(v["total"]), pct(fmt, v["rate"])])
    for role, v in data.get("standards_by_role", {}).items():
        s_rows.append([role_label(role, fmt), str(v["met"]), str(v["total"]), pct(fmt, v["rate"])])
    story.append(
        KeepTogether(
            [
                Paragraph(_esc(_("Service time standards")), st.h2),
                _table(s_rows, [BODY_W * 0.5, BODY_W * 0.15, BODY_W * 0.15, BODY_W * 0.2], st),
            ]
        )
    )
    if data.get("messages"):
        story.append(
            KeepTogether(
                [
                    Paragraph(_esc(_("Messages to clients")), st.h2),
                    _table(message_rows(data["messages"], fmt), [BODY_W * 0.6, BODY_W * 0.4], st),
                ]
            )
        )
    story.append(PageBreak())
    # -- what sold, stock and the month before -----------------------------------------
    story.append(Paragraph(_esc(_("What sold")), st.h1))
    t_rows: list[list[Any]] = [[_("Top services"), _("Count"), _("Revenue")]]
    for s in data.get("top_services", []):
        t_rows.append([fmt.pick(s["name_zh"], s["name_en"]), str(s["count"]), money(fmt, data, s["revenue"])])
    p2_rows: list[list[Any]] = [[_("Top products"), _("Quantity"), _("Revenue")]]
    for s in data.get("top_products", []):
        p2_rows.append(
            [fmt.pick(s["name_zh"], s["name_en"]), str(s["quantity"]), money(fmt, data, s["revenue"])]
        )
    story.append(_table(t_rows, [BODY_W * 0.55, BODY_W * 0.15, BODY_W * 0.3], st))
    story.append(Spacer(1, 4 * mm))
    story.append(_table(p2_rows, [BODY_W * 0.55, BODY_W * 0.15, BODY_W * 0.3], st))
    if data.get("stock"):
        story.append(Spacer(1, 4 * mm))
        story.append(_table(stock_rows(data, fmt), [BODY_W * 0.55, BODY_W * 0.15, BODY_W * 0.3], st))
    story.append(Paragraph(_esc(_("Low stock")), st.h2))
    low = data.get("low_stock", [])
    if low:
        story.append(
            _table(
                [[_("Product"), _("In stock"), _("Reorder at")]]
                + [
                    [fmt.pick(x["name_zh"], x["name_en"]), str(x["stock"]), str(x["reorder_level"])]
                    for x in low
                ],
                [BODY_W * 0.55, BODY_W * 0.15, BODY_W * 0.3],
                st,
            )
        )
    else:
        story.append(Paragraph(_esc(_("Every product is above its reorder level.")), st.body))
    return story


def _kind_of(key: str) -> str:
    if key.startswith("revenue.") or key in ("average_ticket", "prepaid.topups"):
        return "money"
    if key == "rebooking_rate":
        return "pct"
    if key.startswith("satisfaction."):
        return "num"
    return "int"


def _fmt(fmt: Fmt, data: dict[str, Any], v: Any, kind: str) -> str:
    if v is None:
        return "-"
    if kind == "money":
        return money(fmt, data, str(v))
    if kind == "pct":
        return pct(fmt, str(v))
    if kind == "int":
        return fmt.number(int(v))
    return str(v)


def met_of(v: dict[str, Any]) -> str:
    return f"{v['met']}/{v['total']}" if v.get("total") else "-"


def role_label(role: str, fmt: Fmt | None = None) -> str:
    _ = (fmt or i18n.current())._
    return {"reception": _("All reception standards"), "service": _("All service standards")}.get(role, role)


def followup_rows(fu: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Follow-ups: due, then each a part of the one before (attempted, done = client reached, on time)."""
    _ = (fmt or i18n.current())._
    due = fu.get("due", 0)
    return [
        [_("Follow-ups due"), str(due)],
        ["  " + _("called (answered or not)"), f"{fu.get('attempted', 0)} / {due}"],
        ["  " + _("done (client reached)"), f"{fu.get('done', 0)} / {due}"],
        ["  " + _("done on time"), f"{fu.get('done_on_time', 0)} / {fu.get('done', 0)}"],
    ]


def no_show_line(g: dict[str, Any], fmt: Fmt | None = None) -> str:
    """ "12.5 % (3 of 24)": the no-shows of a group of appointments."""
    fmt = fmt or i18n.current()
    if not g.get("appointments"):
        return "-"
    return fmt._("{rate} ({n} of {m})").format(
        rate=pct(fmt, g.get("no_show_rate")), n=g.get("no_shows", 0), m=g["appointments"]
    )


def message_rows(m: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """The report's messages (``data["messages"]``) as rows: sent by kind, by channel, given up, and
    the no-show rate with and without a reminder."""
    fmt = fmt or i18n.current()
    _ = fmt._
    rows: list[list[str]] = [[_("Messages"), _("This month")], [_("Messages sent"), str(m.get("sent", 0))]]
    for kind, n in m.get("sent_by_kind", {}).items():
        if n:
            label = _(KIND_LABELS[MessageKind(kind)]) if kind in MessageKind._value2member_map_ else kind
            rows.append(["  " + label, str(n)])
    for ch, n in m.get("sent_by_channel", {}).items():
        if n:
            label = _(MESSAGE_CHANNEL_LABELS[MessageChannel(ch)]) if ch in MessageChannel._value2member_map_ else ch
            rows.append(["  " + _("by {channel}").format(channel=label), str(n)])
    rows.append([_("Messages not sent (failed or unsure)"), str(m.get("failed", 0))])
    rows.append([_("No-show rate with a reminder"), no_show_line(m.get("with_reminder", {}), fmt)])
    rows.append([_("No-show rate without a reminder"), no_show_line(m.get("without_reminder", {}), fmt)])
    return rows


def complaint_deadline_rows(c: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Complaints by severity, resolved within the severity's deadline, and the call-backs after a
    resolution (docs/service-standard.md); each a part of the line above it."""
    _ = (fmt or i18n.current())._
    sev = c.get("by_severity", {})
    cb = c.get("callbacks", {})
    names = {"high": _("high"), "medium": _("medium"), "low": _("low")}
    return [
        [_("Complaints by severity"), " · ".join(f"{names.get(k, k)} {v}" for k, v in sev.items()) or "-"],
        ["  " + _("resolved (within the deadline)"), f"{c.get('resolved', 0)} ({c.get('resolved_on_time', 0)})"],
        ["  " + _("past the resolve deadline"), str(c.get("resolve_overdue", 0))],
        ["  " + _("remedy: another stylist from now on"), str(c.get("staff_replaced", 0))],
        [_("Call-backs after a resolution"), str(cb.get("done", 0))],
        ["  " + _("satisfied / reopened"), f"{cb.get('satisfied', 0)} / {cb.get('reopened', 0)}"],
        ["  " + _("call-backs waiting"), str(cb.get("waiting", 0))],
    ]


def client_value_rows(cv: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """The clients served in the month by value segment (docs/service-standard.md): a part of
    the clients served, each segment a part of the line above."""
    _ = (fmt or i18n.current())._
    by = cv.get("by_segment", {})
    names = (("key", _("key")), ("loyal", _("loyal")), ("promising", _("promising")), ("standard", _("standard")))
    return [
        [_("Clients served, by value"), str(cv.get("served", 0))],
        ["  " + " / ".join(n for _k, n in names), " / ".join(str(by.get(k, 0)) for k, _n in names)],
    ]


def contact_rows(ct: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Inquiries and service requests answered (on time of the answered ones), the phone picked
    up within the standard's rings (of the calls whose rings were recorded)."""
    _ = (fmt or i18n.current())._
    rows = []
    for key, label in (
        ("inquiries", _("Inquiries answered (on time)")),
        ("service_requests", _("Service requests answered (on time)")),
        ("followup_problems", _("Problems raised on calls answered (on time)")),
    ):
        v = ct.get(key, {})
        rows.append([label, f"{v.get('answered', 0)} / {v.get('count', 0)} ({v.get('answered_on_time', 0)})"])
    ph = ct.get("phone", {})
    rows.append(
        [
            _("Phone picked up within {n} rings").format(n=ph.get("rings_limit", 3)),
            f"{ph.get('within', 0)} / {ph.get('recorded', 0)}",
        ]
    )
    return rows


def incident_rows(inc: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """The incident log's month: how many, still open, re-checks past their day."""
    _ = (fmt or i18n.current())._
    return [
        [_("Incidents (still open)"), f"{inc.get('count', 0)} ({inc.get('open', 0)})"],
        ["  " + _("re-checks past their day"), str(inc.get("recheck_overdue", 0))],
    ]


def spot_check_rows(sc: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Spot checks of records: made, flagged (of those), corrected (of the flagged)."""
    _ = (fmt or i18n.current())._
    return [
        [_("Records spot-checked"), str(sc.get("checked", 0))],
        ["  " + _("flagged / corrected"), f"{sc.get('flagged', 0)} / {sc.get('corrected', 0)}"],
    ]


def appraisal_rows(data: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """The staff appraisal table: the parts (0-100), points off for complaints, the score against
    the pass mark, the performance pay as a share of base pay (docs/service-standard.md)."""
    _ = (fmt or i18n.current())._
    ap = data.get("appraisal", {})
    rules = ap.get("rules", {})
    w = rules.get("weights", {})
    head = [
        _("Staff"),
        _("Quality {w}%").format(w=w.get("quality", 0)),
        _("Sales {w}%").format(w=w.get("sales", 0)),
        _("Rebooking {w}%").format(w=w.get("rebooking", 0)),
        _("Standards {w}%").format(w=w.get("standards", 0)),
        _("Complaints (points off)"),
        _("Score (pass {n})").format(n=rules.get("pass_mark", 80)),
        _("Performance pay (% of base)"),
    ]
    rows = [head]
    for s in ap.get("staff", []):
        parts = s.get("parts", {})
        score = s.get("score")
        mark = "" if s.get("passed") is None else (" ✓" if s["passed"] else " ✕")
        rows.append(
            [
                _staff_name(s["name"]),
                *((parts.get(k) or "-") for k in ("quality", "sales", "rebooking", "standards")),
                f"-{s['penalty']}" if s.get("penalty") else "0",  # no complaints: 0, not "-0"
                (score or "-") + mark,
                _performance_pay(s, data, fmt),
            ]
        )
    return rows


def _performance_pay(s: dict[str, Any], data: dict[str, Any], fmt: Fmt | None) -> str:
    """ "24.0 %" of base pay, and the amount when the owner gave the person's base pay."""
    share = s.get("performance_pay_percent")
    if share is None:
        return "-"
    text = f"{share}%"
    if s.get("performance_pay") is not None:
        text += " · " + _fmt_money(fmt, data, s["performance_pay"])
    return text


def appraisal_note(data: dict[str, Any], fmt: Fmt | None = None) -> str:
    """What the owner should know about the rules: weights that do not add up to 100 count in
    proportion (the score stays out of 100), and where base pay is missing."""
    _ = (fmt or i18n.current())._
    rules = data.get("appraisal", {}).get("rules", {})
    total = rules.get("weights_sum", 100)
    notes = []
    if total != 100:
        notes.append(
            _("! The weights add up to {n}, not 100: each part counts in proportion (Settings › Staff appraisal).").format(
                n=total
            )
        )
    staff = data.get("appraisal", {}).get("staff", [])
    if any(s.get("performance_pay_percent") is not None and s.get("base_pay") is None for s in staff):
        notes.append(_("Performance pay as an amount needs the person's base pay (Settings › Staff)."))
    return " ".join(notes)


def payment_rows(data: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Money taken by method, its total, then what was paid without money changing hands."""
    _ = (fmt or i18n.current())._
    tk = data["takings"]
    rows = [[_("Payment method"), _("Amount")]]
    rows += [[method_label(m, fmt), _fmt_money(fmt, data, a)] for m, a in tk["by_method"].items()]
    rows.append([_("Money taken"), _fmt_money(fmt, data, tk["total"])])
    rows.append([_("Paid from prepaid balances"), _fmt_money(fmt, data, tk["paid_from_prepaid"])])
    if Decimal(tk.get("paid_by_voucher", "0")) != 0:
        rows.append([_("Paid by gift voucher"), _fmt_money(fmt, data, tk["paid_by_voucher"])])
    if Decimal(tk["paid_by_package"]) != 0:
        rows.append([_("Paid with package sessions"), _fmt_money(fmt, data, tk["paid_by_package"])])
    if Decimal(tk.get("paid_by_points", "0")) != 0:
        rows.append([_("Paid with loyalty points"), _fmt_money(fmt, data, tk["paid_by_points"])])
    return rows


def gift_voucher_rows(data: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Gift vouchers: sold, spent and refunded this month; what is still owed on them at its end, and
    what expired unspent."""
    _ = (fmt or i18n.current())._
    g = data["gift_vouchers"]
    return [
        [_("Gift vouchers"), _("Amount")],
        [_("Sold ({n})").format(n=g["sold"]["count"]), _fmt_money(fmt, data, g["sold"]["amount"])],
        [_("Redeemed"), _fmt_money(fmt, data, g["redeemed"])],
        [_("Refunded (voided)"), _fmt_money(fmt, data, g["voided"])],
        [_("Outstanding at month end"), _fmt_money(fmt, data, g["outstanding"])],
        [_("Expired unspent"), _fmt_money(fmt, data, g["expired_unspent"])],
    ]


def stock_rows(data: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Stock (docs/stock.md): what the shelves held at the month's end at cost, the retail shelf apart
    from the back-bar; what deliveries brought; what the counts closed in the month found."""
    f = fmt or i18n.current()
    _ = f._
    sk = data["stock"]
    cn = sk["counts"]
    return [
        [_("Stock at cost"), _("Units"), _("Value")],
        [_("Retail shelf at month end"), f.number(sk["retail"]["units"]), _fmt_money(fmt, data, sk["retail"]["value"])],
        [_("Back-bar at month end"), f.number(sk["backbar"]["units"]), _fmt_money(fmt, data, sk["backbar"]["value"])],
        [_("Received from suppliers"), f.number(sk["received"]["units"]),
         _fmt_money(fmt, data, sk["received"]["value"])],
        [f.ngettext("Count differences ({n} count)", "Count differences ({n} counts)",
                    cn["closed"]).format(n=cn["closed"]), f"{cn['units']:+d}" if cn["units"] else "0",
         _fmt_money(fmt, data, cn["value"])],
    ]


def has_points(data: dict[str, Any]) -> bool:
    """Did loyalty points move this month, or do clients hold any? (A shop without them sees nothing.)"""
    lp = data.get("loyalty_points") or {}
    return any(lp.get(k) for k in ("earned", "redeemed", "reward_points", "given_back", "taken_back", "lapsed",
                                   "outstanding"))


def points_rows(data: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Loyalty points: earned, paid with (and what they paid), spent on rewards, refunds, lapsed; what
    clients hold at the end."""
    f = fmt or i18n.current()
    _ = f._
    lp = data["loyalty_points"]

    def n(points: int) -> str:
        return f.number(points)

    return [
        [_("Loyalty points"), _("Points")],
        [_("Earned"), n(lp["earned"])],
        [_("Paid with points ({amount})").format(amount=_fmt_money(fmt, data, lp["redeemed_value"])),
         n(lp["redeemed"])],
        [f.ngettext("Spent on {count} reward ({amount} at list price)", "Spent on {count} rewards ({amount} at list price)",
                    lp.get("rewards", 0)).format(count=n(lp.get("rewards", 0)),
                                                 amount=_fmt_money(fmt, data, lp.get("reward_value", "0"))),
         n(lp.get("reward_points", 0))],
        [_("Given back by refunds ({amount})").format(amount=_fmt_money(fmt, data, lp.get("given_back_value", "0"))),
         n(lp["given_back"])],
        [_("Taken back by refunds"), n(lp["taken_back"])],
        [_("Lapsed (unused)"), n(lp["lapsed"])],
        [_("Held at month end (worth {amount})").format(amount=_fmt_money(fmt, data, lp["outstanding_value"])),
         n(lp["outstanding"])],
    ]


def reconcile_rows(data: dict[str, Any], fmt: Fmt | None = None) -> list[list[str]]:
    """Revenue + top-ups and gift vouchers sold - paid from prepaid (- by gift voucher, - package) = money
    taken."""
    _ = (fmt or i18n.current())._
    rc = data["takings"]["reconciliation"]
    rows = [
        [_("From revenue to money taken"), _("Amount")],
        [_("Revenue"), _fmt_money(fmt, data, rc["revenue"])],
        [_("+ prepaid top-ups sold"), _fmt_money(fmt, data, rc["prepaid_topups_sold"])],
    ]
    if Decimal(rc.get("gift_vouchers_sold", "0")) != 0:
        rows.append([_("+ gift vouchers sold"), _fmt_money(fmt, data, rc["gift_vouchers_sold"])])
    rows.append([_("− paid from prepaid balances"), _fmt_money(fmt, data, rc["paid_from_prepaid"])])
    if Decimal(rc.get("paid_by_voucher", "0")) != 0:
        rows.append([_("− paid by gift voucher"), _fmt_money(fmt, data, rc["paid_by_voucher"])])
    if Decimal(rc["paid_by_package"]) != 0:
        rows.append([_("− paid with package sessions"), _fmt_money(fmt, data, rc["paid_by_package"])])
    if Decimal(rc.get("paid_by_points", "0")) != 0:
        rows.append([_("− paid with loyalty points"), _fmt_money(fmt, data, rc["paid_by_points"])])
    if Decimal(rc["unexplained"]) != 0:
        rows.append([_("Not explained (run desk-app check)"), _fmt_money(fmt, data, rc["unexplained"])])
    rows.append([_("= money taken"), _fmt_money(fmt, data, rc["takings"])])
    return rows


def stylist_bars(data: dict[str, Any], fmt: Fmt | None = None) -> tuple[list[str], list[Decimal]]:
    """The service-revenue-by-stylist chart's bars: stylists, then "not assigned" when there is any."""
    _ = (fmt or i18n.current())._
    rs = data.get("revenue_by_stylist") or {"rows": [], "not_assigned": "0"}
    labels = [r["name"] for r in rs["rows"]]
    amounts = [Decimal(r["services"]) for r in rs["rows"]]
    if Decimal(rs["not_assigned"]) != 0:
        labels.append(_("Not assigned to a stylist"))
        amounts.append(Decimal(rs["not_assigned"]))
    return labels, amounts


def stylist_sum_line(data: dict[str, Any], fmt: Fmt | None = None) -> str:
    fmt = fmt or i18n.current()
    rs = data["revenue_by_stylist"]
    return fmt._("The bars add up to {sum} = service revenue {total} (receptionists are not in the chart).").format(
        sum=_fmt_money(fmt, data, str(sum(stylist_bars(data, fmt)[1], Decimal(0)))),
        total=_fmt_money(fmt, data, rs["total"]),
    )


def _fmt_money(fmt: Fmt | None, data: dict[str, Any], v: str) -> str:
    return (fmt or i18n.current()).money(Decimal(v), data["currency"])


def method_label(m: str, fmt: Fmt | None = None) -> str:
    """The domain's word for a payment method, in the report's language."""
    if m not in PaymentMethod._value2member_map_:
        return m
    return (fmt or i18n.current())._(METHOD_LABELS[PaymentMethod(m)])


def complaint_label(k: str, fmt: Fmt | None = None) -> str:
    """The domain's word for a complaint category, in the report's language."""
    if k not in ComplaintCategory._value2member_map_:
        return k
    return (fmt or i18n.current())._(COMPLAINT_CATEGORY_LABELS[ComplaintCategory(k)])


def compare_label(key: str, fmt: Fmt | None = None) -> str:
    _ = (fmt or i18n.current())._
    return {
        "revenue.total": _("Revenue"), "revenue.services": _("Services"), "revenue.products": _("Retail products"),
        "revenue.tips": _("Tips"), "visits": _("Visits"), "new_clients": _("New clients"),
        "returning_clients": _("Returning clients"), "average_ticket": _("Average ticket"),
        "rebooking_rate": _("Rebooking rate"), "no_shows": _("No-shows"), "members_new": _("New members (VIP)"),
        "prepaid.topups": _("Prepaid top-ups"), "satisfaction.checkout.average": _("Checkout score"),
        "satisfaction.followup.average": _("Follow-up call score"),
        "complaints.count": _("Complaints"),
    }.get(key, key)  # fmt: skip


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Writes "page N of M" once the page count is known."""

    footer = ""
    page_fmt: Fmt  # set by render_pdf

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        n = len(self._pages)
        for i, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(MUTED)
            self.drawString(MARGIN, 10 * mm, self.footer)
            self.drawRightString(
                PAGE_W - MARGIN, 10 * mm, self.page_fmt._("Page {n} of {m}").format(n=i, m=n)
            )
            self.setStrokeColor(LINE)
            self.line(MARGIN, 14 * mm, PAGE_W - MARGIN, 14 * mm)
            super().showPage()
        super().save()


def render_pdf(data: dict[str, Any], out: str | os.PathLike[str] | IO[bytes], fmt: Fmt) -> None:
    """Write the report in ``fmt`` (its language; build it with ``Fmt.for_shop``)."""
    register_cjk_font()
    _ = fmt._
    footer = "{shop} · {title} · {month}".format(
        shop=data.get("shop", {}).get("name", ""),
        title=_("Monthly summary"),
        month=period_title(data["month"], data.get("period"), fmt),
    )
    canvas_cls = type("_Canvas", (_NumberedCanvas,), {"footer": footer, "page_fmt": fmt})
    target: Any = str(out) if isinstance(out, (str, Path)) else out
    doc = SimpleDocTemplate(
        target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=20 * mm,
        title=footer, author=data.get("shop", {}).get("name", ""), subject=_("Monthly summary"),
    )  # fmt: skip
    with PDF_LOCK:
        doc.build(build_story(data, fmt), canvasmaker=canvas_cls)


def render_pdf_bytes(data: dict[str, Any], fmt: Fmt) -> bytes:
    buf = io.BytesIO()
    render_pdf(data, buf, fmt)
    return buf.getvalue()


def _thousands(fmt: Fmt) -> Callable[[float], str]:
    return lambda v: fmt.number(int(v))
