"""What an outside probe found in erasure after issue 14's first pass (docs/privacy.md):

- a restore of an older backup into a NEW file (``desk-app restore OLD --db NEW``) brought the
  erased client back: there was no replaced database to read the erasures from;
- other clients' audit entries were redacted because a name matched ("James Tan Junior", a client
  who shares the erased person's earlier name);
- a made-up ``erasures`` row (raw SQL) could be used to redact any entry;
- a backup the app made outside its folder was not cleaned; the restore's re-erasure lost who
  erased the client first and when; restore errors lacked the ``desk-app:`` prefix.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.bootstrap import open_database
from desk_app.container import Services
from desk_app.core.service import audit
from desk_app.db.models import AuditEntry, Client, Erasure
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from tests.conftest import FakeClock
from tests.integration.test_erasure_complete import SECRETS, _cli, _entry_text, _leaks, _raw, rich_history
from tests.integration.test_privacy_requests import seed_history


def test_restore_of_an_old_backup_into_a_new_file_erases_again(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path, tmp_path: Path
) -> None:
    cid, _ann = rich_history(services, owner, clock)
    old = Path(services.backup.backup(reason="manual").path)
    usb = tmp_path / "usb" / "shop-before.sqlite3"  # a copy taken away before the erasure
    usb.parent.mkdir()
    shutil.copyfile(old, usb)
    clock.advance(hours=2)
    res = services.privacy.erase_client(owner, cid, "asked by email")
    erased_at = clock()
    # the owner never cleaned the backups: the old one still holds her
    assert _leaks(_raw(old))
    ledger = db_path.parent / "desk-app-erasures.jsonl"
    assert ledger.exists() and (old.parent / "desk-app-erasures.jsonl").exists()
    line = json.loads(ledger.read_text(encoding="utf-8").splitlines()[0])
    assert line["client_id"] == cid and line["client_number"] == res.client_number
    assert not _leaks(ledger.read_bytes()), "the ledger names nobody"
    services.db.dispose()

    home = tmp_path / "home"
    home.mkdir()
    for source, target in ((old, tmp_path / "new" / "shop.sqlite3"), (usb, db_path.parent / "again.sqlite3")):
        target.parent.mkdir(exist_ok=True)
        ran = _cli("restore", str(source), "--db", str(target), "--yes", home=home)
        assert ran.returncode == 0, ran.stderr
        assert res.client_number in ran.stdout  # "erased again"
        assert _leaks(_raw(target)) == [], target
        db = open_database(str(target))
        try:
            with db.uow(write=False) as uow:
                s = uow.session
                c = s.get(Client, cid)
                assert c is not None and c.erased_at == erased_at
                e = s.scalars(select(Erasure)).one()
                # the record keeps who erased her first and when; the audit says it was done again
                assert (e.at, e.staff_id) == (erased_at, owner.staff_id)
                again = s.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
                assert again.detail == "erased again after a restore"
                assert again.after and again.after["first_erased_at"] == erased_at.isoformat()
                leaking = [x.id for x in s.scalars(select(AuditEntry)) if any(t in _entry_text(x) for t in SECRETS)]
                assert leaking == []
            assert check_invariants(db) == []
        finally:
            db.dispose()


def test_a_backup_of_another_shop_is_not_touched_by_the_ledger(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path, tmp_path: Path
) -> None:
    """The ledger matches a client by id, number and the moment the profile was created: another
    shop's client C000001 with the same id is left alone."""
    cid = seed_history(services, owner, clock)
    services.privacy.erase_client(owner, cid, "asked")
    services.db.dispose()
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other_db = other_dir / "other.sqlite3"
    o = open_database(str(other_db))
    try:
        oc = FakeClock()
        oc.advance(days=3)  # created at another moment
        sv = Services(o, clock=oc)
        o_owner = sv.shop.create_shop(name="Other", currency="CNY", language="en", owner_name="Li", owner_pin="482915")
        sv.clients.create(o_owner, {"name": "王芳", "phone": "+8613812345678"})
        backup = Path(sv.backup.backup(reason="manual").path)
    finally:
        o.dispose()
    shutil.copyfile(db_path.parent / "desk-app-erasures.jsonl", backup.parent / "desk-app-erasures.jsonl")
    # a new file: the owner of the restored shop gives their PIN
    ran = _cli("restore", str(backup), "--db", str(tmp_path / "restored.sqlite3"), "--yes", pin="482915", home=tmp_path)
    assert ran.returncode == 0, ran.stderr
    con = sqlite3.connect(tmp_path / "restored.sqlite3")
    try:
        assert con.execute("SELECT name, erased_at FROM clients").fetchall() == [("王芳", None)]
    finally:
        con.close()


def test_other_clients_entries_are_not_redacted_on_a_name_alone(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    james = services.clients.create(owner, {"name": "James Tan", "phone": "+8613500001111"})
    # he was once recorded as 冯蓉's booking contact: an earlier name of his record
    services.clients.update(owner, james.id, services.clients.get(owner, james.id).version, {"name": "冯蓉"})
    services.clients.update(owner, james.id, services.clients.get(owner, james.id).version, {"name": "James Tan"})
    junior = services.clients.create(owner, {"name": "James Tan Junior", "phone": "+8613500002222"})
    namesake = services.clients.create(owner, {"name": "冯蓉", "phone": "+8613500003333"})
    now = clock()
    with services.db.uow() as uow:
        s = uow.session
        audit(s, owner, "update", "client", junior.id, after={"notes": "son of James Tan"}, at=now)
        audit(s, owner, "update", "client", namesake.id, after={"notes": "冯蓉 likes tea"}, at=now)
        audit(s, owner, "update", "client", namesake.id, after={"notes": "referred by 135 0000 1111"}, at=now)
        audit(s, owner, "export", "outreach", "", after={"note": "Called James Tan Junior"}, at=now)
        audit(s, owner, "export", "outreach", "", after={"note": "Called James Tan about colour"}, at=now)
        uow.commit()
    res = services.privacy.erase_client(owner, james.id, "James Tan asked; James Tan Junior stays")
    with services.db.uow(write=False) as uow:
        s = uow.session
        entries = list(s.scalars(select(AuditEntry)))
        kept = {_entry_text(e) for e in entries if e.redacted_by is None}
        gone = [e for e in entries if e.redacted_by is not None]
        assert any("son of James Tan" in t for t in kept)  # Junior's record: a name alone is not him
        assert any("冯蓉 likes tea" in t for t in kept)  # the other 冯蓉
        assert any("Called James Tan Junior" in t for t in kept)  # a longer name is someone else
        assert not any("Called James Tan about" in t for t in kept)
        assert not any("135 0000 1111" in t for t in kept)  # his phone on another record: his
        assert {e.entity for e in gone} >= {"client", "outreach"}
        erase_entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert erase_entry.detail == "… asked; James Tan Junior stays"
        assert res.audit_redacted == len(gone)
        assert s.get(Client, junior.id).name == "James Tan Junior"  # type: ignore[union-attr]


def test_a_made_up_erasure_cannot_redact_and_check_reports_one(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path
) -> None:
    cid = seed_history(services, owner, clock)
    living = services.clients.create(owner, {"name": "Ann Lee", "phone": "+8613700002222"})
    con = sqlite3.connect(db_path)
    try:
        # an erasure record for a client who is not erased: refused
        with pytest.raises(sqlite3.IntegrityError, match="erased first"):
            con.execute(
                "INSERT INTO erasures(client_id, client_number, at, audit_redacted) VALUES (?, ?, '2026-01-01', 0)",
                (living.id, living.client_number),
            )
        con.rollback()
        # a real erasure exists; using it to redact another client's entries is still refused?
        # The trigger allows a redaction only with an erasure whose client is erased: with the
        # client's erasure faked back to "not erased", nothing passes (a database from before 0008)
        con.execute("DROP TRIGGER erasures_only_of_erased_clients")
        con.execute(
            "INSERT INTO erasures(client_id, client_number, at, audit_redacted) VALUES (?, ?, '2026-01-01', 0)",
            (living.id, living.client_number),
        )
        fake = con.execute("SELECT max(id) FROM erasures").fetchone()[0]
        target = con.execute(
            "SELECT id FROM audit_log WHERE entity = 'client' AND entity_id = ?", (str(living.id),)
        ).fetchone()[0]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(
                "UPDATE audit_log SET before = NULL, after = NULL, detail = '', redacted_by = ? WHERE id = ?",
                (fake, target),
            )
        con.commit()
    finally:
        con.close()
    problems = check_invariants(services.db)
    assert any(f"erasure {fake} names client {living.id}" in p for p in problems), problems
    # marking a living client erased by hand is reported too: the profile still holds their data
    con = sqlite3.connect(db_path)
    try:
        con.execute("UPDATE clients SET erased_at = '2026-01-01 00:00:00' WHERE id = ?", (cid,))
        con.commit()
    finally:
        con.close()
    assert any("is marked erased but still holds personal data" in p for p in check_invariants(services.db))


def test_a_backup_made_outside_the_folder_is_cleaned_too(
    services: Services, owner: Actor, clock: FakeClock, tmp_path: Path
) -> None:
    cid, _ann = rich_history(services, owner, clock)
    outside = tmp_path / "elsewhere" / "handmade.sqlite3"
    outside.parent.mkdir()
    services.backup.backup(outside, reason="manual")
    assert _leaks(_raw(outside))
    services.privacy.erase_client(owner, cid, "asked")
    done = services.privacy.erase_in_backups(owner, cid)
    assert outside in done.cleaned and done.failed == []
    assert _leaks(_raw(outside)) == []


def test_restore_errors_say_who_is_speaking(tmp_path: Path, db_path: Path, services: Services) -> None:
    services.db.dispose()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 10)
    ran = _cli("restore", str(junk), "--db", str(db_path), "--yes", home=tmp_path)
    assert ran.returncode == 1 and ran.stderr.startswith("desk-app: ") and "Traceback" not in ran.stderr
    ran = _cli("restore", str(db_path), "--db", str(tmp_path / "x.sqlite3"), home=tmp_path)
    assert ran.returncode == 2 and ran.stderr.startswith("desk-app: ")
    assert not (tmp_path / "x.sqlite3").exists()
