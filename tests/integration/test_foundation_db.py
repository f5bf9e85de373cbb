"""The database foundation: migrations on both engines, SQLite pragmas, write locks, backups."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from desk_app.bootstrap import open_database
from desk_app.db import migrate
from desk_app.db.engine import Database
from desk_app.db.models import Base


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_sqlite_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "a.sqlite3"))
    assert migrate.current_revision(db) == migrate.head_revision(db)
    assert set(Base.metadata.tables) <= _tables(db)
    assert "client_fts" in _tables(db)
    migrate.downgrade(db, "base")
    assert not (set(Base.metadata.tables) & _tables(db))
    migrate.upgrade(db)
    assert set(Base.metadata.tables) <= _tables(db)
    db.dispose()


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_upgrade(pg_url: str) -> None:
    db = open_database(pg_url)
    assert migrate.current_revision(db) == migrate.head_revision(db)
    assert set(Base.metadata.tables) <= _tables(db)
    with db.engine.connect() as c:
        names = {r[0] for r in c.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'x'"))}
    assert {"ex_appointments_staff_overlap", "ex_appointments_resource_overlap"} <= names
    migrate.downgrade(db, "base")
    assert not (set(Base.metadata.tables) & _tables(db))
    migrate.upgrade(db)
    assert set(Base.metadata.tables) <= _tables(db)
    db.dispose()


def test_sqlite_pragmas(db: Database) -> None:
    with db.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert c.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert int(c.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def test_write_unit_of_work_takes_the_write_lock_at_begin(db: Database) -> None:
    """BEGIN IMMEDIATE: a second writer waits from its first read on, so check-then-insert is safe."""
    order: list[str] = []
    with db.uow() as first:
        first.session.execute(text("SELECT 1"))  # no write yet, but the lock is already held
        order.append("first-began")

        def second() -> None:
            with db.uow() as uow:
                uow.session.execute(text("SELECT 1"))
                order.append("second-began")

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        order.append("first-commits")
        first.commit()
    t.join(timeout=10)
    assert order == ["first-began", "first-commits", "second-began"]


def test_read_unit_of_work_does_not_block_a_writer(db: Database) -> None:
    with db.uow(write=False) as reader:
        reader.session.execute(text("SELECT count(*) FROM shops"))
        with db.uow() as writer:
            writer.session.execute(text("INSERT INTO counters(name, value) VALUES ('x', 1)"))
            writer.commit()


def test_migration_backs_up_the_file_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database.open(str(path))
    migrate.upgrade(db)
    migrate.downgrade(db, "0001")  # an older schema with data in it
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO counters(name, value) VALUES ('kept', 42)"))
    db.dispose()
    db2 = open_database(str(path))
    backups = list((tmp_path / "backups").glob("old-pre-migration-*.sqlite3"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT value FROM counters WHERE name='kept'").fetchone() == (42,)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    con.close()
    assert migrate.current_revision(db2) == migrate.head_revision()
    db2.dispose()


def test_fresh_database_makes_no_backup(tmp_path: Path) -> None:
    open_database(str(tmp_path / "new.sqlite3")).dispose()
    assert not (tmp_path / "backups").exists()


def test_corrupt_file_gives_a_clear_message(tmp_path: Path) -> None:
    from desk_app.bootstrap import DatabaseCheckFailed

    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100 + b"garbage" * 500)
    with pytest.raises(DatabaseCheckFailed, match="restore the latest backup"):
        open_database(str(path))
