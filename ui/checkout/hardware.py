"""The desk's own hardware (desk_app.desk): printing a paid sale's receipt by itself, the test
page, and the cash drawer. Every function here runs on the task runner (a printer may take
seconds to answer), never on the GUI thread."""

from __future__ import annotations

from desk_app.checkout.views import SaleView
from desk_app.desk import DeskSettings
from desk_app.i18n import Fmt
from desk_app.printing.escpos_out import open_drawer, open_printer, print_receipt_escpos, print_test_page
from ui.context import UiContext


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
