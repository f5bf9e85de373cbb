"""Moving a one-desk shop (SQLite) onto the server (desk_app.transfer.to_server), against the real
PostgreSQL server: every row and every money sum arrives, the check passes there, the ids go on
after the copied ones, the old file is put aside; a server that holds data is refused, and a move
that fails half way leaves the server with no shop data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db.engine import Database
from desk_app.db.models import Base, Client, Staff
from desk_app.demo.shop import OWNER_PIN, generate
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.transfer.to_server import MoveFailed, money_columns, move_to_server, tally
from desk_app.trust.integrity import check_invariants
from tests.conftest import FakeClock


@pytest.fixture
def demo_file(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "shop.sqlite3"
    generate(str(path), clients=40, months=1, staff=3, seed=5, lang="en", clock=clock)
    return path


def _sign_in(db: Database, clock: FakeClock, role: Role = Role.OWNER) -> Actor:
    services = Services(db, clock=clock)
    with db.uow(write=False) as uow:
        staff_id = uow.session.scalars(select(Staff.id).where(Staff.role == role.value).order_by(Staff.id)).first()
    assert staff_id is not None
    if role == Role.OWNER:
        return services.auth.sign_in(staff_id, OWNER_PIN)
    from desk_app.trust.auth import actor_for

    with db.uow(write=False) as uow:
        return actor_for(uow.session.get(Staff, staff_id))


def _tallies(url: str) -> dict[str, Any]:
    db = open_database(url, run_migrations=False)
    try:
        with db.engine.connect() as conn:
            return {t.name: tally(conn, t) for t in Base.metadata.sorted_tables}
    finally:
        db.dispose()


def test_move_a_demo_shop(demo_file: Path, pg_app_login: str, clock: FakeClock) -> None:
    before = _tallies(str(demo_file))
    assert before["sales"].rows > 0 and before["sales"].sums["total_minor"] > 0
    assert money_columns(Base.metadata.tables["payments"])  # the sums cover the money columns
    source = open_database(str(demo_file), clock=clock)
    owner = _sign_in(source, clock)
    before = _tallies(str(demo_file))  # the sign-in wrote an audit row
    steps: list[float] = []
    result = move_to_server(source, pg_app_login, owner, lambda f, _s: steps.append(f), batch=50)
    assert steps == sorted(steps) and steps[-1] == 1.0
    # the old file is put aside: nobody keeps writing to it by mistake
    assert not demo_file.exists() and result.moved_file == demo_file.with_name("shop.moved-to-server.sqlite3")
    assert result.moved_file.exists()
    after = _tallies(pg_app_login)
    for name, was in before.items():
        now = after[name]
        if name == "audit_log":
            assert now.rows == was.rows + 1  # and the move itself is in the log
        else:
            assert (now.rows, now.sums) == (was.rows, was.sums), name
    assert after["sales"].sums == before["sales"].sums and after["payments"].sums == before["payments"].sums
    assert {t.table: t.rows for t in result.tables}["clients"] == 40
    target = open_database(pg_app_login, clock=clock)
    try:
        with target.engine.connect() as conn:  # vacuumed and analyzed after the bulk copy, not left to autovacuum
            seen = dict(conn.exec_driver_sql(
                "SELECT relname, last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('sales', 'sale_lines', 'clients', 'visits')").all())
        assert seen == {"sales": True, "sale_lines": True, "clients": True, "visits": True}, seen
        assert check_invariants(target) == []
        services = Services(target, clock=clock)
        actor = services.auth.sign_in(owner.staff_id, OWNER_PIN)  # the same owner, the same PIN
        made = services.clients.create(actor, {"name": "After The Move", "phone": "138 0000 0001"})
        with target.uow(write=False) as uow:  # ids and client numbers go on after the copied ones
            top = uow.session.scalar(select(func.max(Client.id)))
            assert made.id == top and made.id > 40
            numbers = uow.session.scalars(select(Client.client_number)).all()
            assert len(numbers) == len(set(numbers)) == 41
    finally:
        target.dispose()


def test_a_server_with_a_shop_is_refused(demo_file: Path, pg_app_login: str, clock: FakeClock) -> None:
    other = open_database(pg_app_login, clock=clock)
    try:
        Services(other, clock=clock).shop.create_shop(name="Other", currency="CNY", language="en",
                                                      owner_name="Zoe", owner_pin="246810")
    finally:
        other.dispose()
    before = _tallies(pg_app_login)
    source = open_database(str(demo_file), clock=clock)
    with pytest.raises(MoveFailed, match="not empty"):
        move_to_server(source, pg_app_login, _sign_in(source, clock))
    source.dispose()
    assert demo_file.exists()  # the file stays where it was
    assert _tallies(pg_app_login) == before


def test_a_failure_half_way_leaves_the_server_empty(demo_file: Path, pg_app_login: str, clock: FakeClock) -> None:
    source = open_database(str(demo_file), clock=clock)
    owner = _sign_in(source, clock)

    def break_half_way(fraction: float, _label: str) -> None:
        if fraction > 0.5:
            raise OSError("the network went away")

    with pytest.raises(OSError):
        move_to_server(source, pg_app_login, owner, break_half_way, batch=20)
    source.dispose()
    assert demo_file.exists()
    after = _tallies(pg_app_login)
    assert {n: t.rows for n, t in after.items() if t.rows and n != "safety_rules"} == {}
    # and a second try goes through
    source = open_database(str(demo_file), clock=clock)
    result = move_to_server(source, pg_app_login, _sign_in(source, clock))
    assert result.rows > 0 and _tallies(pg_app_login)["clients"].rows == 40


def test_only_the_owner_and_not_while_another_desk_writes(demo_file: Path, pg_app_login: str, clock: FakeClock) -> None:
    source = open_database(str(demo_file), clock=clock)
    try:
        with pytest.raises(NotAllowed):
            move_to_server(source, pg_app_login, _sign_in(source, clock, Role.RECEPTIONIST))
        owner = _sign_in(source, clock)
        other_desk = open_database(str(demo_file), clock=clock)
        try:
            with other_desk.uow() as uow:  # another desk in the middle of a write
                uow.session.execute(select(1))
                with pytest.raises(MoveFailed, match="in use by another desk"):
                    move_to_server(source, pg_app_login, owner)
        finally:
            other_desk.dispose()
        assert demo_file.exists()
        assert {n: t.rows for n, t in _tallies(pg_app_login).items() if t.rows and n != "safety_rules"} == {}
    finally:
        source.dispose()


def test_the_command_moves_switches_this_desk_and_prints_counts(
    demo_file: Path, pg_password_login: tuple[str, str], keystore: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from desk_app.cli import run
    from desk_app.db.server import parse_address
    from desk_app.desk import load_desk

    url, password = pg_password_login
    address = parse_address(url)[0]
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    monkeypatch.setenv("DESK_APP_PIN", "0000")  # a wrong PIN: refused, nothing moved
    assert run(["move-to-server", "--db", str(demo_file), "--to", address.url(password), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("desk-app: ") and "Traceback" not in err
    assert demo_file.exists() and load_desk().server == ""
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["move-to-server", "--db", str(demo_file), "--to", address.url(password), "--quiet"]) == 0
    out = capsys.readouterr().out
    sales = _tallies(address.url(password))["sales"]
    assert "sales" in out and f"total_minor={sales.sums['total_minor']}" in out
    assert load_desk().server == address.saved  # this desk now opens the server, without the password in the file
    from desk_app.desk import desk_file

    assert password not in desk_file().read_text(encoding="utf-8")
    assert run(["check"]) == 0  # no --db: the desk's server, with the password from the store
    assert capsys.readouterr().out.strip().endswith("ok")
    # a second move into the same server is refused: it is not empty any more
    assert run(["move-to-server", "--db", str(demo_file.with_name("shop.moved-to-server.sqlite3")),
                "--to", address.url(password), "--quiet"]) == 1
    assert "not empty" in capsys.readouterr().err
