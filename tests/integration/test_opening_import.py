"""Issue 15: after the clients, what the old system still owes them (prepaid balances, package
sessions) and the appointments already booked come over (docs/import.md)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desk_app.container import Services
from desk_app.core.service import ValidationError
from desk_app.db.models import Appointment, ClientPackage, PrepaidAccount, PrepaidMovement
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN
from tests.integration.test_aftercare_data import add_client, add_staff

SH = ZoneInfo("Asia/Shanghai")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _counts(services: Services) -> tuple[int, int, int, int]:
    with services.db.uow(write=False) as uow:
        s = uow.session
        return (
            len(s.scalars(select(PrepaidMovement)).all()),
            len(s.scalars(select(ClientPackage)).all()),
            len(s.scalars(select(Appointment)).all()),
            sum(a.balance_minor for a in s.scalars(select(PrepaidAccount))),
        )


def test_balances_and_packages_come_over_once(services: Services, owner: Actor, tmp_path: Path) -> None:
    a = add_client(services.db, "Ann Lee", "+8613900000001")
    b = add_client(services.db, "Bo Wu", "+8613900000002")
    c = add_client(services.db, "Cai Li", "+8613900000003")
    with services.db.uow() as uow:
        from desk_app.db.models import Client

        cl = uow.session.get(Client, c)
        assert cl is not None
        cl.external_id = "SQ-77"  # the id the old system gave her (kept by the client import)
        uow.commit()
    numbers = {cid: services.clients.get(owner, cid).client_number for cid in (a, b, c)}
    f = _write(
        tmp_path,
        "balances.csv",
        "Client number,Client ID,Mobile,Balance,Expires,Package,Sessions left,Package expires\n"
        f"{numbers[a]},,,800.50,2027-06-30,,,\n"
        ",,13900000002,,,10 blow-dries,4,2027-03-31\n"
        ",SQ-77,,120,,洗吹造型 10 次卡,2,\n"
        "C999999,,,100,,,,\n"
        f"{numbers[b]},,,lots,,,,\n"
        f"{numbers[b]},,,,,No such package,3,\n"
        f"{numbers[b]},,,,,,,\n",
    )
    before = _counts(services)
    dry = services.opening.run(owner, f, "balances", dry_run=True)
    assert (dry.imported, len(dry.rejected)) == (3, 4) and _counts(services) == before  # wrote nothing
    res = services.opening.run(owner, f, "balances")
    assert res.imported == 3 and [r.row_no for r in res.rejected] == [5, 6, 7, 8]
    reasons = " | ".join(r.reason for r in res.rejected)
    assert "C999999" in reasons and "lots" in reasons and "No such package" in reasons and "Nothing to import" in reasons
    ann = services.clients.get(owner, a)
    assert ann.prepaid_balance == 800.5 and ann.prepaid_expires_on == date(2027, 6, 30)
    bo = services.clients.get(owner, b)
    assert [(p.sessions_left, p.expires_on) for p in bo.packages] == [(4, date(2027, 3, 31))]
    cai = services.clients.get(owner, c)
    assert cai.prepaid_balance == 120 and [p.sessions_left for p in cai.packages] == [2]
    # the same file again adds nothing: every row is a repeat
    again = services.opening.run(owner, f, "balances")
    assert again.imported == 0 and all("not added again" in r.reason for r in again.rejected[:3])
    assert _counts(services)[3] == 92050  # 800.50 + 120.00
    assert check_invariants(services.db) == []
    # the month's prepaid movements show the opening balances
    month = services.clock().astimezone(SH).strftime("%Y-%m")
    assert services.reports.monthly(owner, month).data["prepaid"]


def test_appointments_are_booked_through_the_calendar(services: Services, owner: Actor, tmp_path: Path) -> None:
    leo = add_staff(services.db, owner.branch_id, "Leo")
    add_staff(services.db, owner.branch_id, "Mia")
    a = add_client(services.db, "Ann Lee", "+8613900000001")
    b = add_client(services.db, "Bo Wu", "+8613900000002")
    na, nb = (services.clients.get(owner, x).client_number for x in (a, b))
    f = _write(
        tmp_path,
        "appointments.csv",
        "Client number,Date,Time,Service,Stylist,Notes\n"
        f"{na},2030-01-10,14:30,Wash & blow-dry,Leo,moved from the old book\n"
        f"{nb},2030-01-10,14:30,Wash & blow-dry,leo,clash\n"  # Leo is taken
        f"{nb},2020-01-01,10:00,Wash & blow-dry,Leo,past\n"
        f"{nb},2030-01-11,2:15 PM,\"CUT-W, BLOW\",Mia,\n"
        f"{nb},2030-01-12,10:00,Nothing,Mia,\n"
        f"{nb},2030-01-12,10:00,BLOW,Nobody,\n"
        f"{nb},2030-01-12,25:00,BLOW,Mia,\n",
    )
    dry = services.opening.run(owner, f, "appointments", dry_run=True)
    assert dry.imported == 3 and _counts(services)[2] == 0  # the clash is only found when booking
    res = services.opening.run(owner, f, "appointments")
    assert res.imported == 2, res.rejected
    why = {r.row_no: r.reason for r in res.rejected}
    assert set(why) == {3, 4, 6, 7, 8}
    assert "Leo" in why[3] and "past" in why[4] and "Nothing" in why[6] and "Nobody" in why[7] and "25:00" in why[8]
    with services.db.uow(write=False) as uow:
        booked = sorted(
            (x.client_id, x.staff_id, x.start_at, x.source, x.notes) for x in uow.session.scalars(select(Appointment))
        )
    assert booked[0] == (a, leo.staff_id, datetime(2030, 1, 10, 14, 30, tzinfo=SH), "import", "moved from the old book")
    assert booked[1][2] == datetime(2030, 1, 11, 14, 15, tzinfo=SH)
    again = services.opening.run(owner, f, "appointments")
    assert again.imported == 0 and "not booked again" in again.rejected[0].reason
    assert check_invariants(services.db) == []


def test_refused_before_anything_is_read(services: Services, owner: Actor, tmp_path: Path) -> None:
    stylist = add_staff(services.db, owner.branch_id, "Leo")
    f = _write(tmp_path, "x.csv", "Name,Balance\nAnn,100\n")
    with pytest.raises(NotAllowed):
        services.opening.run(stylist, f, "balances")
    with pytest.raises(ValidationError) as e:
        services.opening.run(owner, f, "balances")  # who is the client?
    assert "client number" in str(e.value.errors)
    with pytest.raises(ValidationError):
        services.opening.run(owner, f, "history")


def test_the_command_line(services: Services, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs the commands (desk_app/cli/owner.py)
    from desk_app.cli import run

    a = add_client(services.db, "Ann Lee", "+8613900000001")
    number = services.clients.get(owner, a).client_number
    f = _write(tmp_path, "b.csv", f"客户编号,储值余额\n{number},300\nC999999,5\n")
    db = str(services.db.sqlite_file)
    services.db.dispose()
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert run(["import", "balances", str(f), "--db", db]) == 0
    assert "imported 1, rejected 1" in out.getvalue()
    report = f.with_name("b.csv.import-report.csv").read_text(encoding="utf-8-sig")
    assert "C999999" in report
    with redirect_stdout(out), redirect_stderr(err):
        assert run(["import", "balances", str(f), "--db", db, "--map", "nonsense=x"]) == 1
    assert "Unknown field" in err.getvalue()
    services.db.dispose()
    assert services.clients.get(owner, a).prepaid_balance == 300


def test_past_visits_come_over_as_history_on_the_profile(
    services: Services, owner: Actor, tmp_path: Path
) -> None:
    """The old system's visits: on the profile for reference (first and last visit, visits, total
    spend take them in), not sales; a repeat is refused; erasure clears them; the data export has them."""
    from desk_app.db.models import ClientHistory, Sale

    a = add_client(services.db, "Ann Lee", "+8613900000001")
    number = services.clients.get(owner, a).client_number
    f = _write(
        tmp_path,
        "history.csv",
        "Client number,Date,Service,Stylist,Amount\n"
        f"{number},2025-03-02,Ombre glaze with toner,Jenny (old salon),1280\n"
        f"{number},2026-06-10 15:30,Root colour,Jenny (old salon),\n"
        f"{number},2030-01-01,Cut,Jenny,100\n"  # still to come: not history
        f"{number},2025-03-02,Ombre glaze with toner,Jenny (old salon),1280\n",  # the same visit twice
    )
    res = services.opening.run(owner, f, "history")
    assert res.imported == 2 and [r.row_no for r in res.rejected] == [4, 5]
    assert "still to come" in res.rejected[0].reason and "not added again" in res.rejected[1].reason
    p = services.clients.get(owner, a)
    assert [(h.description, h.amount) for h in p.history] == [("Root colour", None), ("Ombre glaze with toner", 1280)]
    assert p.first_visit_at is not None and p.first_visit_at.astimezone(SH) == datetime(2025, 3, 2, 12, 0, tzinfo=SH)
    assert p.last_visit_at is not None and p.last_visit_at.astimezone(SH) == datetime(2026, 6, 10, 15, 30, tzinfo=SH)
    assert (p.visit_count, p.total_spend) == (2, 1280)
    with services.db.uow(write=False) as uow:
        assert uow.session.scalars(select(Sale)).first() is None  # not a sale: the books start here
    with services.db.uow(write=False) as uow:
        exported = services.privacy.collect(uow.session, a)
    assert [h["description"] for h in exported["history_imported"]] == ["Ombre glaze with toner", "Root colour"]
    services.privacy.erase_client(owner, a, "asked")
    with services.db.uow(write=False) as uow:
        left = [(h.description, h.staff_name) for h in uow.session.scalars(select(ClientHistory))]
    assert left == [("", ""), ("", "")]
    raw = Path(str(services.db.sqlite_file)).read_bytes()
    assert b"Ombre glaze" not in raw and b"Jenny (old salon)" not in raw
