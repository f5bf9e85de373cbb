"""Straight to an ESC/POS thermal printer, through python-escpos's public API.

Each desk chooses its printer (desk_app.desk, "receipt_printer"); the address says how it is
connected, and each kind is python-escpos's own printer class:

- ``tcp://HOST[:PORT]``               a network printer (port 9100 unless said): ``Network``
- ``usb:VID:PID``                     a USB printer, ids in hex (``usb:0x0416:0x5011``): ``Usb``
- ``serial:DEVICE[?baudrate=N]``      a serial port (``serial:/dev/ttyUSB0``, ``serial:COM3``): ``Serial``
- ``cups:QUEUE``                      a raw CUPS queue: ``CupsPrinter`` with pycups, else ``LP``
                                      (CUPS's own ``lp -o raw``; pycups needs compiling, lp is there)
- ``win32:PRINTER NAME``              the Windows print spooler, raw (pywin32): ``Win32Raw``
- ``file:DEVICE``                     a device file such as ``/dev/usb/lp0``: ``File``

Text goes through python-escpos's encoder with the desk's printer profile: a receipt holding
Chinese is sent as GB18030 (what Chinese thermal printers speak), so the yuan sign is the
full-width ``￥`` (2 bytes) rather than ``¥`` (4 bytes in GB18030, unprintable); a receipt with no
Chinese at all (an English receipt for "Hélène Andréa") is written in the profile's code pages, so
accented names print on Western printers. Then a cut. The cash drawer is kicked through the same
printer (``cashdraw``). Tests use python-escpos's ``Dummy`` and a loopback TCP printer.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from desk_app.checkout.views import SaleView
from desk_app.domain.voucher import shown
from desk_app.i18n import Fmt, _
from desk_app.printing.common import L, method_label, money, points_rows, voucher_expiry, voucher_spent, when

SCHEMES = ("tcp", "usb", "serial", "cups", "win32", "file")
EXAMPLES = "tcp://192.168.1.50:9100, usb:0x0416:0x5011, serial:/dev/ttyUSB0, cups:Receipts, win32:POS-80, file:/dev/usb/lp0"


@dataclass(frozen=True)
class Target:
    """A parsed printer address."""

    scheme: str
    host: str = ""
    port: int = 9100
    vendor: int = 0
    product: int = 0
    device: str = ""  # serial port, device file, CUPS queue or Windows printer name
    baudrate: int = 9600


def parse_target(address: str) -> Target:
    """The printer an address names, or ValueError saying how to write one."""
    text = (address or "").strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    bad = ValueError(_("{address} is not a receipt printer address; for example {examples}").format(
        address=repr(text), examples=EXAMPLES))
    if not sep or scheme not in SCHEMES:
        raise bad
    if scheme == "tcp":
        m = re.fullmatch(r"//([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::([0-9]{1,5}))?/?", rest)
        if not m or not 0 < int(m.group(2) or 9100) < 65536:
            raise bad
        return Target("tcp", host=m.group(1).strip("[]"), port=int(m.group(2) or 9100))
    if scheme == "usb":
        m = re.fullmatch(r"(?:0x)?([0-9A-Fa-f]{1,4}):(?:0x)?([0-9A-Fa-f]{1,4})", rest)
        if not m:
            raise bad
        return Target("usb", vendor=int(m.group(1), 16), product=int(m.group(2), 16))
    device, _q, query = rest.partition("?")
    device = device.strip()
    if not device:
        raise bad
    if scheme == "serial":
        rate = parse_qs(query).get("baudrate", ["9600"])[0]
        if not rate.isdigit() or int(rate) not in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200):
            raise ValueError(_("{address}: the baud rate should be one of 9600, 19200, 38400, 57600, 115200").format(
                address=repr(text)))
        return Target("serial", device=device, baudrate=int(rate))
    return Target(scheme, device=device)


def open_printer(address: str, profile: str = "default") -> Any:
    """The python-escpos printer an address names (not connected until the first byte is sent)."""
    from escpos import printer

    t = parse_target(address)
    if profile not in profiles():
        raise ValueError(_("{profile} is not a printer model python-escpos knows; for example {examples}").format(
            profile=repr(profile), examples=", ".join(profiles()[:6])))
    kwargs: dict[str, Any] = {"profile": profile}
    if t.scheme == "tcp":
        return printer.Network(t.host, port=t.port, timeout=5, **kwargs)
    if t.scheme == "usb":
        return printer.Usb(t.vendor, t.product, **kwargs)
    if t.scheme == "serial":
        return printer.Serial(devfile=t.device, baudrate=t.baudrate, **kwargs)
    if t.scheme == "cups":
        if printer.CupsPrinter.is_usable():
            return printer.CupsPrinter(printer_name=t.device, **kwargs)
        if printer.LP.is_usable():
            return printer.LP(printer_name=t.device, **kwargs)
        raise PrinterUnavailable(_("{address}: this computer has no CUPS printing (neither pycups nor the lp command)")
                                 .format(address=address))
    if t.scheme == "win32":
        if not printer.Win32Raw.is_usable():
            raise PrinterUnavailable(_("{address}: the Windows print spooler is there only on Windows (with pywin32)")
                                     .format(address=address))
        return printer.Win32Raw(printer_name=t.device, **kwargs)
    return printer.File(devfile=t.device, **kwargs)


class PrinterUnavailable(ValueError):
    """The printer's kind cannot be used on this computer."""


# python-escpos sends text holding a CJK ideograph as GB18030 (escpos.magicencode)
_SENT_AS_GB18030 = re.compile(r"[\u4e00-\u9fa5]")


def profiles() -> list[str]:
    """The printer models (python-escpos profiles: code pages, paper width), "default" first."""
    from escpos.capabilities import CAPABILITIES

    return sorted(CAPABILITIES["profiles"], key=lambda n: (n != "default", n.lower()))


def printable(text: str) -> str:
    """The text as the printer should get it: when it goes out as GB18030 (it holds Chinese, in
    any language of the receipt: a client's or a service's name), the yuan sign is the full-width
    ￥ (A3 A4), which every Chinese printer has; ¥ (U+00A5) would be four unprintable bytes. Text
    with no Chinese keeps ¥ for the profile's code page (CP437 0x9D)."""
    return text.replace("\u00a5", "\uffe5") if _SENT_AS_GB18030.search(text) else text


def _cols(text: str) -> int:
    """Printed width in columns: CJK characters take two."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def _pair(left: str, right: str, width: int) -> str:
    gap = width - _cols(left) - _cols(right)
    if gap < 1:
        return f"{left}\n{' ' * max(0, width - _cols(right))}{right}"
    return left + " " * gap + right


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns (CJK characters count two)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and _cols(line + ch) > width:
                out.append(line)
                line = ch.lstrip()
            else:
                line += ch
        out.append(line)
    return out


def _pack(pieces: list[str], width: int) -> list[str]:
    """The pieces on as few lines as fit, a piece broken only when it is wider than a line (so a
    voucher's code stays on one line)."""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line and _cols((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    lines.append(line.rstrip())
    return [part for text in lines for part in _wrap(text, width)]


def _centre(text: str, width: int) -> list[str]:
    return [" " * max(0, (width - _cols(t)) // 2) + t for t in _wrap(text, width)]


@dataclass(frozen=True)
class BigCode:
    """A gift voucher's code printed large (double width and height) in groups of four."""

    code: str


@dataclass(frozen=True)
class ScanCodes:
    """A gift voucher's plain code as a Code128 barcode and a QR code (the printer draws both)."""

    code: str


Part = str | BigCode | ScanCodes


def receipt_text(view: SaleView, fmt: Fmt, width: int = 48) -> str:
    """The receipt as plain text in ``fmt`` for a printer ``width`` columns wide (48 on 80 mm, 32
    on 58 mm): what the PDF receipt says (desk_app/printing/receipt.py), line for line. A gift
    voucher's code is a centred line; its barcode and QR code are left out."""
    out: list[str] = []
    for part in receipt_parts(view, fmt, width):
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, BigCode):
            out += _centre(shown(part.code), width)
    return "\n".join(out) + "\n"


def receipt_parts(view: SaleView, fmt: Fmt, width: int = 48) -> list[Part]:
    """The receipt's lines of text, with where a gift voucher's large code and its barcode and QR
    code go."""
    cur = view.currency
    shop = view.shop
    out: list[Part] = [*_centre(shop.name, width)]
    tax = f"{L(fmt, 'tax_number')} {shop.tax_number}" if shop.tax_number else ""  # as the PDF: labelled
    for extra in (shop.receipt_header, shop.address, shop.phone, tax):
        if extra:
            out += _centre(extra, width)
    out += _centre(L(fmt, "receipt") if view.kind == "sale" else L(fmt, view.kind), width)
    out.append("-" * width)
    out.append(_pair(L(fmt, "receipt_no"), view.receipt_no, width))
    out.append(_pair(L(fmt, "date"), when(fmt, view.sold_at), width))
    if view.original_receipt_no:
        out.append(_pair(L(fmt, "original"), view.original_receipt_no, width))
    if view.reason:
        out += _wrap(f"{L(fmt, 'reason')}: {view.reason}", width)
    if view.cashier_name:
        out.append(_pair(L(fmt, "cashier"), view.cashier_name, width))
    if view.client_id:
        out.append(_pair(L(fmt, "client"), view.client_name, width))
        if view.member_status == "vip":  # the number on the member's card
            out.append(_pair(L(fmt, "client_no"), view.client_number, width))
    out.append("-" * width)
    for ln in view.lines:
        if ln.kind == "rounding":
            continue
        name = fmt.pick(ln.name_zh, ln.name_en)
        label = name if ln.quantity in (1, -1) else f"{name} x{ln.quantity}"
        gross = ln.quantity * ln.unit_price_minor
        out.append(_pair(label, money(fmt, gross if ln.kind != "tip" else ln.line_total_minor, cur), width))
        if ln.staff_name and ln.kind in ("service", "tip"):
            out.append(f"  {L(fmt, 'stylist')}: {ln.staff_name}")
        if ln.discount_reason in ("package", "reward") and ln.line_total_minor == 0:
            out.append(_pair("  " + L(fmt, ln.discount_reason), money(fmt, -ln.discount_minor, cur), width))
        elif ln.discount_minor:
            why = f" ({ln.discount_reason})" if ln.discount_reason else ""
            out.append(_pair("  " + L(fmt, "discount") + why, money(fmt, -ln.discount_minor, cur), width))
        if ln.member_discount_minor:
            out.append(_pair("  " + L(fmt, "member_price"), money(fmt, -ln.member_discount_minor, cur), width))
    out.append("-" * width)
    out.append(_pair(L(fmt, "subtotal"), money(fmt, view.subtotal_minor, cur), width))
    if view.discount_minor:
        out.append(_pair(L(fmt, "discounts"), money(fmt, -view.discount_minor, cur), width))
    if view.tax_minor:
        word = L(fmt, "tax_incl") if view.prices_include_tax else L(fmt, "tax")
        out.append(_pair(word, money(fmt, view.tax_minor, cur), width))
    if view.tip_minor:
        out.append(_pair(L(fmt, "tip"), money(fmt, view.tip_minor, cur), width))
    if view.rounding_minor:
        out.append(_pair(L(fmt, "rounding"), money(fmt, view.rounding_minor, cur), width))
    out.append(_pair(L(fmt, "total"), money(fmt, view.total_minor, cur), width))
    out.append("-" * width)
    for p in view.payments:
        out.append(_pair(method_label(fmt, p.method), money(fmt, p.amount_minor, cur), width))
        if p.method == "cash" and p.tendered_minor:
            out.append(_pair("  " + L(fmt, "tendered"), money(fmt, p.tendered_minor, cur), width))
            out.append(_pair("  " + L(fmt, "change"), money(fmt, p.change_minor, cur), width))
    if view.prepaid_balance_after_minor is not None:
        out.append(_pair(L(fmt, "balance_after"), money(fmt, view.prepaid_balance_after_minor, cur), width))
    for label, value in points_rows(fmt, view):
        out.append(_pair(label, value, width))
    for v in view.vouchers_spent:
        out += _pack(voucher_spent(fmt, v, cur), width)
    for zh, en, left in view.package_sessions_left:
        out.append(_pair(f"{fmt.pick(zh, en)} · {L(fmt, 'sessions_left')}", str(left), width))
    for v in view.vouchers_sold:  # as the PDF: value, code large, barcode, QR code, until when
        out.append("=" * width)
        out += _centre(L(fmt, "voucher"), width)
        out += _centre(money(fmt, v.amount_minor, cur), width)
        out += _centre(L(fmt, "voucher_code"), width)
        out.append(BigCode(v.code))
        out.append(ScanCodes(v.code))
        out += _centre(voucher_expiry(fmt, v), width)
        out.append("=" * width)
    if view.client_id:
        status = L(fmt, "vip") if view.member_status == "vip" else L(fmt, "not_member")
        out.append(_pair(L(fmt, "member_status"), status, width))
        if view.member_upgrade and view.kind == "sale":
            out += _wrap(L(fmt, "upgraded"), width)
    nxt = view.next_appointment
    if nxt is not None:
        out.append("-" * width)
        out.append(L(fmt, "next_appt"))
        names = "、".join(nxt.service_names_zh) if fmt.is_zh else ", ".join(nxt.service_names_en)
        out += _wrap(" · ".join(x for x in (when(fmt, nxt.start_at), nxt.staff_name, names) if x), width)
    policy = fmt.pick(shop.return_policy_zh, shop.return_policy_en)
    if policy:
        out.append("-" * width)
        out.append(L(fmt, "policy"))
        out += _wrap(policy, width)
    out.append("")
    out += _centre(L(fmt, "thanks"), width)
    return out


def print_receipt_escpos(view: SaleView, printer: Any, fmt: Fmt, width: int = 48) -> None:
    """Print the receipt in ``fmt`` on ``printer`` (a python-escpos printer): reset, the text,
    a cut. A gift voucher sold gets its code large, a Code128 barcode and a QR code (the printer's
    own, GS k and GS ( k) between the lines. The connection is closed afterwards, also when
    sending fails."""
    lines: list[str] = []
    try:
        printer.hw("INIT")
        for part in receipt_parts(view, fmt, width):
            if isinstance(part, str):
                lines.append(part)
                continue
            if lines:
                printer.text(printable("\n".join(lines) + "\n"))
                lines = []
            if isinstance(part, BigCode):
                printer.set(align="center", bold=True, double_width=True, double_height=True)
                printer.text(shown(part.code) + "\n")
                printer.set(align="left", bold=False, normal_textsize=True)
            else:
                _scan_codes(printer, part.code)
        printer.text(printable("\n".join(lines) + "\n") + "\n")
        printer.cut()
    finally:
        printer.close()


def _scan_codes(printer: Any, code: str) -> None:
    """The plain code as a Code128 barcode (code set B: letters and digits) and a QR code, centred."""
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints which renderer it used
        printer.barcode("{B" + code, "CODE128", height=64, width=2, pos="OFF", function_type="B")
    printer.text("\n")
    printer.set(align="center")
    printer.qr(code, size=6, native=True)
    printer.text("\n")
    printer.set(align="left")


def print_test_page(printer: Any, shop_name: str, columns: int = 48) -> None:
    """A short page that shows the printer works: the shop's name, Chinese and accented Latin
    text, a ruler as wide as the paper's columns, the yuan sign, and a cut."""
    lines = [shop_name, "测试页 · 收银小票打印机", "Test page · Hélène Andréa", "1234567890" * (columns // 10)
             + "1234567890"[: columns % 10], _pair("合计", "￥88.00", columns)]
    try:
        printer.hw("INIT")
        printer.text(printable("\n".join(lines)) + "\n")
        printer.cut()
    finally:
        printer.close()


def open_drawer(printer: Any, pin: int = 2) -> None:
    """Kick the cash drawer wired to the printer's drawer port (pin 2 or 5)."""
    try:
        printer.cashdraw(pin)
    finally:
        printer.close()
