"""Print a PDF we made (receipt, care sheet, Z report) through Qt's print preview, or save it.

Pages are rasterised with QtPdf (in the pinned PySide6); a PDF it cannot read is reported
with what to do instead (save it and print it from a PDF viewer).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QWidget

from desk_app.i18n import _
from ui.shared.files import in_documents
from ui.shared.widgets import show_error, show_info


class CannotRender(RuntimeError):
    pass


def _document(pdf: bytes) -> QPdfDocument:
    """``pdf`` read by Qt's own PDF renderer (part of the pinned PySide6); CannotRender if it can't."""
    doc = QPdfDocument()
    buf = QBuffer(doc)  # the document reads from it for as long as it lives: it owns it
    buf.setData(QByteArray(pdf))
    buf.open(QBuffer.OpenModeFlag.ReadOnly)
    doc.load(buf)
    if doc.status() != QPdfDocument.Status.Ready or doc.pageCount() == 0:
        raise CannotRender(_("This document cannot be shown. Save the PDF and print it from a PDF viewer."))
    return doc


def page_images(pdf: bytes, dpi: int = 150) -> list[QImage]:
    """Each page of ``pdf`` as an image."""
    doc = _document(pdf)
    out = []
    for i in range(doc.pageCount()):
        pts = doc.pagePointSize(i)
        out.append(doc.render(i, QSize(int(pts.width() * dpi / 72), int(pts.height() * dpi / 72))))
    return out

def page_size_of(pdf: bytes) -> QSizeF | None:
    """The first page's size in points (a receipt roll is 80 mm wide and as long as its content)."""
    try:
        return _document(pdf).pagePointSize(0)
    except CannotRender:
        return None


def fit_printer_to(printer: QPrinter, pdf: bytes) -> None:
    """The printer's paper is the PDF's own (80/58 mm roll, A5, A4), with no margins of its own:
    the receipt already has them."""
    size = page_size_of(pdf)
    if size is None:
        return
    page = QPageSize(size, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    printer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))


def print_pdf_to(printer_name: str, pdf: bytes, title: str = "") -> None:
    """Print ``pdf`` on the named printer ("" = the default) with no dialog, on its own paper size
    (where CUPS is missing: Windows; desk_app.printing.system prints through CUPS elsewhere)."""
    images = page_images(pdf, dpi=203)  # thermal printers' own resolution
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name:
        printer.setPrinterName(printer_name)
    printer.setDocName(title or "desk-app")
    fit_printer_to(printer, pdf)
    paint_pages(printer, images)


def paint_pages(printer: QPrinter, images: list[QImage]) -> None:
    painter = QPainter()
    if not painter.begin(printer):
        return
    try:
        for i, img in enumerate(images):
            if i:
                printer.newPage()
            page = printer.pageLayout().paintRectPixels(printer.resolution())
            target = QRectF(0, 0, page.width(), page.height())
            scaled = img.size().scaled(page.width(), page.height(), Qt.AspectRatioMode.KeepAspectRatio)
            target.setSize(scaled.toSizeF())
            painter.drawImage(target, img)
    finally:
        painter.end()


def print_pdf(parent: QWidget | None, pdf: bytes, title: str = "") -> None:
    """Show the print preview of ``pdf``; the person prints from there."""
    try:
        images = page_images(pdf)
    except CannotRender as exc:
        show_error(parent, exc)
        return
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title or "desk-app")
    fit_printer_to(printer, pdf)  # an 80 mm receipt on 80 mm paper, not on A4
    dlg = QPrintPreviewDialog(printer, parent)
    dlg.setWindowTitle(title or _("Print"))
    dlg.paintRequested.connect(lambda p: paint_pages(p, images))
    dlg.exec()


def save_pdf(parent: QWidget | None, pdf: bytes, suggested_name: str) -> str | None:
    """Ask where to save and write the PDF; returns the path or None when cancelled."""
    path, _filter = QFileDialog.getSaveFileName(parent, _("Save as PDF"), in_documents(suggested_name), "PDF (*.pdf)")
    if not path:
        return None
    if not path.lower().endswith(".pdf"):
        path += ".pdf"
    try:
        Path(path).write_bytes(pdf)
    except OSError as exc:
        show_error(parent, _("Could not save the file: {why}").format(why=str(exc)))
        return None
    show_info(parent, _("Saved: {path}").format(path=path))
    return path
