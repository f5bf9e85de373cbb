"""What a script writer found driving the headless commands from outside (issue 18 walk)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from desk_app.cli import run
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.conftest import OWNER_PIN


@pytest.fixture
def as_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_APP_OWNER_KEY", raising=False)
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def test_export_audit_refuses_a_branch_it_would_ignore(services: Services, owner: Actor, db_path: Path,
                                                      tmp_path: Path, as_owner: None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``export audit --branch 2`` wrote the whole shop's audit log: the log has no branch, so the
    option is refused (a usage error, nothing written) rather than silently ignored."""
    services.db.dispose()
    out = tmp_path / "audit.csv"
    code = run(["export", "audit", "--db", str(db_path), "--staff", str(owner.staff_id), "--branch", "2",
                "--out", str(out)])
    assert code == 2
    assert not out.exists()
    assert "--branch" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_command_takes_the_server_password_from_the_environment(
        pg_password_login: tuple[str, str], tmp_path: Path, as_owner: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The docs put the server's password in --db, where anyone on the computer sees it in ps; and
    without it a command said only "fe_sendauth: no password supplied". A command now takes it from
    DESK_APP_SERVER_PASSWORD (like move-to-server), and a refused login says what to do, in one line."""
    from sqlalchemy.engine import make_url

    from desk_app.bootstrap import open_database

    url, password = pg_password_login
    db = open_database(make_url(url).set(password=password).render_as_string(hide_password=False))
    owner = Services(db).shop.create_shop(name="Lotus", currency="CNY", language="en", owner_name="Mia",
                                          owner_pin=OWNER_PIN)
    db.dispose()
    out = tmp_path / "sales.csv"
    argv = ["export", "sales", "--db", url, "--month", "2026-11", "--staff", str(owner.staff_id), "--out", str(out)]
    monkeypatch.delenv("DESK_APP_SERVER_PASSWORD", raising=False)
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert "DESK_APP_SERVER_PASSWORD" in err and "fe_sendauth" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    monkeypatch.setenv("DESK_APP_SERVER_PASSWORD", password)
    assert run(argv) == 0, capsys.readouterr().err
    assert out.exists()
    assert password not in capsys.readouterr().out


def test_restore_to_a_server_that_does_not_answer_says_so_in_one_line(
        tmp_path: Path, as_owner: None, capsys: pytest.CaptureFixture[str]) -> None:
    """It printed psycopg's three lines and SQLAlchemy's "Background on this error" link."""
    dump = tmp_path / "shop.dump"
    dump.write_bytes(b"PGDMP" + b"\0" * 64)
    code = run(["restore", str(dump), "--yes", "--db", "postgresql+psycopg://desk@127.0.0.1:1/salon"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Nothing answers at 127.0.0.1:1" in err


def _two_branches(services: Services, owner: Actor) -> int:
    east = services.branches.add(owner, {"code": "EAST", "name": "Lotus East"}).id
    services.db.dispose()
    return east


def test_a_branch_code_is_found_whatever_its_case(services: Services, owner: Actor, db_path: Path,
                                                   tmp_path: Path, as_owner: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Settings › Branches upper-cases a code and keeps codes unique whatever their case, but
    ``--branch east`` was refused with "no branch 'east'; branches: MAIN, EAST"."""
    _two_branches(services, owner)
    out = tmp_path / "sales.csv"
    code = run(["export", "sales", "--db", str(db_path), "--month", "2026-11", "--staff", str(owner.staff_id),
                "--branch", "east", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    js = tmp_path / "r.json"
    code = run(["report", "monthly", "--db", str(db_path), "--month", "2026-11", "--staff", str(owner.staff_id),
                "--branch", "east", "--json", str(js)])
    assert code == 0, capsys.readouterr().err
    assert '"code": "EAST"' in js.read_text(encoding="utf-8")


def test_the_audit_row_of_a_branch_export_names_the_branch(services: Services, owner: Actor, db_path: Path,
                                                            tmp_path: Path, as_owner: None) -> None:
    """``export sales --branch EAST`` and ``report monthly --branch EAST`` were audited exactly like
    the whole shop's: the audit log could not tell which branch's figures left the shop."""
    from sqlalchemy import select

    from desk_app.db.models import AuditEntry

    _two_branches(services, owner)
    who = ["--staff", str(owner.staff_id), "--month", "2026-11", "--db", str(db_path), "--branch", "EAST"]
    assert run(["export", "sales", *who, "--out", str(tmp_path / "s.csv")]) == 0
    assert run(["report", "monthly", *who, "--json", str(tmp_path / "r.json"), "--pdf", str(tmp_path / "r.pdf")]) == 0
    with services.db.uow(write=False) as uow:
        rows = [(e.entity, e.after) for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id))]
    services.db.dispose()
    assert [a for a, _ in rows] == ["export_sales", "report_json", "report_pdf"]
    for _action, after in rows:
        assert after is not None and after.get("branch") == "EAST", rows


def test_a_reader_that_stops_reading_gets_no_traceback(services: Services, db_path: Path, tmp_path: Path) -> None:
    """`desk-app check | head -1`: the pipe closes before the command has printed everything."""
    import os
    import subprocess

    services.db.dispose()
    env = {**os.environ, "DESK_APP_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve().parents[2] / "main.py"), "check", "--db", str(db_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
