"""The shop's data encrypted at rest (docs/privacy.md, "Data at rest").

An encrypted shop is a SQLCipher database (AES-256, every page, its write-ahead log and every
backup made from it): a copied file holds no readable byte and no PIN hash to guess against.
The key is 32 random bytes, kept by the operating system's password store through ``keyring``
(Windows Credential Manager, macOS Keychain, the Secret Service on Linux), never in the
database or beside it. The owner also keeps it on paper as the *recovery key*, to open the shop
or a backup on another computer.

Plain SQLite stays the default for the demo and the tests, and is what a shop runs on when the
owner chooses so (or this computer has no password store).

Keys are found by trying each key this computer knows (opening with a raw key costs well under a
millisecond); ``DESK_APP_DB_KEY`` (the recovery key) is tried first, for scripts and servers.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlcipher3

from desk_app.i18n import _

MAGIC = b"SQLite format 3\x00"
KEY_ENV = "DESK_APP_DB_KEY"
PLAINTEXT_KEYRING_ENV = "DESK_APP_ALLOW_PLAINTEXT_KEYRING"  # tests only: keyrings.alt's file backend
SERVICE = "desk-app"
INDEX = "database-keys"  # the ids of the keys stored, comma-separated

# sqlite3's and sqlcipher3's errors are different classes: catch both
Error: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher3.Error)
DatabaseError: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher3.DatabaseError)
OperationalError: tuple[type[Exception], ...] = (sqlite3.OperationalError, sqlcipher3.OperationalError)


class KeyMissing(Exception):
    """The file is encrypted and no key this computer knows opens it. The message says what to do."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            _(
                "{name} is encrypted and this computer does not have its key. Type the shop's recovery key "
                "(desk-app key add, or set DESK_APP_DB_KEY), then try again."
            ).format(name=Path(path).name)
        )
        self.path = path


class NoKeyStore(Exception):
    """This computer has no password store to keep a key in."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This computer has no password store (keyring) to keep the shop's key in, so the data "
                "cannot be encrypted here. Set DESK_APP_DB_KEY to a recovery key, or keep the shop unencrypted."
            )
        )


# -- keys ---------------------------------------------------------------------------------


def new_key() -> bytes:
    return secrets.token_bytes(32)


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


def recovery_text(key: bytes) -> str:
    """The key as the owner writes it down: 64 hex digits in 16 groups of 4."""
    h = key.hex().upper()
    return " ".join(h[i : i + 4] for i in range(0, len(h), 4))


def parse_recovery(text: str) -> bytes:
    """A recovery key as typed (spaces, dashes, any case); ValueError with a message if it is not one."""
    h = re.sub(r"[\s\-]", "", text or "")
    if not re.fullmatch(r"[0-9A-Fa-f]{64}", h):
        raise ValueError(_("A recovery key is 64 letters and digits (0-9, A-F), in groups of four."))
    return bytes.fromhex(h)


def _keyring() -> Any | None:
    """The OS password store, or None when there is none worth the name."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    kr = keyring.get_keyring()
    if isinstance(kr, fail.Keyring):
        return None
    inner = getattr(kr, "backends", [kr])  # a ChainerBackend holds several
    names = {type(b).__module__ + "." + type(b).__name__ for b in inner}
    if names and all(n.startswith(("keyrings.alt.file", "keyring.backends.fail")) for n in names):
        # a plaintext file next to the data is no protection: only tests may use it
        if not os.environ.get(PLAINTEXT_KEYRING_ENV):
            return None
    return kr


def password_store() -> Any | None:
    """The OS password store (``keyring``), or None when this computer has none worth the name; also
    where a desk keeps its server's password (desk_app.db.server)."""
    return _keyring()


def key_store_available() -> bool:
    """True when this computer has a password store to keep a new key in (DESK_APP_DB_KEY opens
    files, but a key only in the environment would be lost with it)."""
    return _keyring() is not None


def known_keys() -> list[bytes]:
    """Every key this computer knows: DESK_APP_DB_KEY first, then the password store's."""
    keys: list[bytes] = []
    env = os.environ.get(KEY_ENV)
    if env:
        try:
            keys.append(parse_recovery(env))
        except ValueError:
            pass
    kr = _keyring()
    if kr is not None:
        try:
            ids = [i for i in (kr.get_password(SERVICE, INDEX) or "").split(",") if i]
            for i in ids:
                value = kr.get_password(SERVICE, f"key-{i}")
                if value:
                    keys.append(bytes.fromhex(value))
        except Exception:  # noqa: BLE001 - a locked or broken store: as if it held nothing
            pass
    return list(dict.fromkeys(keys))


def remember_key(key: bytes) -> None:
    """Keep ``key`` in the password store (NoKeyStore when there is none)."""
    kr = _keyring()
    if kr is None:
        raise NoKeyStore()
    i = key_id(key)
    kr.set_password(SERVICE, f"key-{i}", key.hex())
    ids = [x for x in (kr.get_password(SERVICE, INDEX) or "").split(",") if x]
    if i not in ids:
        kr.set_password(SERVICE, INDEX, ",".join([*ids, i]))


# -- files --------------------------------------------------------------------------------


def is_encrypted(path: Path) -> bool:
    """True for an existing, non-empty file that is not a plain SQLite database.

    Never on a database this process has open: closing any handle on the file drops the
    process's SQLite locks on it (POSIX), and the next connection elsewhere to close then deletes
    the write-ahead log under the open one. A ``Database`` knows its own key (``Database.key``)."""
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return len(head) == 16 and head != MAGIC


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def attach_key(key: bytes | None) -> str:
    """The KEY value of an ATTACH: the raw key, or '' for a plain file."""
    return f"x'{key.hex()}'" if key else ""


def _quiet(conn: Any) -> None:
    """SQLCipher logs a failed key to stderr; the app says it in words instead."""
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
    except Error:
        pass


def opens_with(path: Path, key: bytes) -> bool:
    conn = sqlcipher3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _quiet(conn)
        conn.execute(key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def key_for_file(path: Path) -> bytes | None:
    """None for a plain file; the key that opens an encrypted one; KeyMissing if none does."""
    if not is_encrypted(path):
        return None
    for key in known_keys():
        if opens_with(path, key):
            return key
    raise KeyMissing(path)


def module_for(*keys: bytes | None) -> ModuleType:
    """sqlcipher3 when any file involved is encrypted, else the standard library's sqlite3."""
    return sqlcipher3 if any(keys) else sqlite3


def connect(
    path: Path | str,
    *,
    key: bytes | None = None,
    read_only: bool = False,
    must_exist: bool = False,
    cipher: bool = False,
    **kwargs: Any,
) -> Any:
    """A DB-API connection to a SQLite file, plain or encrypted with ``key`` (applied first).
    ``cipher`` asks for a SQLCipher connection to a plain file (to ATTACH an encrypted one);
    ``read_only`` / ``must_exist`` open it with ``mode=ro`` / ``mode=rw`` (never creating it)."""
    module = sqlcipher3 if (key or cipher) else sqlite3
    mode = "ro" if read_only else "rw" if must_exist else None
    target = f"file:{path}?mode={mode}" if mode else str(path)
    conn = module.connect(target, uri=mode is not None, **kwargs)
    if module is sqlcipher3:
        _quiet(conn)
        if key:
            conn.execute(key_pragma(key))
    return conn


def connect_file(path: Path | str, *, read_only: bool = False, **kwargs: Any) -> Any:
    """``connect`` with the key this computer knows for the file (KeyMissing if none)."""
    return connect(path, key=key_for_file(Path(path)), read_only=read_only, **kwargs)


def copy_database(src: Path, dest: Path, *, key: bytes | None) -> None:
    """``src`` (plain or encrypted with a known key) into a new file ``dest`` encrypted with ``key``
    (None: plain), through ATTACH and ``sqlcipher_export``; the schema version goes along."""
    dest.unlink(missing_ok=True)
    src_key = key_for_file(src)
    conn = connect(src, key=src_key, cipher=True, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS dest KEY ?", (str(dest), attach_key(key)))
        conn.execute("SELECT sqlcipher_export('dest')")
        version = conn.execute("PRAGMA main.user_version").fetchone()[0]
        conn.execute(f"PRAGMA dest.user_version = {int(version)}")
        conn.execute("DETACH DATABASE dest")
    finally:
        conn.close()
