"""The app's clock type and the real clock, in a module that imports nothing heavy (the window
reads it before SQLAlchemy loads; ``desk_app.db.engine`` re-exports both)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Gives the current time, timezone-aware. The app runs on :func:`system_clock`; tests pass a fake one."""


def system_clock() -> datetime:
    """The machine's clock, in UTC: the one place the app reads the real time."""
    return datetime.now(UTC)
