"""Engine creation and the unit of work.

SQLite: WAL, ``foreign_keys=ON``, ``synchronous=FULL``, a busy timeout, and the
SQLAlchemy-documented recipe for real transactions (driver autocommit off,
``BEGIN`` emitted by us): write units of work start with ``BEGIN IMMEDIATE`` so
that a check-then-write (is this slot free?) holds the write lock from the
check on. PostgreSQL: plain READ COMMITTED plus constraints (see migrations).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000

Clock = Callable[[], datetime]
"""Gives the current time, timezone-aware. The app runs on :func:`system_clock`; tests pass a fake one."""


def system_clock() -> datetime:
    """The machine's clock, in UTC: the one place the app reads the real time."""
    return datetime.now(UTC)


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


def make_engine(db: str | os.PathLike[str], **kwargs: Any) -> Engine:
    url = normalise_url(db)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
            **kwargs,
        )
        _install_sqlite_hooks(engine)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise ValueError(f"unsupported database: {backend}")


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("desk_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


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

    def __post_init__(self) -> None:
        self.url = self.engine.url.render_as_string(hide_password=False)
        self.dialect = self.engine.dialect.name
        info = {"clock": self.clock}
        self._read = sessionmaker(
            self.engine.execution_options(desk_clock=self.clock), expire_on_commit=False, info=info
        )
        self._write = sessionmaker(
            self.engine.execution_options(desk_write=True, desk_clock=self.clock),
            expire_on_commit=False,
            info=info,
        )

    @classmethod
    def open(cls, db: str | os.PathLike[str], clock: Clock = system_clock, **kwargs: Any) -> Database:
        return cls(make_engine(db, **kwargs), clock)

    def with_clock(self, clock: Clock) -> Database:
        """The same database (same engine and pool) read and written with another clock."""
        return self if clock is self.clock else Database(self.engine, clock)

    def now(self) -> datetime:
        return self.clock()

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

    Anything not committed is rolled back on exit.
    """

    def __init__(self, db: Database, write: bool = True) -> None:
        self.db = db
        self.write = write
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        factory = self.db._write if self.write else self.db._read
        self._session = factory()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

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
