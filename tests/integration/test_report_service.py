"""ReportService: owner only, exports audited, standards as SQL agree with the Today screen's, PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import AuditEntry, PrepaidMovement, SaleLine
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor, NotAllowed, Role
from desk_app.reports.monthly import build_monthly
from desk_app.reports.sqlhelp import Period
from desk_app.reports.standards import standards_summary
from desk_app.reports.standards_sql import standards_sql
from tests.conftest import FakeClock

MONTH = "2026-10"


@pytest.fixture
def shop(services: Services, owner: Actor) -> Services:
    generate(services.db, start_month="2026-09", months=2, clients=40, stylists=3, visits_per_day=5, seed=4)
    return services


def test_owner_only_and_exports_are_audited(shop: Services, owner: Actor, tmp_path: Path) -> None:
    rep = shop.reports.monthly(owner, MONTH)
    assert rep.month == MONTH and Decimal(rep.data["revenue"]["total"]) > 0
    assert shop.reports.last_month() == "2026-10"  # the clock is in November 2026
    desk = Actor(staff_id=owner.staff_id, name="Desk", role=Role.RECEPTIONIST, branch_id=owner.branch_id)
    with pytest.raises(NotAllowed):
        shop.reports.monthly(desk, MONTH)
    with pytest.raises(NotAllowed):
        shop.reports.export_csv(desk, "sales", tmp_path / "s.csv", MONTH)
    with pytest.raises(ValidationError):
        shop.reports.monthly(owner, "October")
    n = shop.reports.export_csv(owner, "payments", tmp_path / "p.csv", MONTH)
    assert n > 0
    pdf = shop.reports.save_pdf(owner, rep, tmp_path / "r.pdf", lang="en")
    assert Path(pdf).read_bytes().startswith(b"%PDF")
    with shop.db.uow(write=False) as uow:
        entities = set(
            uow.session.execute(select(AuditEntry.entity).where(AuditEntry.action == "export")).scalars()
        )
        denied = uow.session.execute(select(AuditEntry).where(AuditEntry.allowed.is_(False))).scalars().all()
    assert {"export_payments", "report_pdf"} <= entities
    assert len(denied) == 2


def test_sql_standards_agree_with_the_row_by_row_summary(shop: Services) -> None:
    now = shop.clock()
    p = Period.of(MONTH, "Asia/Shanghai")
    rows = standards_summary(shop.db, shop.settings, p.start, p.end, None, now)
    with shop.db.uow(write=False) as uow:
        sql = standards_sql(uow.session.connection(), shop.db.dialect, p, shop.settings.standards(), now)
    assert set(sql) == set(rows)
    for key in rows:
        assert (sql[key]["met"], sql[key]["total"]) == (rows[key]["met"], rows[key]["total"]), key
        assert {k: (v["met"], v["total"]) for k, v in sql[key]["by_staff"].items()} == {
            k: (v["met"], v["total"]) for k, v in rows[key]["by_staff"].items()
        }, key
        assert sql[key]["by_day"] == rows[key]["by_day"], key
    assert rows["greet"]["total"] > 0 and rows["followup_on_time"]["total"] > 0


def test_postgresql_gives_the_same_figures(pg_url: str) -> None:
    """The same generated history on PostgreSQL: the key figures equal SQLite's."""
    results = []
    for url in (pg_url, "sqlite"):
        if url == "sqlite":
            import tempfile

            url = str(Path(tempfile.mkdtemp()) / "s.sqlite3")
        db = open_database(url)
        try:
            svc = Services(db, clock=FakeClock())
            svc.shop.create_shop(
                name="PG Spa", currency="CNY", language="en", owner_name="O", owner_pin="1234"
            )
            generate(db, start_month="2026-10", months=1, clients=20, stylists=2, visits_per_day=3, seed=9)
            data = build_monthly(db, MONTH, settings=svc.settings, now=svc.clock())
        finally:
            db.dispose()
        results.append(data)
    pg, lite = results
    for key in ("total", "services", "products", "tips", "tax", "refunds"):
        assert pg["revenue"][key] == lite["revenue"][key], key
    assert pg["revenue"]["by_day"] == lite["revenue"]["by_day"]
    assert pg["by_payment_method"] == lite["by_payment_method"]
    for key in ("visits", "new_clients", "returning_clients", "no_shows", "rebooking_rate", "average_ticket"):
        assert pg[key] == lite[key], key
    assert pg["standards"] == lite["standards"]
    assert pg["satisfaction"] == lite["satisfaction"]
    assert pg["client_value"] == lite["client_value"] and lite["client_value"]["served"] > 0  # segments in SQL
    assert Decimal(pg["revenue"]["total"]) > 0


def test_postgresql_connections_run_without_jit_and_the_report_sorts_in_memory(pg_url: str) -> None:
    """Every server connection turns JIT off for itself (it cost 25-30 ms a report statement and never
    paid back), also after a rolled-back unit of work; the report's own transaction has a bigger
    work_mem, and the desks' transactions keep the server's."""
    from desk_app.reports.monthly import REPORT_WORK_MEM, _report_connection

    db = open_database(pg_url)
    try:
        with db.engine.connect() as one, db.engine.connect() as two:  # two pooled connections at once
            assert [c.exec_driver_sql("SHOW jit").scalar() for c in (one, two)] == ["off", "off"]
        with pytest.raises(RuntimeError), db.uow(write=True) as uow:
            uow.session.connection().exec_driver_sql("SELECT 1")
            raise RuntimeError("refused")
        with db.uow(write=True) as uow:
            assert uow.session.connection().exec_driver_sql("SHOW jit").scalar() == "off"
            default = uow.session.connection().exec_driver_sql("SHOW work_mem").scalar()
        assert default != REPORT_WORK_MEM
        with db.uow(write=False) as uow:
            conn = _report_connection(db, uow.session.connection())
            assert conn.exec_driver_sql("SHOW work_mem").scalar() == REPORT_WORK_MEM
        with db.uow(write=False) as uow:
            assert uow.session.connection().exec_driver_sql("SHOW work_mem").scalar() == default
    finally:
        db.dispose()


def test_the_sample_shop_passes_the_money_models_checks(shop: Services) -> None:
    """The sample writes its sales with the counter's own ``record.sale_rows``; the integrity check
    (sale = lines = payments, prepaid balances = movements, package sessions, stock) agrees."""
    from desk_app.trust.integrity import check_invariants

    assert check_invariants(shop.db) == []
    with shop.db.uow(write=False) as uow:
        kinds = set(uow.session.scalars(select(SaleLine.kind)))
        taxed = uow.session.scalar(select(func.sum(SaleLine.tax_minor)))
        bonus = uow.session.scalar(select(func.count()).where(PrepaidMovement.kind == "bonus"))
    assert {"service", "product", "tip", "prepaid_topup", "package"} <= kinds
    assert taxed and taxed > 0 and bonus and bonus > 0
