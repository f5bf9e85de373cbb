"""``desk-app receipt --db DB --sale ID|RECEIPT_NO --pdf OUT [--layout 80mm|58mm|a5] [--care-sheet] [--lang]``."""

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
