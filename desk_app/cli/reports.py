"""Headless commands: ``desk-app report monthly`` and ``desk-app export KIND``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desk_app.cli.owner import Refused, err, identify
from desk_app.core.service import ServiceError, ValidationError
from desk_app.domain.permissions import Actor, Perm
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


def _signed_in(
    args: argparse.Namespace,
    perms: tuple[Perm, ...],
    body: Callable[[Any, Actor], int],
    usage_errors: tuple[type[Exception], ...] = (ValidationError,),
    *,
    owner_only: bool = False,
) -> int:
    """The one preamble of the report and export commands: open the shop's database, identify who
    runs the command with ``perms`` (refused: exit 1, nothing done), run ``body(services, actor)``,
    and always close the database. ``usage_errors`` are said as bad input (exit 2), a service's
    refusal in its words (exit 1). ``owner_only``: ``--staff`` must name an owner."""
    from desk_app.container import Services

    try:
        db = _open_db(args)
    except FileNotFoundError as exc:
        return _err(str(exc))
    try:
        services = Services(db)
        try:
            actor = identify(services, args, *perms, owner_only=owner_only)
        except Refused as exc:
            return err(str(exc))
        return body(services, actor)
    except usage_errors as exc:
        return _err(exc.message if isinstance(exc, ServiceError) else str(exc))
    except ServiceError as exc:
        return err(exc.message)
    finally:
        db.dispose()


def cli_report_monthly(args: argparse.Namespace) -> int:
    """The monthly summary as PDF and/or JSON, by someone allowed to see and save reports
    (``Perm.REPORTS`` and ``Perm.EXPORT``, like the Reports screen); audited as an export."""
    from desk_app.reports.monthly import ReportError, build_monthly
    from desk_app.reports.service import MonthlyReport

    try:
        parse_month(args.month)
    except BadMonth as exc:
        return _err(str(exc))
    if not args.pdf and not args.json:
        return _err("say what to write: --pdf OUT.pdf and/or --json OUT.json")
    for out in (args.pdf, args.json):
        if out and not Path(out).expanduser().resolve().parent.exists():
            return _err(f"the folder for {out} does not exist")

    def body(services: Any, actor: Actor) -> int:
        data = build_monthly(services.db, args.month, branch=args.branch, settings=services.settings)
        if args.json:
            Path(args.json).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
            services.reports.log_export(actor, "report_json", args.month, str(args.json), data)
            print(f"wrote {args.json}")
        if args.pdf:
            services.reports.save_pdf(actor, MonthlyReport(args.month, None, data), args.pdf, args.lang)
            print(f"wrote {args.pdf}")
        return 0

    return _signed_in(args, (Perm.REPORTS, Perm.EXPORT), body, (ReportError, BadMonth))


def cli_export(args: argparse.Namespace) -> int:
    """A CSV export by someone allowed to export (``Perm.EXPORT``; the audit log also needs
    ``Perm.AUDIT_VIEW``), audited like the same export from the Reports screen."""

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
    perms = (Perm.AUDIT_VIEW, Perm.EXPORT) if kind == "audit" else (Perm.EXPORT,)

    def body(services: Any, actor: Actor) -> int:
        if kind == "audit":
            n = _export_audit(services, actor, month, out)
        else:
            n = services.reports.export_csv(actor, kind, out, month=month, branch_id=getattr(args, "branch", None))
        print(f"wrote {n} rows to {out}")
        return 0

    # a branch that does not exist is bad input, said in words
    return _signed_in(args, perms, body)


def cli_export_shop(args: argparse.Namespace) -> int:
    """Everything the shop owns as one zip of CSV files (docs/export.md): the owner only
    (``Perm.EXPORT`` and the owner's role; ``--staff`` picks one of several owners, or
    ``DESK_APP_OWNER_KEY``), audited like the same export from the Reports screen. Prints the rows
    written to each file."""
    out = Path(args.out).expanduser()

    def body(services: Any, actor: Actor) -> int:
        from desk_app.domain.permissions import NotAllowed
        from desk_app.i18n import _

        try:
            result = services.shop_export.export(actor, out)
        except NotAllowed:
            return err(_("Only the owner may export everything the shop owns."))
        print(f"wrote {out}:")
        for name, n in result.counts.items():
            print(f"  {name}: {n} rows")
        print("  README.txt")
        return 0

    return _signed_in(args, (Perm.EXPORT,), body, owner_only=True)


def _export_audit(services: Any, actor: Actor, month: str | None, out: Path) -> int:
    """The audit trail (all of it, or one month), written by the audit service as ``actor``."""
    import calendar
    from datetime import date

    from desk_app.trust.audit import AuditFilter

    f = AuditFilter()
    if month:
        y, m = parse_month(month)
        f = AuditFilter(date_from=date(y, m, 1), date_to=date(y, m, calendar.monthrange(y, m)[1]))
    return int(services.audit.export_csv(actor, out, f))


def cli_export_payroll(args: argparse.Namespace) -> int:
    """The pay period's statements as .xlsx, .pdf or .csv, by someone allowed to see reports and
    export (``Perm.REPORTS``, ``Perm.EXPORT``); audited like the same file saved on the Reports screen."""
    from desk_app.payroll.service import FORMATS
    from desk_app.reports.monthly import resolve_branch

    try:
        parse_month(args.period)
    except BadMonth as exc:
        return _err(str(exc))
    out = Path(args.out or f"payroll-{args.period}.xlsx").expanduser()
    if out.suffix.lower().lstrip(".") not in FORMATS:
        return _err("--out ends in .xlsx, .pdf or .csv")
    if not out.resolve().parent.exists():
        return _err(f"the folder {out.resolve().parent} does not exist")

    def body(services: Any, actor: Actor) -> int:
        branch_id = None
        if args.branch:
            with services.db.uow(write=False) as uow:
                branch_id = resolve_branch(uow.session.connection(), args.branch).branch_id
        payroll = services.payroll.statements(actor, args.period, branch_id)
        if payroll.through < payroll.first_day:
            return _err(f"{args.period} has not started yet: there is nothing to pay")
        if not payroll.statements:
            print(f"no one sold, served, clocked hours or had base pay in {args.period}: nothing written", file=sys.stderr)
            return 1
        staff_id = None
        if args.person:
            want = str(args.person).strip().casefold()
            exact = [s for s in payroll.statements if str(s.staff_id) == want or s.name.casefold() == want]
            match = exact or [s for s in payroll.statements if want in s.name.casefold()]
            if len(match) != 1:
                names = ", ".join(s.name for s in (match or payroll.statements)) or "no one sold or served"
                why = "is more than one person" if match else "has no statement"
                return _err(f"{args.person!r} {why} in {args.period}: {names}")
            staff_id = match[0].staff_id
        fmt = services.reports.pdf_fmt(args.lang)
        services.payroll.save(actor, payroll, out, fmt, staff_id)
        _print_statements(payroll, staff_id, args.period, out)
        return 0

    return _signed_in(args, (Perm.REPORTS, Perm.EXPORT), body)


def _print_statements(payroll: Any, staff_id: int | None, period: str, out: Path) -> None:
    from desk_app.domain.money import from_minor
    from desk_app.domain.timesheet import hours_text

    chosen = [s for s in payroll.statements if staff_id is None or s.staff_id == staff_id]
    print(f"wrote {len(chosen)} statement(s) for {period} to {out}")
    for s in chosen:
        cur = payroll.currency
        parts = [f"commission {from_minor(s.commission_minor, cur)}", f"tips {from_minor(s.tips_minor, cur)}"]
        if s.hours is not None:
            parts.insert(0, f"hours {hours_text(s.hours.worked_seconds)}")
            if s.hours.unclosed:
                days = ", ".join(d.isoformat() for d in s.hours.unclosed)
                parts.insert(1, f"not clocked out on {days} (not counted until corrected)")
        if s.base_pay_minor is not None:
            parts.append(f"base pay {from_minor(s.base_pay_minor, cur)}")
        if s.performance_pay_minor is not None:
            parts.append(f"performance pay {from_minor(s.performance_pay_minor, cur)}")
        print(f"  {s.name}: {', '.join(parts)}, to pay {from_minor(s.total_minor, cur)}")
