"""Headless commands: ``desk-app report monthly`` and ``desk-app export KIND``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from desk_app.reports.sqlhelp import BadMonth, parse_month


def _err(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 2


def _open_db(args: argparse.Namespace) -> Any:
    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.db.engine import normalise_url, sqlite_path

    target = resolve_db_arg(args)
    path = sqlite_path(normalise_url(target)) if "://" not in target else sqlite_path(target)
    if path is not None and not path.exists():
        raise FileNotFoundError(
            f"no database at {path}; pass --db with the shop's database file (or make one: desk-app demo --db FILE)"
        )
    return open_database(target, run_migrations=False)


def cli_report_monthly(args: argparse.Namespace) -> int:
    from desk_app.reports.monthly import ReportError, build_monthly
    from desk_app.settings import SettingsStore

    try:
        parse_month(args.month)
    except BadMonth as exc:
        return _err(str(exc))
    if not args.pdf and not args.json:
        return _err("say what to write: --pdf OUT.pdf and/or --json OUT.json")
    for out in (args.pdf, args.json):
        if out and not Path(out).expanduser().resolve().parent.exists():
            return _err(f"the folder for {out} does not exist")
    try:
        db = _open_db(args)
    except FileNotFoundError as exc:
        return _err(str(exc))
    try:
        settings = SettingsStore(db)
        data = build_monthly(db, args.month, branch=args.branch, settings=settings)
        if args.json:
            Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
            print(f"wrote {args.json}")
        if args.pdf:
            from desk_app.reports.pdf import render_pdf
            from desk_app.reports.service import ReportService

            render_pdf(data, args.pdf, ReportService(db, settings).pdf_fmt(args.lang))
            print(f"wrote {args.pdf}")
    except (ReportError, BadMonth) as exc:
        return _err(str(exc))
    finally:
        db.dispose()
    return 0


def cli_export(args: argparse.Namespace) -> int:
    from desk_app.reports.exports import export
    from desk_app.reports.monthly import ReportError

    kind = str(args.export_kind)
    month = getattr(args, "month", None)
    if month:
        try:
            parse_month(month)
        except BadMonth as exc:
            return _err(str(exc))
    out = Path(args.out).expanduser()
    if not out.resolve().parent.exists():
        return _err(f"the folder {out.resolve().parent} does not exist")
    try:
        db = _open_db(args)
    except FileNotFoundError as exc:
        return _err(str(exc))
    try:
        if kind == "audit":
            return _export_audit(db, args, out)
        n = export(db, kind, out, month=month, branch=getattr(args, "branch", None))
    except (ReportError, BadMonth) as exc:
        return _err(str(exc))
    finally:
        db.dispose()
    print(f"wrote {n} rows to {out}")
    return 0


def _export_audit(db: Any, args: argparse.Namespace, out: Path) -> int:
    """The audit trail, written by the audit service as the shop's owner (whoever holds the database file)."""
    import calendar
    from datetime import date

    from sqlalchemy import select

    from desk_app.db.models import Staff
    from desk_app.settings import SettingsStore
    from desk_app.trust.audit import AuditFilter, AuditService
    from desk_app.trust.auth import actor_for

    with db.uow(write=False) as uow:
        owner = (
            uow.session.execute(select(Staff).where(Staff.role == "owner").order_by(Staff.id))
            .scalars()
            .first()
        )
        if owner is None:
            return _err("no owner is set up in this database")
        actor = actor_for(owner)
    f = AuditFilter()
    month = getattr(args, "month", None)
    if month:
        y, m = parse_month(month)
        f = AuditFilter(date_from=date(y, m, 1), date_to=date(y, m, calendar.monthrange(y, m)[1]))
    n = AuditService(db, SettingsStore(db)).export_csv(actor, out, f)
    print(f"wrote {n} rows to {out}")
    return 0
