"""The connection test (desk_app.db.server.check_server) against the real PostgreSQL server the
tests start: each way a desk can fail to reach the shop's data is said in words, and a server
that is ready, empty or older is told apart."""

from __future__ import annotations

import socket
import sys
import uuid
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db import migrate
from desk_app.db.server import Outcome, ServerAddress, check_server, parse_address, resolve_db, save_password
from tests.conftest import FakeClock


def _address(url: str) -> ServerAddress:
    return parse_address(url)[0]


def _admin(pg_server: Any, dbname: str = "postgres") -> psycopg.Connection[Any]:
    return psycopg.connect(f"host=127.0.0.1 port={pg_server.port} user=postgres dbname={dbname}", autocommit=True)


def test_parse_address_forms() -> None:
    a, pw = parse_address("postgresql+psycopg://desk:s%40cret@192.168.1.10:5433/salon")
    assert (a.host, a.port, a.database, a.user, pw) == ("192.168.1.10", 5433, "salon", "desk", "s@cret")
    assert a.saved == "postgresql+psycopg://desk@192.168.1.10:5433/salon"  # never the password
    b, pw2 = parse_address("server.local/salon?user=desk")
    assert (b.host, b.port, b.database, b.user, pw2) == ("server.local", 5432, "salon", "desk", None)
    with pytest.raises(ValueError, match="user"):
        parse_address("server.local/salon")
    with pytest.raises(ValueError, match="not a PostgreSQL"):
        parse_address("mysql://u@h/db")


def test_empty_database_then_ready_shop(pg_app_login: str, clock: FakeClock) -> None:
    address = _address(pg_app_login)
    found = check_server(address, None)
    assert found.outcome == Outcome.EMPTY and found.ok
    assert "new shop" in found.message
    db = open_database(pg_app_login, clock=clock)
    try:
        Services(db, clock=clock).shop.create_shop(name="Lotus", currency="CNY", language="en",
                                                   owner_name="Mia", owner_pin="135790")
    finally:
        db.dispose()
    found = check_server(address, None)
    assert found.outcome == Outcome.READY and found.ok and "sign in" in found.message


def test_older_and_newer_schema(pg_app_login: str, clock: FakeClock) -> None:
    address = _address(pg_app_login)
    db = open_database(pg_app_login, clock=clock)
    try:
        migrate.downgrade(db, "0015")
    finally:
        db.dispose()
    found = check_server(address, None)
    assert found.outcome == Outcome.OLDER and found.ok and "earlier version" in found.message
    db = open_database(pg_app_login, clock=clock)  # the first desk brings it up to date
    try:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    finally:
        db.dispose()
    found = check_server(address, None)
    assert found.outcome == Outcome.NEWER and not found.ok
    assert "Update this desk's app" in found.message


def test_closed_port_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the test connects: nothing listens
    found = check_server(ServerAddress("127.0.0.1", "salon", "desk", port), "x", timeout_s=2)
    assert found.outcome == Outcome.UNREACHABLE and not found.ok
    assert f"127.0.0.1:{port}" in found.message and "Traceback" not in found.message


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as s:  # accepts the connection (the backlog) but never speaks
        s.bind(("127.0.0.1", 0))
        s.listen(5)
        found = check_server(ServerAddress("127.0.0.1", "salon", "desk", s.getsockname()[1]), "x", timeout_s=2)
    assert found.outcome == Outcome.TIMEOUT and "did not answer in time" in found.message


def test_wrong_password_and_unknown_user(pg_password_login: tuple[str, str]) -> None:
    url, password = pg_password_login
    address = _address(url)
    assert check_server(address, password).outcome == Outcome.EMPTY  # the right one gets in
    wrong = check_server(address, password + "x")
    assert wrong.outcome == Outcome.AUTH and "password" in wrong.message and address.user in wrong.message
    nobody = ServerAddress(address.host, address.database, f"nobody_{uuid.uuid4().hex[:6]}", address.port)
    unknown = check_server(nobody, "x")
    assert unknown.outcome == Outcome.AUTH and "no user called" in unknown.message


def test_database_that_does_not_exist(pg_server: Any) -> None:
    found = check_server(ServerAddress("127.0.0.1", "no_such_shop", "postgres", pg_server.port), None)
    assert found.outcome == Outcome.NO_DATABASE and "no_such_shop" in found.message


def test_missing_extensions_the_user_may_not_create(pg_server: Any) -> None:
    role, name = f"desk_{uuid.uuid4().hex[:8]}", f"shop_{uuid.uuid4().hex[:8]}"
    with _admin(pg_server) as c:
        c.execute(f'CREATE ROLE "{role}" LOGIN')
        c.execute(f'CREATE DATABASE "{name}"')  # owned by postgres: the desk's user may not add extensions
    with _admin(pg_server, name) as c:
        c.execute(f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"')
    try:
        found = check_server(ServerAddress("127.0.0.1", name, role, pg_server.port), None)
        assert found.outcome == Outcome.EXTENSIONS and not found.ok
        assert "CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE EXTENSION IF NOT EXISTS pg_trgm" in found.message
        with _admin(pg_server, name) as c:  # the test created nothing
            assert c.execute("SELECT count(*) FROM pg_extension WHERE extname IN ('btree_gist', 'pg_trgm')").fetchone() == (0,)
            c.execute("CREATE EXTENSION btree_gist")
            c.execute("CREATE EXTENSION pg_trgm")
        assert check_server(ServerAddress("127.0.0.1", name, role, pg_server.port), None).outcome == Outcome.EMPTY
    finally:
        with _admin(pg_server) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'DROP OWNED BY "{role}"')
            c.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_another_programs_tables(pg_app_login: str) -> None:
    address = _address(pg_app_login)
    with psycopg.connect(f"host=127.0.0.1 port={address.port} user={address.user} dbname={address.database}",
                         autocommit=True) as c:
        c.execute("CREATE TABLE invoices (id int)")
    found = check_server(address, None)
    assert found.outcome == Outcome.NOT_APP and "another program" in found.message


def test_without_the_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as on an install without the [server] part
    found = check_server(ServerAddress("127.0.0.1", "salon", "desk"), "x")
    assert found.outcome == Outcome.NO_DRIVER and 'pip install "desk-app[server]"' in found.message


def test_which_database_the_app_opens(keystore: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    address = ServerAddress("192.168.1.10", "salon", "desk")
    save_password(address, "long secret")
    monkeypatch.delenv("DESK_APP_DB", raising=False)
    saved = address.saved
    assert resolve_db("other.sqlite3", saved) == "other.sqlite3"  # --db first
    monkeypatch.setenv("DESK_APP_DB", "env.sqlite3")
    assert resolve_db(None, saved) == "env.sqlite3"  # then DESK_APP_DB
    monkeypatch.delenv("DESK_APP_DB")
    url = resolve_db(None, saved)  # then this desk's server, with its password from the store
    assert parse_address(url) == (address, "long secret")
    assert resolve_db(None, "").endswith("shop.sqlite3")  # then the file in the data folder
