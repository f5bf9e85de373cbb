"""``desk-app backup`` and ``desk-app restore`` (SQLite files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desk_app.cli.owner import confirmed
from desk_app.cli.owner import err as _err
from desk_app.core.service import ServiceError, audit
from desk_app.db.engine import system_clock
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.trust.backup import BackupService, check_backup_file, restore_file


def cli_backup(args: Any) -> int:
    from desk_app.bootstrap import open_database
    from desk_app.cli import resolve_db_arg
    from desk_app.db.engine import normalise_url, sqlite_path

    target = resolve_db_arg(args)
    path = sqlite_path(normalise_url(target))
    if path is not None and not path.exists():
        _err(_("There is no database at {path}. Check --db.").format(path=str(path)))
        return 1
    try:
        db = open_database(target, run_migrations=False)
    except Exception as exc:  # noqa: BLE001 - shown to the person
        _err(_("Could not open the database: {error}").format(error=str(exc)))
        return 1
    try:
        svc = BackupService(db, SettingsStore(db))
        info = svc.backup(Path(args.out), reason="manual")
    except ServiceError as exc:
        _err(exc.message)
        return 1
    finally:
        db.dispose()
    print(
        _("Backed up to {path} ({size} bytes), integrity check ok.").format(
            path=info.path, size=info.size_bytes
        )
    )
    return 0


def cli_restore(args: Any) -> int:
    from desk_app.cli import resolve_db_arg
    from desk_app.db.engine import normalise_url, sqlite_path

    url = normalise_url(resolve_db_arg(args))
    db_file = sqlite_path(url)
    if db_file is None:
        _err(_("Restore works on a SQLite file. For PostgreSQL use pg_restore (docs/server-mode.md)."))
        return 1
    backup = Path(args.file)
    problem = check_backup_file(backup)
    if problem:
        _err(problem)
        return 1
    refused = confirmed(
        args,
        _("Not restoring: this replaces {db}. Run it in a terminal to be asked, or add --yes.").format(
            db=str(db_file)
        ),
        _("Replace {db} with {file}? The current database is kept beside it. [y/N] ").format(
            db=str(db_file), file=str(backup)
        ),
        refused_code=2,
    )
    if refused is not None:
        return refused
    stamp = system_clock().strftime("%Y%m%d-%H%M%S")  # a headless command runs on the real clock
    try:
        kept = restore_file(backup, db_file, stamp)
    except ServiceError as exc:
        _err(exc.message)
        return 1
    from desk_app.bootstrap import open_database

    db = open_database(str(db_file))  # brings an older backup's schema up to date
    try:
        with db.uow() as uow:
            audit(
                uow.session,
                None,
                "restore",
                "database",
                "",
                after={"from": str(backup), "kept": str(kept or "")},
                detail="command line",
            )
            uow.commit()
        # whoever was erased is erased again: as the replaced database, the erasure ledgers and the
        # other backups near the file and the shop record it (also when restoring into a new file)
        from desk_app.clients.privacy import PrivacyService, erasures_known

        privacy = PrivacyService(db, SettingsStore(db))
        here = backup.resolve().parent
        places = [kept] if kept is not None else []
        places += [here, here.parent, db_file.parent, db_file.parent / "backups", *privacy.ledger_folders()]
        again = privacy.reapply_erasures(None, erasures_known(places))
    finally:
        db.dispose()
    print(_("Restored {file} into {db}.").format(file=str(backup), db=str(db_file)))
    if again:
        print(
            _("Erased again, as in the replaced database: {numbers}.").format(numbers=", ".join(again))
        )
    if kept:
        print(_("The replaced database was kept as {path}.").format(path=str(kept)))
    return 0
