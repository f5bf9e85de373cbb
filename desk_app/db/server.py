"""The shop's PostgreSQL server as this desk knows it, and a test of the connection.

This computer remembers the server's address (host, port, database, user) in its desk settings
(``DeskSettings.server``: a URL without the password, ``postgresql+psycopg://desk@192.168.1.10:5432/salon``)
and the password in the operating system's password store (``keyring``, service ``desk-app-server``).

Which database the app opens (the GUI and every headless command): ``--db``, then the
``DESK_APP_DB`` environment variable, then this desk's saved server, then the shop's file in the
user data folder (:func:`resolve_db`).

:func:`check_server` connects with a short timeout and says in words (translated) what it found:
the server cannot be reached, the password or user is wrong, the database does not exist, the
extensions are missing, the shop's data is newer than this app, older (upgraded by the first desk
that opens it), empty (a new shop is set up there), or ready. Never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from desk_app.db import cipher, migrate
from desk_app.i18n import _

SERVICE = "desk-app-server"  # the password store's service name for server passwords
DRIVER = "postgresql+psycopg"
DEFAULT_PORT = 5432
CONNECT_TIMEOUT_S = 5
# the server's password for a headless command (never in --db, which anyone on the computer sees in ps)
PASSWORD_ENV = "DESK_APP_SERVER_PASSWORD"
EXTENSIONS = ("btree_gist", "pg_trgm")


@dataclass(frozen=True)
class ServerAddress:
    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT

    def url(self, password: str | None = None, timeout_s: int | None = None) -> str:
        """The SQLAlchemy URL (with the password only when given)."""
        query = {"connect_timeout": str(timeout_s)} if timeout_s else {}
        return URL.create(
            DRIVER, username=self.user, password=password or None, host=self.host, port=self.port,
            database=self.database, query=query,
        ).render_as_string(hide_password=False)

    @property
    def saved(self) -> str:
        """What the desk settings keep: the URL without the password."""
        return self.url()

    @property
    def key(self) -> str:
        """The password store's entry for this address."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def __str__(self) -> str:
        return self.key


_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,63}")
_HOST = re.compile(r"[A-Za-z0-9_.\-:\[\]]{1,253}")


def parse_address(text: str) -> tuple[ServerAddress, str | None]:
    """An address typed or saved: ``postgresql+psycopg://user[:password]@host[:port]/database`` or
    ``host[:port]/database?user=NAME``. Returns the address and the password the text carried
    (or None). ValueError in words when it is not one."""
    raw = text.strip()
    if not raw:
        raise ValueError(_("Give the server's address."))
    if "://" not in raw:
        raw = "postgresql+psycopg://" + raw
    try:
        u = make_url(raw)
    except ArgumentError:
        raise ValueError(_("{text} is not a server address (host:port/database?user=NAME).").format(text=repr(text))) from None
    if u.get_backend_name() != "postgresql":
        raise ValueError(_("{text} is not a PostgreSQL server address.").format(text=repr(text)))
    user = u.username or str(u.query.get("user") or "")
    return check_address(u.host or "", u.port or DEFAULT_PORT, u.database or "", user), u.password or None


def check_address(host: str, port: int, database: str, user: str) -> ServerAddress:
    """The address from its fields, or ValueError saying what is wrong with each."""
    problems = []
    host, database, user = host.strip(), database.strip(), user.strip()
    if not host or not _HOST.fullmatch(host):
        problems.append(_("the server's name or address is missing or not valid"))
    if not 1 <= int(port) <= 65535:
        problems.append(_("the port is a number from 1 to 65535"))
    if not database or not _NAME.fullmatch(database):
        problems.append(_("the database's name is missing or not valid (letters, digits, _ . -)"))
    if not user or not _NAME.fullmatch(user):
        problems.append(_("the user's name is missing or not valid (letters, digits, _ . -)"))
    if problems:
        said = "; ".join(problems)
        raise ValueError(said[:1].upper() + said[1:] + ".")
    return ServerAddress(host=host, port=int(port), database=database, user=user)


# -- the password, in the OS password store ------------------------------------------------


def save_password(address: ServerAddress, password: str) -> None:
    """Keep the password in the password store (cipher.NoKeyStore when this computer has none)."""
    kr = cipher.password_store()
    if kr is None:
        raise cipher.NoKeyStore()
    kr.set_password(SERVICE, address.key, password)


def load_password(address: ServerAddress) -> str | None:
    kr = cipher.password_store()
    if kr is None:
        return None
    try:
        value = kr.get_password(SERVICE, address.key)
    except Exception:  # noqa: BLE001 - a locked or broken store: as if it held nothing
        return None
    return str(value) if value else None


def forget_password(address: ServerAddress) -> None:
    kr = cipher.password_store()
    if kr is None:
        return
    try:
        kr.delete_password(SERVICE, address.key)
    except Exception:  # noqa: BLE001 - nothing kept: nothing to forget
        pass


def saved_url(saved: str) -> str | None:
    """The URL to open for the desk's saved server (with its password from the store), or None
    when the desk has none (or what it saved is not an address)."""
    if not saved:
        return None
    try:
        address, password = parse_address(saved)
    except ValueError:
        return None
    return address.url(password or load_password(address), timeout_s=10)


def resolve_db(cli_value: str | None, saved_server: Callable[[], str] | str = "") -> str:
    """--db wins, then DESK_APP_DB, then this desk's saved server (read only when needed:
    ``desk_app.desk.saved_server``), then the shop's file in the user data folder."""
    from desk_app.paths import default_db

    if cli_value:
        return cli_value
    env = os.environ.get("DESK_APP_DB")
    if env:
        return env
    saved = saved_server() if callable(saved_server) else saved_server
    return saved_url(saved) or default_db()


def with_env_password(target: str) -> str:
    """A server URL that carries no password gets the one in ``DESK_APP_SERVER_PASSWORD`` (a headless
    command's way to give it without showing it in ``ps``); anything else is returned as it is."""
    password = os.environ.get(PASSWORD_ENV)
    if not password or "://" not in target:
        return target
    try:
        u = make_url(target)
    except ArgumentError:
        return target
    if u.get_backend_name() != "postgresql" or u.password:
        return target
    return u.set(password=password).render_as_string(hide_password=False)


def explain_open_failure(target: str, exc: BaseException) -> str | None:
    """The connection test's words (translated, saying what to check) for a headless command that
    could not open the server at ``target``; None when ``exc`` is not such a failure."""
    try:
        import psycopg
    except ModuleNotFoundError:
        return None
    cause = getattr(exc, "orig", None) or exc
    if not isinstance(cause, psycopg.OperationalError) or "://" not in target:
        return None
    try:
        address, password = parse_address(target)
    except ValueError:
        return None
    found = _connect_failure(address, cause)
    if found.outcome is Outcome.FAILED:
        return None
    if found.outcome is Outcome.AUTH and not password:
        return found.message + " " + _(
            "No password was given: put it in the environment variable {env} (not in --db, which anyone "
            "on this computer can see), or save it on this desk in Settings › This desk.").format(env=PASSWORD_ENV)
    return found.message


# -- the connection test -----------------------------------------------------------------


class Outcome(StrEnum):
    READY = "ready"  # a shop of this version: sign in
    EMPTY = "empty"  # no tables yet: a new shop is set up here
    OLDER = "older"  # an earlier version's shop: the first desk to open it brings it up to date
    NEWER = "newer"  # a later version's shop: update this desk's app
    NOT_APP = "not_app"  # tables of something else
    UNREACHABLE = "unreachable"
    UNKNOWN_HOST = "unknown_host"
    TIMEOUT = "timeout"
    AUTH = "auth"
    NO_DATABASE = "no_database"
    EXTENSIONS = "extensions"
    NO_DRIVER = "no_driver"
    FAILED = "failed"


OK = frozenset({Outcome.READY, Outcome.EMPTY, Outcome.OLDER})


@dataclass(frozen=True)
class ServerCheck:
    outcome: Outcome
    message: str  # translated, for the person

    @property
    def ok(self) -> bool:
        return self.outcome in OK


def check_server(address: ServerAddress, password: str | None, timeout_s: int = CONNECT_TIMEOUT_S) -> ServerCheck:
    """Connect to the server and say what this desk would find there (see :class:`Outcome`)."""
    try:
        import psycopg
    except ModuleNotFoundError:
        return ServerCheck(Outcome.NO_DRIVER, _(
            "This installation cannot reach a PostgreSQL server: its driver is missing. Install the app "
            "with its server part (pip install \"desk-app[server]\"); the desktop installers include it."))
    try:
        conn = psycopg.connect(
            host=address.host, port=address.port, user=address.user, password=password or "",
            dbname=address.database, connect_timeout=max(1, int(timeout_s)), autocommit=True,
            application_name="desk-app connection test",
        )
    except psycopg.Error as exc:
        return _connect_failure(address, exc)
    try:
        with conn:
            return _inspect(conn, address)
    except psycopg.Error as exc:
        first = (str(exc).splitlines() or [""])[0]
        return ServerCheck(Outcome.FAILED, _("The server answered with an error: {error}").format(error=first))


def _connect_failure(address: ServerAddress, exc: Any) -> ServerCheck:
    state = getattr(exc, "sqlstate", None) or ""
    text = str(exc)
    lower = text.lower()
    where = f"{address.host}:{address.port}"
    if state == "28P01" or "password authentication failed" in lower or "no password supplied" in lower:
        return ServerCheck(Outcome.AUTH, _(
            "The server refused the user {user} with this password. Check the password (and the user's "
            "name) with whoever set up the server.").format(user=address.user))
    if state == "28000" or ("role" in lower and "does not exist" in lower) or "no pg_hba.conf entry" in lower:
        if "pg_hba.conf" in lower:
            return ServerCheck(Outcome.AUTH, _(
                "The server does not let this computer in as {user}: its pg_hba.conf has no line for this "
                "computer's address (docs/server-mode.md, step 3).").format(user=address.user))
        return ServerCheck(Outcome.AUTH, _(
            "The server has no user called {user}. Check the user's name with whoever set up the server."
        ).format(user=address.user))
    if state == "3D000" or ("database" in lower and "does not exist" in lower):
        return ServerCheck(Outcome.NO_DATABASE, _(
            "The server has no database called {name}. Check its name, or create it (docs/server-mode.md, "
            "step 2).").format(name=address.database))
    if "translate host name" in lower or "name or service not known" in lower or "nodename nor servname" in lower:
        return ServerCheck(Outcome.UNKNOWN_HOST, _(
            "No computer called {host} was found on the network. Check the server's name or address."
        ).format(host=address.host))
    if "timeout" in lower or "timed out" in lower:
        return ServerCheck(Outcome.TIMEOUT, _(
            "The server at {where} did not answer in time. Is it on, on the same network, and is the "
            "address right? (A firewall may be dropping the connection.)").format(where=where))
    if "refused" in lower or "could not connect" in lower or "connection failed" in lower:
        return ServerCheck(Outcome.UNREACHABLE, _(
            "Nothing answers at {where}. Is the server on and on the same network? Check the address and "
            "port, and that PostgreSQL listens on the network (docs/server-mode.md, step 3).").format(where=where))
    first = (text.splitlines() or [""])[0]
    return ServerCheck(Outcome.FAILED, _("Could not connect to the server: {error}").format(error=first))


def _inspect(conn: Any, address: ServerAddress) -> ServerCheck:
    tables = {str(r[0]) for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()}
    version: str | None = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        version = str(row[0]) if row and row[0] is not None else None
    head = migrate.head_revision()
    if version is not None and version not in migrate.known_revisions():
        return ServerCheck(Outcome.NEWER, _(
            "The shop's data on this server was written by a newer version of the app. Update this desk's "
            "app first; nothing was changed."))
    if tables and version is None:
        return ServerCheck(Outcome.NOT_APP, _(
            "The database {name} already holds tables of another program. Use an empty database for the shop."
        ).format(name=address.database))
    missing = _missing_extensions(conn)
    if missing and version != head:  # the migrations create them: can this user?
        sql = "; ".join(f"CREATE EXTENSION IF NOT EXISTS {e}" for e in missing)
        return ServerCheck(Outcome.EXTENSIONS, _(
            "The server lacks the extensions {names}, and the user {user} may not add them. The server's "
            "administrator runs, as the postgres user in the database {name}: {sql}").format(
                names=", ".join(missing), user=address.user, name=address.database, sql=sql))
    if version is None:
        return ServerCheck(Outcome.EMPTY, _(
            "Connected. The database is empty: a new shop will be set up here (shop name, owner's PIN)."))
    if version != head:
        return ServerCheck(Outcome.OLDER, _(
            "Connected. The shop's data is from an earlier version of the app; the first desk that opens "
            "it brings it up to date (every desk then needs this version)."))
    shops = conn.execute("SELECT count(*) FROM shops").fetchone()
    if not shops or not shops[0]:
        return ServerCheck(Outcome.EMPTY, _(
            "Connected. The shop is not set up yet: the first desk sets it up (shop name, owner's PIN)."))
    return ServerCheck(Outcome.READY, _("Connected. The shop's data is there: sign in."))


def _missing_extensions(conn: Any) -> list[str]:
    """The extensions the app needs that are neither installed nor addable by this user (each is
    tried in a transaction that is rolled back)."""
    have = {str(r[0]) for r in conn.execute("SELECT extname FROM pg_extension").fetchall()}
    missing = []
    for name in EXTENSIONS:
        if name in have:
            continue
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
        except Exception:  # noqa: BLE001 - not available or not allowed: the message says what to run
            missing.append(name)
    return missing
