"""``desk-app backup`` and ``desk-app restore``: SQLite files, or a PostgreSQL server's dumps
(server mode, docs/server-mode.md §6)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from desk_app.cli.owner import Refused, confirmed, identify, owner_actor
from desk_app.cli.owner import err as _err
from desk_app.core.service import ServiceError, audit
from desk_app.db.engine import system_clock
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.settings import SettingsStore
from desk_app.trust.backup import check_backup_file, restore_file

log = logging.getLogger(__name__)


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
        from desk_app.container import Services

        services = Services(db)
        try:  # a backup holds every client: whoever may back up (the owner), by PIN or owner key
            actor = identify(services, args, Perm.BACKUP)
        except Refused as exc:
            return _err(str(exc))
        svc = services.backup
        info = svc.backup(Path(args.out) if getattr(args, "out", None) else None, reason="manual", actor=actor)
        server = svc.server
    except ServiceError as exc:
        _err(exc.message)
        return 1
    finally:
        db.dispose()
    if not server:
        print(
            _("Backed up to {path} ({size} bytes), integrity check ok.").format(
                path=info.path, size=info.size_bytes
            )
        )
    elif info.message:
        print(_("Backed up to {path} ({size} bytes).").format(path=info.path, size=info.size_bytes))
        print(info.message)
    else:
        print(
            _("Backed up to {path} ({size} bytes), restored into a scratch database and checked.").format(
                path=info.path, size=info.size_bytes
            )
        )
    return 0


def _owner_of(target: str, args: Any) -> Actor:
    """The owner, proved by their PIN against the shop in ``target`` (``Refused`` otherwise)."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services

    db = open_database(target)
    try:
        actor = owner_actor(Services(db), args)
        assert isinstance(actor, Actor)
        return actor
    finally:
        db.dispose()


def _undo(db_file: Path, kept: Path | None) -> None:
    """Put back what the restore replaced (or remove the new file it made)."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)
    if kept is None:
        db_file.unlink(missing_ok=True)
        return
    for suffix in ("", "-wal", "-shm"):
        k = Path(str(kept) + suffix)
        if k.exists():
            k.replace(Path(str(db_file) + suffix))


def cli_restore(args: Any) -> int:
    """Restore a backup. The owner proves it with their PIN: against the shop being replaced, or,
    when there is none (a new file) or it cannot be opened (damaged), against the restored data,
    and the restore is undone if the PIN is refused. Whoever was erased is erased again."""
    from desk_app.cli import not_a_shop, resolve_db_arg
    from desk_app.db.engine import normalise_url, sqlite_path

    url = normalise_url(resolve_db_arg(args))
    db_file = sqlite_path(url)
    if db_file is None:
        return _restore_server(url, args)
    backup = Path(args.file)
    problem = check_backup_file(backup)
    if problem:
        _err(problem)
        return 1
    actor: Actor | None = None
    if db_file.exists() and not_a_shop(db_file) is None:
        try:
            actor = _owner_of(str(db_file), args)
        except Refused as exc:
            return _err(str(exc))
        except Exception as exc:  # noqa: BLE001 - a damaged shop: the restored one is asked instead
            log.warning("restore: %s could not be opened to ask the PIN: %s", db_file, exc)
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
    if actor is None:  # nothing to ask against before: the restored shop's owner proves it
        try:
            actor = _owner_of(str(db_file), args)
        except Exception as exc:  # noqa: BLE001 - any failure leaves things as they were
            _undo(db_file, kept)
            message = str(exc) if isinstance(exc, Refused) else _("the restored file could not be opened")
            return _err(_("Not restored ({reason}); nothing was changed.").format(reason=message))
    from desk_app.bootstrap import open_database
    from desk_app.clients.privacy import PrivacyService
    from desk_app.db.models import Staff

    db = open_database(str(db_file))  # brings an older backup's schema up to date
    try:
        with db.uow() as uow:
            if uow.session.get(Staff, actor.staff_id) is None:
                actor = None  # the owner is not in the restored data: recorded as the system
            audit(
                uow.session,
                actor,
                "restore",
                "database",
                "",
                after={"from": str(backup), "kept": str(kept or "")},
                detail="command line",
            )
            uow.commit()
        # whoever was erased is erased again: as the replaced database, the erasure ledgers and the
        # shops and backups they name record it (also when restoring into a new file elsewhere)
        erased = PrivacyService(db, SettingsStore(db)).after_restore(actor, backup, kept)
    finally:
        db.dispose()
    print(_("Restored {file} into {db}.").format(file=str(backup), db=str(db_file)))
    for line in erased.lines(new_file=kept is None):
        print(line)
    if kept:
        print(_("The replaced database was kept as {path}.").format(path=str(kept)))
    return 0


def _restore_server(url: str, args: Any) -> int:
    """Restore a dump into the shop's server database (BackupService.restore): the dump is checked
    first, the owner proves it with their PIN against the live shop, the replaced database is kept
    on the server under another name, and whoever was erased is erased again."""
    from desk_app.bootstrap import open_database
    from desk_app.container import Services

    backup = Path(args.file)
    try:
        db = open_database(url)
    except Exception as exc:  # noqa: BLE001 - shown to the person, in one line
        from desk_app.cli import server_failure

        said = server_failure(args, exc) or (str(getattr(exc, "orig", None) or exc).splitlines() or [""])[0]
        return _err(_("Could not open the database: {error}").format(error=said))
    try:
        services = Services(db)
        problem = services.backup.check_file(backup)
        if problem:
            return _err(problem)
        try:
            actor = owner_actor(services, args)
        except Refused as exc:
            return _err(str(exc))
        assert isinstance(actor, Actor)
        live = services.backup.server_database()
        refused = confirmed(
            args,
            _("Not restoring: this replaces the server database {db}. Run it in a terminal to be asked, or add --yes.").format(
                db=live
            ),
            _("Replace the server database {db} with {file}? Every other desk is disconnected meanwhile; "
              "the current data is kept on the server. [y/N] ").format(db=live, file=str(backup)),
            refused_code=2,
        )
        if refused is not None:
            return refused
        try:
            res = services.backup.restore(actor, backup)
        except ServiceError as exc:
            return _err(exc.message)
    finally:
        db.dispose()
    print(_("Restored {file} into {db}.").format(file=str(backup), db=live))
    for line in res.erasures.lines(new_file=False):
        print(line)
    print(_("The replaced database was kept on the server as {name}.").format(name=res.kept_database))
    return 0
