"""Calendar speed (issue 5): the day view and the next-free-slot search.

* ``calendar.day_grid_build_paint``: 20 stylists x 25 appointments (plus 6 chairs/rooms) turned into
  grid columns and painted into an offscreen QImage (target <= 50 ms);
* ``calendar.day_view_query``: the same day read from SQLite by ``CalendarService.day`` (no target;
  it runs off the GUI thread);
* ``calendar.next_free_8_weeks``: ``next_free`` for one stylist whose next 8 weeks are booked solid
  except the very last slot, so the whole range is searched (target <= 20 ms);
* ``calendar.slot_search_pure``: the same search in ``desk_app.domain.slots`` alone (the floor).

    .venv/bin/python -m bench.bench_calendar [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
DAY = date(2026, 11, 18)
STYLISTS = 20
PER_DAY = 25


class _Clock:
    def __call__(self) -> datetime:
        return NOW


def _at(d: date, minutes: int) -> datetime:
    return (datetime(d.year, d.month, d.day, tzinfo=SH) + timedelta(minutes=minutes)).astimezone(UTC)


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _figure(
    name: str, ms: list[float], target: float | None = None, floor: float | None = None
) -> dict[str, Any]:
    ms = sorted(ms)
    fig: dict[str, Any] = {
        "name": name,
        "median": round(statistics.median(ms), 3),
        "p95": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 3),
        "unit": "ms",
    }
    if target is not None:
        fig["target"] = target
    if floor is not None:
        fig["floor"] = round(floor, 3)
    return fig


def build_db(path: Path) -> tuple[Any, list[int], int]:
    """A shop with 20 stylists booked 25 x 24 min on DAY, and one stylist booked solid for 8 weeks."""
    from sqlalchemy import select

    from desk_app.bootstrap import open_database
    from desk_app.container import Services
    from desk_app.db.models import Appointment, AppointmentService, Client, Service, Staff

    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    db = open_database(str(path))
    sv = Services(db, clock=_Clock())
    owner = sv.shop.create_shop(
        name="Bench", currency="CNY", language="en", owner_name="Owner", owner_pin="1234"
    )
    hours = {d: [["09:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    with db.uow() as uow:
        s = uow.session
        cut = s.scalar(select(Service.id).where(Service.code == "MANI"))
        staff = [
            Staff(
                branch_id=owner.branch_id,
                name=f"Stylist {i:02d}",
                role="stylist",
                pin_hash="x",
                working_hours=hours,
            )
            for i in range(STYLISTS)
        ]
        s.add_all(staff)
        clients = [Client(client_number=f"B{i:06d}", name=f"Client {i}") for i in range(200)]
        s.add_all(clients)
        s.flush()
        rows = []
        for k, st in enumerate(staff):
            for j in range(PER_DAY):
                start = _at(DAY, 9 * 60 + j * 24)
                rows.append(
                    Appointment(
                        branch_id=owner.branch_id,
                        client_id=clients[(k * PER_DAY + j) % 200].id,
                        staff_id=st.id,
                        start_at=start,
                        end_at=start + timedelta(minutes=24),
                        block_end_at=start + timedelta(minutes=24),
                        status=("booked", "confirmed", "arrived", "done")[j % 4],
                    )
                )
        # stylist 0: every day of the next 8 weeks booked 09:00-19:00 in hour blocks, except the last hour
        solid = staff[0]
        for d in range(1, 56):
            day = DAY + timedelta(days=d)
            for h in range(10):
                if d == 55 and h == 9:
                    continue
                start = _at(day, 9 * 60 + h * 60)
                rows.append(
                    Appointment(
                        branch_id=owner.branch_id,
                        client_id=clients[h].id,
                        staff_id=solid.id,
                        start_at=start,
                        end_at=start + timedelta(minutes=60),
                        block_end_at=start + timedelta(minutes=60),
                        status="booked",
                    )
                )
        s.add_all(rows)
        s.flush()
        s.add_all([AppointmentService(appointment_id=a.id, service_id=cut, duration_min=24) for a in rows])
        ids = [x.id for x in staff]
        uow.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA optimize")
    return sv, ids, ids[0]


def run(quick: bool) -> list[dict[str, Any]]:
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from desk_app import i18n
    from desk_app.domain import slots as sl
    from ui.calendar.grid import CalendarGrid, columns_for_day

    app = QApplication.instance() or QApplication([])
    i18n.set_timezone("Asia/Shanghai")
    n = 15 if quick else 60
    sv, ids, solid = build_db(Path("/tmp/desk-bench-calendar.sqlite3"))
    cal = sv.calendar
    figures = []

    view = cal.day(DAY)
    assert len(view.staff) >= STYLISTS and len(view.appointments) >= STYLISTS * PER_DAY
    grid = CalendarGrid()
    minutes = int((view.display_to - view.display_from).total_seconds() // 60)
    grid.resize(grid.sizeHint())
    image = QImage(grid.size(), QImage.Format.Format_ARGB32_Premultiplied)

    def build_and_paint() -> None:
        grid.set_columns(columns_for_day(view, True), SH, view.slot_minutes, minutes, NOW)
        p = QPainter(image)
        grid.paint(p, image.rect())
        p.end()

    figures.append(_figure("calendar.day_grid_build_paint", _timed(build_and_paint, n), target=50.0))
    figures.append(_figure("calendar.day_view_query", _timed(lambda: cal.day(DAY), max(5, n // 3))))

    found = cal.next_free(solid, 60)
    assert found and found[0].start_at == _at(DAY + timedelta(days=55), 18 * 60), found
    figures.append(
        _figure("calendar.next_free_8_weeks", _timed(lambda: cal.next_free(solid, 60), n), target=20.0)
    )

    # the pure search over the same data (what the service adds on top is the query)
    with sv.db.uow(write=False) as uow:
        from sqlalchemy import select

        from desk_app.db.models import Appointment, Staff

        st = uow.session.get(Staff, solid)
        assert st is not None
        busy = [
            sl.Interval(a, b)
            for a, b in uow.session.execute(
                select(Appointment.start_at, Appointment.block_end_at).where(Appointment.staff_id == solid)
            )
        ]
        hours = dict(st.working_hours)
    end = NOW + timedelta(weeks=8)

    def pure() -> None:
        working = sl.working_between(hours, NOW, end, SH)
        sl.find_slots(
            working=working,
            busy=busy,
            duration=timedelta(minutes=60),
            step_minutes=15,
            tz=SH,
            limit=1,
            not_before=NOW,
        )

    pure_ms = _timed(pure, n)
    figures.append(_figure("calendar.slot_search_pure", pure_ms))
    figures[2]["floor"] = round(statistics.median(pure_ms), 3)
    sv.db.dispose()
    grid.deleteLater()
    del app
    return figures


if __name__ == "__main__":
    for f in run("--quick" in sys.argv):
        print(f)
