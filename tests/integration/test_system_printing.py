"""Printing to the computer's printers (desk_app/printing/system.py) on a real CUPS server.

The tests start their own cupsd with a cups-pdf queue (tests/cups.py) and read back the PDF that
cups-pdf writes at the end of CUPS's filter chain: its page is the receipt's paper, its text is
text. Nothing of the app is mocked.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from desk_app.checkout.service import PaymentIn
from desk_app.checkout.views import SaleView
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.printing.care_sheet import render_care_sheet
from desk_app.printing.receipt import receipt_fmt, render_receipt
from desk_app.printing.system import (
    PrintingFailed,
    default_printer,
    media_for,
    pdf_page_size_mm,
    print_pdf,
    system_printers,
)
from tests.conftest import FakeClock
from tests.cups import CupsServer
from tests.integration.test_checkout_support import new_client, new_staff, visit_at_checkout

pytestmark = pytest.mark.slow

MM = 25.4 / 72


@pytest.fixture
def sale(services: Services, owner: Actor, clock: FakeClock) -> SaleView:
    db = services.db
    leo = new_staff(db, owner.branch_id, "Leo")
    cid = new_client(db, "王芳")
    vid = visit_at_checkout(db, clock, owner.branch_id, cid, leo.staff_id, ["COL-ROOT"])
    co = services.checkout
    bill = co.agree_over_estimate(co.add_by_code(co.build_bill(owner, visit_id=vid), "CO-COL-250"), "ok")
    paid = services.payments.pay(
        owner, bill, [PaymentIn("cash", bill.total_minor, tendered_minor=bill.total_minor + 500)]
    )
    return services.payments.get_sale(paid.sale_id)


def _receipt(sale: SaleView, lang: str, layout: str) -> bytes:
    buf = io.BytesIO()
    render_receipt(sale, buf, receipt_fmt(sale, lang), layout)
    return buf.getvalue()


def _care_sheet(sale: SaleView, lang: str) -> bytes:
    buf = io.BytesIO()
    render_care_sheet(sale, buf, receipt_fmt(sale, lang))
    return buf.getvalue()


def _size_mm(reader: PdfReader, page: int = 0) -> tuple[float, float]:
    box = reader.pages[page].mediabox
    return float(box.width) * MM, float(box.height) * MM


def _resources(reader: PdfReader) -> tuple[int, int]:
    """(fonts, raster images) on the pages, inside form XObjects too: a page printed as a
    bitmap has an image and no font; a page of text has fonts and no image."""
    fonts = images = 0
    seen: set[int] = set()

    def walk(res: object) -> None:
        nonlocal fonts, images
        if not isinstance(res, DictionaryObject) or id(res) in seen:
            return
        seen.add(id(res))
        fonts += len(res.get("/Font", DictionaryObject()).get_object())
        for ref in res.get("/XObject", DictionaryObject()).get_object().values():
            xobj = ref.get_object()
            if xobj.get("/Subtype") == "/Image":
                images += 1
            elif xobj.get("/Subtype") == "/Form" and "/Resources" in xobj:
                walk(xobj["/Resources"].get_object())

    for page in reader.pages:
        if "/Resources" in page:
            walk(page["/Resources"].get_object())
    return fonts, images


def _chinese(text: str) -> set[str]:
    return {ch for ch in text if "\u4e00" <= ch <= "\u9fff"}


def _chinese_comes_back(source: bytes, got: PdfReader) -> None:
    """The printed page's Chinese is text: most of its characters extract as themselves.

    Not all of them: for the PostScript cups-pdf takes, pdftocairo splits the PDF's one embedded
    font into a Latin and a CJK font that share one PostScript name, and Ghostscript (cups-pdf's
    PDF writer) merges the two, so the CJK glyphs in the first 32 codes of the font lose their
    Unicode names (on paper they print the same). docs/printing.md has the details."""
    want = _chinese(PdfReader(io.BytesIO(source)).pages[0].extract_text())
    back = _chinese("".join(p.extract_text() for p in got.pages))
    assert back <= want and len(back) >= len(want) // 2, (sorted(want - back), len(back), len(want))


def _vector(reader: PdfReader) -> bool:
    fonts, images = _resources(reader)
    return fonts >= 1 and images == 0


def _print_and_read(cups: CupsServer, pdf: bytes, printer: str | None, title: str, copies: int = 1) -> PdfReader:
    job = print_pdf(pdf, printer, title, copies)
    assert job.startswith(f"{printer or cups.queue}-"), job
    out: Path = cups.wait_for_output(job)
    return PdfReader(out)


def test_printers_are_listed_with_the_default(cups: CupsServer) -> None:
    printers = {p.name: p for p in system_printers()}
    assert set(printers) >= {cups.queue, cups.queue_gs}, printers
    assert printers[cups.queue].is_default and not printers[cups.queue_gs].is_default
    assert printers[cups.queue].description == f"{cups.queue}: receipts to PDF (tests)"
    assert default_printer() == cups.queue


def test_an_80mm_receipt_prints_on_80mm_paper_as_text(cups: CupsServer, sale: SaleView) -> None:
    pdf = _receipt(sale, "zh_CN", "80mm")
    width, height = pdf_page_size_mm(pdf)
    assert abs(width - 80) < 0.01 and height > 60  # one page as long as the receipt
    assert media_for(width, height) == f"Custom.80x{round(height, 1):g}mm"

    got = _print_and_read(cups, pdf, cups.queue, f"Receipt {sale.receipt_no}")
    assert len(got.pages) == 1
    out_w, out_h = _size_mm(got)
    assert abs(out_w - 80) <= 1 and abs(out_h - height) <= 1, (out_w, out_h, height)
    text = got.pages[0].extract_text()
    for needle in ("Lotus Hair & Spa", "Mia Chen", sale.receipt_no, "436.00", "找零", "退换政策"):
        assert needle in text, (needle, text)
    _chinese_comes_back(pdf, got)
    assert _vector(got)  # text drawn with fonts, not a picture of it


def test_the_default_printer_and_copies(cups: CupsServer, sale: SaleView) -> None:
    """No printer named: the default one. cups-pdf writes one PDF whatever the copies (its
    Ghostscript ignores the PostScript copy count), so the count is read where CUPS hands the job
    to the filters."""
    pdf = _receipt(sale, "en", "58mm")
    _w, height = pdf_page_size_mm(pdf)
    job = print_pdf(pdf, None, "two copies", copies=2)
    assert job.startswith(f"{cups.queue}-"), job
    got = PdfReader(cups.wait_for_output(job))
    out_w, out_h = _size_mm(got)
    assert abs(out_w - 58) <= 1 and abs(out_h - height) <= 1, (out_w, out_h)
    assert "Total" in got.pages[0].extract_text()
    assert cups.filter_argv(job)[4] == "2"


def test_an_a5_receipt_and_an_a4_care_sheet_keep_their_paper(cups: CupsServer, sale: SaleView) -> None:
    a5 = _receipt(sale, "zh_CN", "a5")
    assert media_for(*pdf_page_size_mm(a5)) == "A5"
    got = _print_and_read(cups, a5, cups.queue, "A5 receipt")
    out_w, out_h = _size_mm(got)
    assert abs(out_w - 148) <= 1 and abs(out_h - 210) <= 1, (out_w, out_h)
    assert "436.00" in got.pages[0].extract_text() and _vector(got)
    _chinese_comes_back(a5, got)

    care = _care_sheet(sale, "zh_CN")
    assert media_for(*pdf_page_size_mm(care)) == "A4"
    got = _print_and_read(cups, care, cups.queue, "care sheet")
    out_w, out_h = _size_mm(got)
    assert abs(out_w - 210) <= 1 and abs(out_h - 297) <= 1, (out_w, out_h)
    assert _vector(got)
    _chinese_comes_back(care, got)


def test_with_ghostscript_rendering_the_receipt_is_still_vector(cups: CupsServer, sale: SaleView) -> None:
    """Debian's default renderer for a PostScript queue: same paper, text drawn with the embedded
    font (no image), the Latin text readable; its Chinese loses only its Unicode names."""
    pdf = _receipt(sale, "en", "80mm")
    _w, height = pdf_page_size_mm(pdf)
    got = _print_and_read(cups, pdf, cups.queue_gs, "gs receipt")
    out_w, out_h = _size_mm(got)
    assert abs(out_w - 80) <= 1 and abs(out_h - height) <= 1, (out_w, out_h)
    assert _vector(got)
    text = got.pages[0].extract_text()
    assert "Total" in text and sale.receipt_no in text, text


def test_an_unknown_printer_is_named_with_the_known_ones(cups: CupsServer, sale: SaleView) -> None:
    pdf = _receipt(sale, "en", "80mm")
    with pytest.raises(PrintingFailed) as err:
        print_pdf(pdf, "NoSuchPrinter", "lost")
    msg = str(err.value)
    assert "'NoSuchPrinter' is not known to this computer" in msg and cups.queue in msg and cups.queue_gs in msg


def test_no_printing_service_is_said_plainly(cups: CupsServer, sale: SaleView, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CUPS_SERVER where nothing listens: what a desk sees when CUPS is stopped."""
    pdf = _receipt(sale, "en", "80mm")
    monkeypatch.setenv("CUPS_SERVER", "127.0.0.1:9")
    with pytest.raises(PrintingFailed, match="CUPS.*is not running"):
        print_pdf(pdf, cups.queue, "nowhere")
    assert system_printers() == [] and default_printer() is None


def test_not_a_pdf_is_refused_before_printing(cups: CupsServer) -> None:
    with pytest.raises(PrintingFailed, match="not a readable PDF"):
        print_pdf(b"hello", cups.queue, "junk")
