"""Gift vouchers on the receipts (docs/vouchers.md): a sale that sold vouchers prints each one's
value, its code in groups of four, a Code128 barcode and a QR code of the plain code and until when
it can be spent, on the PDF (read back with pypdf) and on an ESC/POS printer (python-escpos's
Dummy); a sale that spent one prints what it took and what is left."""

from __future__ import annotations

import io

import pytest
from escpos.printer import Dummy
from pypdf import PdfReader

from desk_app.checkout.service import PaymentIn
from desk_app.checkout.views import SaleView
from desk_app.container import Services
from desk_app.domain import voucher as gv
from desk_app.domain.permissions import Actor
from desk_app.printing.common import money
from desk_app.printing.escpos_out import print_receipt_escpos, receipt_text
from desk_app.printing.receipt import receipt_fmt, render_receipt
from desk_app.settings import S
from tests.integration.test_checkout_support import product

GS_K = b"\x1dk"  # GS k: print a barcode
GS_QR = b"\x1d(k"  # GS ( k: a 2D code (QR)


def _pdf(view: SaleView, lang: str, layout: str = "80mm") -> tuple[str, PdfReader]:
    buf = io.BytesIO()
    assert render_receipt(view, buf, receipt_fmt(view, lang), layout) >= 1
    reader = PdfReader(io.BytesIO(buf.getvalue()))
    return "\n".join(p.extract_text() for p in reader.pages), reader


@pytest.fixture
def sold(services: Services, owner: Actor) -> SaleView:
    """Two vouchers of 500.00 each, paid by card."""
    bill = services.checkout.add_voucher(services.checkout.build_bill(owner), 50000, 2)
    paid = services.payments.pay(owner, bill, [PaymentIn("card", bill.total_minor)])
    view = services.payments.get_sale(paid.sale_id)
    assert len(view.vouchers_sold) == 2
    return view


@pytest.mark.parametrize("layout", ["80mm", "58mm", "a5"])
def test_the_pdf_receipt_prints_each_sold_voucher_with_its_codes(sold: SaleView, layout: str) -> None:
    fmt = receipt_fmt(sold, "zh_CN")
    text, reader = _pdf(sold, "zh_CN", layout)
    content = b"".join(p.get_contents().get_data() for p in reader.pages)  # type: ignore[union-attr]
    for v in sold.vouchers_sold:
        assert v.expires_on is not None
        assert gv.shown(v.code) in text  # large, in groups of four
        assert v.code in text  # the plain code written under its barcode
        assert f"有效期至 {v.expires_on:%Y-%m-%d}" in text
    assert text.count("礼品券") >= 3  # the sale line and each voucher's heading
    assert "券码" in text and money(fmt, 50000, sold.currency) in text
    # the barcodes and QR codes are drawn: many filled rectangles besides the text and rules
    assert content.count(b" re") > 2 * 100


def test_the_english_pdf_says_valid_until_or_no_end_date(services: Services, owner: Actor, sold: SaleView) -> None:
    text, _r = _pdf(sold, "en")
    assert "Gift voucher" in text and "Code" in text and "Valid until" in text
    for v in sold.vouchers_sold:
        assert gv.shown(v.code) in text
    services.settings.set(S.VOUCHER_VALIDITY_DAYS, 0)
    bill = services.checkout.add_voucher(services.checkout.build_bill(owner), 20000, 1)
    paid = services.payments.pay(owner, bill, [PaymentIn("cash", bill.total_minor)])
    forever = services.payments.get_sale(paid.sale_id)
    text, _r = _pdf(forever, "en")
    assert gv.shown(forever.vouchers_sold[0].code) in text and "No end date" in text and "Valid until" not in text
    zh, _r = _pdf(forever, "zh_CN")
    assert "无期限" in zh


def test_the_escpos_receipt_prints_the_code_large_with_a_barcode_and_a_qr_code(sold: SaleView) -> None:
    for width in (48, 32):
        printer = Dummy()
        print_receipt_escpos(sold, printer, receipt_fmt(sold, "zh_CN"), width)
        out = printer.output
        assert out.count(GS_K) == 2 and out.count(GS_QR) >= 2
        for v in sold.vouchers_sold:
            assert gv.shown(v.code).encode() in out  # the large text
            assert b"{B" + v.code.encode() in out  # the barcode's data, code set B
            assert b"1P0" + v.code.encode() in out  # the QR code's data
            assert v.expires_on is not None and f"{v.expires_on:%Y-%m-%d}".encode() in out
        assert b"\x1b!" in out or b"\x1d!" in out  # double width and height for the code
        assert out.endswith(b"\x1dV\x00") or b"\x1dV" in out[-8:]  # still ends with the cut
        text = receipt_text(sold, receipt_fmt(sold, "zh_CN"), width)
        assert "有效期至" in text and all(gv.shown(v.code) in text for v in sold.vouchers_sold)
        assert max(sum(2 if ord(c) > 0x7F else 1 for c in line) for line in text.splitlines()) <= width


def test_spending_a_voucher_prints_what_it_took_and_what_is_left(
    services: Services, owner: Actor, sold: SaleView
) -> None:
    code = sold.vouchers_sold[0].code
    bill = services.checkout.add_product(services.checkout.build_bill(owner), product(services.db, "OIL-50")[0], 1)
    total = bill.total_minor
    paid = services.payments.pay(owner, bill, [PaymentIn("voucher", total, reference=code)])
    view = services.payments.get_sale(paid.sale_id)
    assert not view.vouchers_sold and len(view.vouchers_spent) == 1
    left = 50000 - total
    en = receipt_fmt(view, "en")
    text, _r = _pdf(view, "en")
    flat = text.replace("\n", " ")
    amount, rest = money(en, total, view.currency), money(en, left, view.currency)
    assert f"Gift voucher {gv.shown(code)}: {amount}, left {rest}" in flat
    zh, _r = _pdf(view, "zh_CN")
    assert f"礼品券 {gv.shown(code)}" in zh and "余额" in zh
    printer = Dummy(profile="TM-T88V")
    print_receipt_escpos(view, printer, en, 48)
    out = printer.output
    assert f"Gift voucher {gv.shown(code)}:".encode() in out and b"left CN" in out
    assert GS_K not in out and GS_QR not in out  # a voucher spent is not printed to be scanned again
    for width in (48, 32):  # the code is never broken over two lines
        lines = receipt_text(view, en, width).splitlines()
        at = next(i for i, ln in enumerate(lines) if f"Gift voucher {gv.shown(code)}:" in ln)
        assert f"left {rest}" in " ".join(lines[at:at + 3]) and amount in " ".join(lines[at:at + 2])
