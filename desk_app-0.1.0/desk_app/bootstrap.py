"""Open the app's database: migrate (with a backup first) and check it."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from desk_app.db import cipher, migrate
from desk_app.db.engine import Clock, Database, system_clock

log = logging.getLogger(__name__)


class DatabaseCheckFailed(RuntimeError):
    pass


def open_database(
    db: str,
    *,
    run_migrations: bool = True,
    backup_dir: Path | None = None,
    clock: Clock = system_clock,
    key: bytes | None = None,
) -> Database:
    """Open (and bring up to date) a shop database. ``key``: create a new SQLite file encrypted with
    it (desk_app.db.cipher); an existing file is opened as it is, with the key this computer knows."""
    try:
        database = Database.open(db, clock, key=key)
    except cipher.KeyMissing as exc:  # an encrypted shop whose key this computer does not have
        raise DatabaseCheckFailed(str(exc)) from exc
    if database.is_sqlite:
        try:
            with database.engine.connect() as conn:
                res = conn.execute(text("PRAGMA quick_check")).scalar()
                conn.rollback()
        except DBAPIError as exc:  # "file is not a database", a damaged header, ...
            database.dispose()
            raise DatabaseCheckFailed(
                f"{database.sqlite_file} is not a readable shop database ({exc.orig}). Check the --db path, "
                "or restore the latest backup (desk-app restore FILE --db DB)."
            ) from exc
        if res != "ok":
            raise DatabaseCheckFailed(
                f"The database file failed its check ({res}). Restore the latest backup "
                "(desk-app restore FILE --db DB)."
            )
    if run_migrations:
        made = migrate.upgrade(database, backup_dir=backup_dir)
        if made:
            log.info("backed up %s before migrating", made)
    return database
