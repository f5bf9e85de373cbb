"""Engine creation and the unit of work.

SQLite: WAL, ``foreign_keys=ON``, ``synchronous=FULL``, a busy timeout, and the
SQLAlchemy-documented recipe for real transactions (driver autocommit off,
``BEGIN`` emitted by us): write units of work start with ``BEGIN IMMEDIATE`` so
that a check-then-write (is this slot free?) holds the write lock from the
check on. PostgreSQL: plain READ COMMITTED plus constraints (see migrations).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import sqlcipher3
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from desk_app.clock import Clock as Clock  # re-exported: the services' clock type
from desk_app.clock import system_clock as system_clock
from desk_app.db import cipher
from desk_app.errors import DatabaseBusy, is_busy_error

BUSY_TIMEOUT_MS = 10_000
log = logging.getLogger(__name__)



def normalise_url(db: str | os.PathLike[str]) -> str:
    """Accept a SQLite path or a SQLAlchemy URL; return a URL."""
    text = str(db)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(
    db: str | os.PathLike[str], *, busy_timeout_ms: int | None = None, key: bytes | None = None, **kwargs: Any
) -> Engine:
    """``busy_timeout_ms`` (SQLite): how long a unit of work waits for another connection's write
    lock before it fails with ``DatabaseBusy``; ``BUSY_TIMEOUT_MS`` unless said. ``key``: encrypt a
    new SQLite file with it (desk_app.db.cipher); an existing encrypted file is opened with the key
    this computer knows for it (``cipher.KeyMissing`` if none)."""
    url = normalise_url(db)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        timeout_ms = BUSY_TIMEOUT_MS if busy_timeout_ms is None else int(busy_timeout_ms)
        path = sqlite_path(url)
        if path is not None and cipher.is_encrypted(path):
            key = cipher.key_for_file(path)
        elif path is not None and path.exists() and path.stat().st_size > 0:
            key = None  # a plain database stays plain (desk-app encrypt converts it)
        if key:
            kwargs["module"] = sqlcipher3
        engine = create_engine(
            url,
            connect_args={"timeout": timeout_ms / 1000, "isolation_level": None},
            **kwargs,
        )
        if key:
            _install_key_hook(engine, key)
        _install_sqlite_hooks(engine, timeout_ms)
        engine.info_key = key  # type: ignore[attr-defined]  # read by Database.key
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        try:
            engine = create_engine(url, **kwargs)
        except ModuleNotFoundError as exc:  # the [server] extra was not installed
            raise ValueError(
                "This installation cannot reach a PostgreSQL server: its driver is missing. "
                "Install the app with its server part (pip install \"desk-app[server]\"); the "
                "desktop installers include it."
            ) from exc
        _install_postgres_hooks(engine)
        return engine
    raise ValueError(f"unsupported database: {backend}")


def _install_key_hook(engine: Engine, key: bytes) -> None:
    """The key is the first statement on every connection (SQLCipher needs it before any read)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA cipher_log_level = NONE")
        cur.execute(cipher.key_pragma(key))
        cur.close()


def _install_postgres_hooks(engine: Engine) -> None:
    """Each new server connection turns PostgreSQL's JIT compiler off for itself. The server compiles a
    statement whose estimated cost passes ``jit_above_cost`` (the monthly report's scans of a busy
    shop's year do), which took 25-30 ms a statement for queries that then run in 10-300 ms: the
    compile never paid for itself here (docs/performance.md, "On PostgreSQL: JIT off, ...")."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SET jit = off")
        finally:
            cur.close()
        dbapi_conn.commit()  # a SET in a transaction rolled back later would be undone with it


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        # a changed or removed value is overwritten with zeros in the file, not left in a free
        # block or page (an erased client must not stay readable in the raw file: docs/privacy.md)
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("desk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


Change = tuple[str, int]  # ("visit", 12): the kind of record (its table, singular) and its id
_IRREGULAR = {"staff": "staff", "feedback": "feedback", "follow_ups": "followup", "audit_log": "audit",
              "branches": "branch", "waitlist_entries": "waitlist_entry", "settings": "setting"}


def change_kind(table: str) -> str:
    """The word the screens use for a table's records: "visits" -> "visit", "follow_ups" -> "followup"."""
    return _IRREGULAR.get(table) or (table[:-1] if table.endswith("s") else table)


class ChangeFeed:
    """What each committed unit of work touched, told to whoever listens (the GUI re-emits it on its
    own thread). Listeners are held weakly and called on the committing thread, after the commit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[weakref.ref[Any]] = []

    def subscribe(self, listener: Callable[[frozenset[Change]], None]) -> None:
        ref: weakref.ref[Any] = (
            weakref.WeakMethod(listener) if hasattr(listener, "__self__") else weakref.ref(listener)
        )
        with self._lock:
            self._listeners.append(ref)

    def publish(self, changes: frozenset[Change]) -> None:
        with self._lock:
            alive = [(r, r()) for r in self._listeners]
            self._listeners = [r for r, fn in alive if fn is not None]
        for _ref, fn in alive:
            if fn is None:
                continue
            try:
                fn(changes)
            except Exception:  # a listener's failure never undoes or fails a commit
                log.exception("a change listener failed")


def _collect(session: Session, _flush_context: Any) -> None:
    touched: set[Change] = session.info.setdefault("touched", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        ident = getattr(obj, "id", None)
        if table and isinstance(ident, int):
            touched.add((change_kind(table), ident))


def touched(session: Session, kind: str, ident: int) -> None:
    """Name a record written with a Core statement (which the session's flush does not see), so
    that the change feed announces it after the commit like an ORM-written one."""
    session.info.setdefault("touched", set()).add((kind, int(ident)))


_CONN = "desk_connection"


def connection_of(session: Session) -> Connection:
    """The connection of the session's transaction, asked of the session once per transaction
    (``Session.connection()`` costs ~35 µs a call through the transaction's state machine, and a
    visit step asked it six times: its reads on the connection, the audit row, the event, the
    visit's UPDATE). Forgotten when the transaction ends (commit, rollback, close), so a later
    statement of the same session asks again and gets its new transaction's connection."""
    conn = session.info.get(_CONN)
    if conn is None:
        conn = session.info[_CONN] = session.connection()
    return cast(Connection, conn)


def _drop_connection(session: Session, _transaction: Any) -> None:
    session.info.pop(_CONN, None)


def _announce(session: Session) -> None:
    touched = session.info.pop("touched", None)
    feed = session.info.get("changes")
    if touched and isinstance(feed, ChangeFeed):
        feed.publish(frozenset(touched))


def _forget(session: Session) -> None:
    session.info.pop("touched", None)


@dataclass
class Database:
    """The engine plus session factories for read and write units of work, and the clock.

    Every timestamp written through this database comes from ``clock``: column defaults
    (``created_at``, the audit row's ``at``) read it from the connection's execution options,
    code holding a session reads it with :func:`session_now`. Two ``Database`` objects may share
    one engine with different clocks (:meth:`with_clock`).
    """

    engine: Engine
    clock: Clock = field(default=system_clock)
    changes: ChangeFeed = field(default_factory=ChangeFeed)

    def __post_init__(self) -> None:
        self.url = self.engine.url.render_as_string(hide_password=False)
        self.dialect = self.engine.dialect.name
        info = {"clock": self.clock, "changes": self.changes}
        self._read = sessionmaker(
            self.engine.execution_options(desk_clock=self.clock), expire_on_commit=False, info=info
        )
        self._write = sessionmaker(
            self.engine.execution_options(desk_write=True, desk_clock=self.clock),
            expire_on_commit=False,
            info=info,
        )
        for maker in (self._read, self._write):  # connection_of's connection lives as long as its transaction
            event.listen(maker, "after_transaction_end", _drop_connection)
        # the unit of work says what it touched once it has committed (see ChangeFeed)
        event.listen(self._write, "after_flush", _collect)
        event.listen(self._write, "after_commit", _announce)
        event.listen(self._write, "after_rollback", _forget)

    @classmethod
    def open(cls, db: str | os.PathLike[str], clock: Clock = system_clock, **kwargs: Any) -> Database:
        return cls(make_engine(db, **kwargs), clock, ChangeFeed())

    def with_clock(self, clock: Clock) -> Database:
        """The same database (same engine and pool) read and written with another clock."""
        return self if clock is self.clock else Database(self.engine, clock, self.changes)

    @property
    def key(self) -> bytes | None:
        """The SQLCipher key of an encrypted SQLite file; None for a plain file or a server."""
        return getattr(self.engine, "info_key", None)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def sqlite_file(self) -> Path | None:
        return sqlite_path(self.url)

    def uow(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self, write=write)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """One session per user action: ``with db.uow() as uow: ...; uow.commit()``.

    Anything not committed is rolled back on exit. A "database is locked" (another desk held the
    write lock past the busy timeout) leaves as ``DatabaseBusy``, whose message says so.
    """

    def __init__(self, db: Database, write: bool = True) -> None:
        self.db = db
        self.write = write
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        factory = self.db._write if self.write else self.db._read
        self._session = factory()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None
        if exc is not None and not isinstance(exc, DatabaseBusy) and is_busy_error(exc):
            # another desk held the write lock past the busy timeout: say so, not "something went wrong"
            raise DatabaseBusy() from exc

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'with'")
        return self._session

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()


def session_now(session: Session) -> datetime:
    """The current time by the clock of the database this session belongs to."""
    clock = session.info.get("clock")
    if clock is None:
        raise RuntimeError("session not made by a Database: it has no clock")
    now: datetime = clock()
    return now


def clock_default(context: Any) -> datetime:
    """Column default for timestamps: the clock of the ``Database`` that runs the statement."""
    clock = context.execution_options.get("desk_clock") if context is not None else None
    if clock is None:
        raise RuntimeError("statement run outside a Database: no clock for the timestamp default")
    now: datetime = clock()
    return now


@contextmanager
def read(db: Database) -> Iterator[Session]:
    with db.uow(write=False) as uow:
        yield uow.session
