"""Every CSV the app writes escapes cells a spreadsheet would run as a formula (issue 14 item 6).

One hostile shop: a client named ``=HYPERLINK("http://x")`` whose e-mail is ``@SUM(1)`` and
who came from ``+cmd``, a stylist named ``@SUM(1)``, a sale line ``+cmd`` refunded for -12.50.
Each export path (the four ``desk-app export`` kinds, the audit log, the reminders, the
keeping-in-touch lists, the import report) is read back with the csv module: no cell starts
with = + - @ unless it is a plain negative number, and the refund stays the number -12.50.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from desk_app.calendar.service import BookingRequest
from desk_app.cli import run
from desk_app.clients.importer import write_report
from desk_app.container import Services
from desk_app.core.csvfile import csv_safe
from desk_app.core.service import audit
from desk_app.db.models import Client, Payment, Sale, SaleLine, Visit
from desk_app.domain.permissions import Actor
from desk_app.reports.exports import export
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_calendar_support import at, new_stylist, service_id, stylist_actor

EVIL_NAME = '=HYPERLINK("http://x")'
NOTES = ("+cmd", "@SUM(1)")
MONTH = "2026-11"


def _table(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _read(path: Path) -> list[list[str]]:
    return _table(path.read_bytes())


def _assert_inert(table: list[list[str]], *needles: str) -> None:
    """No cell would run as a formula, and each needle is there, escaped."""
    cells = [c for row in table for c in row]
    for c in cells:
        if c[:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert c[1:].replace(".", "", 1).isdigit() and c[0] == "-", f"unescaped formula cell {c!r}"
    for needle in needles:
        assert any(needle in c for c in cells), f"{needle!r} missing"
        assert not any(c.startswith(needle) for c in cells), f"{needle!r} unescaped"
        assert any(c == "'" + needle or c.startswith("'" + needle) for c in cells), f"{needle!r} not escaped"


@pytest.fixture
def evil(services: Services, owner: Actor, clock: FakeClock) -> dict[str, int]:
    db = services.db
    stylist = new_stylist(db, "@SUM(1)")
    now = clock()
    with db.uow() as uow:
        s = uow.session
        c = Client(
            client_number="C000001",
            name=EVIL_NAME,
            search_text="hyperlink",
            phone="+8613812345678",
            phone_digits="8613812345678",
            email="@SUM(1)",
            source="+cmd",
            birthday=date(1990, 11, 19),  # tomorrow: on the birthday list
            birthday_md="11-19",
        )
        s.add(c)
        s.flush()
        s.add(Visit(branch_id=owner.branch_id, client_id=c.id, staff_id=stylist, arrived_at=now,
                    step="done", status="done"))  # fmt: skip
        sale = Sale(branch_id=owner.branch_id, receipt_no="R-0001", client_id=c.id, sold_at=now,
                    currency="CNY", subtotal_minor=1250, total_minor=1250)  # fmt: skip
        s.add(sale)
        s.flush()
        s.add(SaleLine(sale_id=sale.id, line_no=1, kind="product", description="+cmd", staff_id=stylist,
                       quantity=1, unit_price_minor=1250, line_total_minor=1250))  # fmt: skip
        s.add(Payment(sale_id=sale.id, method="cash", amount_minor=1250, paid_at=now))
        refund = Sale(branch_id=owner.branch_id, receipt_no="R-0002", kind="refund", original_sale_id=sale.id,
                      client_id=c.id, sold_at=now + timedelta(minutes=5), currency="CNY",
                      subtotal_minor=-1250, total_minor=-1250, reason="@SUM(1)")  # fmt: skip
        s.add(refund)
        s.flush()
        s.add(SaleLine(sale_id=refund.id, line_no=1, kind="product", description="+cmd", staff_id=stylist,
                       quantity=-1, unit_price_minor=1250, line_total_minor=-1250))  # fmt: skip
        s.add(Payment(sale_id=refund.id, method="cash", amount_minor=-1250, paid_at=now + timedelta(minutes=5)))
        uow.commit()
        cid = c.id
    services.calendar.book(
        owner,
        BookingRequest(client_id=cid, staff_id=stylist, start_at=at(date(2026, 11, 19), 11),
                       service_ids=[service_id(db, "CUT-W")]),
    )  # fmt: skip
    with db.uow() as uow:  # the audit log names the stylist
        audit(uow.session, stylist_actor(db, stylist), "view", "client", cid, at=now)
        uow.commit()
    return {"client": cid, "stylist": stylist}


def test_report_exports_escape_formulas_and_keep_refunds_numbers(
    services: Services, evil: dict[str, int], db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    out = {k: tmp_path / f"{k}.csv" for k in ("sales", "payments", "visits", "clients")}
    for kind, path in out.items():  # `desk-app export KIND`, as the owner's scripts run it
        assert run(["export", kind, "--db", str(db_path), "--month", MONTH, "--out", str(path)]) == 0
    capsys.readouterr()
    clients = _read(out["clients"])
    _assert_inert(clients, EVIL_NAME, "@SUM(1)", "+cmd", "+8613812345678")
    row = dict(zip(clients[0], clients[1], strict=True))
    assert row["name"] == "'" + EVIL_NAME and row["phone"] == "'+8613812345678"  # a phone stays text
    sales = _read(out["sales"])
    _assert_inert(sales, "+cmd", "@SUM(1)")
    totals = [Decimal(dict(zip(sales[0], r, strict=True))["line_total"]) for r in sales[1:]]
    assert totals == [Decimal("12.50"), Decimal("-12.50")]
    assert sales[2][sales[0].index("line_total")] == "-12.50"  # written as the number, no quote
    payments = _read(out["payments"])
    _assert_inert(payments)
    assert [r[-1] for r in payments[1:]] == ["12.50", "-12.50"]
    _assert_inert(_read(out["visits"]), "@SUM(1)")
    # the same through the function the Reports screen calls
    buf = io.StringIO()
    export(services.db, "clients", buf)
    assert _table(buf.getvalue()) == clients


def test_audit_export_escapes_staff_names(services: Services, owner: Actor, evil: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    assert services.audit.export_csv(owner, out) >= 1
    _assert_inert(_read(out), "@SUM(1)")


def test_reminders_and_keeping_in_touch_escape_formulas(
    services: Services, owner: Actor, evil: dict[str, int]
) -> None:
    reminders = _table(services.calendar.reminders_csv(date(2026, 11, 19), owner))
    assert len(reminders) == 2
    _assert_inert(reminders, EVIL_NAME, "@SUM(1)", "+8613812345678")
    outreach = _table(services.aftercare.outreach_csv(owner))
    assert any(r[0] == "Birthday" for r in outreach[1:])
    _assert_inert(outreach, EVIL_NAME)


def test_import_report_escapes_formulas(services: Services, owner: Actor, tmp_path: Path) -> None:
    src = tmp_path / "evil.csv"
    src.write_text(f'姓名,手机号\n"{EVIL_NAME.replace(chr(34), chr(34) * 2)}",abc\n@SUM(1),+cmd\n', encoding="utf-8")
    res = services.importer.run(owner, src)
    assert res.rejected_count == 2
    _assert_inert(_read(write_report(res, tmp_path / "r.csv")), EVIL_NAME, "@SUM(1)")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (EVIL_NAME, "'" + EVIL_NAME),
        ("+cmd", "'+cmd"),
        ("@SUM(1)", "'@SUM(1)"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.50", "-12.50"),
        ("-3", "-3"),
        ("-1e3", "'-1e3"),
        ("-12,50", "'-12,50"),
        ("+12.50", "'+12.50"),
        ("王芳", "王芳"),
        ("", ""),
        (Decimal("-12.50"), Decimal("-12.50")),
        (-3, -3),
        (None, None),
    ],
)
def test_the_rule(cell: object, written: object) -> None:
    assert csv_safe(cell) == written


def test_every_csv_goes_through_the_one_writer() -> None:
    """No future export can forget the escaping: only desk_app/core/csvfile.py makes a csv writer."""
    import re

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\bcsv\s*\.\s*(writer|DictWriter)\b|\bfrom\s+csv\s+import\b[^\n]*\b(writer|DictWriter)\b")
    files = [root / "main.py", *(p for d in ("desk_app", "ui", "scripts", "bench") for p in (root / d).rglob("*.py"))]
    offenders = [
        f"{p.relative_to(root)}:{src.count(chr(10), 0, m.start()) + 1}"
        for p in files
        if p.exists() and p != root / "desk_app" / "core" / "csvfile.py"
        for src in [p.read_text(encoding="utf-8")]
        for m in pattern.finditer(src)
    ]
    assert offenders == [], "write CSV with desk_app.core.csvfile.writer: " + ", ".join(offenders)
    assert pattern.search("w = csv.writer(f)") and pattern.search("from csv import DictWriter")


def test_a_clients_export_imports_back_as_it_was(services: Services, evil: dict[str, int], tmp_path: Path) -> None:
    """Moving to a server (docs/server-mode.md step 7) exports clients and imports them: the escaping
    is undone on the way in, so the name is the client's, not the export's."""
    from sqlalchemy import select

    from desk_app.bootstrap import open_database

    with services.db.uow() as uow:  # "@SUM(1)" is no e-mail address: the importer would refuse the row
        c = uow.session.get(Client, evil["client"])
        assert c is not None
        c.email = "wf@example.cn"
        uow.commit()
    out = tmp_path / "clients.csv"
    export(services.db, "clients", out)
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    other = open_database(str(tmp_path / "server.sqlite3"))
    try:
        sv = Services(other, clock=FakeClock())
        owner = sv.shop.create_shop(name="B", currency="CNY", language="en", owner_name="O", owner_pin="1234")
        assert sv.importer.run(owner, out).imported == 1
        with other.uow(write=False) as uow:
            c = uow.session.scalars(select(Client)).one()
            assert (c.name, c.phone, c.email) == (EVIL_NAME, "+8613812345678", "wf@example.cn")
    finally:
        other.dispose()


@pytest.mark.parametrize("cell", [EVIL_NAME, "+cmd", "@SUM(1)", "-2+3", "\t=1", "-12.50", "'quoted", "王芳", ""])
def test_unescape_gives_back_what_was_escaped(cell: str) -> None:
    from desk_app.core.csvfile import csv_unescape

    assert csv_unescape(csv_safe(cell)) == cell
