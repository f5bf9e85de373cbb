"""Run Alembic migrations from the app, backing up a SQLite file first."""

from __future__ import annotations

import re
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from desk_app.db import cipher
from desk_app.db.engine import Database
from desk_app.resources import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic itself is imported only when the schema has to change: it costs ~0.25 s at start.



def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return cfg


def head_revision(db: Database | None = None) -> str | None:
    return _head_from_files()


def known_revisions() -> frozenset[str]:
    """Every revision this app's migrations know (a database at another one is from a newer app)."""
    return _revisions_from_files()[0]


@lru_cache(maxsize=1)
def _revisions_from_files() -> tuple[frozenset[str], frozenset[str]]:
    revs: set[str] = set()
    downs: set[str] = set()
    pat_rev = re.compile(r"^revision(?::\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
    pat_down = re.compile(r"^down_revision(?::[^=]+)?=\s*['\"]([^'\"]+)['\"]", re.M)
    for f in (migrations_dir() / "versions").glob("*.py"):
        body = f.read_text(encoding="utf-8")
        revs.update(pat_rev.findall(body))
        downs.update(pat_down.findall(body))
    return frozenset(revs), frozenset(downs)


@lru_cache(maxsize=1)
def _head_from_files() -> str | None:
    """The head revision read straight from the migration files (no Alembic import)."""
    revs, downs = _revisions_from_files()
    heads = sorted(revs - downs)
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have exactly one head, found {heads}")
    return heads[0]


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        conn.rollback()
        return None if value is None else str(value)


def needs_upgrade(db: Database) -> bool:
    return current_revision(db) != head_revision(db)


def sqlite_online_backup(src: Path, dest: Path) -> Path:
    """Copy a live SQLite database with the online backup API and check it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    if tmp.exists():
        tmp.unlink()
    key = cipher.key_for_file(src)  # an encrypted shop's backup is encrypted with the same key
    source = cipher.connect(src, key=key)
    target = cipher.connect(tmp, key=key)
    try:
        source.backup(target)
        ok = target.execute("PRAGMA integrity_check").fetchone()
        if not ok or ok[0] != "ok":
            raise RuntimeError(f"backup failed its integrity check: {ok}")
    finally:
        target.close()
        source.close()
    tmp.replace(dest)
    return dest


def upgrade(db: Database, backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to head. Returns the pre-migration backup, if one was made."""
    backup: Path | None = None
    if not needs_upgrade(db):
        return None
    path = db.sqlite_file
    if path is not None and path.exists() and current_revision(db) is not None:
        stamp = db.clock().astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        folder = backup_dir or path.parent / "backups"
        backup = sqlite_online_backup(path, folder / f"{path.stem}-pre-migration-{stamp}.sqlite3")
    from alembic import command

    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup


def downgrade(db: Database, target: str = "base") -> None:
    from alembic import command

    cfg = alembic_config(db)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, target)
