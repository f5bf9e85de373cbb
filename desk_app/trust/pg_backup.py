"""Backups of a PostgreSQL shop with the server's own tools (docs/server-mode.md §6).

Backup: ``pg_dump --format=custom`` into ``NAME.part``, renamed to its final name once verified.
The row counts of every table and the schema version are read in the same snapshot the dump is
taken in (a REPEATABLE READ transaction exports its snapshot and pg_dump runs with
``--snapshot``), the dump is restored into a scratch database ``desk_verify_<random>`` and its
counts must equal them; the scratch database is dropped. A login without CREATEDB cannot make the
scratch database: the dump is then only read through (``pg_restore --list``) and the backup is
recorded with that warning.

Restore: the dump is checked (``pg_restore --list``, a schema version this app knows), restored
into a new database, and swapped in by name while no one else is connected: the live database is
closed to new connections (``ALLOW_CONNECTIONS false``), the other desks' sessions are ended, the
live database is renamed aside (``NAME_replaced_STAMP``: the replaced data is kept), the counters
go on from the higher of the two, and the new one takes the live name. A failure before the swap
leaves the live database as it was (open again).

The password never appears on a command line: the child process gets it in ``PGPASSWORD``.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from desk_app.core.service import ServiceError
from desk_app.i18n import _
from desk_app.paths import create_private

Step = Callable[[str], None]  # told what the restore is doing ("restored", "locked", "swapped")
TOOL_TIMEOUT_S = 3600
LOCK_KEY = 0x6465736B  # pg_try_advisory_lock key of the automatic backup ("desk")
log = logging.getLogger(__name__)


class PgBackupError(ServiceError):
    pass


@dataclass(frozen=True)
class PgTarget:
    """Where the shop's database is and who the app logs in as."""

    host: str | None
    port: int | None
    user: str | None
    password: str | None
    dbname: str

    def env(self) -> dict[str, str]:
        """The environment of a pg_dump/pg_restore child: the password travels here, never on the
        command line. The tools reach the server as the app does: the address comes from the
        database URL (stray PGHOST/PGDATABASE/PGSERVICE... are dropped), while what libpq would use
        for the app's own connection stays (PGPASSWORD when the URL has no password, PGPASSFILE,
        PGSSL*), so a desk whose password is in ~/.pgpass or PGPASSWORD backs up too."""
        target = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "PGSERVICEFILE",
                  "PGOPTIONS", "PGTARGETSESSIONATTRS")
        env = {k: v for k, v in os.environ.items() if k not in target}
        if self.host:
            env["PGHOST"] = self.host
        if self.port:
            env["PGPORT"] = str(self.port)
        if self.user:
            env["PGUSER"] = self.user
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        env["PGCONNECT_TIMEOUT"] = "10"
        return env

    def connect(self, dbname: str | None = None, *, autocommit: bool = True) -> Any:
        import psycopg

        kw: dict[str, Any] = {"dbname": dbname or self.dbname, "autocommit": autocommit, "connect_timeout": 10}
        if self.host:
            kw["host"] = self.host
        if self.port:
            kw["port"] = self.port
        if self.user:
            kw["user"] = self.user
        if self.password is not None:
            kw["password"] = self.password
        return psycopg.connect(**kw)


def target_of(url: str) -> PgTarget:
    u = make_url(url)
    return PgTarget(u.host, u.port, u.username, u.password, str(u.database or ""))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- finding the tools --------------------------------------------------------------------------
def tool_candidates(name: str, folder: str = "") -> list[Path]:
    """Every ``name`` (pg_dump, pg_restore) this computer has: the named folder first, then PATH,
    Debian's /usr/lib/postgresql/*/bin, Windows' Program Files, Homebrew."""
    exe = name + (".exe" if os.name == "nt" else "")
    out: list[Path] = []
    if folder.strip():
        out.append(Path(folder.strip()).expanduser() / exe)
    found = shutil.which(name)
    if found:
        out.append(Path(found))
    patterns = [f"/usr/lib/postgresql/*/bin/{exe}", f"/opt/homebrew/opt/postgresql*/bin/{exe}",
                f"/usr/local/opt/postgresql*/bin/{exe}"]
    for env in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
        base = os.environ.get(env)
        if base:
            patterns.append(str(Path(base) / "PostgreSQL" / "*" / "bin" / exe))
    for pat in patterns:
        out += [Path(p) for p in glob.glob(pat)]
    seen: set[Path] = set()
    unique: list[Path] = []
    for p in out:
        if p.is_file() and p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def tool_major(path: Path) -> int | None:
    """The major version of a PostgreSQL tool (``pg_dump (PostgreSQL) 16.4`` → 16)."""
    try:
        res = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\)\s+(\d+)", res.stdout)
    return int(m.group(1)) if m and res.returncode == 0 else None


def find_tool(name: str, server_major: int, folder: str = "") -> Path:
    """The newest ``name`` whose major version is at least the server's (an older pg_dump cannot
    dump a newer server). ``PgBackupError`` says what is missing otherwise."""
    found = [(m, p) for p in tool_candidates(name, folder) if (m := tool_major(p)) is not None]
    fit = sorted((mp for mp in found if mp[0] >= server_major), key=lambda mp: mp[0], reverse=True)
    if fit:
        return fit[0][1]
    if found:
        return_versions = ", ".join(f"{p} ({m})" for m, p in found)
        raise PgBackupError(
            _(
                "The server runs PostgreSQL {server}, but this computer only has an older {tool}: "
                "{found}. Install PostgreSQL {server}'s client tools or name their folder in "
                "Settings › Backups."
            ).format(server=server_major, tool=name, found=return_versions)
        )
    raise PgBackupError(
        _(
            "{tool} was not found on this computer, so the server cannot be backed up from here. "
            "Install PostgreSQL {server}'s client tools (Debian: apt install postgresql-client; "
            "Windows: the PostgreSQL installer's Command Line Tools) or name their folder in "
            "Settings › Backups."
        ).format(tool=name, server=server_major)
    )


def server_major(target: PgTarget) -> int:
    with target.connect() as conn:
        num = conn.execute("SHOW server_version_num").fetchone()[0]
    return int(num) // 10000


def _run(tool: Path, args: list[str], target: PgTarget) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [str(tool), *args], capture_output=True, text=True, env=target.env(), timeout=TOOL_TIMEOUT_S
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PgBackupError(_("{tool} could not run ({error}).").format(tool=tool.name, error=str(exc))) from exc


def _last_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else "?"


# -- what a database holds ----------------------------------------------------------------------
def table_counts(conn: Any) -> dict[str, int]:
    """Rows in every table of the public schema, and the schema version (``alembic_version``)."""
    names = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()]
    return {n: int(conn.execute(f"SELECT count(*) FROM public.{_q(n)}").fetchone()[0]) for n in names}


def schema_version(conn: Any) -> str | None:
    row = conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
    return None if row is None else str(row[0])


# -- backing up -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dumped:
    path: Path
    size: int
    warning: str  # "" when restored into a scratch database and every count matched


def dump(target: PgTarget, out: Path, *, folder: str = "") -> Dumped:
    """Dump the live database into ``out`` (checked, atomic rename)."""
    major = server_major(target)
    pg_dump = find_tool("pg_dump", major, folder)
    pg_restore = find_tool("pg_restore", major, folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    create_private(part)  # pg_dump writes into it and keeps its mode: readable by this account only
    try:
        with target.connect(autocommit=False) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = str(conn.execute("SELECT pg_export_snapshot()").fetchone()[0])
            counts = table_counts(conn)
            version = schema_version(conn)
            res = _run(pg_dump, ["--format=custom", f"--snapshot={snapshot}", "--no-password",
                                 f"--file={part}", target.dbname], target)
            conn.rollback()
        if res.returncode != 0:
            raise PgBackupError(_("pg_dump failed: {error}").format(error=_last_line(res.stderr)))
        warning = verify(target, part, counts, version, pg_restore)
        part.replace(out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return Dumped(out, out.stat().st_size, warning)


def verify(target: PgTarget, file: Path, counts: dict[str, int], version: str | None, pg_restore: Path) -> str:
    """Restore ``file`` into a scratch database and compare its counts and schema version with the
    live ones at dump time. Returns a warning when only the table of contents could be read."""
    listed = _run(pg_restore, ["--list", str(file)], target)
    if listed.returncode != 0:
        raise PgBackupError(_("The dump cannot be read back: {error}").format(error=_last_line(listed.stderr)))
    import psycopg

    scratch = f"desk_verify_{secrets.token_hex(6)}"
    try:
        with target.connect() as conn:
            conn.execute(f"CREATE DATABASE {_q(scratch)} TEMPLATE template0 ENCODING 'UTF8'")
    except psycopg.errors.InsufficientPrivilege:
        return _(
            "Checked by reading its table of contents only: the server's login may not create a "
            "scratch database to restore it into (grant it CREATEDB)."
        )
    try:
        res = _run(pg_restore, ["--no-owner", "--exit-on-error", "--no-password",
                                f"--dbname={scratch}", str(file)], target)
        if res.returncode != 0:
            raise PgBackupError(
                _("The dump could not be restored to check it: {error}").format(error=_last_line(res.stderr))
            )
        with target.connect(scratch) as conn:
            got, got_version = table_counts(conn), schema_version(conn)
        if got_version != version:
            raise PgBackupError(
                _("The dump holds schema version {got}, the database {want}.").format(got=got_version, want=version)
            )
        diff = sorted(t for t in set(counts) | set(got) if counts.get(t) != got.get(t))
        if diff:
            raise PgBackupError(
                _("The dump does not hold the same rows as the database (tables: {tables}).").format(
                    tables=", ".join(diff)
                )
            )
    finally:
        _drop(target, scratch)
    return ""


def _drop(target: PgTarget, name: str) -> None:
    with target.connect() as conn:
        drop_database(conn, name)


def drop_database(conn: Any, name: str, attempts: int = 5) -> None:
    """Drop a scratch database. A plain DROP first: the server ends an autovacuum worker in it by
    itself (one often starts after a restore) and waits a few seconds for other sessions, while
    WITH (FORCE) refuses to end a superuser's process to a login that is not one ("must be a
    member of the role whose process is being terminated"). FORCE when a session is still
    connected; refused that, wait a moment and try again (the worker ends on its own)."""
    import psycopg

    for attempt in range(attempts):
        try:
            conn.execute(f"DROP DATABASE IF EXISTS {_q(name)}")
            return
        except psycopg.errors.ObjectInUse:
            pass
        try:
            conn.execute(f"DROP DATABASE IF EXISTS {_q(name)} WITH (FORCE)")
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt + 1 == attempts:
                raise
            time.sleep(1.0)


@contextmanager
def advisory_lock(target: PgTarget) -> Iterator[bool]:
    """True when this desk holds the automatic-backup lock (another desk dumping holds it: False)."""
    conn = target.connect()
    try:
        got = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0])
        try:
            yield got
        finally:
            if got:
                conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    finally:
        conn.close()


# -- restoring ------------------------------------------------------------------------------------
def dump_version(target: PgTarget, file: Path, pg_restore: Path) -> str | None:
    """The schema version a dump holds (its ``alembic_version`` row), read without restoring it."""
    res = _run(pg_restore, ["--data-only", "--table=alembic_version", "--file=-", str(file)], target)
    if res.returncode != 0:
        return None
    lines = res.stdout.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and k + 1 < len(lines):
            value = lines[k + 1].strip()
            return None if value in ("", "\\.") else value
    return None


def check_dump(target: PgTarget, file: Path, known: frozenset[str], folder: str = "") -> str | None:
    """None when ``file`` is a whole dump of this app with a schema version it knows; else why not."""
    file = Path(file)
    if not file.is_file():
        return _("The file {name} does not exist.").format(name=str(file))
    pg_restore = find_tool("pg_restore", server_major(target), folder)
    listed = _run(pg_restore, ["--list", str(file)], target)
    if listed.returncode != 0:
        return _("{name} is not a readable server backup ({detail}). Choose another backup.").format(
            name=file.name, detail=_last_line(listed.stderr)
        )
    toc = listed.stdout
    if not all(re.search(rf"TABLE DATA public {t} ", toc) for t in ("alembic_version", "clients", "sales")):
        return _("{name} is a server backup, but not one of this app.").format(name=file.name)
    version = dump_version(target, file, pg_restore)
    if version is None:
        return _("{name} could not be read ({detail}). Choose another backup.").format(
            name=file.name, detail="alembic_version"
        )
    if version not in known:
        return _("{name} was made by a newer version of the app (schema {version}). Update the app first.").format(
            name=file.name, version=version
        )
    return None


def _maintenance(target: PgTarget) -> Any:
    """A connection to another database of the server (renaming needs one outside the shop's)."""
    import psycopg

    last: Exception | None = None
    for name in ("postgres", "template1"):
        try:
            return target.connect(name)
        except psycopg.OperationalError as exc:
            last = exc
    raise PgBackupError(
        _("Cannot reach the server's postgres database to swap the restored data in ({error}).").format(
            error=str(last)
        )
    )


def _carry_counters(target: PgTarget, kept: str, new: str) -> None:
    """Receipt and client numbers go on from the higher of the replaced and the restored data."""
    with target.connect(kept) as old:
        rows = old.execute("SELECT name, value FROM public.counters").fetchall()
    with target.connect(new) as conn:
        for name, value in rows:
            conn.execute(
                "INSERT INTO public.counters (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
                "SET value = greatest(counters.value, excluded.value)",
                (name, value),
            )


def restore_database(target: PgTarget, file: Path, stamp: str, *, folder: str = "", step: Step | None = None) -> str:
    """Replace the live database with ``file``; returns the name the replaced database was kept
    under. Every other session of the live database is ended; on failure it is left as it was."""
    import psycopg

    pg_restore = find_tool("pg_restore", server_major(target), folder)
    live = target.dbname
    new = f"{live[:40]}_restoring_{secrets.token_hex(4)}"
    kept = f"{live[:40]}_replaced_{stamp}"
    admin = _maintenance(target)
    try:
        try:
            admin.execute(f"CREATE DATABASE {_q(new)} TEMPLATE template0 ENCODING 'UTF8'")
        except psycopg.errors.InsufficientPrivilege as exc:
            raise PgBackupError(
                _(
                    "The server's login may not create databases, so it cannot restore: ask the server's "
                    "administrator to run ALTER ROLE {role} CREATEDB (docs/server-mode.md)."
                ).format(role=target.user or "?")
            ) from exc
        renamed = swapped = False
        try:
            res = _run(pg_restore, ["--no-owner", "--exit-on-error", "--no-password",
                                    f"--dbname={new}", str(file)], target)
            if res.returncode != 0:
                raise PgBackupError(
                    _("The backup could not be restored ({error}); nothing was changed.").format(
                        error=_last_line(res.stderr)
                    )
                )
            if step:
                step("restored")
            try:
                admin.execute(f"ALTER DATABASE {_q(live)} ALLOW_CONNECTIONS false")
            except psycopg.errors.InsufficientPrivilege as exc:
                raise PgBackupError(
                    _("The server's login may not close its database to other desks (it must own it).")
                ) from exc
            _end_other_sessions(admin, live)
            if step:
                step("locked")
            admin.execute(f"ALTER DATABASE {_q(live)} RENAME TO {_q(kept)}")
            renamed = True
            admin.execute(f"ALTER DATABASE {_q(kept)} ALLOW_CONNECTIONS true")
            _carry_counters(target, kept, new)
            admin.execute(f"ALTER DATABASE {_q(new)} RENAME TO {_q(live)}")
            swapped = True
            if step:
                step("swapped")
        except BaseException:
            if not swapped:  # put the live database back as it was; each step on its own
                undo: list[tuple[str, Callable[[], Any]]] = [
                    (f"allow connections to {live}",
                     lambda: admin.execute(f"ALTER DATABASE {_q(live)} ALLOW_CONNECTIONS true")),
                    (f"drop {new}", lambda: drop_database(admin, new)),
                ]
                if renamed:
                    undo.insert(0, (f"rename {kept} back to {live}",
                                    lambda: admin.execute(f"ALTER DATABASE {_q(kept)} RENAME TO {_q(live)}")))
                for what, do in undo:
                    try:
                        do()
                    except psycopg.Error as exc:
                        log.warning("restore: could not undo (%s): %s", what, exc)
            raise
    finally:
        admin.close()
    return kept


def _end_other_sessions(admin: Any, live: str, wait_s: float = 10.0) -> None:
    import psycopg

    try:
        rows = admin.execute(
            # client sessions only: an autovacuum worker belongs to the superuser (terminating it is
            # refused to the app's login, which made a restore fail now and then); the RENAME below
            # ends such workers itself
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'",
            (live,),
        ).fetchall()
    except psycopg.errors.InsufficientPrivilege as exc:
        raise PgBackupError(
            _(
                "The server's login may not end the other desks' sessions (it needs to be the one they "
                "log in as, or a member of pg_signal_backend). Close the app on every other desk and try again."
            )
        ) from exc
    if not all(r[0] for r in rows):
        raise PgBackupError(
            _("Another desk's session could not be ended. Close the app on every other desk and try again.")
        )
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        left = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'", (live,)
        ).fetchone()[0]
        if not left:
            return
        time.sleep(0.1)
    raise PgBackupError(_("Other desks are still connected. Close the app on every other desk and try again."))
