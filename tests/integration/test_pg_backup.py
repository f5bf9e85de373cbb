"""Server mode backups against the real PostgreSQL the tests start: pg_dump, verified in a
scratch database, recorded, rotated; the one-action restore by the owner; one desk dumps a day."""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.models import AuditEntry, BackupRecord
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust import pg_backup
from desk_app.trust.backup import BackupError
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_backup import add_client

pytestmark = pytest.mark.postgres


def _admin(pg_server: Any, dbname: str = "postgres") -> Any:
    return psycopg.connect(f"host=127.0.0.1 port={pg_server.port} user=postgres dbname={dbname}", autocommit=True)


@pytest.fixture
def shop_url(pg_server: Any, pg_app_login: str) -> str:
    """The shop's database under its own ordinary login, which the server's admin granted
    CREATEDB as docs/server-mode.md §2 says (to verify dumps and to restore)."""
    role = make_url(pg_app_login).username
    with _admin(pg_server) as c:
        c.execute(f'ALTER ROLE "{role}" CREATEDB')
    return pg_app_login


@pytest.fixture
def desk(shop_url: str, tmp_path: Path) -> Iterator[tuple[Services, Actor, FakeClock]]:
    db = open_database(shop_url)
    clock = FakeClock()
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(
        name="Lotus Hair & Spa", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
    )
    sv.settings.set(S.BACKUP_FOLDER, str(tmp_path / "backups"))
    yield sv, owner, clock
    db.dispose()


def _databases(pg_server: Any) -> set[str]:
    with _admin(pg_server) as c:
        return {r[0] for r in c.execute("SELECT datname FROM pg_database")}


def test_backup_is_dumped_verified_in_a_scratch_database_and_recorded(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any, tmp_path: Path
) -> None:
    sv, owner, _clock = desk
    add_client(sv, "张三", "+8613812345678")
    before = _databases(pg_server)
    info = sv.backup.backup(actor=owner)
    out = Path(info.path)
    assert out.name.startswith(make_url(sv.db.url).database + "-manual-") and out.suffix == ".dump"
    assert out.parent == tmp_path / "backups"
    assert out.exists() and not out.with_name(out.name + ".part").exists()
    assert out.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert info.ok and info.message == ""  # restored into a scratch database and every count matched
    assert _databases(pg_server) == before  # the scratch database was dropped
    with sv.db.uow(write=False) as uow:
        rec = uow.session.scalars(select(BackupRecord)).one()
        assert (rec.path, rec.ok, rec.size_bytes) == (str(out), True, out.stat().st_size)
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "backup"))
    assert sv.backup.list_files()[0].path == str(out)
    # the dump holds the client: restored into another database, it is there
    scratch = pg_server.create_database("check")
    res = subprocess.run(
        [pg_backup.find_tool("pg_restore", 0).as_posix(), "--no-owner", "--no-privileges",
         f"--dbname={make_url(scratch).set(drivername='postgresql').render_as_string(hide_password=False)}",
         str(out)],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    with psycopg.connect(make_url(scratch).set(drivername="postgresql").render_as_string(False)) as c:
        assert c.execute("SELECT name FROM clients").fetchall() == [("张三",)]


def test_counts_are_compared_with_the_snapshot_the_dump_was_taken_in(
    desk: tuple[Services, Actor, FakeClock], tmp_path: Path
) -> None:
    """A dump that does not hold what the database held at dump time is refused and not kept."""
    sv, _owner, _clock = desk
    add_client(sv, "张三")
    target = pg_backup.target_of(sv.db.url)
    good = pg_backup.dump(target, tmp_path / "good.dump")
    assert good.warning == ""
    add_client(sv, "李四")  # the live database now holds one more client than the dump
    with psycopg.connect(**_conninfo(target)) as conn:
        counts = pg_backup.table_counts(conn)
        version = pg_backup.schema_version(conn)
    with pytest.raises(pg_backup.PgBackupError, match="clients"):
        pg_backup.verify(target, good.path, counts, version, pg_backup.find_tool("pg_restore", 0))


def _conninfo(t: pg_backup.PgTarget) -> dict[str, Any]:
    return {"host": t.host, "port": t.port, "user": t.user, "dbname": t.dbname}


def test_without_createdb_the_dump_is_checked_by_its_table_of_contents_with_a_warning(
    pg_app_login: str, tmp_path: Path
) -> None:
    db = open_database(pg_app_login)  # the ordinary login, no CREATEDB
    try:
        sv = Services(db, clock=FakeClock())
        owner = sv.shop.create_shop(
            name="Lotus", currency="CNY", language="en", owner_name="Mia", owner_pin=OWNER_PIN
        )
        info = sv.backup.backup(tmp_path / "x.dump", actor=owner)
        assert info.ok and "CREATEDB" in info.message
        assert sv.backup.last_backup() is not None and "CREATEDB" in sv.backup.last_backup().message  # type: ignore[union-attr]
        assert (tmp_path / "x.dump").exists()
    finally:
        db.dispose()


def test_rotation_keeps_the_newest_automatic_dumps(desk: tuple[Services, Actor, FakeClock], tmp_path: Path) -> None:
    sv, owner, clock = desk
    sv.settings.set(S.BACKUP_KEEP, 2)
    manual = Path(sv.backup.backup(actor=owner).path)
    made = []
    for _ in range(3):
        clock.advance(days=1)
        info = sv.backup.maybe_daily_backup(clock())
        assert info is not None
        made.append(Path(info.path))
    assert sv.backup.maybe_daily_backup(clock()) is None  # once a day
    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert left == sorted([manual.name, made[1].name, made[2].name])


def test_a_missing_pg_dump_is_said_clearly(
    desk: tuple[Services, Actor, FakeClock], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sv, owner, _clock = desk
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(pg_backup, "tool_candidates", lambda name, folder="": [])
    with pytest.raises(BackupError, match="pg_dump was not found on this computer"):
        sv.backup.backup(actor=owner)
    last = sv.backup.last_backup(ok_only=False)
    assert last is not None and not last.ok and "pg_dump was not found" in last.message
    assert not any((tmp_path / "backups").glob("*")) if (tmp_path / "backups").exists() else True


def test_an_older_pg_dump_than_the_server_is_refused_with_the_versions(tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    found = [p for p in pg_backup.tool_candidates("pg_dump", str(fake.parent)) if p == fake]
    assert found == [fake] and pg_backup.tool_major(fake) == 9
    with pytest.raises(pg_backup.PgBackupError, match="older pg_dump"):
        pg_backup.find_tool("pg_dump", 99, str(fake.parent))


def test_the_tool_matching_the_server_is_chosen(desk: tuple[Services, Actor, FakeClock]) -> None:
    sv, _owner, _clock = desk
    major = pg_backup.server_major(pg_backup.target_of(sv.db.url))
    tool = pg_backup.find_tool("pg_dump", major)
    assert (pg_backup.tool_major(tool) or 0) >= major


def test_the_password_never_goes_on_the_command_line() -> None:
    t = pg_backup.target_of("postgresql+psycopg://desk:s%40cret@db.example:5433/salon")
    env = t.env()
    assert env["PGPASSWORD"] == "s@cret" and env["PGUSER"] == "desk" and env["PGPORT"] == "5433"
    assert t.dbname == "salon"
