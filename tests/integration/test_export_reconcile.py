"""The CSV exports reconcile with the monthly JSON (issue 7), and the commands work headless."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from desk_app.cli import run
from desk_app.container import Services
from desk_app.demo.sample import generate
from desk_app.domain.permissions import Actor
from desk_app.reports.exports import SALES_COLUMNS, export
from desk_app.reports.monthly import build_monthly
from tests.conftest import OWNER_PIN

MONTH = "2026-10"


@pytest.fixture
def shop(services: Services, owner: Actor) -> Services:
    generate(services.db, start_month="2026-09", months=2, clients=40, stylists=3, visits_per_day=5, seed=11)
    return services


def _read(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so Excel reads Chinese"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_exports_reconcile_with_the_report(shop: Services, tmp_path: Path) -> None:
    db = shop.db
    data = build_monthly(db, MONTH, settings=shop.settings, now=shop.clock(), compare=False)
    for kind in ("sales", "payments", "visits", "clients"):
        export(db, kind, tmp_path / f"{kind}.csv", month=MONTH)
    sales = _read(tmp_path / "sales.csv")
    assert tuple(sales[0].keys()) == SALES_COLUMNS
    revenue = sum(Decimal(r["line_total"]) for r in sales if r["kind"] != "prepaid_topup")
    assert revenue == Decimal(data["revenue"]["total"])
    kinds = {r["kind"] for r in sales}
    assert {"service", "product", "package", "prepaid_topup", "tip"} <= kinds
    refunds = [r for r in sales if r["refund_of"]]
    assert refunds and all(Decimal(r["line_total"]) < 0 for r in refunds)
    assert all(r["sold_at"].endswith("+08:00") for r in sales)
    assert any("客户" not in r["client_number"] for r in sales)
    pays = _read(tmp_path / "payments.csv")
    by_method: dict[str, Decimal] = defaultdict(Decimal)
    for r in pays:
        by_method[r["method"]] += Decimal(r["amount"])
    assert {k: str(v) for k, v in by_method.items()} == data["by_payment_method"]
    # a split payment: some sale has more than one payment row
    per_sale: dict[str, int] = defaultdict(int)
    for r in pays:
        per_sale[r["sale_id"]] += 1
    assert max(per_sale.values()) >= 2
    # money in = money recorded: payments equal all lines (I2), top-ups included
    assert sum(by_method.values()) == sum(Decimal(r["line_total"]) for r in sales)
    visits = _read(tmp_path / "visits.csv")
    assert len(visits) == data["visits"]
    assert visits[0]["greeted_at"] and visits[0]["service_started_at"]
    clients = _read(tmp_path / "clients.csv")
    assert len(clients) == 40 and clients[0]["name"].startswith("客户")


def test_headless_commands(
    shop: Services, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    out_json, out_pdf = tmp_path / "m.json", tmp_path / "m.pdf"
    rc = run(
        [
            "report",
            "monthly",
            "--db",
            str(db_path),
            "--month",
            MONTH,
            "--json",
            str(out_json),
            "--pdf",
            str(out_pdf),
            "--lang",
            "zh_CN",
        ]
    )
    assert rc == 0
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["month"] == MONTH and isinstance(data["revenue"]["total"], str)
    assert out_pdf.read_bytes().startswith(b"%PDF")
    assert (
        run(["export", "sales", "--db", str(db_path), "--month", MONTH, "--out", str(tmp_path / "s.csv")])
        == 0
    )
    assert "rows" in capsys.readouterr().out
    assert (
        run(["report", "monthly", "--db", str(db_path), "--month", "2026-13", "--json", str(out_json)]) == 2
    )
    assert "YYYY-MM" in capsys.readouterr().err
    missing = tmp_path / "nope.sqlite3"
    assert (
        run(["export", "sales", "--db", str(missing), "--month", MONTH, "--out", str(tmp_path / "x.csv")])
        == 1  # a missing file is a failure (1); a malformed argument is a usage error (2)
    )
    err = capsys.readouterr().err
    assert "no database" in err and not missing.exists()
    assert (
        run(
            [
                "export",
                "visits",
                "--db",
                str(db_path),
                "--month",
                MONTH,
                "--branch",
                "ZZ",
                "--out",
                str(tmp_path / "v.csv"),
            ]
        )
        == 2
    )
    assert "no branch" in capsys.readouterr().err


def test_audit_export_through_the_audit_service(shop: Services, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    out = tmp_path / "audit.csv"
    assert run(["export", "audit", "--db", str(db_path), "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\n") >= 2  # header + the shop's setup at least
