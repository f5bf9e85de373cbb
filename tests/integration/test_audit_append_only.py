"""The database itself refuses to change or remove an audit entry (issue 14 item 4, migration 0004).

Raw SQL, not the app's services: whoever holds the database login and types ``UPDATE audit_log``
or ``DELETE FROM audit_log`` gets a clear error and the log is left exactly as it was. On
PostgreSQL the app's own (non-superuser) login is refused by a privilege check first and a
superuser by the trigger. The app's legitimate writes, including a privacy erasure, still work.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.db import migrate
from desk_app.db.engine import Database
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_privacy_requests import seed_history

REFUSAL = "audit_log is append-only"
RAW_CHANGES = [
    "UPDATE audit_log SET detail = 'nothing happened', allowed = {true}",
    "UPDATE audit_log SET action = 'view' WHERE action = 'erase'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE action = 'sign_in'",
]


def _snapshot(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, at, staff_id, action, entity, entity_id, detail, allowed FROM audit_log ORDER BY id")
        ).all()
        conn.rollback()
    return [tuple(r) for r in rows]


def _refused(db: Database, sql: str, match: str = REFUSAL) -> None:
    with pytest.raises(DBAPIError, match=match), db.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def _shop(db: Database) -> tuple[Services, Actor, FakeClock]:
    clock = FakeClock()
    sv = Services(db, clock=clock)
    owner = sv.shop.create_shop(
        name="Lotus Hair & Spa", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
    )
    return sv, owner, clock


def _erase_still_works(sv: Services, owner: Actor, clock: FakeClock) -> None:
    """The app's own writes around the log go on: sign-in, a client's history, an erasure."""
    sv.auth.sign_in(owner.staff_id, OWNER_PIN)
    cid = seed_history(sv, owner, clock)
    before = _snapshot(sv.db)
    res = sv.privacy.erase_client(owner, cid, "Client asked by email on 2026-11-17")
    assert res.name == "Erased client C000001"
    after = _snapshot(sv.db)
    assert after[: len(before)] == before, "earlier entries are left exactly as they were"
    assert [r[3] for r in after[len(before) :]] == ["erase"]
    assert check_invariants(sv.db) == []


# -- SQLite ------------------------------------------------------------------------------------


def test_sqlite_refuses_raw_update_and_delete(services: Services, owner: Actor, clock: FakeClock) -> None:
    db = services.db
    _erase_still_works(services, owner, clock)
    logged = _snapshot(db)
    assert len(logged) >= 3 and any(r[3] == "erase" for r in logged)
    for sql in RAW_CHANGES:
        _refused(db, sql.format(true=1), f"{REFUSAL}: {sql.split()[0]} refused")
        assert _snapshot(db) == logged, sql
    # through the driver itself, outside SQLAlchemy, too
    import sqlite3

    assert db.sqlite_file is not None
    con = sqlite3.connect(db.sqlite_file)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=REFUSAL):
            con.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        con.rollback()
    finally:
        con.close()
    assert _snapshot(db) == logged
    # appending still works, and the shop's checks are clean
    services.auth.sign_in(owner.staff_id, OWNER_PIN)
    assert len(_snapshot(db)) == len(logged) + 1
    assert check_invariants(db) == []


def test_sqlite_downgrade_drops_the_triggers_and_upgrade_puts_them_back(tmp_path: Any) -> None:
    db = open_database(str(tmp_path / "a.sqlite3"))
    try:
        sv, owner, _clock = _shop(db)

        def triggers() -> set[str]:
            with db.engine.connect() as conn:
                names = {
                    str(r[0])
                    for r in conn.execute(
                        text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
                    )
                }
                conn.rollback()
            return names

        assert triggers() == {"audit_log_refuse_update", "audit_log_refuse_delete", "audit_log_refuse_replace"}
        migrate.downgrade(db, "0003")
        assert triggers() == set()
        with db.engine.begin() as conn:  # the old, convention-only schema let this through
            assert conn.exec_driver_sql("UPDATE audit_log SET detail = detail").rowcount >= 1
        migrate.upgrade(db)
        assert triggers() == {"audit_log_refuse_update", "audit_log_refuse_delete", "audit_log_refuse_replace"}
        _refused(db, "UPDATE audit_log SET detail = detail")
    finally:
        db.dispose()


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_trigger_refuses_even_a_superuser(pg_url: str) -> None:
    """The tests' login is the server's superuser, which skips privilege checks: the trigger is what
    refuses it, also for TRUNCATE and for statements whose WHERE matches nothing."""
    db = open_database(pg_url)
    try:
        sv, owner, clock = _shop(db)
        _erase_still_works(sv, owner, clock)
        logged = _snapshot(db)
        for sql in [*RAW_CHANGES, "DELETE FROM audit_log WHERE false", "TRUNCATE audit_log"]:
            op = sql.split()[0]
            _refused(db, sql.format(true="true"), f"{REFUSAL}: {op} refused")
            assert _snapshot(db) == logged, sql
        sv.auth.sign_in(owner.staff_id, OWNER_PIN)
        assert len(_snapshot(db)) == len(logged) + 1
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_app_login_has_no_update_delete_or_truncate_privilege(pg_app_login: str) -> None:
    db = open_database(pg_app_login)  # the migrations run as the app's login, which owns the tables
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar() is False
            owner_role = conn.execute(
                text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")
            ).scalar()
            assert owner_role == conn.execute(text("SELECT current_user")).scalar()
            privs = {
                p: conn.execute(text("SELECT has_table_privilege('audit_log', :p)"), {"p": p}).scalar()
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
            }
            conn.rollback()
        assert privs == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False}
        sv, owner, clock = _shop(db)
        _erase_still_works(sv, owner, clock)
        logged = _snapshot(db)
        for sql in [*RAW_CHANGES, "TRUNCATE audit_log"]:
            _refused(db, sql.format(true="true"), "permission denied for table audit_log")
            assert _snapshot(db) == logged, sql
        # downgrade gives back exactly what upgrade took, and upgrade takes it again
        migrate.downgrade(db, "0003")
        with db.engine.begin() as conn:
            assert conn.exec_driver_sql("UPDATE audit_log SET detail = detail").rowcount == len(logged)
            assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'audit_log_refuse_change'")).scalar() == 0
        migrate.upgrade(db)
        _refused(db, "DELETE FROM audit_log", "permission denied for table audit_log")
        assert _snapshot(db) == logged
    finally:
        db.dispose()
