"""Turning a plain shop file (and its backups) into encrypted ones (docs/privacy.md, "Data at rest").

SQLCipher cannot encrypt a plain database in place, so each file is exported into a new
encrypted file (``sqlcipher_export``), checked (integrity, and the same number of rows in every
table) and then put in the old one's place. The shop file must not be open anywhere else while
that happens: the conversion first takes it for itself (switching its journal out of WAL mode
only works for the one connection left), and says so when a desk still has it open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desk_app.core.service import ServiceError
from desk_app.db import cipher
from desk_app.i18n import _


@dataclass
class EncryptResult:
    key: bytes
    rows: int  # rows copied into the shop file
    backups: list[Path] = field(default_factory=list)  # backups encrypted too
    already: list[Path] = field(default_factory=list)  # backups that were encrypted before
    failed: list[tuple[Path, str]] = field(default_factory=list)


def _counts(path: Path, key: bytes | None) -> dict[str, int]:
    conn = cipher.connect(path, key=key, read_only=True)
    try:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                " AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
    finally:
        conn.close()


def _take_for_ourselves(path: Path) -> None:
    """Fold the WAL in and leave the file in rollback-journal mode: refused while another
    connection (another desk, the app) has the database open."""
    conn = cipher.connect(path, must_exist=True, timeout=2, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()
        if not mode or str(mode[0]).lower() != "delete":
            raise ServiceError(
                _("Close the app on every desk first: the shop's database is still open somewhere.")
            )
    except cipher.OperationalError as exc:
        raise ServiceError(
            _("Close the app on every desk first: the shop's database is still open somewhere.")
        ) from exc
    finally:
        conn.close()


def encrypt_file(path: Path, key: bytes) -> int:
    """Replace the plain SQLite file ``path`` with an encrypted copy; returns the rows copied."""
    part = path.with_name(path.name + ".encrypting")
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(part) + suffix).unlink(missing_ok=True)
    try:
        cipher.copy_database(path, part, key=key)
        before, after = _counts(path, None), _counts(part, key)
        if before != after:
            raise ServiceError(_("The encrypted copy does not hold the same rows; nothing was changed."))
        conn = cipher.connect(part, key=key)
        try:
            res = conn.execute("PRAGMA integrity_check").fetchone()
        finally:
            conn.close()
        if not res or res[0] != "ok":
            raise ServiceError(_("The encrypted copy failed its check ({detail}).").format(detail=str(res)))
        part.replace(path)
        for suffix in ("-wal", "-shm", "-journal"):  # the plain file's, now stale
            Path(str(path) + suffix).unlink(missing_ok=True)
        return sum(after.values())
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(part) + suffix).unlink(missing_ok=True)


def encrypt_shop(db_path: Path, backups: list[Path]) -> EncryptResult:
    """Encrypt the shop file and the given backups of it with a new key, kept by the OS first."""
    if cipher.is_encrypted(db_path):
        raise ServiceError(_("This shop's data is already encrypted."))
    if not cipher.key_store_available():
        raise ServiceError(str(cipher.NoKeyStore()))
    _take_for_ourselves(db_path)
    key = cipher.new_key()
    try:
        cipher.remember_key(key)  # before any file depends on it
    except cipher.NoKeyStore as exc:
        raise ServiceError(str(exc)) from exc
    rows = encrypt_file(db_path, key)
    out = EncryptResult(key, rows)
    for b in backups:
        if cipher.is_encrypted(b):
            out.already.append(b)
            continue
        try:
            _take_for_ourselves(b)
            encrypt_file(b, key)
            out.backups.append(b)
        except (ServiceError, OSError, *cipher.Error) as exc:  # type: ignore[misc]
            out.failed.append((b, getattr(exc, "message", None) or str(exc)))
    return out
