"""``desk-app receipt --db DB --sale ID --pdf OUT [--layout 80mm|58mm|a5] [--care-sheet] [--lang]``."""

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
        try:
            view = services.payments.get_sale(int(args.sale))
        except NotFound:
            print(f"no sale with id {args.sale} in this database", file=sys.stderr)
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
