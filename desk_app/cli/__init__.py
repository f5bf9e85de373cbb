"""Headless commands (``desk-app <command>``). The GUI is started by main.py.

Each command's work lives in its own module; this file only parses arguments
and dispatches, importing the module when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command name -> "module:function"; the function takes the parsed args and returns an exit code
HANDLERS: dict[str, str] = {
    "demo": "desk_app.demo.shop:cli_demo",
    "report monthly": "desk_app.cli.reports:cli_report_monthly",
    "export sales": "desk_app.cli.reports:cli_export",
    "export payments": "desk_app.cli.reports:cli_export",
    "export clients": "desk_app.cli.reports:cli_export",
    "export visits": "desk_app.cli.reports:cli_export",
    "export audit": "desk_app.cli.reports:cli_export",
    "receipt": "desk_app.cli.printing:cli_receipt",
    "backup": "desk_app.cli.backup:cli_backup",
    "restore": "desk_app.cli.backup:cli_restore",
    "import clients": "desk_app.cli.import_clients:cli_import_clients",
    "migrate": "desk_app.cli:cli_migrate",
    "check": "desk_app.cli:cli_check",
}

GUI_FLAGS = ("--demo", "--db", "--lang", "--fresh-demo", "--screenshot")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="desk-app",
        description=(
            "Front-desk software for salons, spas and small shops. With no command, opens the app "
            "(options: --db DB, --demo, --lang zh_CN|en)."
        ),
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def db_arg(sp: argparse.ArgumentParser, required: bool = False) -> None:
        sp.add_argument("--db", required=required, help="SQLite file or SQLAlchemy URL (default: DESK_APP_DB, then the user data folder)")

    d = sub.add_parser("demo", help="generate a realistic demo shop")
    db_arg(d, required=True)
    d.add_argument("--clients", type=int, default=300)
    d.add_argument("--months", type=int, default=3)
    d.add_argument("--staff", type=int, default=6)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--branches", type=int, default=1)
    d.add_argument("--lang", default="zh_CN", help="shop language (zh_CN or en)")
    d.add_argument("--force", action="store_true", help="replace an existing database file")
    d.add_argument("--quiet", action="store_true", help="no progress bar")

    r = sub.add_parser("report", help="owner's reports")
    rs = r.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    rm = rs.add_parser("monthly", help="the monthly summary as PDF and/or JSON")
    db_arg(rm)
    rm.add_argument("--month", required=True, help="YYYY-MM")
    rm.add_argument("--branch", help="branch code or id (default: all branches)")
    rm.add_argument("--pdf")
    rm.add_argument("--json")
    rm.add_argument("--lang", help="zh_CN or en (default: the shop's)")

    e = sub.add_parser("export", help="CSV exports (UTF-8 with BOM, header row)")
    es = e.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    for kind, needs_month in (("sales", True), ("payments", True), ("clients", False), ("visits", True), ("audit", False)):
        ep = es.add_parser(kind, help=f"export {kind}")
        db_arg(ep)
        ep.add_argument("--month", required=needs_month, help="YYYY-MM")
        ep.add_argument("--branch")
        ep.add_argument("--out", required=True)

    rc = sub.add_parser("receipt", help="reprint a receipt (or care sheet) as PDF")
    db_arg(rc)
    rc.add_argument("--sale", type=int, required=True)
    rc.add_argument("--pdf", required=True)
    rc.add_argument("--layout", choices=["80mm", "58mm", "a5"], default=None)
    rc.add_argument("--care-sheet", action="store_true", help="print the care-advice sheet instead")
    rc.add_argument("--lang")

    b = sub.add_parser("backup", help="back up the database (online backup API, checked)")
    db_arg(b)
    b.add_argument("--out", required=True)

    rs2 = sub.add_parser("restore", help="restore a backup (keeps the replaced file)")
    rs2.add_argument("file")
    db_arg(rs2)
    rs2.add_argument("--yes", action="store_true", help="do not ask before replacing")

    im = sub.add_parser("import", help="import data from other salon software")
    ims = im.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    ic = ims.add_parser("clients", help="clients from Fresha, Square, Vagaro or any CSV/XLSX")
    ic.add_argument("file")
    db_arg(ic)
    ic.add_argument("--source", choices=["auto", "fresha", "square", "vagaro", "generic"], default="auto")
    ic.add_argument("--dry-run", action="store_true")
    ic.add_argument("--duplicates", choices=["merge", "skip"], default="merge")
    ic.add_argument("--map", action="append", default=[], help="generic mapping FIELD=Column (repeatable)")
    ic.add_argument("--report", help="where to write the rejected-rows report (default: FILE.import-report.csv)")

    m = sub.add_parser("migrate", help="bring the database schema up to date (backs up first)")
    db_arg(m)

    c = sub.add_parser("check", help="PRAGMA integrity_check and the money invariants")
    db_arg(c)
    return p


def _handler_key(args: argparse.Namespace) -> str:
    cmd = str(args.command)
    for attr in ("report_kind", "export_kind", "import_kind"):
        sub = getattr(args, attr, None)
        if sub:
            return f"{cmd} {sub}"
    return cmd


def resolve_db_arg(args: argparse.Namespace) -> str:
    from desk_app.paths import resolve_db

    return resolve_db(getattr(args, "db", None))


def cli_migrate(args: argparse.Namespace) -> int:
    from desk_app.bootstrap import open_database
    from desk_app.db import migrate

    db = open_database(resolve_db_arg(args))
    print(f"schema at {migrate.current_revision(db)}")
    return 0


def cli_check(args: argparse.Namespace) -> int:
    from desk_app.bootstrap import open_database
    from desk_app.trust.integrity import check_invariants

    db = open_database(resolve_db_arg(args), run_migrations=False)
    problems = check_invariants(db)
    for line in problems:
        print(line)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1


def run(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv))
    if not args.command:
        parser.print_help()
        return 0
    key = _handler_key(args)
    target = HANDLERS[key]
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def is_headless(argv: Sequence[str]) -> bool:
    """True when the arguments name a command (or ask for help) rather than the GUI."""
    if not argv:
        return False
    first = argv[0]
    if first in ("-h", "--help"):
        return True
    return not first.startswith("-")


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)
