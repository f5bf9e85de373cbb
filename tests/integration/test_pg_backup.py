"""Server mode backups against the real PostgreSQL the tests start: pg_dump, verified in a
scratch database, recorded, rotated; the one-action restore by the owner; one desk dumps a day."""

from __future__ import annotations

import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.migrate import head_revision
from desk_app.db.models import AuditEntry, BackupRecord, Client
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust import pg_backup
from desk_app.trust.backup import BackupError
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_backup import add_client, names
from tests.integration.test_erasure_complete import _cli

pytestmark = pytest.mark.postgres


def _admin(pg_server: Any, dbname: str = "postgres") -> Any:
    return psycopg.connect(f"host=127.0.0.1 port={pg_server.port} user=postgres dbname={dbname}", autocommit=True)


@pytest.fixture
def shop_url(pg_server: Any, pg_app_login: str) -> Iterator[str]:
    """The shop's database under its own ordinary login, which the server's admin granted
    CREATEDB as docs/server-mode.md §2 says (to verify dumps and to restore). The databases a
    restore kept aside are dropped afterwards (the login cannot be dropped while it owns them)."""
    role = make_url(pg_app_login).username
    with _admin(pg_server) as c:
        c.execute(f'ALTER ROLE "{role}" CREATEDB')
    yield pg_app_login
    with _admin(pg_server) as c:
        owned = c.execute(
            "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = %s "
            "AND datname <> %s",
            (role, make_url(pg_app_login).database),
        ).fetchall()
        for (name,) in owned:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
    assert out.stat().st_mode & 0o077 == 0  # every client is in it: no other account may read it
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


def test_a_scratch_database_is_dropped_while_a_superusers_worker_is_leaving_it(
    shop_url: str, pg_server: Any
) -> None:
    """After a restore the server often starts an autovacuum worker in the scratch database; it
    belongs to no login of ours, and DROP ... WITH (FORCE) refused to end it ("must be a member of
    the role whose process is being terminated"), failing a daily backup now and then. A session
    of the superuser stands in for it here and leaves after a moment: the drop waits for it."""
    target = pg_backup.target_of(shop_url)
    with target.connect() as c:
        c.execute('CREATE DATABASE "desk_verify_test"')
    worker = _admin(pg_server, "desk_verify_test")
    # the server itself ends it after a second idle (a client-side timer does not fire under a
    # moved clock: faketime, in CI)
    worker.execute("SET idle_session_timeout = 1000")
    try:
        with target.connect() as c:
            pg_backup.drop_database(c, "desk_verify_test")
    finally:
        worker.close()
    assert "desk_verify_test" not in _databases(pg_server)
    # a session of the app's own login still in it is ended (WITH FORCE only then)
    with target.connect() as c:
        c.execute('CREATE DATABASE "desk_verify_test"')
    stay = target.connect("desk_verify_test")
    with target.connect() as c:
        pg_backup.drop_database(c, "desk_verify_test")
    assert "desk_verify_test" not in _databases(pg_server)
    assert _is_dead(stay)
    stay.close()


def _is_dead(conn: Any) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False


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


def test_the_tools_use_the_password_libpq_gives_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """A desk whose URL has no password connects with PGPASSWORD or ~/.pgpass; its pg_dump must too,
    while a stray PGHOST/PGDATABASE never sends the dump to another server."""
    monkeypatch.setenv("PGPASSWORD", "from-env")
    monkeypatch.setenv("PGPASSFILE", "/home/desk/.pgpass")
    monkeypatch.setenv("PGHOST", "elsewhere.example")
    monkeypatch.setenv("PGDATABASE", "other")
    env = pg_backup.target_of("postgresql+psycopg://desk@db.example:5433/salon").env()
    assert env["PGPASSWORD"] == "from-env" and env["PGPASSFILE"] == "/home/desk/.pgpass"
    assert env["PGHOST"] == "db.example" and "PGDATABASE" not in env
    in_url = pg_backup.target_of("postgresql+psycopg://desk:s3cret@db.example/salon").env()
    assert in_url["PGPASSWORD"] == "s3cret"  # the URL's own password wins


# -- restore -------------------------------------------------------------------------------------
def _other_desk(url: str) -> tuple[Database, Services]:
    db = open_database(url)
    return db, Services(db, clock=FakeClock())


def test_restore_brings_back_the_backup_keeps_the_replaced_data_and_is_audited(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any
) -> None:
    sv, owner, clock = desk
    add_client(sv, "张三")
    keep_id = add_client(sv, "王芳")
    dump = Path(sv.backup.backup(actor=owner).path)
    clock.advance(hours=1)
    add_client(sv, "李四")  # written after the backup
    sv.privacy.erase_client(owner, keep_id, "asked by phone")  # erased after the backup
    with sv.db.uow(write=False) as uow:
        numbers_before = uow.session.execute(select(func.max(Client.client_number))).scalar()
    progress: list[tuple[int, int]] = []
    res = sv.backup.restore(owner, dump, progress=lambda d, t: progress.append((d, t)))
    assert progress[-1] == (3, 3)
    assert names(sv) >= {"张三"} and "李四" not in names(sv)
    assert "王芳" not in names(sv) and res.erasures.again  # the erasure made after the backup holds
    live = make_url(sv.db.url).database
    assert res.kept_database.startswith(f"{live}_replaced_") and res.kept_database in _databases(pg_server)
    kept_url = make_url(sv.db.url).set(database=res.kept_database)
    with psycopg.connect(kept_url.set(drivername="postgresql").render_as_string(False)) as c:
        assert {r[0] for r in c.execute("SELECT name FROM clients")} >= {"张三", "李四"}  # nothing lost
    with sv.db.uow(write=False) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "restore")).one()
        assert entry.staff_id == owner.staff_id and entry.after["kept_database"] == res.kept_database
    # the client numbers go on after the higher of the two: 李四's number is not issued again
    new_id = add_client(sv, "赵六")
    with sv.db.uow(write=False) as uow:
        assert uow.session.get(Client, new_id).client_number > numbers_before  # type: ignore[union-attr]


def test_other_desks_are_shut_out_while_restoring_and_nothing_they_wrote_is_lost(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any
) -> None:
    sv, owner, _clock = desk
    add_client(sv, "张三")
    dump = Path(sv.backup.backup(actor=owner).path)
    other_db, other = _other_desk(sv.db.url)
    try:
        add_client(other, "李四")  # another desk, connected, writes after the backup
        seen: list[str] = []

        def during(done: int, _total: int) -> None:
            if done != 2:  # the live database is closed and every other session ended
                return
            url = make_url(sv.db.url).set(drivername="postgresql").render_as_string(False)
            try:
                with psycopg.connect(url, connect_timeout=5) as c:
                    c.execute("INSERT INTO counters (name, value) VALUES ('x', 1)")
                seen.append("wrote")
            except psycopg.OperationalError as exc:
                seen.append(str(exc))
            try:  # the other desk's own pooled session was ended: its next write fails, not succeeds
                add_client(other, "王五")
                seen.append("other wrote")
            except Exception as exc:  # noqa: BLE001 - any refusal will do, as long as nothing is written
                seen.append(type(exc).__name__)

        res = sv.backup.restore(owner, dump, progress=during)
        assert len(seen) == 2 and "wrote" not in seen and "other wrote" not in seen
        assert "not currently accepting connections" in seen[0]
        # the other desk carries on against the restored database (its pool reconnects)
        assert names(other) == {"张三"}
        kept = make_url(sv.db.url).set(database=res.kept_database, drivername="postgresql")
        with psycopg.connect(kept.render_as_string(False)) as c:
            assert {r[0] for r in c.execute("SELECT name FROM clients")} == {"张三", "李四"}
    finally:
        other_db.dispose()


def test_a_damaged_dump_is_refused_and_changes_nothing(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any, tmp_path: Path
) -> None:
    sv, owner, _clock = desk
    add_client(sv, "张三")
    dump = Path(sv.backup.backup(actor=owner).path)
    add_client(sv, "李四")
    before = _databases(pg_server)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    not_a_dump = tmp_path / "notes.dump"
    not_a_dump.write_text("hello")
    for bad in (broken, not_a_dump, tmp_path / "missing.dump"):
        with pytest.raises(BackupError):
            sv.backup.restore(owner, bad)
    assert names(sv) == {"张三", "李四"}
    assert _databases(pg_server) == before
    with sv.db.uow(write=False) as uow:
        assert not uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "restore")).all()


def test_a_dump_whose_restore_fails_half_way_leaves_the_live_database_open_and_as_it_was(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any, tmp_path: Path
) -> None:
    """The table of contents reads, the data does not: the restore stops before the swap."""
    sv, owner, _clock = desk
    add_client(sv, "张三")
    dump = Path(sv.backup.backup(actor=owner).path)
    data = bytearray(dump.read_bytes())
    data[-200:] = b"\0" * 200  # the last table's data is damaged
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(bytes(data))
    add_client(sv, "李四")
    before = _databases(pg_server)
    try:
        sv.backup.restore(owner, damaged)
    except BackupError:
        pass
    else:  # pg_restore may not notice a damage in a table that has no rows; then the data is the dump's
        return
    assert names(sv) == {"张三", "李四"}
    assert _databases(pg_server) == before
    other_db, other = _other_desk(sv.db.url)  # the database takes connections again
    try:
        assert names(other) == {"张三", "李四"}
    finally:
        other_db.dispose()


def test_a_dump_from_a_newer_app_is_refused(
    desk: tuple[Services, Actor, FakeClock], tmp_path: Path, pg_server: Any
) -> None:
    sv, owner, _clock = desk
    with sv.db.uow() as uow:
        uow.session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        uow.commit()
    newer = Path(sv.backup.backup(tmp_path / "newer.dump", actor=owner).path)
    with sv.db.uow() as uow:
        uow.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head_revision()})
        uow.commit()
    with pytest.raises(BackupError, match="newer version"):
        sv.backup.restore(owner, newer)


def test_only_the_owner_restores(desk: tuple[Services, Actor, FakeClock]) -> None:
    sv, owner, _clock = desk
    dump = Path(sv.backup.backup(actor=owner).path)
    staff = Actor(owner.staff_id + 100, "Ann", "stylist", owner.branch_id)  # type: ignore[arg-type]
    with pytest.raises(Exception, match="(?i)not allowed|permission|owner"):
        sv.backup.restore(staff, dump)


# -- one desk dumps a day ------------------------------------------------------------------------
def test_the_daily_backup_is_skipped_while_another_desk_holds_the_lock(
    desk: tuple[Services, Actor, FakeClock], tmp_path: Path
) -> None:
    sv, _owner, clock = desk
    target = pg_backup.target_of(sv.db.url)
    with pg_backup.advisory_lock(target) as mine:  # another desk is dumping right now
        assert mine
        assert sv.backup.maybe_daily_backup(clock()) is None
        assert sv.backup.close_of_day_backup() is None
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
    info = sv.backup.maybe_daily_backup(clock())
    assert info is not None and info.reason == "daily"


def test_two_desks_at_once_make_one_daily_backup(
    desk: tuple[Services, Actor, FakeClock], tmp_path: Path
) -> None:
    sv, _owner, clock = desk
    other_db, other = _other_desk(sv.db.url)
    other.settings.set(S.BACKUP_FOLDER, str(tmp_path / "other-desk"))
    try:
        start = threading.Barrier(2)
        results: list[object] = []

        def run(s: Services) -> None:
            start.wait()
            results.append(s.backup.maybe_daily_backup(clock()))

        threads = [threading.Thread(target=run, args=(s,)) for s in (sv, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        made = [r for r in results if r is not None]
        assert len(results) == 2 and len(made) == 1
        with sv.db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(BackupRecord)) == 1
        # later that day neither desk backs up again; the next day one does
        clock.advance(hours=5)
        assert other.backup.maybe_daily_backup(clock()) is None and sv.backup.maybe_daily_backup(clock()) is None
        clock.advance(days=1)
        assert other.backup.maybe_daily_backup(clock()) is not None
    finally:
        other_db.dispose()


# -- headless ------------------------------------------------------------------------------------
def test_cli_backup_and_restore_on_the_server(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any, tmp_path: Path
) -> None:
    sv, _owner, _clock = desk
    add_client(sv, "张三")
    url = sv.db.url
    sv.db.dispose()
    home = tmp_path / "home"
    home.mkdir()
    made = _cli("backup", "--db", url, home=home)
    assert made.returncode == 0, made.stderr
    assert "restored into a scratch database and checked" in made.stdout
    dump = next((tmp_path / "backups").glob("*-manual-*.dump"))
    assert str(dump) in made.stdout
    add_client(sv, "李四")
    # no PIN, a wrong PIN, no --yes: refused, nothing changed
    assert _cli("restore", str(dump), "--db", url, "--yes", pin=None, home=home).returncode != 0
    wrong = _cli("restore", str(dump), "--db", url, "--yes", pin="9999", home=home)
    assert wrong.returncode != 0 and wrong.stderr.startswith("desk-app: ")
    assert _cli("restore", str(dump), "--db", url, home=home).returncode == 2
    assert names(sv) == {"张三", "李四"}
    bad = tmp_path / "bad.dump"
    bad.write_text("not a dump")
    refused = _cli("restore", str(bad), "--db", url, "--yes", home=home)
    assert refused.returncode == 1 and "not a readable server backup" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = _cli("restore", str(dump), "--db", url, "--yes", home=home)
    assert done.returncode == 0, done.stderr
    assert "kept on the server as" in done.stdout
    assert names(sv) == {"张三"}
    with sv.db.uow(write=False) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "restore")).one()
        assert entry.staff_id is not None


def test_cli_says_clearly_when_pg_dump_is_missing(
    desk: tuple[Services, Actor, FakeClock], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sv, _owner, _clock = desk
    monkeypatch.setattr(pg_backup, "tool_candidates", lambda name, folder="": [])
    ran = _cli("backup", "--db", sv.db.url, home=tmp_path)
    assert ran.returncode == 1
    assert ran.stderr.startswith("desk-app: ") and "pg_dump was not found on this computer" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_a_login_that_does_not_own_the_database_is_told_and_nothing_changes(
    desk: tuple[Services, Actor, FakeClock], pg_server: Any
) -> None:
    sv, owner, _clock = desk
    add_client(sv, "张三")
    dump = Path(sv.backup.backup(actor=owner).path)
    add_client(sv, "李四")
    live = make_url(sv.db.url).database
    before = _databases(pg_server)
    with _admin(pg_server) as c:
        c.execute(f'ALTER DATABASE "{live}" OWNER TO postgres')
    with pytest.raises(BackupError, match="may not close its database"):
        sv.backup.restore(owner, dump)
    assert names(sv) == {"张三", "李四"} and _databases(pg_server) == before
    with _admin(pg_server) as c:
        allowed = c.execute("SELECT datallowconn FROM pg_database WHERE datname = %s", (live,)).fetchone()
        assert allowed == (True,)
