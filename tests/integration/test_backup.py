"""Backups that restore: online backup API, checks, daily/close-of-day rotation, restore, CLI."""

from __future__ import annotations

import io
import sqlite3
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.clients.search_text import build_search_fields
from desk_app.container import Services
from desk_app.db.models import AuditEntry, BackupRecord, Client
from desk_app.domain.permissions import Actor
from desk_app.settings import S
from desk_app.trust.backup import BackupError, check_backup_file
from tests.conftest import OWNER_PIN, FakeClock


def add_client(services: Services, name: str, phone: str = "") -> int:
    with services.db.uow() as uow:
        from desk_app.core.service import next_counter

        number = f"C{next_counter(uow.session, 'client_number'):06d}"
        py, ini, digits, text = build_search_fields(name, phone, number)
        c = Client(
            client_number=number,
            name=name,
            phone=phone,
            phone_digits=digits,
            name_pinyin=py,
            name_initials=ini,
            search_text=text,
        )
        uow.session.add(c)
        uow.commit()
        return c.id


def names(services: Services) -> set[str]:
    with services.db.uow(write=False) as uow:
        return set(uow.session.scalars(select(Client.name)))


def test_manual_backup_is_checked_and_recorded(services: Services, owner: Actor, tmp_path: Path) -> None:
    add_client(services, "张三", "+8613812345678")
    progress: list[tuple[int, int]] = []
    info = services.backup.backup(
        tmp_path / "out" / "copy.sqlite3", actor=owner, progress=lambda d, t: progress.append((d, t))
    )
    out = Path(info.path)
    assert out.exists() and not out.with_name(out.name + ".part").exists()
    assert out.stat().st_mode & 0o077 == 0  # every client is in it: no other account may read it
    assert check_backup_file(out) is None
    with sqlite3.connect(out) as conn:
        assert conn.execute("SELECT name FROM clients").fetchall() == [("张三",)]
    assert progress and progress[-1][0] == progress[-1][1]
    last = services.backup.last_backup()
    assert last is not None and last.path == str(out) and last.ok and last.size_bytes == out.stat().st_size
    assert services.backup.folder() == Path(str(services.db.sqlite_file)).parent / "backups"


def test_daily_backup_once_per_day_with_rotation(services: Services, owner: Actor, clock: FakeClock) -> None:
    services.settings.set(S.BACKUP_KEEP, 3)
    first = services.backup.maybe_daily_backup()
    assert first is not None and first.reason == "daily"
    clock.advance(hours=1)
    assert services.backup.maybe_daily_backup() is None  # already done today
    for _ in range(5):
        clock.advance(days=1)
        assert services.backup.maybe_daily_backup() is not None
    services.backup.close_of_day_backup(owner)
    files = sorted(p.name for p in services.backup.folder().glob("*.sqlite3"))
    assert len(files) == 3  # rotation kept the newest three automatic backups
    assert any("close_of_day" in f for f in files)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(BackupRecord)) == 7


def test_manual_backups_are_not_rotated_away(services: Services, owner: Actor, clock: FakeClock) -> None:
    services.settings.set(S.BACKUP_KEEP, 1)
    services.backup.backup(actor=owner)
    for _ in range(3):
        clock.advance(days=1)
        services.backup.maybe_daily_backup()
    reasons = sorted(p.name.split("-")[1] for p in services.backup.folder().glob("*.sqlite3"))
    assert reasons == ["daily", "manual"]


def test_restore_brings_back_yesterday_and_keeps_the_replaced_file(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    add_client(services, "Before Backup")
    info = services.backup.backup(actor=owner)
    clock.advance(hours=3)
    add_client(services, "After Backup")
    kept = services.backup.restore(owner, Path(info.path)).kept
    assert names(services) == {"Before Backup"}  # the same Database object reads the restored file
    assert kept is not None and kept.exists() and check_backup_file(kept) is None
    with sqlite3.connect(kept) as conn:
        assert {r[0] for r in conn.execute("SELECT name FROM clients")} == {"Before Backup", "After Backup"}
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).where(AuditEntry.action == "restore")) == 1
    add_client(services, "Life Goes On")  # the app keeps working after a restore
    assert "Life Goes On" in names(services)


def test_restore_refuses_a_damaged_or_foreign_file(services: Services, owner: Actor, tmp_path: Path) -> None:
    add_client(services, "Keep Me")
    info = services.backup.backup(actor=owner)
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(Path(info.path).read_bytes())
    for i in range(4096, min(len(data), 4096 * 6)):
        data[i] = 0xAB
    damaged.write_bytes(bytes(data))
    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE x (a)")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    for bad, words in ((damaged, "damaged"), (foreign, "not one of this app"), (text, "not a database")):
        with pytest.raises(BackupError, match=words):
            services.backup.restore(owner, bad)
    assert names(services) == {"Keep Me"}


def test_backup_to_an_unwritable_place_says_what_to_do(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.raises(BackupError, match="choose another folder"):
        services.backup.backup(blocker / "sub" / "b.sqlite3", actor=owner)
    last = services.backup.last_backup(ok_only=False)
    assert last is not None and not last.ok
    with pytest.raises(BackupError, match="Plug the drive in"):
        services.backup.set_folder(owner, str(blocker / "x"))
    usb = tmp_path / "usb"
    services.backup.set_folder(owner, str(usb))
    assert services.backup.folder() == usb
    assert Path(services.backup.backup(actor=owner).path).parent == usb


def test_cli_backup_and_restore(
    services: Services, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk_app.cli import run

    add_client(services, "CLI Client")
    db_file = str(services.db.sqlite_file)
    out = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs them (desk_app/cli/owner.py)
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert run(["backup", "--db", db_file, "--out", str(out)]) == 0
    assert "integrity check ok" in buf.getvalue() and check_backup_file(out) is None
    add_client(services, "Later")
    services.db.dispose()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal
    err = io.StringIO()
    with redirect_stderr(err):
        assert run(["restore", str(out), "--db", db_file]) == 2
    assert "--yes" in err.getvalue()
    assert names(services) == {"CLI Client", "Later"}  # nothing changed
    services.db.dispose()
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert run(["restore", str(out), "--db", db_file, "--yes"]) == 0
    assert "kept as" in buf.getvalue()
    services.db.dispose()
    assert names(services) == {"CLI Client"}
    err = io.StringIO()
    with redirect_stderr(err):
        assert run(["restore", str(tmp_path / "nope.sqlite3"), "--db", db_file, "--yes"]) == 1
    assert "does not exist" in err.getvalue()


def test_cli_restore_asks_in_a_terminal(
    services: Services, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk_app.cli import run

    out = tmp_path / "b.sqlite3"
    services.backup.backup(out, actor=owner)
    add_client(services, "Stays")
    services.db.dispose()

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    monkeypatch.setattr(sys, "stdin", Tty("n\n"))
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert run(["restore", str(out), "--db", str(services.db.sqlite_file)]) == 1
    assert "Replace" in buf.getvalue() and "Nothing was changed" in buf.getvalue()
    assert names(services) == {"Stays"}


def test_cli_commands_do_not_create_a_database_by_mistake(tmp_path: Path) -> None:
    from desk_app.cli import run

    missing = tmp_path / "typo.sqlite3"
    for argv in (
        ["backup", "--db", str(missing), "--out", str(tmp_path / "b.sqlite3")],
        ["import", "clients", str(tmp_path / "x.csv"), "--db", str(missing)],
    ):
        err = io.StringIO()
        with redirect_stderr(err):
            assert run(argv) == 1
        assert "no database" in err.getvalue()
    assert not missing.exists()


def test_a_backup_leaves_the_live_databases_journal_in_place_for_other_desks(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path
) -> None:
    """The backup once read the live file's first bytes with open()/close() to see if it was
    encrypted: that close dropped this process's SQLite locks, so the next program to close the
    database (another desk, `desk-app check`) deleted the write-ahead log under the app, and what
    the app saved after that never reached the file. Here another process opens and closes the
    database after a backup, then the app saves a client: another process must see it."""
    import subprocess
    import sys

    add_client(services, "张三")
    services.backup.backup(actor=owner, out=tmp_path / "b.sqlite3")
    peek = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('SELECT count(*) FROM clients').fetchone()[0]); c.close()"
    subprocess.run([sys.executable, "-c", peek, str(db_path)], check=True, capture_output=True)
    assert Path(str(db_path) + "-wal").exists()  # the app's log is still there
    add_client(services, "李四")
    seen = subprocess.run([sys.executable, "-c", peek, str(db_path)], check=True, capture_output=True, text=True)
    assert seen.stdout.strip() == "2"
