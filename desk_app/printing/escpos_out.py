"""Straight to an ESC/POS thermal printer (python-escpos), Chinese as GB18030.

Set up in Settings as ``printing.escpos_target``: ``tcp://192.168.1.50:9100`` or
``usb:0x0416:0x5011``. Tests pass an ``escpos.printer.Dummy``.
"""

from __future__ import annotations

from typing import Any

from desk_app import i18n
from desk_app.checkout.views import SaleView
from desk_app.i18n import Fmt
from desk_app.printing.common import L, method_label, money, when

# ESC/POS: select the Chinese (GB18030) character mode on common Chinese printers (FS &)
_CHINESE_ON = b"\x1c\x26"
_INIT = b"\x1b\x40"
_CUT = b"\x1d\x56\x42\x00"


def _cols(text: str) -> int:
    """Printed width in columns: CJK characters take two."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def _pair(left: str, right: str, width: int) -> str:
    gap = width - _cols(left) - _cols(right)
    if gap < 1:
        return f"{left}\n{' ' * max(0, width - _cols(right))}{right}"
    return left + " " * gap + right


def receipt_text(view: SaleView, fmt: Fmt, width: int = 48) -> str:
    """The receipt as plain text in ``fmt`` for a printer ``width`` columns wide (48 on 80 mm, 32 on 58 mm)."""
    cur = view.currency
    pad = max(0, (width - _cols(view.shop.name)) // 2)
    out: list[str] = [" " * pad + view.shop.name]
    if view.shop.phone:
        out.append(view.shop.phone)
    out.append(L(fmt, "receipt") if view.kind == "sale" else L(fmt, view.kind))
    out.append(_pair(L(fmt, "receipt_no"), view.receipt_no, width))
    out.append(_pair(L(fmt, "date"), when(fmt, view.sold_at), width))
    if view.client_id:
        out.append(_pair(L(fmt, "client_no"), view.client_number, width))
    out.append("-" * width)
    for ln in view.lines:
        if ln.kind == "rounding":
            continue
        out.append(
            _pair(
                fmt.pick(ln.name_zh, ln.name_en) + (f" x{ln.quantity}" if ln.quantity != 1 else ""),
                money(fmt, ln.line_total_minor, cur),
                width,
            )
        )
        if ln.staff_name and ln.kind == "service":
            out.append(f"  {L(fmt, 'stylist')}: {ln.staff_name}")
    out.append("-" * width)
    if view.rounding_minor:
        out.append(_pair(L(fmt, "rounding"), money(fmt, view.rounding_minor, cur), width))
    out.append(_pair(L(fmt, "total"), money(fmt, view.total_minor, cur), width))
    for p in view.payments:
        out.append(_pair(method_label(fmt, p.method), money(fmt, p.amount_minor, cur), width))
        if p.change_minor:
            out.append(_pair(L(fmt, "change"), money(fmt, p.change_minor, cur), width))
    if view.prepaid_balance_after_minor is not None:
        out.append(_pair(L(fmt, "balance_after"), money(fmt, view.prepaid_balance_after_minor, cur), width))
    if view.next_appointment is not None:
        out.append(
            f"{L(fmt, 'next_appt')}: {when(fmt, view.next_appointment.start_at)} {view.next_appointment.staff_name}"
        )
    out.append(L(fmt, "thanks"))
    return "\n".join(out) + "\n"


def open_printer(target: str) -> Any:
    """A python-escpos printer for ``tcp://host:port`` or ``usb:VID:PID``."""
    from escpos import printer

    if target.startswith("tcp://"):
        host, _sep, port = target[len("tcp://") :].partition(":")
        return printer.Network(host, port=int(port or 9100), timeout=5)
    if target.startswith("usb:"):
        _u, vid, pid = target.split(":")
        return printer.Usb(int(vid, 16), int(pid, 16))
    raise ValueError(
        i18n._("The receipt printer address should look like tcp://192.168.1.50:9100 or usb:0x0416:0x5011.")
    )


def print_receipt_escpos(view: SaleView, printer: Any, fmt: Fmt, width: int = 48) -> bytes:
    """Send the receipt in ``fmt`` to ``printer`` (anything with ``_raw(bytes)``); returns the bytes sent."""
    data = (
        _INIT
        + _CHINESE_ON
        + receipt_text(view, fmt, width).encode("gb18030", errors="replace")
        + b"\n\n\n"
        + _CUT
    )
    printer._raw(data)
    return data
