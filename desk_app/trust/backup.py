"""Backups that restore (docs/product.md §7).

SQLite only: every backup goes through SQLite's online backup API into a
``.part`` file, is checked with ``PRAGMA integrity_check`` and only then renamed
to its final name, so a backup file either does not exist or is whole. Restore
checks the chosen file first, then in ONE write transaction on the live file copies
the database aside (the kept file) and the backup in, so no other desk can commit in
between (a crash part-way leaves the old database as it was); see docs/backups.md.
The app must reopen its engine afterwards (``BackupService.restore`` disposes it).

PostgreSQL (server mode): the same service dumps the server with ``pg_dump``, verifies the dump
in a scratch database, rotates, and restores by swapping a restored database in by name
(desk_app.trust.pg_backup; docs/server-mode.md §6).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import make_url

from desk_app.core.service import ServiceError, audit, require, shop_tz
from desk_app.db import cipher
from desk_app.db.engine import Clock, Database
from desk_app.db.models import BackupRecord, Staff
from desk_app.domain.permissions import Actor, Perm
from desk_app.i18n import _
from desk_app.paths import create_private, data_dir
from desk_app.settings import S, SettingsStore
from desk_app.trust import pg_backup
from desk_app.trust.at_rest import EncryptResult

Progress = Callable[[int, int], None]
AUTO_REASONS = ("daily", "close_of_day")
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<reason>manual|daily|close_of_day|pre-migration|migration)-(?P<stamp>\d{8}-\d{6})"
    r"(?P<ext>\.sqlite3|\.dump)$"
)
PAGES_PER_STEP = 512


class BackupError(ServiceError):
    pass


@dataclass
class Reapplied:
    """Erasures applied again after a restore (docs/privacy.md)."""

    again: list[str] = field(default_factory=list)  # the client numbers erased again
    unconfirmed: list[str] = field(default_factory=list)  # in a ledger, but no database confirms it
    searched: int = 0  # how many erasure ledgers were read

    def lines(self, *, new_file: bool) -> list[str]:
        """What a restore says about erasures (the command line and the Backup page)."""
        out: list[str] = []
        if self.again:
            out.append(
                _("Erased again, as recorded when they were erased: {numbers}.").format(
                    numbers=", ".join(self.again)
                )
            )
        if self.unconfirmed:
            out.append(
                _(
                    "An erasure ledger names {numbers}, but no database confirms it, so they were not erased. "
                    "If they asked to be forgotten, erase them again."
                ).format(numbers=", ".join(self.unconfirmed))
            )
        if new_file and not self.searched and not self.again:
            out.append(
                _(
                    "No record of erasures was found near the backup, the new file or on this computer: "
                    "if clients were erased after this backup was made, erase them again."
                )
            )
        return out


@dataclass(frozen=True)
class Restored:
    kept: Path | None  # where the replaced database was kept (None: there was none)
    erasures: Reapplied
    kept_database: str = ""  # server mode: the name the replaced database was kept under


class AfterRestore(Protocol):
    def __call__(
        self, actor: Actor | None, backup: Path, kept: Path | None, *, kept_db: str | None = None
    ) -> Reapplied: ...


@dataclass(frozen=True)
class BackupInfo:
    path: str
    at: datetime
    size_bytes: int
    reason: str
    ok: bool
    message: str = ""


def check_backup_file(path: Path) -> str | None:
    """None when ``path`` is a whole SQLite database of this app; else what is wrong (translated)."""
    path = Path(path)
    if not path.is_file():
        return _("The file {name} does not exist.").format(name=str(path))
    if path.stat().st_size < 512:
        return _("{name} is not a database backup.").format(name=path.name)
    try:
        key = cipher.key_for_file(path)
    except cipher.KeyMissing:
        return _(
            "{name} is not a database backup of this app, or it is encrypted with a key this computer "
            "does not have (type the shop's recovery key: desk-app key add)."
        ).format(name=path.name)
    try:
        conn = cipher.connect(path, key=key, read_only=True)
        try:
            res = conn.execute("PRAGMA integrity_check").fetchone()
            if not res or res[0] != "ok":
                return _("{name} is damaged ({detail}). Choose another backup.").format(
                    name=path.name, detail=str(res[0] if res else "?")
                )
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except cipher.DatabaseError as exc:
        return _("{name} could not be read ({detail}). Choose another backup.").format(
            name=path.name, detail=str(exc)
        )
    if not {"clients", "sales", "alembic_version"} <= tables:
        return _("{name} is a database, but not one of this app.").format(name=path.name)
    return None


def online_backup(src: Path, dest: Path, progress: Progress | None = None, *, key: bytes | None) -> Path:
    """Copy a live SQLite database with the online backup API into ``dest`` (checked, atomic rename).

    ``key``: the live database's own key (``Database.key``; None for a plain file), never read
    from the file here: opening and closing the live file outside SQLite (``cipher.is_encrypted``)
    drops this process's SQLite locks on it, and the next desk or command to close the database
    then deletes its write-ahead log under the app, losing what the app writes after."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    if tmp.exists():
        tmp.unlink()
    create_private(tmp)  # other accounts on this computer cannot read the copy (0600)
    source = cipher.connect(src, key=key, read_only=True, timeout=10)  # encrypted: the backup is too
    try:
        target = cipher.connect(tmp, key=key)
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                if progress:
                    progress(total - remaining, total)

            source.backup(target, pages=PAGES_PER_STEP, progress=step)
            # one self-contained file: reading it later (read-only) leaves no -wal/-shm beside it
            target.execute("PRAGMA journal_mode = DELETE")
            res = target.execute("PRAGMA integrity_check").fetchone()
            if not res or res[0] != "ok":
                raise BackupError(_("The backup failed its check ({detail}).").format(detail=str(res)))
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


RESTORE_WAIT_S = 30  # how long a restore waits for another desk's save to finish


def restore_file(backup: Path, db_path: Path, stamp: str, progress: Progress | None = None) -> Path | None:
    """Replace ``db_path`` with ``backup``. Returns where the replaced database was kept (None if there was none).

    Exclusive: one write transaction on the live file copies it aside (the kept file) and then
    copies the backup in, so no other desk can commit between the two. Another desk's save waits
    for the restore (or is told the database is busy) and then works on the restored data; every
    sale it reported paid is in the kept file or in the restored database. The counters (receipt
    and client numbers) carry on from the higher of the two, so no number is ever issued twice.
    """
    problem = check_backup_file(backup)
    if problem:
        raise BackupError(problem)
    if backup.resolve() == db_path.resolve():
        raise BackupError(_("That is the database itself, not a backup."))
    if not db_path.exists():
        _copy_in_with_backup_api(backup, db_path, progress)
        return None
    kept = db_path.with_name(f"{db_path.stem}.replaced-{stamp}{db_path.suffix or '.sqlite3'}")
    try:
        _swap_in_one_transaction(backup, db_path, kept, progress)
    except _LiveDamaged:
        # the current file cannot be read: move it (and its journal) aside as it is
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(db_path) + suffix)
            if p.exists():
                p.replace(Path(str(kept) + suffix))
        _copy_in_with_backup_api(backup, db_path, progress)
    return kept


class _LiveDamaged(Exception):
    pass


def _swap_in_one_transaction(backup: Path, db_path: Path, kept: Path, progress: Progress | None) -> None:
    part = kept.with_name(kept.name + ".part")
    part.unlink(missing_ok=True)
    try:
        live_key = cipher.key_for_file(db_path)
    except cipher.KeyMissing as exc:
        raise BackupError(str(exc)) from exc
    bak_key = cipher.key_for_file(backup)
    conn = cipher.connect(
        db_path,
        key=live_key,
        must_exist=True,
        cipher=bool(bak_key),
        timeout=RESTORE_WAIT_S,
        isolation_level=None,
    )
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # tables are dropped and filled in any order
        try:
            conn.execute("BEGIN IMMEDIATE")  # from here on no other desk can commit
        except cipher.OperationalError as exc:
            raise BackupError(
                _("Another desk kept the database busy for {seconds} s. Try the restore again.").format(
                    seconds=RESTORE_WAIT_S
                )
            ) from exc
        try:
            # the kept file is protected as the live one is; the restored rows take the live file's
            # protection too (they are copied into it)
            if live_key or bak_key:
                conn.execute("ATTACH DATABASE ? AS kept KEY ?", (str(part), cipher.attach_key(live_key)))
                conn.execute(
                    "ATTACH DATABASE ? AS bak KEY ?", (f"file:{backup}?mode=ro", cipher.attach_key(bak_key))
                )
            else:
                conn.execute("ATTACH DATABASE ? AS kept", (str(part),))
                conn.execute("ATTACH DATABASE ? AS bak", (f"file:{backup}?mode=ro",))
            try:
                _copy_schema_and_rows(conn, "main", "kept", drop_first=False)
            except cipher.DatabaseError as exc:
                raise _LiveDamaged() from exc
            if progress:
                progress(1, 2)
            _copy_schema_and_rows(conn, "bak", "main", drop_first=True)
            _carry_counters(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            for schema in ("kept", "bak"):
                try:
                    conn.execute(f"DETACH DATABASE {schema}")
                except cipher.Error:
                    pass
        for target in (str(db_path), str(part)):
            check = cipher.connect(target, key=live_key)
            try:
                res = check.execute("PRAGMA integrity_check").fetchone()
            finally:
                check.close()
            if not res or res[0] != "ok":
                raise BackupError(_("The restored database failed its check ({detail}).").format(detail=str(res)))
        if progress:
            progress(2, 2)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    part.replace(kept)


_CREATE = re.compile(
    r"^\s*CREATE\s+(UNIQUE\s+INDEX|INDEX|VIRTUAL\s+TABLE|TABLE|TRIGGER|VIEW)\s+(IF\s+NOT\s+EXISTS\s+)?", re.I
)


def _in_schema(sql: str, schema: str) -> str:
    m = _CREATE.match(sql)
    if m is None:
        raise BackupError(_("The backup holds an object this app cannot copy: {sql}").format(sql=sql[:60]))
    return sql[: m.end()] + f"{schema}." + sql[m.end() :]


def _copy_schema_and_rows(conn: Any, src: str, dst: str, *, drop_first: bool) -> None:
    """Copy every table with its rows, then the indexes, views and triggers, from schema ``src`` to
    ``dst`` inside the caller's transaction. Triggers are created last, so none fires on the copy
    (nor on the drop: the audit log's append-only triggers are dropped with their table)."""

    def objs(schema: str, *types: str) -> list[tuple[str, str, str]]:
        marks = ",".join("?" * len(types))
        rows = conn.execute(
            f"SELECT type, name, sql FROM {schema}.sqlite_master WHERE sql IS NOT NULL AND type IN ({marks})"
            " ORDER BY rowid",
            types,
        ).fetchall()
        return [(str(t), str(n), str(q)) for t, n, q in rows]

    def is_virtual(sql: str) -> bool:
        return sql.lstrip().upper().startswith("CREATE VIRTUAL")

    if drop_first:
        for typ, name, _sql in objs(dst, "trigger", "view"):
            conn.execute(f'DROP {typ.upper()} {dst}."{name}"')
        for _t, name, sql in objs(dst, "table"):
            if is_virtual(sql):  # drops its shadow tables with it
                conn.execute(f'DROP TABLE {dst}."{name}"')
        for _t, name, _sql in objs(dst, "table"):
            conn.execute(f'DROP TABLE {dst}."{name}"')
    tables = objs(src, "table")
    virtual = [n for _t, n, sql in tables if is_virtual(sql)]
    for _t, name, sql in tables:
        if name.startswith("sqlite_") or any(name.startswith(v + "_") for v in virtual):
            continue  # internal, or a full-text index's shadow table (rebuilt below)
        conn.execute(_in_schema(sql, dst))
        if name not in virtual:
            conn.execute(f'INSERT INTO {dst}."{name}" SELECT * FROM {src}."{name}"')
    has_seq = conn.execute(f"SELECT 1 FROM {src}.sqlite_master WHERE name = 'sqlite_sequence'").fetchone()
    if has_seq and conn.execute(f"SELECT 1 FROM {dst}.sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        conn.execute(f"DELETE FROM {dst}.sqlite_sequence")
        conn.execute(f"INSERT INTO {dst}.sqlite_sequence SELECT * FROM {src}.sqlite_sequence")
    for name in virtual:  # the client search index is rebuilt from the copied rows
        conn.execute(f'INSERT INTO {dst}."{name}"("{name}") VALUES (\'rebuild\')')
    for _t, _name, sql in objs(src, "index", "view", "trigger"):
        conn.execute(_in_schema(sql, dst))


def _carry_counters(conn: Any) -> None:
    """Receipt and client numbers go on from the higher of the replaced and the restored database:
    a receipt printed after the backup was taken keeps its number to itself."""
    have = {
        schema: conn.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE name = 'counters'").fetchone()
        for schema in ("main", "kept")
    }
    if not (have["main"] and have["kept"]):
        return
    conn.execute(
        "INSERT INTO main.counters (name, value) SELECT name, value FROM kept.counters WHERE true "
        "ON CONFLICT(name) DO UPDATE SET value = max(counters.value, excluded.value)"
    )


def _copy_in_with_backup_api(backup: Path, db_path: Path, progress: Progress | None) -> None:
    key = cipher.key_for_file(backup)  # a new file: the backup comes in as it is, encrypted or not
    src = cipher.connect(backup, key=key, read_only=True)
    try:
        dst = cipher.connect(db_path, key=key, timeout=10)
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                if progress:
                    progress(total - remaining, total)

            src.backup(dst, pages=0, progress=step)  # one step: all or nothing
            res = dst.execute("PRAGMA integrity_check").fetchone()
            if not res or res[0] != "ok":
                raise BackupError(
                    _("The restored database failed its check ({detail}).").format(detail=str(res))
                )
        finally:
            dst.close()
    finally:
        src.close()


class BackupService:
    def __init__(
        self,
        db: Database,
        settings: SettingsStore,
        clock: Clock | None = None,
        after_restore: AfterRestore | None = None,
    ) -> None:
        self.db = db if clock is None else db.with_clock(clock)  # rows are stamped by the same clock
        self.settings = settings
        self.clock = self.db.clock
        # called with the restoring actor and where erasures are recorded (the replaced file, the
        # folders of the backup, of the backups and of the shop file) once a restore is done: the
        # privacy service erases again whoever was erased (desk_app.container wires it)
        self.after_restore = after_restore

    # -- where -----------------------------------------------------------------
    def _db_file(self) -> Path:
        path = self.db.sqlite_file
        if path is None:
            raise BackupError(
                _(
                    "This shop runs on a PostgreSQL server: back it up on the server with pg_dump "
                    "(see docs/server-mode.md)."
                )
            )
        return path

    @property
    def server(self) -> bool:
        """True in server mode (PostgreSQL): backups are pg_dump files (``.dump``)."""
        return not self.db.is_sqlite

    def _stem(self) -> str:
        """The first part of a backup's file name: the shop file's name, or the server database's."""
        return pg_backup.target_of(self.db.url).dbname if self.server else self._db_file().stem

    def server_database(self) -> str:
        """The server database's name (server mode), e.g. to say what a restore replaces."""
        return pg_backup.target_of(self.db.url).dbname

    def _suffix(self) -> str:
        return ".dump" if self.server else ".sqlite3"

    def _pg_bin(self) -> str:
        return str(self.settings.get(S.BACKUP_PG_BIN) or "")

    def folder(self) -> Path:
        configured = str(self.settings.get(S.BACKUP_FOLDER) or "").strip()
        if configured:
            return Path(configured).expanduser()
        if self.server:  # a desk keeps the server's backups in its app folder unless told otherwise
            return data_dir() / "backups"
        return self._db_file().parent / "backups"

    def set_folder(self, actor: Actor, folder: str) -> Path:
        require(self.db.uow, actor, Perm.BACKUP)
        path = Path(folder).expanduser()
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / ".desk-app-write-test"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise BackupError(
                _("Cannot write to {folder} ({error}). Plug the drive in or choose another folder.").format(
                    folder=str(path), error=exc.strerror or str(exc)
                ),
                "folder",
            ) from exc
        before = self.settings.get(S.BACKUP_FOLDER)
        self.settings.set(S.BACKUP_FOLDER, str(path), staff_id=actor.staff_id)
        with self.db.uow() as uow:
            audit(
                uow.session,
                actor,
                "update",
                "setting",
                "backup.folder",
                before={"backup.folder": before},
                after={"backup.folder": str(path)},
                at=self.clock(),
            )
            uow.commit()
        return path

    # -- backing up ------------------------------------------------------------
    def backup(
        self,
        out: Path | None = None,
        *,
        reason: str = "manual",
        actor: Actor | None = None,
        progress: Progress | None = None,
    ) -> BackupInfo:
        """Back up now to ``out`` (default: a dated file in the backup folder). Records a BackupRecord."""
        if actor is not None:
            require(self.db.uow, actor, Perm.BACKUP)
        if self.server:
            return self._backup_server(out, reason, actor, progress)
        src = self._db_file()
        now = self.clock()
        if out is None:
            stamp = now.astimezone(self._tz()).strftime("%Y%m%d-%H%M%S")
            out = self.folder() / f"{src.stem}-{reason}-{stamp}.sqlite3"
        out = Path(out)
        if out.exists() and out.resolve() == src.resolve():
            raise BackupError(_("Choose a different file: that is the database itself."))
        try:
            online_backup(src, out, progress, key=self.db.key)
        except (OSError, BackupError, cipher.KeyMissing, *cipher.Error) as exc:  # type: ignore[misc]
            msg = exc.message if isinstance(exc, BackupError) else str(exc)
            self._record(str(out), 0, reason, False, msg, actor)
            raise BackupError(
                _("The backup to {path} failed ({error}). Check the drive or choose another folder.").format(
                    path=str(out), error=msg
                )
            ) from exc
        info = self._record(str(out), out.stat().st_size, reason, True, "", actor)
        if reason in AUTO_REASONS:
            self.rotate()
        return info

    def _backup_server(
        self, out: Path | None, reason: str, actor: Actor | None, progress: Progress | None
    ) -> BackupInfo:
        if out is None:
            stamp = self.clock().astimezone(self._tz()).strftime("%Y%m%d-%H%M%S")
            out = self.folder() / f"{self._stem()}-{reason}-{stamp}.dump"
        out = Path(out)
        if progress:
            progress(0, 1)
        try:
            done = pg_backup.dump(pg_backup.target_of(self.db.url), out, folder=self._pg_bin())
        except (OSError, pg_backup.PgBackupError) as exc:
            msg = exc.message if isinstance(exc, pg_backup.PgBackupError) else str(exc)
            self._record(str(out), 0, reason, False, msg, actor)
            raise BackupError(
                _("The backup to {path} failed ({error}).").format(path=str(out), error=msg)
            ) from exc
        if progress:
            progress(1, 1)
        info = self._record(str(out), done.size, reason, True, done.warning, actor)
        if reason in AUTO_REASONS:
            self.rotate()
        return info

    def _record(
        self, path: str, size: int, reason: str, ok: bool, message: str, actor: Actor | None
    ) -> BackupInfo:
        now = self.clock()
        with self.db.uow() as uow:
            uow.session.add(
                BackupRecord(at=now, path=path, size_bytes=size, reason=reason, ok=ok, message=message)
            )
            audit(
                uow.session,
                actor,
                "backup",
                "database",
                "",
                after={"path": path, "reason": reason, "ok": ok},
                detail=message,
                at=now,
            )
            uow.commit()
        return BackupInfo(path, now, size, reason, ok, message)

    def maybe_daily_backup(self, now: datetime | None = None) -> BackupInfo | None:
        """Called at start and every hour: back up once per local day. None when not needed.

        On a server one desk does it: the one that gets the advisory lock, and only when no desk
        has recorded a backup today (another desk's backup counts)."""
        now = now or self.clock()
        if not self.server:
            return None if self._backed_up_today(now) else self.backup(reason="daily")
        with pg_backup.advisory_lock(pg_backup.target_of(self.db.url)) as mine:
            if not mine or self._backed_up_today(now):
                return None
            return self.backup(reason="daily")

    def _backed_up_today(self, now: datetime) -> bool:
        last = self.last_backup(ok_only=True, reasons=("daily", "close_of_day", "manual"))
        tz = self._tz()
        return last is not None and last.at.astimezone(tz).date() == now.astimezone(tz).date()

    def close_of_day_backup(self, actor: Actor | None = None, progress: Progress | None = None) -> BackupInfo | None:
        """The close-of-day backup. On a server, None when another desk is dumping right now (the
        advisory lock is taken): that desk's backup covers the day."""
        if not self.server:
            return self.backup(reason="close_of_day", actor=actor, progress=progress)
        with pg_backup.advisory_lock(pg_backup.target_of(self.db.url)) as mine:
            if not mine:
                return None
            return self.backup(reason="close_of_day", actor=actor, progress=progress)

    def rotate(self) -> list[Path]:
        """Keep the newest ``backup.keep`` automatic backups in the folder; return the ones removed."""
        keep = self.settings.get(S.BACKUP_KEEP)
        folder = self.folder()
        if not folder.is_dir():
            return []
        stem, ext = self._stem(), self._suffix()
        autos: list[tuple[str, Path]] = []
        for p in folder.iterdir():
            m = _NAME.match(p.name)
            if m and m.group("stem") == stem and m.group("ext") == ext and m.group("reason") in AUTO_REASONS:
                autos.append((m.group("stamp"), p))
        autos.sort(reverse=True)
        removed = [p for _s, p in autos[keep:]]
        for p in removed:
            p.unlink(missing_ok=True)
        return removed

    # -- what exists -------------------------------------------------------------
    def last_backup(self, ok_only: bool = True, reasons: tuple[str, ...] | None = None) -> BackupInfo | None:
        with self.db.uow(write=False) as uow:
            q = select(BackupRecord).order_by(BackupRecord.at.desc(), BackupRecord.id.desc()).limit(1)
            if ok_only:
                q = q.where(BackupRecord.ok.is_(True))
            if reasons:
                q = q.where(BackupRecord.reason.in_(reasons))
            r = uow.session.execute(q).scalar_one_or_none()
            if r is None:
                return None
            return BackupInfo(r.path, r.at, r.size_bytes, r.reason, r.ok, r.message)

    def _tz(self) -> ZoneInfo:
        """The shop's time zone (file names and 'once a day' are in shop time)."""
        with self.db.uow(write=False) as uow:
            return shop_tz(uow.session)

    def history(self, limit: int = 50) -> list[BackupInfo]:
        with self.db.uow(write=False) as uow:
            rows = uow.session.scalars(
                select(BackupRecord).order_by(BackupRecord.at.desc(), BackupRecord.id.desc()).limit(limit)
            )
            return [BackupInfo(r.path, r.at, r.size_bytes, r.reason, r.ok, r.message) for r in rows]

    def own_files(self) -> list[Path]:
        """This database's backups in the folder (by name), the databases restores kept aside, and
        the backups recorded as made elsewhere that are still there."""
        stem = self._db_file().stem
        folder = self.folder()
        out: list[Path] = []
        if folder.is_dir():
            for p in sorted(folder.glob("*.sqlite3")):
                m = _NAME.match(p.name)
                if m and m.group("stem") == stem:
                    out.append(p)
        db_file = self._db_file()
        out += sorted(db_file.parent.glob(f"{glob_escape(stem)}.replaced-*{glob_escape(db_file.suffix)}"))
        with self.db.uow(write=False) as uow:
            recorded = uow.session.scalars(select(BackupRecord.path).where(BackupRecord.ok.is_(True)))
            elsewhere = [Path(p) for p in dict.fromkeys(recorded) if p]
        known = {p.resolve() for p in out} | {db_file.resolve()}
        for p in elsewhere:
            try:
                if p.is_file() and p.resolve() not in known:
                    out.append(p)
                    known.add(p.resolve())
            except OSError:
                continue
        return out

    def list_files(self) -> list[BackupInfo]:
        """Backup files found in the backup folder, newest first (the folder may be a USB drive)."""
        folder = self.folder()
        if not folder.is_dir():
            return []
        tz = self._tz()
        out: list[BackupInfo] = []
        for p in folder.glob("*" + self._suffix()):
            m = _NAME.match(p.name)
            st = p.stat()
            at = datetime.fromtimestamp(st.st_mtime).astimezone()
            if m:  # the name carries when it was made (shop time); the file time may be a copy's
                try:
                    at = datetime.strptime(m.group("stamp"), "%Y%m%d-%H%M%S").replace(tzinfo=tz)
                except ValueError:
                    pass
            out.append(BackupInfo(str(p), at, st.st_size, m.group("reason") if m else "", True))
        out.sort(key=lambda b: b.at, reverse=True)
        return out

    # -- data at rest --------------------------------------------------------------
    def encrypted(self) -> bool | None:
        """True/False for this shop's SQLite file; None on a server."""
        return None if self.db.sqlite_file is None else self.db.key is not None

    def recovery_key(self, actor: Actor) -> str:
        """The recovery key of an encrypted shop, as the owner writes it down (the view is logged)."""
        require(self.db.uow, actor, Perm.BACKUP)
        key = self.db.key
        if key is None:
            raise BackupError(_("This shop's data is not encrypted, so it has no recovery key."))
        with self.db.uow() as uow:
            audit(uow.session, actor, "view", "recovery_key", "", after={"key_id": cipher.key_id(key)}, at=self.clock())
            uow.commit()
        return cipher.recovery_text(key)

    def encrypt_data(self, actor: Actor) -> EncryptResult:
        """Encrypt the shop file and its backups (desk_app.trust.at_rest). This Database is closed
        for good: the app must open the shop again (with the key) afterwards."""
        from desk_app.trust.at_rest import encrypt_shop

        require(self.db.uow, actor, Perm.BACKUP)
        db_file = self._db_file()
        backups = self.own_files()
        with self.db.uow() as uow:  # logged before: after it, this engine cannot open the file
            audit(uow.session, actor, "encrypt_start", "database", "", after={"backups": len(backups)}, at=self.clock())
            uow.commit()
        self.db.dispose()
        return encrypt_shop(db_file, backups)

    # -- restoring ---------------------------------------------------------------
    def restore(self, actor: Actor, file: Path, progress: Progress | None = None) -> Restored:
        """Replace the database with ``file``; returns where the replaced database was kept and
        whom it erased again (``after_restore``).

        The engine is disposed: open connections are closed and the next unit of work
        reads the restored database. Screens must reload what they show.
        """
        require(self.db.uow, actor, Perm.BACKUP)
        if self.server:
            return self._restore_server(actor, Path(file), progress)
        db_file = self._db_file()
        problem = check_backup_file(Path(file))
        if problem:
            raise BackupError(problem)
        now = self.clock()
        stamp = now.astimezone(self._tz()).strftime("%Y%m%d-%H%M%S")
        self.db.dispose()
        kept = restore_file(Path(file), db_file, stamp, progress)
        self.db.dispose()
        self.settings.refresh()
        from desk_app.db import migrate

        migrate.upgrade(self.db, backup_dir=self.folder())  # an older backup is brought up to date
        with self.db.uow() as uow:
            audit(
                uow.session,
                actor,
                "restore",
                "database",
                "",
                after={"from": str(file), "kept": str(kept or "")},
                at=now,
            )
            uow.commit()
        erased = self.after_restore(actor, Path(file), kept) if self.after_restore else Reapplied()
        return Restored(kept, erased)

    def check_file(self, file: Path) -> str | None:
        """None when ``file`` can be restored into this shop; else what is wrong (translated)."""
        if not self.server:
            return check_backup_file(Path(file))
        from desk_app.db.migrate import known_revisions

        try:
            return pg_backup.check_dump(
                pg_backup.target_of(self.db.url), Path(file), known_revisions(), self._pg_bin()
            )
        except pg_backup.PgBackupError as exc:
            return exc.message

    def _restore_server(self, actor: Actor, file: Path, progress: Progress | None) -> Restored:
        """Swap the dump in as the live database (pg_backup.restore_database); the replaced one is
        kept on the server under another name. Every other desk's session is ended."""
        problem = self.check_file(file)
        if problem:
            raise BackupError(problem)
        now = self.clock()
        stamp = now.astimezone(self._tz()).strftime("%Y%m%d_%H%M%S")
        steps = {"restored": 1, "locked": 2, "swapped": 3}

        def step(name: str) -> None:
            if progress:
                progress(steps[name], 3)

        target = pg_backup.target_of(self.db.url)
        self.db.dispose()  # this desk's own sessions end too
        try:
            kept = pg_backup.restore_database(target, file, stamp, folder=self._pg_bin(), step=step)
        except pg_backup.PgBackupError as exc:
            raise BackupError(exc.message) from exc
        self.db.dispose()
        self.settings.refresh()
        from desk_app.db import migrate

        migrate.upgrade(self.db)  # an older backup is brought up to date
        who: Actor | None = actor
        with self.db.uow() as uow:
            if uow.session.get(Staff, actor.staff_id) is None:
                who = None  # the owner is not in the restored data: recorded as the system
            audit(
                uow.session,
                who,
                "restore",
                "database",
                "",
                after={"from": str(file), "kept_database": kept},
                at=now,
            )
            uow.commit()
        kept_url = make_url(self.db.url).set(database=kept).render_as_string(hide_password=False)
        erased = self.after_restore(who, file, None, kept_db=kept_url) if self.after_restore else Reapplied()
        return Restored(None, erased, kept)
