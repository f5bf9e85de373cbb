"""Importing clients from Fresha, Square, Vagaro and any CSV (docs/product.md §7, issue 8)."""

from __future__ import annotations

import csv
import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from desk_app.clients.importer import ImportFileError
from desk_app.container import Services
from desk_app.db.models import AuditEntry, Client, Counter, ImportBatch
from desk_app.domain.permissions import Actor
from tests.conftest import OWNER_PIN

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def _shop(services: Services, region: str, tz: str = "Asia/Shanghai") -> Actor:
    return services.shop.create_shop(
        name="Lotus",
        currency="CNY",
        language="en",
        owner_name="Mia",
        owner_pin="1234",
        region=region,
        timezone=tz,
    )


def _clients(services: Services) -> dict[str, Any]:
    """Snapshot of every client's columns by name (plain objects, usable after the session)."""
    cols = [c.key for c in Client.__table__.columns]
    with services.db.uow(write=False) as uow:
        return {
            c.name: SimpleNamespace(**{k: getattr(c, k) for k in cols})
            for c in uow.session.scalars(select(Client))
        }


def test_fresha_csv_with_bom_uk_shop(services: Services) -> None:
    actor = _shop(services, "GB", "Europe/London")
    res = services.importer.run(actor, FIX / "fresha_clients.csv")
    assert res.source == "fresha"
    assert (res.imported, res.merged, res.skipped, res.rejected_count) == (5, 1, 0, 3)
    reasons = {r.row_no: r.reason for r in res.rejected}
    assert "no name" in reasons[7]
    assert "email" in reasons[8] and 'birthday "31/02/1985"' in reasons[8]
    assert 'phone "12"' in reasons[10]
    cs = _clients(services)
    olivia = cs["Olivia Bennett"]
    assert olivia.phone == "+447911123456" and olivia.birthday == date(1988, 3, 14)  # day first
    assert "Second card" in olivia.notes and "Prefers Saturday" in olivia.notes  # merged, not overwritten
    assert olivia.email == "olivia.bennett@example.com"
    assert olivia.source == "import:fresha" and olivia.external_id == "8812001"
    assert cs["James O'Connor"].phone == "+447823456789"  # leading ' removed
    wang = cs["王芳"]  # First Name 芳, Last Name 王
    assert wang.phone == "+8613812345678" and "wangfang" in wang.search_text and wang.name_initials == "wf"
    lina = cs["李娜"]
    assert lina.birthday is None and lina.birthday_md == "05-21"
    sophie = cs["Sophie Turner"]
    assert sophie.phone == "+442079460018" and sophie.birthday == date(1990, 3, 5)
    assert "Blocked" in sophie.notes
    assert sorted(c.client_number for c in cs.values()) == [f"C{n:06d}" for n in range(1, 6)]
    with services.db.uow(write=False) as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()
        assert (batch.imported, batch.merged, batch.rejected) == (5, 1, 3)
        logged = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
        assert logged.after is not None and logged.after["imported"] == 5


def test_duplicates_skipped_when_asked_and_second_import_merges_everything(services: Services) -> None:
    actor = _shop(services, "GB", "Europe/London")
    res = services.importer.run(actor, FIX / "fresha_clients.csv", duplicates="skip")
    assert (res.imported, res.merged, res.skipped) == (5, 0, 1)
    assert "Second card" not in _clients(services)["Olivia Bennett"].notes
    again = services.importer.run(actor, FIX / "fresha_clients.csv", duplicates="skip")
    assert (again.imported, again.skipped) == (0, 6)
    assert len(_clients(services)) == 5


def test_square_csv_month_first_us_shop(services: Services) -> None:
    actor = _shop(services, "US", "America/New_York")
    res = services.importer.run(actor, FIX / "square_customers.csv")
    assert res.source == "square"
    assert (res.imported, res.rejected_count) == (3, 1)
    assert 'phone "not a phone"' in res.rejected[0].reason and "1990-13-40" in res.rejected[0].reason
    cs = _clients(services)
    assert cs["Emma Johnson"].birthday == date(1991, 4, 7)  # 04/07 month first
    assert cs["Emma Johnson"].last_visit_at is not None and cs["Emma Johnson"].last_visit_at.year == 2024
    assert cs["Michael Brown"].birthday_md == "12-25" and cs["Michael Brown"].birthday is None
    assert cs["Brown & Co"].birthday_md == "02-29"  # company name used when there is no person name


def test_gbk_generic_csv_with_chinese_names(services: Services, owner: Actor) -> None:
    pv = services.importer.preview(FIX / "generic_gbk.csv")
    assert pv.source == "generic" and pv.encoding == "gb18030" and pv.delimiter == ";"
    assert pv.mapping["name"] == "姓名" and pv.mapping["phone"] == "手机号"
    assert [p.name for p in pv.parsed][:3] == ["张三", "李四", "欧阳娜娜"]
    res = services.importer.run(owner, FIX / "generic_gbk.csv")
    assert (res.imported, res.merged, res.rejected_count) == (3, 1, 2)  # 王小明 has 张三's phone
    cs = _clients(services)
    assert cs["李四"].phone == "+8613812340002" and cs["李四"].birthday == date(1985, 7, 12)
    assert cs["欧阳娜娜"].birthday_md == "07-21" and cs["欧阳娜娜"].phone == "+8613812340003"
    assert "ouyangnana" in cs["欧阳娜娜"].search_text
    assert "与张三同号" in cs["张三"].notes


def test_vagaro_xlsx_with_dashes_for_blanks(services: Services, tmp_path: Path) -> None:
    from openpyxl import Workbook

    actor = _shop(services, "US", "America/Los_Angeles")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Customers List"])  # Vagaro puts a title above the header
    ws.append(
        [
            "First Name",
            "Last Name",
            "Email",
            "Mobile",
            "Day",
            "Night",
            "Address",
            "City",
            "State",
            "Zip",
            "Birthdate",
            "Gender",
            "Customer Since",
            "Last Visited",
            "Points",
        ]
    )
    ws.append(
        [
            "Chloe",
            "Nguyen",
            "chloe@example.com",
            "(415) 867-5309",
            "---",
            "---",
            "1 Pine St",
            "San Francisco",
            "CA",
            "94105",
            datetime(1993, 8, 14),
            "Female",
            datetime(2021, 5, 1),
            datetime(2024, 10, 1),
            120,
        ]
    )
    ws.append(
        [
            "Marcus",
            "Reed",
            "---",
            "---",
            6465550199,
            "---",
            "---",
            "---",
            "---",
            "---",
            "04/07/1985",
            "Male",
            "---",
            "---",
            0,
        ]
    )
    ws.append(
        ["---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---", 0]
    )
    ws.append(
        [
            "Nina",
            "Park",
            "nina@",
            "2125550147",
            "---",
            "---",
            "---",
            "---",
            "---",
            "---",
            "---",
            "Female",
            "---",
            "---",
            0,
        ]
    )
    path = tmp_path / "CustomersList.xlsx"
    wb.save(path)
    res = services.importer.run(actor, path)
    assert res.source == "vagaro"
    assert (res.imported, res.rejected_count) == (2, 2)
    assert {r.row_no for r in res.rejected} == {5, 6}
    cs = _clients(services)
    assert cs["Chloe Nguyen"].birthday == date(1993, 8, 14) and cs["Chloe Nguyen"].gender == "female"
    assert cs["Chloe Nguyen"].email == "chloe@example.com"
    assert cs["Marcus Reed"].phone == "+16465550199" and cs["Marcus Reed"].email == ""  # '---' is blank
    assert cs["Marcus Reed"].birthday == date(1985, 4, 7)


def test_generic_csv_with_a_column_mapping(services: Services, owner: Actor, tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text("Full Name\tCell\tDOB\tWho\nAmy Wu\t13700001234\t1999-09-09\tx\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="name"):
        services.importer.run(owner, path, source="generic", mapping={"phone": "Cell"})
    with pytest.raises(ImportFileError, match="no column named Mobile"):
        services.importer.run(owner, path, mapping={"name": "Full Name", "phone": "Mobile"})
    pv = services.importer.preview(path, mapping={"name": "Full Name", "phone": "Cell", "birthday": "DOB"})
    assert pv.delimiter == "\t" and pv.parsed[0].phone == "+8613700001234"
    res = services.importer.run(
        owner, path, mapping={"name": "Full Name", "phone": "Cell", "birthday": "DOB"}
    )
    assert res.imported == 1 and _clients(services)["Amy Wu"].birthday == date(1999, 9, 9)


def test_dry_run_saves_nothing(services: Services, owner: Actor) -> None:
    res = services.importer.run(owner, FIX / "generic_gbk.csv", dry_run=True)
    assert res.dry_run and res.imported == 3 and res.batch_id is None
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client)) == 0
        assert uow.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
        assert uow.session.get(Counter, "client_number") is None


def test_a_failure_part_way_leaves_the_database_as_it_was(
    services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small file is one batch: a failure in it saves nothing (later batches: test_import_batches)."""
    from desk_app.clients import importer

    real = importer.build_search_fields
    calls = {"n": 0}

    def boom(*a: str) -> tuple[str, str, str, str]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return real(*a)

    monkeypatch.setattr(importer, "build_search_fields", boom)
    with pytest.raises(RuntimeError):
        services.importer.run(owner, FIX / "generic_gbk.csv")
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client)) == 0
        assert uow.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_unreadable_files_fail_with_a_reason(services: Services, owner: Actor, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        services.importer.run(owner, empty)
    bad_xlsx = tmp_path / "broken.xlsx"
    bad_xlsx.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="spreadsheet"):
        services.importer.run(owner, bad_xlsx)
    with pytest.raises(ImportFileError, match="not found"):
        services.importer.run(owner, tmp_path / "missing.csv")


def test_cli_import_clients_prints_counts_and_writes_report(
    tmp_path: Path, services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    from desk_app.cli import run

    src = tmp_path / "gbk.csv"
    shutil.copy(FIX / "generic_gbk.csv", src)
    db_file = str(services.db.sqlite_file)
    out = io.StringIO()
    with redirect_stdout(out):
        code = run(["import", "clients", str(src), "--db", db_file, "--dry-run"])
    assert code == 0 and "imported 3, merged 1, skipped 0, rejected 2" in out.getvalue()
    assert "Dry run" in out.getvalue()
    assert len(_clients(services)) == 0
    out = io.StringIO()
    with redirect_stdout(out):
        code = run(["import", "clients", str(src), "--db", db_file, "--duplicates", "skip"])
    assert code == 0 and "imported 3, merged 0, skipped 1, rejected 2" in out.getvalue()
    report = src.with_name("gbk.csv.import-report.csv")
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[0] for r in rows[1:]] == ["6", "7"]
    assert "no name" in rows[1][1] and 'phone "abc"' in rows[2][1]
    err = io.StringIO()
    with redirect_stderr(err):
        code = run(["import", "clients", str(src), "--db", db_file, "--map", "name=Nope"])
    assert code == 1 and "nothing was saved" in err.getvalue() and "Nope" in err.getvalue()


def test_report_cannot_smuggle_a_formula_into_excel(services: Services, owner: Actor, tmp_path: Path) -> None:
    from desk_app.clients.importer import write_report

    path = tmp_path / "evil.csv"
    path.write_text('姓名,手机号\n=HYPERLINK("http://x"),abc\n', encoding="utf-8")
    res = services.importer.run(owner, path)
    assert res.rejected_count == 1
    rows = list(
        csv.reader(write_report(res, tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    assert rows[1][2].startswith("'=HYPERLINK")
