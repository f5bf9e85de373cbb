"""``desk-app receipt --db DB --sale ID|RECEIPT_NO --pdf OUT|--escpos ADDRESS [--layout 80mm|58mm|a5] [--care-sheet] [--lang]``."""

from __future__ import annotations

import argparse
import sys

from desk_app.settings import S


def cli_receipt(args: argparse.Namespace) -> int:
    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services
    from desk_app.core.service import NotFound
    from desk_app.fonts import FontMissing
    from desk_app.printing.care_sheet import render_care_sheet
    from desk_app.printing.receipt import receipt_fmt, render_receipt

    db = open_database(resolve_db_arg(args), run_migrations=False)
    try:
        services = Services(db)
        sale_id = (services.payments.sale_by_receipt(args.sale) if str(args.sale).startswith("R")
                   else int(args.sale))
        try:
            if sale_id is None:
                raise NotFound(args.sale)
            view = services.payments.get_sale(sale_id)
        except NotFound:
            print(f"desk-app: no sale {args.sale} in this database", file=sys.stderr)
            return 2
        fmt = receipt_fmt(view, getattr(args, "lang", None))
        if args.escpos:
            return _escpos(args, view, fmt, services.settings.get(S.PRINTING_RECEIPT_LAYOUT))
        try:
            if getattr(args, "care_sheet", False):
                pages = render_care_sheet(view, args.pdf, fmt)
            else:
                layout = args.layout or services.settings.get(S.PRINTING_RECEIPT_LAYOUT)
                pages = render_receipt(view, args.pdf, fmt, layout)
        except FontMissing as exc:
            print(str(exc), file=sys.stderr)
            return 3
        print(f"{args.pdf}: {view.receipt_no}, {pages} page(s)")
        return 0
    finally:
        db.dispose()


def _escpos(args: argparse.Namespace, view: object, fmt: object, shop_layout: str) -> int:
    from desk_app.printing.escpos_out import open_printer, print_receipt_escpos

    layout = args.layout or shop_layout
    try:
        printer = open_printer(args.escpos, args.profile)
        print_receipt_escpos(view, printer, fmt, 32 if layout == "58mm" else 48)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - python-escpos raises its own kinds and OSError
        print(f"desk-app: the receipt printer {args.escpos} did not take the receipt: {exc}", file=sys.stderr)
        return 1
    print(f"{view.receipt_no}: sent to {args.escpos}")  # type: ignore[attr-defined]
    return 0
