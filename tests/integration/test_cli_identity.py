"""Headless commands say who runs them (issue 18, desk_app/cli/owner.py): --staff N and a PIN, or
the owner key in DESK_APP_OWNER_KEY. Without one, nothing is read or written; with one, the
person's rights apply and the audit log names them, marked "via": "cli" or "owner_key"."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk_app.bootstrap import open_database
from desk_app.checkout.service import PaymentIn
from desk_app.cli import HANDLERS, NO_IDENTITY, build_parser, run
from desk_app.container import Services
from desk_app.db.models import AuditEntry, Client, OwnerKey, Staff
from desk_app.domain.permissions import Actor, Perm, perm_label
from desk_app.trust.pins import verify_pin
from tests.conftest import OWNER_PIN
from tests.integration.test_checkout_support import new_client

RITA_PIN = "5678"  # the receptionist


@pytest.fixture
def shop(services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A shop with one paid sale and a receptionist; no identity in the environment, no terminal."""
    for name in ("DESK_APP_PIN", "DESK_APP_OWNER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal: nobody to ask a PIN of
    rita = services.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin=RITA_PIN)
    cid = new_client(services.db, "Ann Lee")
    co = services.checkout
    paid = services.payments.pay(owner, co.add_topup(co.build_bill(owner, client_id=cid), 50000),
                                 [PaymentIn("card", 50000)])
    services.db.dispose()
    return {"rita": rita.id, "sale": paid.sale_id, "owner": owner.staff_id}


def _audit(services: Services) -> list[AuditEntry]:
    with services.db.uow(write=False) as uow:
        rows = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        uow.session.expunge_all()
    services.db.dispose()
    return rows


def _commands(db: str, out: Path, sale: int, listing: Path) -> dict[str, list[str]]:
    """Every command that reads or changes the shop's data, as a script would run it."""
    return {
        "report monthly": ["report", "monthly", "--db", db, "--month", "2026-11", "--json", str(out)],
        "export sales": ["export", "sales", "--db", db, "--month", "2026-11", "--out", str(out)],
        "export payments": ["export", "payments", "--db", db, "--month", "2026-11", "--out", str(out)],
        "export visits": ["export", "visits", "--db", db, "--month", "2026-11", "--out", str(out)],
        "export clients": ["export", "clients", "--db", db, "--out", str(out)],
        "export audit": ["export", "audit", "--db", db, "--out", str(out)],
        "receipt": ["receipt", "--db", db, "--sale", str(sale), "--pdf", str(out)],
        "backup": ["backup", "--db", db, "--out", str(out)],
        "import clients": ["import", "clients", str(listing), "--db", db, "--report", str(out)],
        "import balances": ["import", "balances", str(listing), "--db", db, "--report", str(out)],
        "import appointments": ["import", "appointments", str(listing), "--db", db, "--report", str(out)],
        "import history": ["import", "history", str(listing), "--db", db, "--report", str(out)],
        "messages run": ["messages", "run", "--db", db],
        "messages list": ["messages", "list", "--db", db],
        "clients find": ["clients", "find", "ann", "--db", db],
    }


def _listing(tmp_path: Path) -> Path:
    listing = tmp_path / "clients.csv"
    listing.write_text("name,phone\nBea Wong,13900000002\n", encoding="utf-8")
    return listing


def test_every_command_but_a_few_takes_an_identity() -> None:
    """A new command that touches the shop's data cannot forget to ask who runs it: its parser
    has --staff (and the handler is in this file's list below) unless it is named in NO_IDENTITY."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for key in HANDLERS:
        words = key.split()
        p = sub.choices[words[0]]
        if len(words) > 1:
            p = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices[words[1]]
        has_staff = any("--staff" in a.option_strings for a in p._actions)
        assert has_staff == (key not in NO_IDENTITY) or key == "demo", key  # demo's --staff is a count
    assert NO_IDENTITY == {"demo", "migrate", "check", "key add"}


def test_without_an_identity_each_command_refuses_and_reads_or_writes_nothing(
    services: Services, shop: dict[str, int], db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(_audit(services))
    listing = _listing(tmp_path)
    for name, argv in _commands(str(db_path), tmp_path / "out.file", shop["sale"], listing).items():
        assert run(argv) == 1, name
        err = capsys.readouterr().err
        assert err.strip() == (
            "desk-app: say who you are: --staff N and your PIN (asked, or DESK_APP_PIN), "
            "or DESK_APP_OWNER_KEY for scripts"
        ), (name, err)
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(db_path.name)) == ["clients.csv"]
    assert len(_audit(services)) == before  # not a row written
    with services.db.uow(write=False) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Client).where(Client.name == "Bea Wong")) == 0
    services.db.dispose()


def test_the_right_pin_runs_it_as_that_person(
    services: Services, shop: dict[str, int], db_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", RITA_PIN)
    out = tmp_path / "r.pdf"
    assert run(["receipt", "--db", str(db_path), "--sale", str(shop["sale"]), "--pdf", str(out),
                "--staff", str(shop["rita"])]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    printed = [e for e in _audit(services) if e.action == "print_receipt"]
    assert [(e.staff_id, e.entity, e.entity_id, (e.after or {}).get("via"), (e.after or {}).get("kind"))
            for e in printed] == [(shop["rita"], "sale", str(shop["sale"]), "cli", "receipt")]
    # the shop's only owner needs no --staff: their PIN is asked (here: DESK_APP_PIN)
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    csv_out = tmp_path / "c.csv"
    assert run(["export", "clients", "--db", str(db_path), "--out", str(csv_out)]) == 0
    assert "Ann Lee" in csv_out.read_text(encoding="utf-8-sig")
    exported = [e for e in _audit(services) if e.action == "export"]
    assert [(e.staff_id, e.entity, (e.after or {}).get("via"), (e.after or {}).get("rows")) for e in exported] == [
        (shop["owner"], "export_clients", "cli", 1)
    ]
    # the monthly report, as the owner: one audit row per file written
    pdf, js = tmp_path / "m.pdf", tmp_path / "m.json"
    assert run(["report", "monthly", "--db", str(db_path), "--month", "2026-11", "--pdf", str(pdf),
                "--json", str(js)]) == 0
    assert pdf.exists() and js.exists()
    reports = [(e.entity, e.entity_id, e.staff_id, (e.after or {}).get("via")) for e in _audit(services)
               if e.action == "export" and e.entity.startswith("report")]
    assert reports == [("report_json", "2026-11", shop["owner"], "cli"), ("report_pdf", "2026-11", shop["owner"], "cli")]
    capsys.readouterr()


def test_a_wrong_pin_is_refused_and_counted_like_at_a_desk(
    services: Services, shop: dict[str, int], db_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", "0000")
    out = tmp_path / "s.csv"
    argv = ["receipt", "--db", str(db_path), "--sale", str(shop["sale"]), "--pdf", str(out), "--staff", str(shop["rita"])]
    for _n in range(4):
        assert run(argv) == 1
        assert "Wrong PIN" in capsys.readouterr().err
    assert run(argv) == 1
    assert "Try again in" in capsys.readouterr().err  # the fifth pauses Rita's PIN, as at a desk
    monkeypatch.setenv("DESK_APP_PIN", RITA_PIN)
    assert run(argv) == 1  # paused: even the right PIN waits
    assert "Try again in" in capsys.readouterr().err
    assert not out.exists()
    with services.db.uow(write=False) as uow:
        rita = uow.session.get(Staff, shop["rita"])
        assert rita is not None and rita.failed_pin_attempts == 5 and rita.locked_until is not None
    services.db.dispose()
    actions = [e.action for e in _audit(services) if e.entity == "staff" and e.entity_id == str(shop["rita"])]
    assert actions.count("sign_in_failed") == 5 and "pin_paused" in actions and "sign_in" not in actions
    assert not [e for e in _audit(services) if e.action == "print_receipt"]


def test_a_receptionist_may_not_export_the_audit_or_the_monthly_report(
    services: Services, shop: dict[str, int], db_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", RITA_PIN)
    rita = ["--staff", str(shop["rita"])]
    cases = {
        "audit_view": ["export", "audit", "--db", str(db_path), "--out", str(tmp_path / "a.csv"), *rita],
        "reports": ["report", "monthly", "--db", str(db_path), "--month", "2026-11",
                    "--pdf", str(tmp_path / "m.pdf"), *rita],
        "export": ["export", "clients", "--db", str(db_path), "--out", str(tmp_path / "c.csv"), *rita],
        "backup": ["backup", "--db", str(db_path), "--out", str(tmp_path / "b.sqlite3"), *rita],
        "import": ["import", "clients", str(_listing(tmp_path)), "--db", str(db_path), *rita],
    }
    for right, argv in cases.items():
        assert run(argv) == 1, right
        assert f"Rita may not do this ({perm_label(Perm(right))})" in capsys.readouterr().err  # in words
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(db_path.name)) == ["clients.csv"]
    denied = [e.entity_id for e in _audit(services) if e.action == "denied" and e.staff_id == shop["rita"]]
    assert denied == ["audit_view", "reports", "export", "backup", "import"]
    # a staff number that is nobody
    assert run(["export", "clients", "--db", str(db_path), "--out", str(tmp_path / "c.csv"), "--staff", "999"]) == 1
    assert "No active staff member has the number 999" in capsys.readouterr().err


def test_the_owner_key_for_scripts(
    services: Services, shop: dict[str, int], db_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(db_path)
    assert run(["owner-key", "new", "--db", db]) == 1  # the owner's PIN first
    assert "DESK_APP_PIN" in capsys.readouterr().err
    monkeypatch.setenv("DESK_APP_PIN", RITA_PIN)
    assert run(["owner-key", "new", "--db", db, "--staff", str(shop["rita"])]) == 1  # only an owner
    assert "only an owner" in capsys.readouterr().err
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["owner-key", "new", "--db", db]) == 0
    key = next(w for w in capsys.readouterr().out.split() if w.startswith("dko_"))
    monkeypatch.delenv("DESK_APP_PIN")
    with services.db.uow(write=False) as uow:  # only a hash is kept
        (row,) = uow.session.scalars(select(OwnerKey))
        assert key not in row.key_hash and verify_pin(row.key_hash, key) and row.revoked_at is None
    services.db.dispose()
    assert key not in db_path.read_bytes().decode("latin-1")

    monkeypatch.setenv("DESK_APP_OWNER_KEY", key)
    out = tmp_path / "nightly.sqlite3"
    assert run(["backup", "--db", db, "--out", str(out)]) == 0
    assert out.exists()
    backups = [e for e in _audit(services) if e.action == "backup"]
    assert [(e.staff_id, (e.after or {}).get("via")) for e in backups] == [(shop["owner"], "owner_key")]
    # the key does not do what needs the owner's PIN (privacy, the recovery key, a new key)
    assert run(["owner-key", "new", "--db", db]) == 1
    assert "DESK_APP_PIN" in capsys.readouterr().err

    monkeypatch.setenv("DESK_APP_OWNER_KEY", key[:-2] + ("AA" if not key.endswith("AA") else "BB"))
    wrong = tmp_path / "wrong.csv"
    assert run(["export", "clients", "--db", db, "--out", str(wrong)]) == 1
    assert "not this shop's owner key" in capsys.readouterr().err and not wrong.exists()

    monkeypatch.delenv("DESK_APP_OWNER_KEY")
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["owner-key", "revoke", "--db", db]) == 0
    monkeypatch.delenv("DESK_APP_PIN")
    monkeypatch.setenv("DESK_APP_OWNER_KEY", key)
    assert run(["export", "clients", "--db", db, "--out", str(wrong)]) == 1
    assert "revoked" in capsys.readouterr().err and not wrong.exists()
    refused = [(e.action, (e.after or {}).get("reason"), e.allowed) for e in _audit(services)
               if e.entity == "owner_key" and e.action == "owner_key_refused"]
    assert refused == [("owner_key_refused", "unknown", False), ("owner_key_refused", "revoked", False)]
    made = [(e.action, e.staff_id, (e.after or {}).get("via")) for e in _audit(services)
            if e.entity == "owner_key" and e.action in ("create", "revoke")]
    assert made == [("create", shop["owner"], "cli"), ("revoke", shop["owner"], "cli")]


def test_the_owner_key_stops_when_its_owner_is_no_longer_one(services: Services, owner: Actor) -> None:
    from desk_app.trust.owner_key import OwnerKeyRefused

    other = services.auth.save_staff(owner, staff_id=None, name="Bo", role="owner", pin="4321")
    bo = services.auth.sign_in(other.id, "4321")
    key = services.owner_key.create(bo)
    assert services.owner_key.actor_for_key(key).staff_id == bo.staff_id
    assert services.owner_key.status() is not None and services.owner_key.status().owner_name == "Bo"  # type: ignore[union-attr]
    services.auth.save_staff(owner, staff_id=bo.staff_id, name="Bo", role="stylist")
    with pytest.raises(OwnerKeyRefused, match="no longer an owner"):
        services.owner_key.actor_for_key(key)
    # a new key replaces the old one
    again = services.owner_key.create(owner)
    assert services.owner_key.actor_for_key(again).via == "owner_key"
    with pytest.raises(OwnerKeyRefused, match="revoked"):
        services.owner_key.actor_for_key(key)


def test_on_a_postgresql_server(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    db = open_database(pg_url)
    try:
        sv = Services(db)
        sv.shop.create_shop(name="Server Shop", currency="CNY", language="en", owner_name="Mia", owner_pin=OWNER_PIN)
    finally:
        db.dispose()
    monkeypatch.delenv("DESK_APP_PIN", raising=False)
    monkeypatch.delenv("DESK_APP_OWNER_KEY", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out = tmp_path / "clients.csv"
    assert run(["export", "clients", "--db", pg_url, "--out", str(out)]) == 1
    assert "say who you are" in capsys.readouterr().err and not out.exists()
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["export", "clients", "--db", pg_url, "--out", str(out), "--staff", "1"]) == 0
    assert out.exists()
    db = open_database(pg_url, run_migrations=False)
    try:
        with db.uow(write=False) as uow:
            rows = [(e.action, e.entity, (e.after or {}).get("via")) for e in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action.in_(("export", "sign_in"))).order_by(AuditEntry.id))]
    finally:
        db.dispose()
    assert rows[-2:] == [("sign_in", "staff", None), ("export", "export_clients", "cli")]
