"""Where the app keeps its files (platformdirs). Which database the app opens: desk_app.db.server.resolve_db."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "desk-app"


def data_dir(create: bool = True) -> Path:
    override = os.environ.get("DESK_APP_HOME")
    path = Path(override) if override else user_data_path(APP_NAME, appauthor=False)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def default_db() -> str:
    """The shop's file in the data folder; the folder is made when the database is (not here, so a
    headless command that finds no shop creates nothing)."""
    return str(data_dir(create=False) / "shop.sqlite3")


def demo_db() -> str:
    return str(data_dir() / "demo.sqlite3")


def create_private(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (0600 where the file system
    keeps modes): a backup holds every client, so other accounts on the computer may not read it
    whatever the umask. Raises FileExistsError when it is already there."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
