"""Move a one-desk shop (its SQLite file) onto the shop's PostgreSQL server, once and one way.

:func:`move_to_server` copies every table of the app's schema (generic over the SQLAlchemy
metadata, parents before children, in batches) into an EMPTY server database that the app's own
migrations build, inside ONE transaction on the server, while it holds the SQLite file's write
lock (``BEGIN IMMEDIATE``: a desk still writing to the file makes the move refuse, and nothing
can be written to the file during the copy). Then, still inside that transaction, it puts the
server's id sequences past the copied ids and verifies: the rows of every table, the sum of every
money column (integer minor units, ``*_minor``) and ``desk-app check``'s invariants on the
server. Any difference or failure rolls the server back (it stays empty) and says what differed.

After the commit the SQLite file (with its -wal/-shm) is renamed aside to
``<name>.moved-to-server.sqlite3`` so nobody keeps writing to the old file by mistake; the caller
switches this desk to the server (desk_app.db.server, DeskSettings.server).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, Table, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from desk_app.core.service import ServiceError, audit, require
from desk_app.db import migrate
from desk_app.db.engine import Database
from desk_app.db.models import SUMMARY_TABLES, Base
from desk_app.domain.permissions import Actor, NotAllowed, Perm, Role
from desk_app.errors import is_busy_error
from desk_app.i18n import _
from desk_app.trust.integrity import invariant_problems

log = logging.getLogger(__name__)

BATCH = 1000
SOURCE_BUSY_MS = 3000  # how long the move waits for another desk's write lock on the file
SEEDED = frozenset({"safety_rules"})  # tables the migrations fill: replaced by the shop's own rows
MOVED_SUFFIX = ".moved-to-server.sqlite3"

Progress = Callable[[float, str], None]


class MoveFailed(ServiceError):
    """The move was refused or did not verify; the server was left as it was."""


@dataclass(frozen=True)
class TableTally:
    table: str
    rows: int
    sums: dict[str, int] = field(default_factory=dict)  # money column -> sum of minor units


@dataclass(frozen=True)
class MoveResult:
    tables: list[TableTally]
    moved_file: Path | None  # where the old SQLite file now is

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def money_columns(table: Table) -> list[Column[Any]]:
    """The integer minor-unit money columns of a table (``*_minor``)."""
    return [c for c in table.columns if c.name.endswith("_minor") and isinstance(c.type, Integer)]


def tally(conn: Connection, table: Table) -> TableTally:
    """A table's row count and money sums, read on ``conn``."""
    cols = money_columns(table)
    row = conn.execute(select(func.count(), *[func.coalesce(func.sum(c), 0) for c in cols]).select_from(table)).one()
    return TableTally(table.name, int(row[0]), {c.name: int(v) for c, v in zip(cols, row[1:], strict=True)})


def move_to_server(
    source: Database,
    target_url: str,
    actor: Actor,
    progress: Progress | None = None,
    *,
    batch: int = BATCH,
) -> MoveResult:
    """Copy the shop in ``source`` (SQLite) into the empty server at ``target_url`` and verify it;
    then close ``source`` and rename its file aside. Owner only. ``MoveFailed`` (in words) when
    refused or when anything differs; the server then holds no shop data."""
    report = progress or (lambda _f, _s: None)
    if not source.is_sqlite or source.sqlite_file is None:
        raise MoveFailed(_("Only a shop kept in a file on this computer (SQLite) can be moved onto a server."))
    known = require(source.uow, actor, Perm.BACKUP)
    if known.role != Role.OWNER:
        raise NotAllowed(Perm.BACKUP, actor)
    if migrate.needs_upgrade(source):
        raise MoveFailed(_("Open the shop once with this version of the app before moving it (its data is not up to date)."))
    report(0.0, _("Preparing the server"))
    try:
        target = Database.open(target_url, source.clock)
    except ValueError as exc:
        raise MoveFailed(str(exc)) from exc
    try:
        _prepare_target(target)
        tallies = _copy_all(source, target, actor, report, batch)
        report(0.98, _("Preparing the server for work"))
        _vacuum(target)
    finally:
        target.dispose()
    report(0.99, _("Putting the old file aside"))
    moved = _put_aside(source)
    report(1.0, _("Done"))
    return MoveResult(tallies, moved)


def _vacuum(target: Database) -> None:
    """``VACUUM (ANALYZE)`` once the copy is committed, as after any bulk load: the server gets its
    statistics and marks the new pages all-visible, so the first days' reports and searches do not
    wait for autovacuum (the monthly report at a million lines: 0.51 s on the fresh copy, 0.46 s
    after it). It cannot run inside a transaction. Left undone it only costs speed until autovacuum
    comes by, so a failure is logged, not raised: the shop is already on the server."""
    try:
        with target.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
    except DBAPIError as exc:
        log.warning("VACUUM (ANALYZE) after the move failed (autovacuum will do it): %s", _first_line(exc))


def _prepare_target(target: Database) -> None:
    """Refuse a server that already holds a shop (or another program's tables); build the app's
    schema on an empty one."""
    try:
        with target.engine.connect() as conn:
            tables = {str(r[0]) for r in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}
            conn.rollback()
    except DBAPIError as exc:
        raise MoveFailed(_("Could not reach the server: {error}").format(error=_first_line(exc))) from exc
    if tables and "alembic_version" not in tables:
        raise MoveFailed(_("The server's database already holds tables of another program; use an empty database."))
    if tables:
        version = migrate.current_revision(target)
        if version not in migrate.known_revisions():
            raise MoveFailed(_("The server's database was made by a newer version of the app; update this desk's app first."))
    try:
        migrate.upgrade(target)
    except Exception as exc:  # noqa: BLE001 - said in words: usually the extensions
        raise MoveFailed(_("The server's database could not be prepared: {error}").format(error=_first_line(exc))) from exc
    with target.engine.connect() as conn:
        full = [t.name for t in Base.metadata.sorted_tables
                if t.name not in SEEDED and conn.execute(select(func.count()).select_from(t)).scalar()]
        conn.rollback()
    if full:
        raise MoveFailed(_(
            "The server's database is not empty (it holds {tables}): a shop is moved only into an empty "
            "database. Nothing was copied.").format(tables=", ".join(full[:5])))


def _copy_all(source: Database, target: Database, actor: Actor, report: Progress, batch: int) -> list[TableTally]:
    # the hourly sales summaries are not copied: the server's triggers write them with the sales
    # (and the check below compares them with the rows copied)
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SUMMARY_TABLES]
    src = source.engine.connect().execution_options(desk_write=True)
    try:
        try:
            raw = src.connection.driver_connection
            assert raw is not None
            raw.execute(f"PRAGMA busy_timeout={SOURCE_BUSY_MS}")  # not through SQLAlchemy: no BEGIN yet
            src.begin()  # BEGIN IMMEDIATE: the file's write lock, held to the end of the copy
            before = [tally(src, t) for t in tables]
        except (OperationalError, ServiceError) as exc:
            if is_busy_error(exc):
                raise MoveFailed(_(
                    "The shop's file is in use by another desk or program that is writing to it. Close the app "
                    "on the other desks (and any import or restore), then try again.")) from exc
            raise
        total = max(1, sum(t.rows for t in before))
        done = 0
        with target.engine.execution_options(desk_clock=source.clock).connect() as dst, dst.begin():
            for table in tables:
                if table.name in SEEDED:
                    dst.execute(table.delete())
            for table in tables:
                done = _copy_table(src, dst, table, batch, _step(report, total, table.name), done)
            report(0.93, _("Checking the copy"))
            _reset_sequences(dst, tables)
            after = [tally(dst, t) for t in tables]
            differences = _differences(before, after)
            problems = invariant_problems(dst, is_sqlite=False)
            if differences or problems:
                what = "; ".join([*differences, *problems][:8])
                raise MoveFailed(_("The copy on the server differs from the shop's file, so nothing was kept on the "
                                   "server: {what}").format(what=what))
            with Session(bind=dst) as session:
                audit(session, actor, "moved_to_server", "database", "", detail=_summary(after),
                      at=source.clock())
                session.flush()
            report(0.97, _("Saving on the server"))
        src.rollback()
        return after
    finally:
        src.close()


def _step(report: Progress, total: int, table: str) -> Callable[[int], None]:
    label = _("Copying {table}").format(table=table)
    return lambda n: report(0.02 + 0.9 * n / total, label)


def _copy_table(src: Connection, dst: Connection, table: Table, batch: int, report: Callable[[int], None],
                done: int) -> int:
    """Copy one table in batches; a column pointing into its own table is filled in after all the
    rows are there (a row may point at a later one)."""
    pk = list(table.primary_key.columns)
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    late: list[dict[str, Any]] = []
    result = src.execute(select(table).order_by(*pk))
    for rows in result.mappings().partitions(batch):
        chunk = [dict(r) for r in rows]
        if own:
            for r in chunk:
                links = {c: r[c] for c in own if r[c] is not None}
                if links:
                    late.append({**{f"k_{c.name}": r[c.name] for c in pk}, **{f"v_{c}": v for c, v in links.items()}})
                    for c in links:
                        r[c] = None
        dst.execute(table.insert(), chunk)
        done += len(chunk)
        report(done)
    for c in own:
        pending = [r for r in late if f"v_{c}" in r]
        if pending:
            stmt = table.update().where(*[col == bindparam(f"k_{col.name}") for col in pk]).values(
                {c: bindparam(f"v_{c}")})
            dst.execute(stmt, [{k: v for k, v in r.items() if k.startswith("k_") or k == f"v_{c}"} for r in pending])
    return done


def _reset_sequences(dst: Connection, tables: list[Table]) -> None:
    """Each id sequence past the largest copied id (the next new row gets the next number)."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        col = pk[0].name
        dst.execute(
            text(f'SELECT setval(pg_get_serial_sequence(:t, :c), (SELECT COALESCE(MAX("{col}"), 0) + 1 '
                 f'FROM "{table.name}"), false)'),
            {"t": table.name, "c": col},
        )


def _differences(before: list[TableTally], after: list[TableTally]) -> list[str]:
    out = []
    for b, a in zip(before, after, strict=True):
        if b.rows != a.rows:
            out.append(_("{table}: {source} rows in the file, {target} on the server").format(
                table=b.table, source=b.rows, target=a.rows))
        for col, value in b.sums.items():
            if a.sums.get(col) != value:
                out.append(_("{table}.{column}: sum {source} in the file, {target} on the server").format(
                    table=b.table, column=col, source=value, target=a.sums.get(col)))
    return out


def _summary(tallies: list[TableTally]) -> str:
    return ", ".join(f"{t.table} {t.rows}" for t in tallies if t.rows)


def _put_aside(source: Database) -> Path | None:
    """Close the file and rename it (with its -wal/-shm) to ``<name>.moved-to-server.sqlite3``."""
    path = source.sqlite_file
    source.dispose()
    if path is None or not path.exists():
        return None
    base = path.with_name(path.stem + MOVED_SUFFIX)
    n = 1
    while base.exists():
        n += 1
        base = path.with_name(f"{path.stem}.moved-to-server-{n}.sqlite3")
    for suffix in ("-wal", "-shm", ""):  # the main file last: the name that matters moves at the end
        part = Path(str(path) + suffix)
        if part.exists():
            part.replace(Path(str(base) + suffix))
    return base


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).splitlines() or [""])[0]
