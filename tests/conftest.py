"""Shared fixtures. The test database is always built by the real migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from keyrings.alt.file import PlaintextKeyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DESK_APP_HOME", "/tmp/desk-app-test-home")

from desk_app import i18n  # noqa: E402
from desk_app.bootstrap import open_database  # noqa: E402
from desk_app.container import Services  # noqa: E402
from desk_app.db.engine import Database  # noqa: E402
from desk_app.domain.permissions import Actor  # noqa: E402

if TYPE_CHECKING:
    from tests.cups import CupsServer

OWNER_PIN = "1234"


class FakeClock:
    """A clock tests move by hand; starts at a fixed Shanghai working-day morning."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Wednesday

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    i18n.set_language("en")
    i18n.set_timezone("Asia/Shanghai")
    i18n.set_currency("CNY")
    yield
    i18n.set_language("en")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shop.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(str(db_path))
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(db: Database, clock: FakeClock) -> Services:
    return Services(db, clock=clock)


@pytest.fixture
def owner(services: Services) -> Actor:
    """A set-up shop (default catalog) and its signed-in owner."""
    return services.shop.create_shop(
        name="Lotus Hair & Spa", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
    )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    from tests.pg import PgServer

    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: object) -> str:
    from tests.pg import PgServer

    assert isinstance(pg_server, PgServer)
    return pg_server.create_database()


@pytest.fixture
def pg_app_login(pg_server: Any) -> Iterator[str]:
    """A database owned by an ordinary login, set up as docs/server-mode.md says (the app's user)."""
    import uuid

    import psycopg
    role = f"desk_{uuid.uuid4().hex[:8]}"
    name = f"shop_{uuid.uuid4().hex[:8]}"
    admin = f"host=127.0.0.1 port={pg_server.port} user=postgres"
    with psycopg.connect(f"{admin} dbname=postgres", autocommit=True) as c:
        c.execute(f'CREATE ROLE "{role}" LOGIN')
        c.execute(f'CREATE DATABASE "{name}" OWNER "{role}" ENCODING \'UTF8\'')
    with psycopg.connect(f"{admin} dbname={name}", autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    yield f"postgresql+psycopg://{role}@127.0.0.1:{pg_server.port}/{name}"
    with psycopg.connect(f"{admin} dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def pg_password_login(pg_server: Any) -> Iterator[tuple[str, str]]:
    """A database owned by a login that must give its password (scram-sha-256, tests/pg.py), set up
    as docs/server-mode.md says; yields (its URL without the password, the password)."""
    import uuid

    import psycopg
    role = f"desk_{uuid.uuid4().hex[:8]}"
    name = f"shop_{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex[:12]}"
    admin = f"host=127.0.0.1 port={pg_server.port} user=postgres"
    with psycopg.connect(f"{admin} dbname=postgres", autocommit=True) as c:
        c.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}' IN ROLE password_logins")
        c.execute(f'CREATE DATABASE "{name}" OWNER "{role}" ENCODING \'UTF8\'')
    with psycopg.connect(f"{admin} dbname={name}", autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        c.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    yield f"postgresql+psycopg://{role}@127.0.0.1:{pg_server.port}/{name}", password
    with psycopg.connect(f"{admin} dbname=postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'DROP ROLE IF EXISTS "{role}"')


class FileKeyring(PlaintextKeyring):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = str(path)

    @property  # type: ignore[override]
    def file_path(self) -> str:
        return self._path


@pytest.fixture
def keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_os_keyring: None) -> Iterator[Path]:
    """A password store of this test's own (a file), standing for the OS one."""
    import keyring

    from desk_app.db import cipher

    before = keyring.get_keyring()
    path = tmp_path / "keyring.cfg"
    keyring.set_keyring(FileKeyring(path))
    monkeypatch.setenv(cipher.PLAINTEXT_KEYRING_ENV, "1")
    monkeypatch.delenv(cipher.KEY_ENV, raising=False)
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "home"))
    yield path
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def own_app_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own app data folder: the erasure ledger kept there by one test's shop
    must not reach another test's restore (their clients share ids, numbers and creation times)."""
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "app-home"))


@pytest.fixture(autouse=True)
def no_os_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test touches this machine's real password store: none by default (plain shops), the
    ``keystore`` fixture gives a test its own."""
    import keyring
    from keyring.backends import fail

    from desk_app.db import cipher

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(cipher.KEY_ENV, raising=False)
    monkeypatch.delenv(cipher.PLAINTEXT_KEYRING_ENV, raising=False)
    yield
    keyring.set_keyring(before)


@pytest.fixture(scope="session")
def cups() -> Iterator[CupsServer]:
    """A CUPS server of the tests' own with cups-pdf queues (tests/cups.py); skipped where the
    machine cannot run one."""
    from tests.cups import CupsServer, CupsUnavailable

    server = CupsServer()
    try:
        try:
            server.start()
        except CupsUnavailable as exc:
            pytest.skip(f"no CUPS test server on this machine: {exc}")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CUPS_SERVER", server.server)  # lp and lpstat, as print_pdf runs them, ask this server
            mp.delenv("LPDEST", raising=False)
            mp.delenv("PRINTER", raising=False)
            yield server
    finally:
        server.stop()
