"""Errors whose message is meant for the person at the desk, and telling a busy database apart.

The lowest layer of the app: ``desk_app.db`` (the unit of work) raises ``DatabaseBusy`` and
``desk_app.core.service`` builds its own errors on ``ServiceError``; both import this module,
which imports nothing of the app but the translations.
"""

from __future__ import annotations

from desk_app.i18n import _

# SQLite's primary result codes (the extended ones, e.g. SQLITE_BUSY_SNAPSHOT 517, share the low byte)
SQLITE_BUSY = 5  # another connection holds the write lock past the busy timeout
SQLITE_LOCKED = 6  # a conflict inside one connection or shared cache: "database table is locked"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out
_BUSY_WORDS = ("database is locked", "database is busy", "database table is locked", "database schema is locked")


class ServiceError(Exception):
    """An error whose message is meant for the person at the desk (already translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DatabaseBusy(ServiceError):
    """Another desk (an import, a restore, a long save) held the database past the busy timeout.

    Nothing of the action that met it was saved (its unit of work rolled back); doing it again in
    a moment works."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("The database is busy (another desk is importing or saving); try again in a moment.")
        )


def is_busy_error(exc: BaseException | None) -> bool:
    """True for "database is locked/busy" from SQLite (raw or wrapped by SQLAlchemy) and for
    PostgreSQL's lock timeout: the database was busy, nothing is wrong with it or with the data."""
    seen = 0
    while exc is not None and seen < 5:  # the error itself, the driver's error it wraps, its cause
        if isinstance(exc, DatabaseBusy):
            return True
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
            return True
        if getattr(exc, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return True
        if type(exc).__name__ == "OperationalError" and any(w in str(exc).lower() for w in _BUSY_WORDS):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__
        seen += 1
    return False
