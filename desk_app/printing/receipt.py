"""Receipts on 80 mm and 58 mm thermal paper and on A5 (ReportLab), Chinese or English."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import IO

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from desk_app import i18n
from desk_app.checkout.views import SaleView, VoucherOnSale
from desk_app.domain.voucher import shown
from desk_app.fonts import register_cjk_font
from desk_app.i18n import Fmt
from desk_app.printing.common import (
    L,
    method_label,
    money,
    pct,
    points_rows,
    voucher_expiry,
    voucher_spent,
    when,
)
from desk_app.printing.flow import Flow
from desk_app.shop.service import ShopInfo

LAYOUTS = ("80mm", "58mm", "a5")
# page width, margin, base font size
_GEOMETRY: dict[str, tuple[float, float, float]] = {
    "80mm": (80 * mm, 4 * mm, 8.0),
    "58mm": (58 * mm, 2.5 * mm, 7.0),
    "a5": (A5[0], 14 * mm, 10.0),
}


def receipt_language(view: SaleView, lang: str | None = None) -> str:
    """The client's language when known, else the shop's."""
    return i18n.normalise_language(lang or view.client_language or view.shop.locale)


def receipt_fmt(view: SaleView, lang: str | None = None) -> Fmt:
    """How the sale's papers speak: ``lang`` or the client's or the shop's language, the shop's time zone."""
    return Fmt.for_shop(receipt_language(view, lang), view.shop.timezone, view.shop.currency)


def build_receipt(view: SaleView, fmt: Fmt, layout: str = "80mm") -> Flow:
    if layout not in _GEOMETRY:
        raise ValueError(f"unknown receipt layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    width, margin, size = _GEOMETRY[layout]
    f = Flow(width=width, margin=margin, font=register_cjk_font(), size=size)
    cur = view.currency
    shop = view.shop
    f.text(shop.name, size=size * 1.6, align="center")
    tax = f"{L(fmt, 'tax_number')} {shop.tax_number}" if shop.tax_number else ""  # a bare number said nothing
    for extra in (shop.receipt_header, shop.address, shop.phone, tax):
        if extra:
            f.text(extra, size=size * 0.9, align="center")
    f.space(3)
    title = L(fmt, "receipt") if view.kind == "sale" else L(fmt, view.kind)
    f.text(title, size=size * 1.3, align="center")
    f.rule()
    f.row(L(fmt, "receipt_no"), view.receipt_no)
    f.row(L(fmt, "date"), when(fmt, view.sold_at))
    if view.original_receipt_no:
        f.row(L(fmt, "original"), view.original_receipt_no)
    if view.reason:
        f.text(f"{L(fmt, 'reason')}: {view.reason}")
    if view.cashier_name:
        f.row(L(fmt, "cashier"), view.cashier_name)
    if view.client_id:
        f.row(L(fmt, "client"), view.client_name)
        f.row(L(fmt, "client_no"), view.client_number)
    f.rule()
    ind = size * 1.2
    for ln in view.lines:
        name = fmt.pick(ln.name_zh, ln.name_en)
        if ln.kind == "rounding":
            continue
        label = name if ln.quantity in (1, -1) else f"{name} × {ln.quantity}"
        gross = ln.quantity * ln.unit_price_minor
        f.row(label, money(fmt, gross if ln.kind != "tip" else ln.line_total_minor, cur))
        if ln.staff_name and ln.kind in ("service", "tip"):
            f.text(f"{L(fmt, 'stylist')}: {ln.staff_name}", size=size * 0.9, indent=ind)
        if ln.discount_reason in ("package", "reward") and ln.line_total_minor == 0:
            f.row(L(fmt, ln.discount_reason), money(fmt, -ln.discount_minor, cur), size=size * 0.9, indent=ind)
        elif ln.discount_minor:
            why = f" ({ln.discount_reason})" if ln.discount_reason else ""
            f.row(L(fmt, "discount") + why, money(fmt, -ln.discount_minor, cur), size=size * 0.9, indent=ind)
        if ln.member_discount_minor:
            f.row(
                L(fmt, "member_price"),
                money(fmt, -ln.member_discount_minor, cur),
                size=size * 0.9,
                indent=ind,
            )
        if ln.tax_minor:
            word = L(fmt, "tax_incl") if view.prices_include_tax else L(fmt, "tax_excl")
            f.row(f"{word} {pct(ln.tax_rate_bp)}", money(fmt, ln.tax_minor, cur), size=size * 0.9, indent=ind)
    f.rule()
    f.row(L(fmt, "subtotal"), money(fmt, view.subtotal_minor, cur))
    if view.discount_minor:
        f.row(L(fmt, "discounts"), money(fmt, -view.discount_minor, cur))
    if view.tax_minor:
        word = L(fmt, "tax_incl") if view.prices_include_tax else L(fmt, "tax")
        f.row(word, money(fmt, view.tax_minor, cur))
    if view.tip_minor:
        f.row(L(fmt, "tip"), money(fmt, view.tip_minor, cur))
    if view.rounding_minor:
        f.row(L(fmt, "rounding"), money(fmt, view.rounding_minor, cur))
    f.row(L(fmt, "total"), money(fmt, view.total_minor, cur), size=size * 1.35, bold=True)
    f.rule()
    for p in view.payments:
        f.row(method_label(fmt, p.method), money(fmt, p.amount_minor, cur))
        if p.method == "cash" and p.tendered_minor:
            f.row(L(fmt, "tendered"), money(fmt, p.tendered_minor, cur), size=size * 0.9, indent=ind)
            f.row(L(fmt, "change"), money(fmt, p.change_minor, cur), size=size * 0.9, indent=ind)
    if view.prepaid_balance_after_minor is not None:
        f.row(L(fmt, "balance_after"), money(fmt, view.prepaid_balance_after_minor, cur))
    for label, value in points_rows(fmt, view):
        f.row(label, value)
    for v in view.vouchers_spent:
        line = ""
        for piece in voucher_spent(fmt, v, cur):  # a new line only between pieces: the code stays whole
            if line and stringWidth((line + piece).rstrip(), f.font, size) > f.inner:
                f.text(line.rstrip())
                line = ""
            line += piece
        f.text(line.rstrip())
    for zh, en, left in view.package_sessions_left:
        f.row(f"{fmt.pick(zh, en)} · {L(fmt, 'sessions_left')}", str(left))
    for v in view.vouchers_sold:
        _voucher_block(f, fmt, v, cur, size)
    if view.client_id:
        f.row(L(fmt, "member_status"), L(fmt, "vip") if view.member_status == "vip" else L(fmt, "not_member"))
        if view.member_upgrade and view.kind == "sale":
            f.text(L(fmt, "upgraded"), size=size * 0.95)
    nxt = view.next_appointment
    if nxt is not None:
        f.rule()
        f.text(L(fmt, "next_appt"), size=size * 1.05)
        names = "、".join(nxt.service_names_zh) if fmt.is_zh else ", ".join(nxt.service_names_en)
        f.text(" · ".join(x for x in (when(fmt, nxt.start_at), nxt.staff_name, names) if x))
    policy = fmt.pick(shop.return_policy_zh, shop.return_policy_en)
    if policy:
        f.rule()
        f.text(L(fmt, "policy"), size=size * 0.95)
        f.text(policy, size=size * 0.85)
    f.space(4)
    f.text(L(fmt, "thanks"), align="center")
    return f


def barcode_drawing(code: str) -> Drawing:
    """The plain code as a Code128 barcode, the code written under it."""
    d: Drawing = createBarcodeDrawing("Code128", value=code, barWidth=0.8, barHeight=12 * mm, humanReadable=True)
    return d


def qr_drawing(code: str, side: float = 26 * mm) -> Drawing:
    """The plain code as a QR code ``side`` points square."""
    widget = QrCodeWidget(code)
    x0, y0, x1, y1 = widget.getBounds()
    d = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    d.add(widget)
    return d


def _voucher_block(f: Flow, fmt: Fmt, v: VoucherOnSale, cur: str, size: float) -> None:
    """A gift voucher this sale sold: its value, its code large in groups of four, a barcode and a
    QR code of the plain code (what the desk scans to spend it), and until when it can be spent."""
    f.rule(dashed=False)
    f.text(L(fmt, "voucher"), size=size * 1.3, align="center")
    f.text(money(fmt, v.amount_minor, cur), size=size * 1.6, align="center")
    f.text(L(fmt, "voucher_code"), size=size * 0.9, align="center")
    f.text(shown(v.code), size=size * 1.8, align="center", font="Courier-Bold")
    f.space(2)
    f.drawing(barcode_drawing(v.code))
    f.drawing(qr_drawing(v.code))
    f.text(voucher_expiry(fmt, v), align="center")
    f.rule(dashed=False)


def render_receipt(
    view: SaleView, out: str | os.PathLike[str] | IO[bytes], fmt: Fmt, layout: str = "80mm"
) -> int:
    """Write the receipt PDF in ``fmt`` (see ``receipt_fmt``); returns the page count."""
    flow = build_receipt(view, fmt, layout)
    page_h = A5[1] if layout == "a5" else None
    return flow.render(out, page_height=page_h, title=f"{view.shop.name} {view.receipt_no}")


def render_voucher_slip(
    code: str, balance_minor: int, expires_on: date | None, issued_at: datetime, shop: ShopInfo,
    out: str | os.PathLike[str] | IO[bytes], fmt: Fmt, layout: str = "80mm",
) -> int:
    """A gift voucher on its own (one moved to a new code, or printed again): the shop, the value
    left, the code large, its barcode and QR code, until when it can be spent."""
    if layout not in _GEOMETRY:
        raise ValueError(f"unknown receipt layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    width, margin, size = _GEOMETRY[layout]
    f = Flow(width=width, margin=margin, font=register_cjk_font(), size=size)
    f.text(shop.name, size=size * 1.6, align="center")
    for extra in (shop.address, shop.phone):
        if extra:
            f.text(extra, size=size * 0.9, align="center")
    f.space(3)
    f.row(L(fmt, "date"), when(fmt, issued_at))
    _voucher_block(f, fmt, VoucherOnSale(code, balance_minor, balance_minor, expires_on), shop.currency, size)
    f.space(4)
    f.text(L(fmt, "thanks"), align="center")
    page_h = A5[1] if layout == "a5" else None
    return f.render(out, page_height=page_h, title=f"{shop.name} {shown(code)}")
