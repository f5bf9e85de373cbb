"""Issue 22: everything the shop owns in one zip (desk_app/transfer/export_shop.py, docs/export.md),
and the clients, balances and appointments in it import back into an empty shop with the app's own
imports."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.cli import run
from desk_app.container import Services
from desk_app.db.models import (
    Appointment,
    AppointmentService,
    AuditEntry,
    Client,
    ClientPackage,
    Package,
    PrepaidAccount,
    Service,
    Staff,
    client_listed,
)
from desk_app.demo.shop import OWNER_PIN as DEMO_PIN
from desk_app.demo.shop import generate
from desk_app.domain.permissions import Actor, NotAllowed
from desk_app.transfer.export_shop import FILES
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_aftercare_data import add_staff

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[Services, Actor, Path]]:
    """A demo shop whose history ends at the tests' fixed now, with a package holding, an
    appointment of two services and one erased client (who had a balance and a booking)."""
    path = tmp_path / "demo.sqlite3"
    generate(str(path), clients=40, months=1, staff=4, seed=5, lang="en", today=clock.now)
    db = open_database(str(path))
    services = Services(db, clock=clock)
    owner = services.auth.sign_in(1, DEMO_PIN)
    now = clock.now
    with db.uow() as uow:
        s = uow.session
        future = list(s.scalars(
            select(Appointment).where(Appointment.start_at > now, Appointment.status.in_(("booked", "confirmed")))
            .order_by(Appointment.start_at)
        ))  # fmt: skip
        assert len(future) >= 5
        rich = s.scalars(select(PrepaidAccount).where(PrepaidAccount.balance_minor > 0).order_by(PrepaidAccount.id)).all()
        assert len(rich) >= 2
        # the erased one: a balance and a booking of their own
        gone = rich[0].client_id
        s.add(Appointment(
            branch_id=future[0].branch_id, client_id=gone, staff_id=future[0].staff_id,
            start_at=now + timedelta(days=20), end_at=now + timedelta(days=20, minutes=30),
            block_end_at=now + timedelta(days=20, minutes=30), status="booked",
        ))  # fmt: skip
        pkg = s.scalars(select(Package).order_by(Package.id)).first()
        assert pkg is not None
        keeper = next(a.client_id for a in future if a.client_id not in (None, gone))
        s.add(ClientPackage(
            client_id=keeper, package_id=pkg.id, service_id=pkg.service_id, sessions_total=10, sessions_used=3,
            price_minor=58000, sale_id=None, purchased_at=now - timedelta(days=30), expires_on=date(2027, 5, 1),
        ))  # fmt: skip
        two = next(a for a in future if a.client_id not in (None, gone))
        scalp = s.scalars(select(Service).where(Service.code == "SCALP")).one()
        s.add(AppointmentService(appointment_id=two.id, service_id=scalp.id, duration_min=15))
        two.end_at += timedelta(minutes=15)
        two.block_end_at += timedelta(minutes=15)
        uow.commit()
    services.privacy.erase_client(owner, gone, "asked by phone")
    # the demo's profiles made twice are merged first (docs/clients.md): two profiles with one phone
    # would import as one client
    while pairs := services.merges.possible_duplicates(owner):
        p = pairs[0]
        services.merges.merge(owner, p.a.id, p.a.version, p.b.id, p.b.version, p.reasons)
    yield services, owner, path
    db.dispose()


def _read(z: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = z.read(name)
    assert raw.startswith(b"\xef\xbb\xbf"), name  # UTF-8 with a BOM, for Excel
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _clients(services: Services, key: str) -> dict[str, tuple[Any, ...]]:
    with services.db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(getattr(Client, key), Client.name, Client.phone, Client.email, Client.wechat_id, Client.birthday,
                   Client.gender).where(client_listed())
        ).all()  # fmt: skip
    return {str(r[0]): tuple(r[1:]) for r in rows}


def _balances(services: Services, key: str) -> tuple[dict[str, tuple[int, Any]], set[tuple[Any, ...]]]:
    with services.db.uow(write=False) as uow:
        s = uow.session
        money = {
            str(r[0]): (int(r[1]), r[2])
            for r in s.execute(
                select(getattr(Client, key), PrepaidAccount.balance_minor, PrepaidAccount.expires_on)
                .join(PrepaidAccount, PrepaidAccount.client_id == Client.id)
                .where(client_listed(), PrepaidAccount.balance_minor != 0)
            )
        }
        packages = {
            (str(r[0]), r[1], int(r[2]), r[3])
            for r in s.execute(
                select(getattr(Client, key), Package.name_en, ClientPackage.sessions_total - ClientPackage.sessions_used,
                       ClientPackage.expires_on)
                .join(ClientPackage, ClientPackage.client_id == Client.id)
                .join(Package, Package.id == ClientPackage.package_id)
                .where(client_listed(), ClientPackage.sessions_total > ClientPackage.sessions_used)
            )
        }  # fmt: skip
    return money, packages


def _bookings(services: Services, key: str, now: datetime) -> set[tuple[Any, ...]]:
    with services.db.uow(write=False) as uow:
        s = uow.session
        rows = s.execute(
            select(Appointment.id, getattr(Client, key), Appointment.start_at, Appointment.end_at, Staff.name)
            .join(Client, Client.id == Appointment.client_id)
            .join(Staff, Staff.id == Appointment.staff_id)
            .where(Appointment.start_at > now, Appointment.status.in_(("booked", "confirmed")))
        ).all()
        out = set()
        for aid, who, start, end, staff in rows:
            codes = tuple(sorted(s.scalars(
                select(Service.code).join(AppointmentService, AppointmentService.service_id == Service.id)
                .where(AppointmentService.appointment_id == aid)
            )))  # fmt: skip
            out.add((str(who), start, int((end - start).total_seconds() // 60), staff, codes))
    return out


def test_the_zip_holds_every_file_and_imports_back_into_an_empty_shop(
    demo: tuple[Services, Actor, Path], tmp_path: Path, clock: FakeClock
) -> None:
    services, owner, _path = demo
    out = tmp_path / "leaving.zip"
    result = services.shop_export.export(owner, out)
    z = zipfile.ZipFile(out)
    assert z.namelist() == [name for name, _h, _r in FILES] + ["README.txt"]
    for name, header, _rows in FILES:
        first = z.read(name).decode("utf-8-sig").splitlines()[0]
        assert next(csv.reader([first])) == list(header), name
        assert len(_read(z, name)) == result.counts[name], name
    assert all(result.counts[n] > 0 for n in ("clients.csv", "appointments.csv", "balances.csv", "sales.csv"))
    readme = z.read("README.txt").decode("utf-8-sig")
    assert "clients.csv" in readme and f"({result.counts['clients.csv']} rows)" in readme
    # staff: names and roles, never a PIN or its hash
    staff = _read(z, "staff.csv")
    assert {r["Role"] for r in staff} == {"owner", "receptionist", "stylist"}
    with services.db.uow(write=False) as uow:
        hashes = [h for h in uow.session.scalars(select(Staff.pin_hash))]
    everything = b"".join(z.read(n) for n in z.namelist()).decode("utf-8-sig", errors="replace")
    assert not any(h in everything for h in hashes) and list(staff[0]) == ["Staff number", "Name", "Role", "Branch", "Active"]
    # the erased client is nowhere: not a client, a balance, a booking, nor a number on the history
    with services.db.uow(write=False) as uow:
        erased = uow.session.scalars(select(Client).where(Client.erased_at.is_not(None))).one()
        gone_number = erased.client_number
    assert gone_number not in everything
    # money is a decimal string of the minor units
    sale = _read(z, "sales.csv")[0]
    assert sale["Total"].count(".") == 1 and len(sale["Total"].split(".")[1]) == 2
    # the history a salon lives on (newcomer walk: "everything" lacked it): formulas, services done,
    # every appointment and how it ended, consents, points; a visit names the receipt of its sale
    assert all(result.counts[n] > 0 for n in ("formulas.csv", "services_done.csv", "appointment_history.csv",
                                              "consents.csv", "points.csv"))
    assert json.loads(_read(z, "formulas.csv")[0]["Components"])
    history = _read(z, "appointment_history.csv")
    assert {"no_show", "booked"} <= {r["Status"] for r in history} and len(history) > result.counts["appointments.csv"]
    receipts = {r["Receipt"] for r in _read(z, "sales.csv")}
    paid = [v for v in _read(z, "visits.csv") if v["Receipt"]]
    assert paid and all(v["Receipt"] in receipts for v in paid)
    assert gone_number not in everything  # nor in the new files

    # an empty shop: the same owner, staff and catalog (set up by hand, as README.txt says)
    fresh_db = open_database(str(tmp_path / "fresh.sqlite3"))
    fresh = Services(fresh_db, clock=clock)
    try:
        boss = fresh.shop.create_shop(
            name="Lotus again", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
        )
        for r in staff:
            if r["Role"] != "owner":
                add_staff(fresh_db, boss.branch_id, r["Name"], r["Role"])
        folder = tmp_path / "unzipped"
        z.extractall(folder)
        clients = fresh.importer.run(boss, folder / "clients.csv")
        assert (clients.imported, clients.rejected) == (result.counts["clients.csv"], [])
        balances = fresh.opening.run(boss, folder / "balances.csv", "balances")
        assert (balances.imported, balances.rejected) == (result.counts["balances.csv"], [])
        bookings = fresh.opening.run(boss, folder / "appointments.csv", "appointments")
        assert (bookings.imported, bookings.rejected) == (result.counts["appointments.csv"], [])

        # the clients (found by the number they had: the import keeps it as their old system's id)
        assert _clients(fresh, "external_id") == _clients(services, "client_number")
        assert gone_number not in _clients(fresh, "external_id")
        # their prepaid balances (with the day they expire) and packages with sessions left
        assert _balances(fresh, "external_id") == _balances(services, "client_number")
        assert len(_balances(services, "client_number")[1]) == 1  # the package holding came over too
        # the appointments still to come: who, when, how long, with whom, what
        theirs = _bookings(services, "client_number", clock.now)
        assert _bookings(fresh, "external_id", clock.now) == theirs
        assert any(len(b[4]) == 2 for b in theirs)  # the one with two services came over whole
    finally:
        fresh_db.dispose()


def test_the_owner_only_and_audited(demo: tuple[Services, Actor, Path], tmp_path: Path) -> None:
    services, owner, _path = demo
    with services.db.uow() as uow:
        desk = uow.session.scalars(select(Staff).where(Staff.role == "receptionist")).first()
        assert desk is not None
        desk.permissions = {"export": True}  # the right to export the monthly files...
        uow.commit()
        desk_id, desk_name, desk_branch = desk.id, desk.name, desk.branch_id
    from desk_app.domain.permissions import Role

    clerk = Actor(staff_id=desk_id, name=desk_name, role=Role.RECEPTIONIST, branch_id=desk_branch)
    out = tmp_path / "x.zip"
    with pytest.raises(NotAllowed):  # ...is not every client's data at once
        services.shop_export.export(clerk, out)
    assert not out.exists() and list(tmp_path.glob("*.part")) == []
    services.shop_export.export(owner, out)
    with services.db.uow(write=False) as uow:
        done, refused = uow.session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.staff_id, AuditEntry.allowed, AuditEntry.after,
                   AuditEntry.detail).order_by(AuditEntry.id.desc()).limit(2)
        ).all()  # fmt: skip
    assert done[:4] == ("export", "export_shop", owner.staff_id, True)
    assert done[4]["files"]["clients.csv"] > 0 and str(out) in done[5]
    assert (refused[0], refused[2], refused[3]) == ("denied", desk_id, False)


def test_the_command_line_writes_the_zip_and_says_what_is_in_it(
    demo: tuple[Services, Actor, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    services, _owner, path = demo
    services.db.dispose()
    out = tmp_path / "shop.zip"
    monkeypatch.setenv("DESK_APP_PIN", DEMO_PIN)
    assert run(["export", "shop", "--db", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # 40 demo clients, one erased, three merged into their first profile
    assert f"wrote {out}:" in printed and "  clients.csv: 36 rows" in printed and "staff.csv: 4 rows" in printed
    assert zipfile.ZipFile(out).testzip() is None
    # a stylist's PIN does not do it (the owner only), and nothing is written
    again = tmp_path / "again.zip"
    monkeypatch.setenv("DESK_APP_PIN", "3333")
    assert run(["export", "shop", "--db", str(path), "--out", str(again), "--staff", "3"]) == 1
    assert "only an owner" in capsys.readouterr().err and not again.exists()
