"""``desk-app import clients|balances|appointments|history FILE``: the import from the command line,
as the person who runs it (``--staff`` and PIN, or the owner key: desk_app/cli/owner.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desk_app.cli.owner import Refused, err, identify
from desk_app.clients.importer import ImportResult, ImportStopped, encoding_name, parse_map_args, write_report
from desk_app.core.service import ServiceError, ValidationError
from desk_app.domain.permissions import Perm
from desk_app.i18n import _


def cli_import_clients(args: Any) -> int:
    import sys

    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services
    from desk_app.db.engine import normalise_url, sqlite_path

    target = resolve_db_arg(args)
    db_path = sqlite_path(normalise_url(target))
    if db_path is not None and not db_path.exists():
        print(
            _("There is no database at {path}. Check --db (open the app once to set the shop up).").format(
                path=str(db_path)
            ),
            file=sys.stderr,
        )
        return 1
    try:
        db = open_database(target)
    except Exception as exc:  # noqa: BLE001 - shown to the person
        print(_("Could not open the database: {error}").format(error=str(exc)), file=sys.stderr)
        return 1
    try:  # the import service checks Perm.IMPORT again and audits the batches as this person
        actor = identify(Services(db), args, Perm.IMPORT)
    except Refused as exc:
        db.dispose()
        return err(str(exc))
    path = Path(args.file)
    report = (
        Path(args.report)
        if getattr(args, "report", None)
        else path.with_name(path.name + ".import-report.csv")
    )
    show_progress = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:  # a big file takes a while: say how far it is
        if show_progress:
            print("\r" + _("{percent}% done").format(percent=100 * done // max(total, 1)), end="", file=sys.stderr)

    try:
        services = Services(db)
        mapping = parse_map_args(args.map or []) or None
        result = services.importer.run(
            actor,
            path,
            source=args.source,
            mapping=mapping,
            duplicates=args.duplicates,
            dry_run=bool(args.dry_run),
            progress=progress,
            encoding=getattr(args, "encoding", None) or "auto",
        )
    except ImportStopped as exc:  # some batches were saved: say so, and how to finish
        if show_progress:
            print(file=sys.stderr)
        print(exc.message, file=sys.stderr)
        _print_result(exc.result, report, args)
        return 1
    except ServiceError as exc:
        if show_progress:
            print(file=sys.stderr)
        print(_("Import failed, nothing was saved: {error}").format(error=exc.message), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    if show_progress:
        print(file=sys.stderr)
    _print_result(result, report, args)
    if result.dry_run:
        print(_("Dry run: nothing was saved."))
    return 0


def _print_result(result: ImportResult, report: Path, args: Any) -> None:
    write_report(result, report)
    if result.encoding == "xlsx":
        print(_("Read as an Excel workbook."))
    elif (getattr(args, "encoding", None) or "auto") == "auto":
        print(
            _("Encoding: {encoding} (detected; if the names look wrong, choose it with --encoding)").format(
                encoding=encoding_name(result.encoding)
            )
        )
    else:
        print(_("Encoding: {encoding} (as asked)").format(encoding=encoding_name(result.encoding)))
    print(
        _(
            "{source}: {total} rows -- imported {imported}, merged {merged}, skipped {skipped}, rejected {rejected}"
        ).format(
            source=result.source,
            total=result.total_rows,
            imported=result.imported,
            merged=result.merged,
            skipped=result.skipped,
            rejected=result.rejected_count,
        )
    )
    if result.joined and args.duplicates == "merge":
        print(_("Merged into clients already held:"))
        for line in result.joined_lines(20):
            print("  " + line)
    if result.rejected:
        print(_("Not imported: {counts}").format(counts=result.rejected_summary()))
    for r in result.rejected[:20]:
        print(_("  row {row}: {reason}").format(row=r.row_no, reason=r.reason))
    if result.rejected_count > 20:
        print(_("  ... and {n} more").format(n=result.rejected_count - 20))
    print(_("Report: {path}").format(path=str(report)))


def cli_import_opening(args: Any) -> int:
    """``desk-app import balances|appointments FILE``: after the clients, what the old system
    still owes them and what is booked (docs/import.md)."""
    import sys

    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.container import Services
    from desk_app.transfer.opening import parse_opening_map, write_opening_report

    try:
        db = open_database(resolve_db_arg(args))
    except Exception as exc:  # noqa: BLE001 - shown to the person
        print(_("Could not open the database: {error}").format(error=str(exc)), file=sys.stderr)
        return 1
    try:
        actor = identify(Services(db), args, Perm.IMPORT)
    except Refused as exc:
        db.dispose()
        return err(str(exc))
    path = Path(args.file)
    report = Path(args.report) if getattr(args, "report", None) else path.with_name(path.name + ".import-report.csv")
    try:
        services = Services(db)
        mapping = parse_opening_map(args.map or [], args.import_kind) or None
        result = services.opening.run(
            actor, path, args.import_kind, mapping=mapping, dry_run=bool(args.dry_run)
        )
    except ServiceError as exc:
        why = " ".join(exc.errors.values()) if isinstance(exc, ValidationError) else exc.message
        print(_("Import failed, nothing was saved: {error}").format(error=why), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    write_opening_report(result, report)
    print(
        _("{kind}: {total} rows -- imported {imported}, rejected {rejected}").format(
            kind=result.kind, total=result.total_rows, imported=result.imported, rejected=len(result.rejected)
        )
    )
    if result.rejected:
        print(_("Rows not imported, and why: {path}").format(path=str(report)))
    if result.dry_run:
        print(_("Dry run: nothing was saved."))
    return 0
