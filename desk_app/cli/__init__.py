"""Headless commands (``desk-app <command>``). The GUI is started by main.py.

Each command's work lives in its own module; this file only parses arguments
and dispatches, importing the module when the command runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# command name -> "module:function"; the function takes the parsed args and returns an exit code
HANDLERS: dict[str, str] = {
    "demo": "desk_app.demo.shop:cli_demo",
    "report monthly": "desk_app.cli.reports:cli_report_monthly",
    "export sales": "desk_app.cli.reports:cli_export",
    "export payments": "desk_app.cli.reports:cli_export",
    "export clients": "desk_app.cli.reports:cli_export",
    "export visits": "desk_app.cli.reports:cli_export",
    "export vouchers": "desk_app.cli.reports:cli_export",
    "export points": "desk_app.cli.reports:cli_export",
    "export audit": "desk_app.cli.reports:cli_export",
    "export payroll": "desk_app.cli.reports:cli_export_payroll",
    "export shop": "desk_app.cli.reports:cli_export_shop",
    "receipt": "desk_app.cli.printing:cli_receipt",
    "backup": "desk_app.cli.backup:cli_backup",
    "restore": "desk_app.cli.backup:cli_restore",
    "import clients": "desk_app.cli.import_clients:cli_import_clients",
    "import balances": "desk_app.cli.import_clients:cli_import_opening",
    "import appointments": "desk_app.cli.import_clients:cli_import_opening",
    "import history": "desk_app.cli.import_clients:cli_import_opening",
    "migrate": "desk_app.cli:cli_migrate",
    "check": "desk_app.cli:cli_check",
    "privacy export": "desk_app.cli.privacy:cli_privacy",
    "privacy erase": "desk_app.cli.privacy:cli_privacy",
    "encrypt": "desk_app.cli.encryption:cli_encrypt",
    "key show": "desk_app.cli.encryption:cli_key",
    "key add": "desk_app.cli.encryption:cli_key",
    "owner-key new": "desk_app.cli.owner_key:cli_owner_key",
    "owner-key revoke": "desk_app.cli.owner_key:cli_owner_key",
    "move-to-server": "desk_app.cli.to_server:cli_move_to_server",
    "messages run": "desk_app.cli.messages:cli_messages_run",
    "messages list": "desk_app.cli.messages:cli_messages_list",
    "clients find": "desk_app.cli.clients:cli_clients_find",
    "settings get": "desk_app.cli.settings:cli_settings",
    "settings set": "desk_app.cli.settings:cli_settings",
    "settings list": "desk_app.cli.settings:cli_settings",
}

# who runs a command (desk_app/cli/owner.py): these read or change the shop's data as a person,
# proved by --staff and a PIN or by DESK_APP_OWNER_KEY; the rest need nobody (docs/privacy.md,
# "Who runs a command")
NO_IDENTITY = {"demo", "migrate", "check", "key add"}

CREATES_DB = {"demo"}  # the only command that may create a database file
OUTPUT_ARGS = ("out", "pdf", "json", "report")
INT64_MAX = 2**63 - 1


def month_arg(text: str) -> str:
    """YYYY-MM between 2000-01 and 2100-12 (argparse turns the error into a usage line, exit 2)."""
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text.strip())  # ASCII digits only
    if not m or not (2000 <= int(m.group(1)) <= 2100) or not (1 <= int(m.group(2)) <= 12):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month: write YYYY-MM, e.g. 2026-11")
    return text.strip()


def day_arg(text: str) -> str:
    """YYYY-MM-DD, a real day between 2000 and 2100 (argparse turns the error into a usage line, exit 2)."""
    from datetime import date

    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text.strip())  # ASCII digits only
    try:
        ok = m is not None and 2000 <= date.fromisoformat(text.strip()).year <= 2100
    except ValueError:
        ok = False
    if not ok:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day: write YYYY-MM-DD, e.g. 2026-11-18")
    return text.strip()


def lang_arg(text: str) -> str:
    from desk_app.i18n import parse_language

    try:
        return parse_language(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def sale_arg(text: str) -> str:
    """A sale's number (123) or the receipt number printed on it (R00000123)."""
    value = text.strip()
    if re.fullmatch(r"[0-9]{1,18}", value) and int(value) > 0:
        return value
    if re.fullmatch(r"[Rr][0-9]{1,18}", value):
        return value.upper()
    raise argparse.ArgumentTypeError(f"{text!r} is neither a sale number (123) nor a receipt number (R00000123)")


def escpos_arg(text: str) -> str:
    from desk_app.printing.escpos_out import parse_target

    try:
        parse_target(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def profile_arg(text: str) -> str:
    from desk_app.printing.escpos_out import profiles

    if text not in profiles():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a printer model python-escpos knows: {', '.join(profiles())}")
    return text


def int_arg(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range ({low} to {high})")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="desk-app",
        description=(
            "Front-desk software for salons, spas and small shops. With no command, opens the app "
            "(options: --db DB, --demo, --lang zh_CN|en)."
        ),
    )
    from desk_app import __version__

    p.add_argument("--version", action="version", version=f"desk-app {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def db_arg(sp: argparse.ArgumentParser, required: bool = False) -> None:
        sp.add_argument("--db", required=required, help="SQLite file or SQLAlchemy URL (default: DESK_APP_DB, then the user data folder)")

    def who_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--staff", type=int_arg(1, INT64_MAX), metavar="N",
                        help="your staff number; your PIN is asked (or DESK_APP_PIN). Scripts: DESK_APP_OWNER_KEY")

    d = sub.add_parser("demo", help="generate a realistic demo shop")
    d.add_argument("--db", required=True, help="the demo shop's new SQLite file (an existing one needs --force)")
    d.add_argument("--clients", type=int_arg(0, 1_000_000), default=300)
    d.add_argument("--months", type=int_arg(1, 120), default=3)
    d.add_argument("--staff", type=int_arg(2, 200), default=6)
    d.add_argument("--seed", type=int_arg(-INT64_MAX, INT64_MAX), default=1)
    d.add_argument("--branches", type=int_arg(1, 50), default=1)
    d.add_argument("--lang", type=lang_arg, default="zh_CN", help="shop language (zh_CN or en)")
    d.add_argument("--force", action="store_true", help="replace an existing database file")
    d.add_argument("--quiet", action="store_true", help="no progress bar")

    r = sub.add_parser("report", help="owner's reports")
    rs = r.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    rm = rs.add_parser("monthly", help="the monthly summary as PDF and/or JSON")
    db_arg(rm)
    rm.add_argument("--month", type=month_arg, required=True, help="YYYY-MM")
    rm.add_argument("--branch", help="branch code or id (default: all branches)")
    rm.add_argument("--pdf")
    rm.add_argument("--json")
    rm.add_argument("--lang", type=lang_arg, help="zh_CN or en (default: the shop's)")
    who_arg(rm)

    e = sub.add_parser("export", help="CSV exports (UTF-8 with BOM, header row)")
    es = e.add_subparsers(dest="export_kind", metavar="KIND", required=True)
    for kind, needs_month in (("sales", True), ("payments", True), ("clients", False), ("visits", True),
                              ("vouchers", False), ("points", False), ("stock", False), ("audit", False)):
        ep = es.add_parser(kind, help=f"export {kind}")
        db_arg(ep)
        ep.add_argument("--month", type=month_arg, required=needs_month, help="YYYY-MM")
        if kind != "audit":  # the audit log is the whole shop's: a --branch there would be ignored
            ep.add_argument("--branch", help="branch code or id (default: all branches)")
        ep.add_argument("--out", required=True)
        who_arg(ep)

    pp = es.add_parser("payroll", help="the pay period's statements: commission, tips, base pay (docs/payroll.md)")
    db_arg(pp)
    pp.add_argument("--period", type=month_arg, required=True, help="the pay period's month, YYYY-MM")
    pp.add_argument("--out", help="FILE.xlsx (default: payroll-YYYY-MM.xlsx here), FILE.pdf or FILE.csv")
    pp.add_argument("--person", help="one staff member's statement (name or staff number; default: everyone)")
    pp.add_argument("--branch", help="branch code or id (default: all branches)")
    pp.add_argument("--lang", type=lang_arg, help="zh_CN or en (default: the shop's)")
    who_arg(pp)

    xs = es.add_parser("shop", help="everything the shop owns, one zip of CSV files: clients, appointments to "
                       "come, balances, catalog, history, vouchers, staff (the owner only; docs/export.md)")
    db_arg(xs)
    xs.add_argument("--out", required=True, help="the zip file to write, e.g. lotus-export.zip")
    xs.add_argument("--staff", type=int_arg(1, INT64_MAX), metavar="N",
                    help="the owner's staff number (shops with several owners); the PIN is asked (or "
                         "DESK_APP_PIN). Scripts: DESK_APP_OWNER_KEY")

    rc = sub.add_parser("receipt", help="reprint a receipt (or care sheet) as PDF, or on an ESC/POS printer")
    db_arg(rc)
    rc.add_argument("--sale", type=sale_arg, required=True,
                    help="the sale's number, or the receipt number printed on it (R00000123)")
    out = rc.add_mutually_exclusive_group(required=True)
    out.add_argument("--pdf")
    out.add_argument("--escpos", type=escpos_arg, metavar="ADDRESS",
                     help="print on an ESC/POS printer: tcp://HOST:9100, usb:VID:PID, serial:PORT, cups:QUEUE, "
                          "win32:NAME or file:DEVICE")
    rc.add_argument("--profile", type=profile_arg, default="default",
                    help="the printer's model, a python-escpos profile (with --escpos)")
    rc.add_argument("--layout", choices=["80mm", "58mm", "a5"], default=None)
    rc.add_argument("--care-sheet", action="store_true", help="print the care-advice sheet instead")
    rc.add_argument("--lang", type=lang_arg, help="zh_CN or en (default: the client's, then the shop's)")
    who_arg(rc)

    b = sub.add_parser("backup", help="back up the database (SQLite: online backup API; server: pg_dump; checked)")
    db_arg(b)
    b.add_argument("--out", help="the backup file (default: a dated file in the shop's backup folder)")
    who_arg(b)

    rs2 = sub.add_parser("restore", help="restore a backup (keeps the replaced file; owner's PIN: asked, or DESK_APP_PIN)")
    rs2.add_argument("file")
    db_arg(rs2)
    rs2.add_argument("--yes", action="store_true", help="do not ask before replacing")
    rs2.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number (shops with several owners)")

    im = sub.add_parser("import", help="import data from other salon software")
    ims = im.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    ic = ims.add_parser("clients", help="clients from Fresha, Square, Vagaro or any CSV/XLSX")
    ic.add_argument("file")
    db_arg(ic)
    ic.add_argument("--source", choices=["auto", "fresha", "square", "vagaro", "generic"], default="auto")
    ic.add_argument("--dry-run", action="store_true")
    ic.add_argument("--duplicates", choices=["merge", "skip"], default="merge")
    ic.add_argument("--map", action="append", default=[], help="generic mapping FIELD=Column (repeatable)")
    ic.add_argument(
        "--encoding",
        default="auto",
        help="a CSV's encoding: auto (detected, the default), utf-8, utf-16, gb18030, big5, shift_jis, cp1252, latin-1",
    )
    ic.add_argument("--report", help="where to write the rejected-rows report (default: FILE.import-report.csv)")
    who_arg(ic)
    for kind, what in (
        ("balances", "prepaid balances and packages still owed, from another system (after its clients)"),
        ("appointments", "appointments still to come, from another system (after its clients)"),
        ("history", "past visits, kept on the clients' profiles for reference (after its clients)"),
    ):
        io = ims.add_parser(kind, help=what)
        io.add_argument("file")
        db_arg(io)
        io.add_argument("--dry-run", action="store_true")
        io.add_argument("--map", action="append", default=[], help="FIELD=Column (repeatable)")
        io.add_argument("--report", help="where to write the rejected-rows report (default: FILE.import-report.csv)")
        who_arg(io)

    m = sub.add_parser("migrate", help="bring the database schema up to date (backs up first)")
    db_arg(m)

    c = sub.add_parser("check", help="PRAGMA integrity_check and the money invariants")
    db_arg(c)
    pv = sub.add_parser("privacy", help="a client's data requests (owner's PIN: asked, or DESK_APP_PIN)")
    pvs = pv.add_subparsers(dest="privacy_kind", metavar="KIND", required=True)
    pe = pvs.add_parser("export", help="everything held about a client, as JSON and PDF")
    pe.add_argument("--client", required=True, help="the client number, e.g. C000123")
    pe.add_argument("--out-dir", required=True, help="folder for <number>-data.json and .pdf")
    pe.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number (shops with several owners)")
    db_arg(pe)
    px = pvs.add_parser("erase", help="erase a client: here, in the audit log and in the kept backups")
    px.add_argument("--client", required=True, help="the client number, e.g. C000123")
    px.add_argument("--reason", required=True, help="why (e.g. 'asked by email on 17 Nov')")
    px.add_argument("--yes", action="store_true", help="do not ask to confirm")
    px.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number (shops with several owners)")
    db_arg(px)
    en = sub.add_parser("encrypt", help="encrypt the shop's data and its backups (key kept by the OS)")
    en.add_argument("--yes", action="store_true", help="do not ask to confirm")
    en.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number (shops with several owners)")
    db_arg(en)
    k = sub.add_parser("key", help="the recovery key of an encrypted shop")
    ks = k.add_subparsers(dest="key_kind", metavar="KIND", required=True)
    kshow = ks.add_parser("show", help="print the recovery key (owner's PIN)")
    kshow.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number")
    db_arg(kshow)
    mv = sub.add_parser("move-to-server", help="move a one-desk shop (SQLite file) onto the shop's PostgreSQL "
                        "server, once (owner's PIN: asked, or DESK_APP_PIN)")
    db_arg(mv)
    mv.add_argument("--to", required=True, help="the server: postgresql+psycopg://USER@HOST[:PORT]/DATABASE; its password in "
                    "DESK_APP_SERVER_PASSWORD, or asked (not in the address: anyone on this computer sees it in ps)")
    mv.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number (shops with several owners)")
    mv.add_argument("--quiet", action="store_true", help="no progress bar")
    kadd = ks.add_parser("add", help="keep a recovery key on this computer (typed, or DESK_APP_DB_KEY)")
    db_arg(kadd)
    ok = sub.add_parser("owner-key", help="the owner key unattended scripts pass in DESK_APP_OWNER_KEY (owner's PIN)")
    oks = ok.add_subparsers(dest="owner_key_kind", metavar="KIND", required=True)
    for kind, what in (("new", "make the owner key (shown once; replaces the one in use)"),
                       ("revoke", "stop the owner key in use from working")):
        okp = oks.add_parser(kind, help=what)
        okp.add_argument("--staff", type=int_arg(1, INT64_MAX), help="the owner's staff number (shops with several owners)")
        db_arg(okp)
    msg = sub.add_parser("messages", help="messages to clients: the sender and the outbox (docs/messages.md)")
    msgs = msg.add_subparsers(dest="messages_kind", metavar="KIND", required=True)
    mr = msgs.add_parser("run", help="send the due messages: one pass, or one every --loop seconds until Ctrl+C")
    db_arg(mr)
    mr.add_argument("--loop", type=int_arg(5, 86400), metavar="SECONDS", help="run a pass every SECONDS")
    mr.add_argument("--limit", type=int_arg(1, 10000), default=200, help="at most this many messages a pass")
    who_arg(mr)
    ml = msgs.add_parser("list", help="the outbox: one line per message")
    db_arg(ml)
    ml.add_argument("--state", choices=["queued", "sending", "sent", "failed", "cancelled", "unknown"])
    ml.add_argument("--day", type=day_arg, metavar="YYYY-MM-DD", help="the shop's day the message was due or sent")
    ml.add_argument("--limit", type=int_arg(1, 5000), default=500)
    who_arg(ml)
    cl = sub.add_parser("clients", help="the shop's clients (docs/clients.md)")
    cls = cl.add_subparsers(dest="clients_kind", metavar="KIND", required=True)
    cf = cls.add_parser("find", help="find clients as the desk's search does: name, pinyin or initials, phone "
                        "digits, client number; prints number, name and masked phone")
    cf.add_argument("query", help="what you would type in the search box, e.g. zxm, 曾小明, 5678, C000123")
    cf.add_argument("--limit", type=int_arg(1, 500), default=30, help="at most this many clients (default 30)")
    db_arg(cf)
    who_arg(cf)
    st = sub.add_parser("settings", help="read or change the owner's settings (the right to change settings: "
                        "--staff N and PIN, or DESK_APP_OWNER_KEY)")
    sts = st.add_subparsers(dest="settings_kind", metavar="KIND", required=True)
    sg = sts.add_parser("get", help="print one setting's value")
    sg.add_argument("key", help="the setting, e.g. messages.reminder_hours")
    ss = sts.add_parser("set", help="change one setting (checked, audited)")
    ss.add_argument("key", help="the setting, e.g. messages.reminder_hours")
    ss.add_argument("value", help="money as 100.50, a percentage as 6.5, a list as JSON: '[\"reminder\",\"feedback\"]'")
    sl = sts.add_parser("list", help="every setting: key, value, label")
    sl.add_argument("--group", help="only this group, e.g. messages")
    for sp in (sg, ss, sl):
        who_arg(sp)
        db_arg(sp)
    return p


def _handler_key(args: argparse.Namespace) -> str:
    cmd = str(args.command)
    for attr in ("report_kind", "export_kind", "import_kind", "privacy_kind", "key_kind", "owner_key_kind",
                 "messages_kind", "settings_kind", "clients_kind"):
        sub = getattr(args, attr, None)
        if sub:
            return f"{cmd} {sub}"
    return cmd


def resolve_db_arg(args: argparse.Namespace) -> str:
    """--db, then DESK_APP_DB, then this desk's saved server, then the shop's file (desk_app.db.server);
    a server's password may be in DESK_APP_SERVER_PASSWORD."""
    from desk_app.db.server import resolve_db, with_env_password
    from desk_app.desk import saved_server

    return with_env_password(resolve_db(getattr(args, "db", None), saved_server))


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
    """Run one command. Whatever goes wrong ends in one line on stderr and an exit code, never a
    traceback (that goes to the log file): 2 for a bad command line (argparse's usage line), 1 for
    a file that is missing or wrong and for a failure."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))  # bad arguments: a usage line, exit 2
    except SystemExit as stop:  # also --help (0): callers in-process get the code back
        return stop.code if isinstance(stop.code, int) else 2
    if not args.command:
        parser.print_help()
        return 0
    key = _handler_key(args)
    problem = _check_paths(key, args)
    if problem:  # a file that is missing or is not what it should be: nothing is opened or created
        print(f"desk-app: {problem}", file=sys.stderr)
        return 1
    target = HANDLERS[key]
    module_name, func_name = target.split(":")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `desk-app ... | head`: the reader stopped reading; the work is done
        _quiet_stdout()
        return 1
    except Exception as exc:  # noqa: BLE001 - the last resort: one line for the person, the rest logged
        return _failed(key, exc, args)


def _quiet_stdout() -> None:
    """Point stdout at the null device so the interpreter's flush at exit does not fail again
    (the recipe of Python's signal module documentation, "Note on SIGPIPE")."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (an embedding, a test's capture)
        pass


def server_failure(args: argparse.Namespace, exc: BaseException) -> str | None:
    """The connection test's words when ``exc`` is the shop's server not letting the command in."""
    from desk_app.db.server import explain_open_failure

    if not hasattr(args, "db"):
        return None
    try:
        return explain_open_failure(resolve_db_arg(args), exc)
    except Exception:  # noqa: BLE001 - only a better message; the plain one follows
        return None


def _failed(key: str, exc: BaseException, args: argparse.Namespace | None = None) -> int:
    from desk_app.bootstrap import DatabaseCheckFailed
    from desk_app.errors import ServiceError
    from desk_app.i18n import _

    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    cause = orig or exc
    first_line = (str(cause).splitlines() or [""])[0]
    server = server_failure(args, exc) if args is not None else None
    if server:  # the server said no: in the connection test's words, saying what to check
        message = _("{command} failed: {error}").format(command=key, error=server)
    elif isinstance(exc, DatabaseCheckFailed):
        message = str(exc)
    elif isinstance(exc, ServiceError):  # already in words for the person (e.g. "the database is busy")
        message = _("{command} failed: {error}").format(command=key, error=exc.message)
    elif isinstance(cause, OSError) and cause.strerror and cause.filename:  # a file the person named
        message = _("{command} failed: {error}").format(command=key, error=f"{cause.strerror}: {cause.filename}")
    elif isinstance(cause, ValueError) or orig is not None:  # said in words (or by the database server)
        message = _("{command} failed: {error}").format(command=key, error=first_line)
    else:  # not expected: the kind of error helps whoever reads the log
        message = _("{command} failed: {error}").format(command=key, error=f"{type(cause).__name__}: {first_line}")
    where = _log_traceback(key, exc)
    details = _(" (details: {path})").format(path=where) if where else ""
    print(f"desk-app: {message}{details}", file=sys.stderr)
    return 1


def _log_traceback(key: str, exc: BaseException) -> str | None:
    """Write the traceback to the app's log file (data folder/logs/cli.log); its path, or None."""
    try:
        from desk_app.paths import data_dir

        folder = data_dir() / "logs"
        folder.mkdir(exist_ok=True)
        path = folder / "cli.log"
        log = logging.getLogger("desk_app.cli")
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.propagate = False
        try:
            log.error("desk-app %s failed", key, exc_info=exc)
        finally:
            log.removeHandler(handler)
            handler.close()
        return str(path)
    except OSError:
        return None


def _check_paths(key: str, args: argparse.Namespace) -> str | None:
    """What is wrong with the paths on the command line, before anything is opened or created:
    only ``demo`` creates a database (``restore`` may write a new file in an existing folder);
    input files exist; output files go into folders that exist."""
    from desk_app.i18n import _

    for attr in ("db", *OUTPUT_ARGS):
        value = getattr(args, attr, None)
        if value is not None and not str(value).strip():
            return _("--{arg} is empty: give a file name.").format(arg=attr)
    problem = _check_db(key, args)
    if problem:
        return problem
    file_arg = getattr(args, "file", None)
    if file_arg is not None and not Path(file_arg).expanduser().is_file():
        return _("The file {name} does not exist.").format(name=file_arg)
    for attr in OUTPUT_ARGS:
        value = getattr(args, attr, None)
        if value:
            out = Path(value).expanduser()
            if out.is_dir():
                return _("{path} is a folder; give a file name (--{arg}).").format(path=value, arg=attr)
            if not out.parent.is_dir():
                return _("The folder {folder} does not exist (--{arg}).").format(folder=str(out.parent), arg=attr)
            problem = _output_overwrites(key, args, out, attr)
            if problem:
                return problem
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _output_overwrites(key: str, args: argparse.Namespace, out: Path, attr: str) -> str | None:
    """An output never replaces the shop database (or its journal files), the file being read, or
    (but for ``backup``) any other database: ``export clients --out shop.sqlite3`` once replaced
    the shop with a CSV file."""
    from desk_app.i18n import _

    inputs: list[Path] = []
    if hasattr(args, "db"):
        target = resolve_db_arg(args)
        if "://" not in target or target.startswith("sqlite"):
            db = Path(target.split("///", 1)[1] if target.startswith("sqlite") else target).expanduser()
            inputs += [db, *(Path(str(db) + s) for s in ("-wal", "-shm", "-journal"))]
    if getattr(args, "file", None):
        inputs.append(Path(args.file).expanduser())
    if any(_same_file(out, p) for p in inputs):
        return _("--{arg} {path} is the database or the file being read; choose another file name.").format(
            arg=attr, path=str(out)
        )
    if key == "backup" and out.is_file() and shop_file_problem(out) is not None:
        return _(
            "{path} is not a backup of this app: a backup replaces only an earlier backup. "
            "Choose another file name (--{arg})."
        ).format(path=str(out), arg=attr)
    if key != "backup" and out.is_file():
        try:
            with out.open("rb") as fh:
                head = fh.read(16)
        except OSError:
            head = b""
        if head == b"SQLite format 3\x00":
            return _("{path} is a database; an export does not replace it. Choose another file name (--{arg}).").format(
                path=str(out), arg=attr
            )
    return None


def _check_db(key: str, args: argparse.Namespace) -> str | None:
    from desk_app.i18n import _

    if key in CREATES_DB and getattr(args, "db", None):
        new = Path(args.db).expanduser()
        if "://" not in args.db and not new.parent.is_dir():
            return _("The folder {folder} does not exist (--db); make it first.").format(folder=str(new.parent))
    if not hasattr(args, "db") or key in CREATES_DB or key == "key add":
        return None  # key add: --db only checks the key opens it (it may not open without it yet)
    target = resolve_db_arg(args)
    if "://" in target and not target.startswith("sqlite"):
        return None  # a server: the connection says what is wrong
    path = Path(target.split("///", 1)[1] if target.startswith("sqlite") else target).expanduser()
    if path.is_dir():
        return _("{path} is a folder, not a shop database. Check --db.").format(path=str(path))
    if not path.exists():
        if key == "restore" and path.parent.is_dir():
            return None  # restoring onto a new machine: the backup becomes this file
        return _(
            "There is no database at {path}. Check --db (nothing was created). "
            "`desk-app demo --db FILE` makes a demo shop; the app's Set up my shop makes yours."
        ).format(path=str(path))
    found = shop_file_problem(path)
    if key == "restore" and found is not None and found[0] == "damaged":
        return None  # a damaged database is what a restore is for
    return found[1] if found is not None else None


def not_a_shop(path: Path) -> str | None:
    """What keeps ``path`` from being a shop database of this app (translated), or None."""
    found = shop_file_problem(path)
    return found[1] if found is not None else None


def shop_file_problem(path: Path) -> tuple[str, str] | None:
    """None for a shop database (or backup) of this app; else (kind, message): kind is
    "unreadable", "not_shop" (another file, a foreign database, or one encrypted with a key this
    computer does not have) or "damaged" (a SQLite file of the app's that cannot be read)."""
    from desk_app.i18n import _

    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        return "unreadable", _("Cannot read {path} ({error}).").format(path=str(path), error=exc.strerror or str(exc))
    from desk_app.db import cipher

    if len(head) < 16:
        return "not_shop", _("{path} is not a shop database of this app (not a SQLite file). Check --db.").format(
            path=str(path)
        )
    try:
        key = cipher.key_for_file(path)  # an encrypted shop opens with the key this computer keeps
    except cipher.KeyMissing:
        return "not_shop", _(
            "{path} is not a shop database of this app, or it is encrypted with a key this computer does not "
            "have (type the shop's recovery key: desk-app key add). Check --db."
        ).format(path=str(path))
    try:
        conn = cipher.connect(path, key=key, read_only=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except cipher.DatabaseError as exc:
        return "damaged", _("{path} could not be read ({error}). Check --db.").format(path=str(path), error=str(exc))
    if not {"alembic_version", "clients", "sales"} <= tables:
        return "not_shop", _("{path} is a database, but not a shop database of this app. Check --db.").format(
            path=str(path)
        )
    return None


def is_headless(argv: Sequence[str]) -> bool:
    """True when the arguments name a command (or ask for help) rather than the GUI."""
    if not argv:
        return False
    first = argv[0]
    if first in ("-h", "--help", "--version"):
        return True
    return not first.startswith("-")


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv)
