"""Qt printing of our PDFs: pages rasterised and painted onto a printer (a PDF printer here)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from desk_app.checkout.service import PaymentIn
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from desk_app.printing.receipt import receipt_fmt, render_receipt
from ui.shared.print_preview import page_images, paint_pages


def test_receipt_pages_paint_onto_a_printer(
    qtbot: Any, services: Services, owner: Actor, tmp_path: Path
) -> None:
    co = services.checkout
    b = co.add_counter_item(co.build_bill(owner), "洗吹 Blow-dry", 6800)
    view = services.payments.get_sale(services.payments.pay(owner, b, [PaymentIn("cash", 6800)]).sale_id)
    buf = io.BytesIO()
    render_receipt(view, buf, receipt_fmt(view, "zh_CN"), "a5")
    images = page_images(buf.getvalue(), dpi=60)
    assert len(images) == 1 and images[0].width() > 300 and not images[0].isNull()
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    paint_pages(printer, images + images)
    assert len(PdfReader(str(out)).pages) == 2
