"""The monthly report reads on two connections at once (issue 7 speed): same figures, same snapshot."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from desk_app.container import Services
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.reports import monthly
from desk_app.reports.monthly import build_monthly

MONTH = "2026-10"


@pytest.fixture
def shop(services: Services, owner: Actor) -> Services:
    generate(services.db, start_month="2026-09", months=2, clients=40, stylists=3, visits_per_day=5, seed=5)
    return services


def _strip(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "generated_at"}


def _alone(shop: Services, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The same report on one connection, no threads."""
    with monkeypatch.context() as m:
        m.setattr(monthly._TwinReader, "start", classmethod(lambda cls, db, main, count=1: []))
        m.setattr(monthly, "_can_read_in_parallel", lambda db: False)
        return build_monthly(shop.db, MONTH, settings=shop.settings, now=shop.clock())


def test_twin_reader_gives_the_same_figures(shop: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[bool] = []
    real = monthly._TwinReader.start.__func__  # type: ignore[attr-defined]

    def spy(cls: Any, db: Any, main: Any, count: int = 1) -> Any:
        twins = real(cls, db, main, count)
        started.append(len(twins) == count)
        return twins

    monkeypatch.setattr(monthly._TwinReader, "start", classmethod(spy))
    both = build_monthly(shop.db, MONTH, settings=shop.settings, now=shop.clock())
    assert started == [
        True
    ]  # the twins really ran (sales on one, the rest and the month before on the other)
    monkeypatch.undo()
    assert _strip(both) == _strip(_alone(shop, monkeypatch))
    assert both["by_staff"] and both["revenue"]["total"] != "0.00"


def test_a_desk_holding_the_write_lock_only_makes_the_report_work_alone(shop: Services) -> None:
    expected = build_monthly(shop.db, MONTH, settings=shop.settings, now=shop.clock())
    release = threading.Event()
    holding = threading.Event()

    def desk() -> None:
        with shop.db.uow() as uow:  # BEGIN IMMEDIATE: the write lock
            uow.session.connection()
            holding.set()
            release.wait(10)

    t = threading.Thread(target=desk)
    t.start()
    try:
        assert holding.wait(5)
        with shop.db.engine.connect() as conn:
            assert monthly._TwinReader.start(shop.db, conn, 2) == []
        during = build_monthly(shop.db, MONTH, settings=shop.settings, now=shop.clock())
    finally:
        release.set()
        t.join()
    assert _strip(during) == _strip(expected)
