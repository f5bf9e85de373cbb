"""Local days and month bounds for the reports, across daylight-saving changes (SQLite shift segments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, literal, select

from desk_app.db.types import UTCDateTime
from desk_app.reports.sqlhelp import BadMonth, Period, local_day, parse_month, previous_month


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Asia/Shanghai", "Asia/Kolkata"])
@pytest.mark.parametrize("month", ["2026-03", "2026-10", "2026-11"])
def test_sqlite_local_day_matches_zoneinfo(tz: str, month: str) -> None:
    p = Period.of(month, tz)
    engine = create_engine("sqlite://")
    t = p.start
    with engine.connect() as conn:
        while t < p.end:
            got = conn.execute(select(local_day(literal(t, UTCDateTime()), "sqlite", p))).scalar()
            assert got == t.astimezone(ZoneInfo(tz)).date().isoformat(), t
            t += timedelta(minutes=173)


@pytest.mark.postgres
def test_postgresql_local_day_matches_zoneinfo(pg_url: str) -> None:
    """On PostgreSQL the day is the server's own time zone arithmetic (a date): the same days, the
    hours around each daylight-saving change included."""
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            for tz in ("Europe/Berlin", "America/New_York", "Asia/Kolkata"):
                for month in ("2026-03", "2026-11"):
                    p = Period.of(month, tz)
                    times = [p.start + timedelta(minutes=97 * k) for k in range(int((p.end - p.start).total_seconds() // 5820))]
                    stmt = select(*(local_day(literal(t, UTCDateTime()), "postgresql", p) for t in times))
                    got = [str(d) for d in conn.execute(stmt).one()]
                    assert got == [t.astimezone(ZoneInfo(tz)).date().isoformat() for t in times], (tz, month)
    finally:
        engine.dispose()


def test_month_bounds_and_parsing() -> None:
    p = Period.of("2026-10", "Asia/Shanghai")
    assert p.start == datetime(2026, 9, 30, 16, tzinfo=UTC) and p.end == datetime(
        2026, 10, 31, 16, tzinfo=UTC
    )
    assert p.days == 31 and p.day_list()[0] == "2026-10-01"
    assert previous_month("2026-01") == "2025-12" and parse_month("2026-02") == (2026, 2)
    for bad in ("2026-13", "26-01", "October", "2026/10", ""):
        with pytest.raises(BadMonth):
            parse_month(bad)
