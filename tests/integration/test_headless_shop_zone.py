"""Headless commands take the shop's time zone from the shop, never from the process (no GUI ran)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desk_app.bootstrap import open_database
from desk_app.checkout.bill import PaymentIn
from desk_app.cli import run
from desk_app.container import Services
from tests.conftest import OWNER_PIN, FakeClock

NY = ZoneInfo("America/New_York")


def test_a_new_york_shop_gets_new_york_business_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    path = tmp_path / "ny.sqlite3"
    late = datetime(2026, 11, 17, 23, 30, tzinfo=NY)  # already the 18th in UTC and in Shanghai
    clock = FakeClock(late.astimezone(UTC))
    db = open_database(str(path))
    s = Services(db, clock=clock)
    owner = s.shop.create_shop(
        name="Hudson Hair", currency="USD", language="en", owner_name="Ann", owner_pin="1234",
        timezone="America/New_York", region="US",
    )
    drawer = s.cash.open(owner, 10000)
    co = s.checkout
    paid = s.payments.pay(owner, co.add_counter_item(co.build_bill(owner), "Trim", 4500), [PaymentIn("cash", 4500)])
    db.dispose()
    assert drawer.business_date.isoformat() == "2026-11-17"

    out = tmp_path / "nov.json"
    assert run(["report", "monthly", "--db", str(path), "--month", "2026-11", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    days = {d["date"]: d["total"] for d in data["revenue"]["by_day"]}
    assert days["2026-11-17"] == "45.00" and days["2026-11-18"] == "0.00"
    assert data["revenue"]["total"] == "45.00"

    sales = tmp_path / "sales.csv"
    assert run(["export", "sales", "--db", str(path), "--month", "2026-11", "--out", str(sales)]) == 0
    rows = list(csv.DictReader(sales.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["receipt_no"] for r in rows] == [paid.receipt_no]
    assert rows[0]["sold_at"].startswith("2026-11-17")  # the shop's day, not UTC's or the desk's
