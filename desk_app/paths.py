"""Where the app keeps its files (platformdirs), and the database URL it uses."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "desk-app"


def data_dir() -> Path:
    override = os.environ.get("DESK_APP_HOME")
    path = Path(override) if override else user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db() -> str:
    return str(data_dir() / "shop.sqlite3")


def demo_db() -> str:
    return str(data_dir() / "demo.sqlite3")


def resolve_db(cli_value: str | None) -> str:
    """--db wins, then DESK_APP_DB, then the default file in the user data folder."""
    return cli_value or os.environ.get("DESK_APP_DB") or default_db()
