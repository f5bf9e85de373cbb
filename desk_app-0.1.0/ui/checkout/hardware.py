"""The desk's papers and hardware (desk_app.desk): a sale's receipt or care sheet as PDF, printed
by itself on this desk's printer, the test page, and the cash drawer. Every function here runs on
the task runner (a printer may take seconds to answer), never on the GUI thread."""

from __future__ import annotations

import io

from desk_app.checkout.views import SaleView
from desk_app.desk import DeskSettings
from desk_app.i18n import Fmt, _
from desk_app.printing.escpos_out import open_drawer, open_printer, print_receipt_escpos, print_test_page
from desk_app.settings import S
from ui.context import UiContext


def render_pdf(ctx: UiContext, sale_id: int, kind: str, layout: str | None = None) -> tuple[bytes, str]:
    """Build a receipt or care sheet PDF (runs off the GUI thread)."""
    from desk_app.printing.care_sheet import render_care_sheet
    from desk_app.printing.receipt import receipt_language, render_receipt

    view = ctx.services.payments.get_sale(sale_id)
    fmt = Fmt.for_shop(receipt_language(view), ctx.shop.timezone, ctx.shop.currency)
    buf = io.BytesIO()
    if kind == "care":
        if not (view.care_services or view.care_products):
            from desk_app.errors import ServiceError

            raise ServiceError(_("This sale has no care advice to print."))
        render_care_sheet(view, buf, fmt)
        name = f"{view.receipt_no}-care.pdf"
    else:
        paper = ctx.desk.paper if ctx.desk.printer_kind != "none" else ctx.services.settings.get(S.PRINTING_RECEIPT_LAYOUT)
        render_receipt(view, buf, fmt, layout or paper)
        name = f"{view.receipt_no}.pdf"
    return buf.getvalue(), name


def hardware_problem(exc: BaseException, address: str) -> str:
    """What went wrong with this desk's printer or drawer, in words: a wrong address or model is
    said as it is; a printer that does not answer is named with the reason."""
    from desk_app.domain.permissions import NotAllowed

    if isinstance(exc, NotAllowed):
        return _("You are not allowed to do this. Ask the owner to sign in or to give you the permission.")
    if isinstance(exc, ValueError):
        return str(exc)
    reason = (str(exc).splitlines() or [type(exc).__name__])[0] or type(exc).__name__
    return _("The printer at {address} did not answer ({reason}). Check that it is on, has paper and "
             "is connected.").format(address=address or _("this desk"), reason=reason)


def escpos_desk(ctx: UiContext) -> DeskSettings | None:
    """This desk's ESC/POS printer; a desk that chose none uses the shop's default one, if any."""
    from dataclasses import replace

    from desk_app.settings import S

    desk = ctx.desk
    if desk.printer_kind == "escpos":
        return desk
    shop_printer = ctx.services.settings.get(S.PRINTING_ESCPOS_TARGET)
    if desk.printer_kind == "none" and shop_printer:
        return replace(desk, receipt_printer=shop_printer, paper=ctx.services.settings.get(S.PRINTING_RECEIPT_LAYOUT))
    return None


def test_print(desk: DeskSettings, shop_name: str) -> None:
    print_test_page(open_printer(desk.receipt_printer, desk.escpos_profile), shop_name, desk.columns)


def kick_drawer(ctx: UiContext, desk: DeskSettings, reason: str, sale_id: int | None = None) -> None:
    """Open the drawer through the desk's receipt printer, once the signed-in person may, and
    record it in the audit log. A refusal opens nothing."""
    actor = ctx.require_actor()
    cash = ctx.services.cash
    cash.may_open_drawer(actor, reason)
    open_drawer(open_printer(desk.receipt_printer, desk.escpos_profile), desk.drawer_pin)
    cash.drawer_opened(actor, reason, sale_id, desk.receipt_printer)


def escpos_receipt(ctx: UiContext, desk: DeskSettings, view: SaleView) -> None:
    from desk_app.printing.receipt import receipt_language

    shop = ctx.shop
    fmt = Fmt.for_shop(receipt_language(view), shop.timezone, shop.currency)
    print_receipt_escpos(view, open_printer(desk.receipt_printer, desk.escpos_profile), fmt, desk.columns)


def print_on_system(ctx: UiContext, target: str, sale_id: int, kind: str) -> tuple[bytes, str] | None:
    """The sale's receipt or care sheet (``kind``) sent to the system printer ``target``
    ("system:NAME", "system:" for the default) with no dialog, on its own paper size. Where this
    computer has no CUPS (Windows) the PDF comes back, for print_pdf_to on the GUI thread."""
    from desk_app.printing.system import PrintingUnavailable, print_pdf
    data, name = render_pdf(ctx, sale_id, kind)
    try:
        print_pdf(data, target[len("system:"):] or None, name)
    except PrintingUnavailable:
        return data, name
    return None
