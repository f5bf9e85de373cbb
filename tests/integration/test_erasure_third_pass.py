"""What a second outside probe found in erasure, restore and ``desk-app check`` (docs/privacy.md):

- a phone was matched by its last 8 digits anywhere: another client's 139 1234 5678, a Hong Kong
  +852 9123 4567, a backup's file name holding today's date were all redacted;
- an e-mail was matched inside a longer one (jo.ann@ for ann@); a staff member who shares the
  client's name lost their audit entries; other clients' notes kept the person's phone;
- a copy of an old backup restored from an unrelated folder into a new file in another brought the
  client back; a line appended to the erasure ledger erased a client nobody erased;
- ``check`` said ok after hand-made erasures, a redaction in a real erasure's name, a dropped
  guard trigger; ``backup --out`` replaced a database of another program; ``restore`` asked no PIN.
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
from desk_app.db.models import AuditEntry, Client
from desk_app.domain.permissions import Actor
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_erasure_complete import _cli


def _client(services: Services, owner: Actor, name: str, phone: str, **kw: str) -> int:
    return services.clients.create(owner, {"name": name, "phone": phone, **kw}).id


def _entries(services: Services, entity: str, entity_id: int | str) -> list[tuple[int | None, str]]:
    """(redacted_by, detail) of the entries about one record."""
    with services.db.uow(write=False) as uow:
        return [
            (e.redacted_by, e.detail)
            for e in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
            )
        ]


def _note(services: Services, owner: Actor, text: str) -> int:
    """An audit entry of no client's record (an export note, a call list) quoting ``text``."""
    with services.db.uow() as uow:
        audit(uow.session, owner, "export", "clients", "", detail=text)
        uow.commit()
    with services.db.uow(write=False) as uow:
        return int(uow.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id.desc())).first() or 0)


def _redacted(services: Services, entry_id: int) -> bool:
    with services.db.uow(write=False) as uow:
        e = uow.session.get(AuditEntry, entry_id)
        assert e is not None
        return e.redacted_by is not None


def test_a_phone_is_found_whole_never_as_the_tail_of_another_number(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    target = _client(services, owner, "Zelda Quux", "13812345678")
    hk_target = _client(services, owner, "Wang Fang", "13691234567")
    other = _client(services, owner, "Victor Vance", "13912345678")
    hk = _client(services, owner, "Kowloon Chan", "+852 9123 4567")
    dated = _note(services, owner, "backups/shop-manual-20261206-013928.sqlite3 and 11381234567800")
    spaced = _note(services, owner, "call list: Zelda? 138 1234 5678")
    dashed = _note(services, owner, "called +86 138-1234-5678 twice")
    prefixed = _note(services, owner, "sms to 0086 13812345678")
    for cid in (target, hk_target):
        services.privacy.erase_client(owner, cid, "asked")
    for cid in (other, hk):
        assert [r for r, _d in _entries(services, "client", cid)] == [None], cid
    assert not _redacted(services, dated)
    assert all(_redacted(services, i) for i in (spaced, dashed, prefixed))
    assert check_invariants(services.db) == []


def test_a_phone_that_ends_in_a_date_leaves_the_backup_entries_alone(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    stamp = clock().strftime("%Y%m%d")
    cid = _client(services, owner, "Dana Roe", "138" + stamp)
    for _ in range(2):
        services.backup.backup(reason="manual")
    services.privacy.erase_client(owner, cid, "asked")
    with services.db.uow(write=False) as uow:
        backups = [
            (e.redacted_by, json.dumps(e.after))
            for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "backup"))
        ]
    assert backups and all(r is None for r, _a in backups)
    assert all(stamp in a for _r, a in backups)


def test_an_address_inside_another_and_a_staff_namesake_are_left_alone_other_notes_cleaned(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    target = _client(services, owner, "Ann Lee", "13822223333", email="ann@example.org")
    jo = _client(services, owner, "Jo Ann", "13911116666", email="jo.ann@example.org")
    carl = _client(
        services, owner, "Carl Pen", "13911117777", notes="referred by Ann Lee, call her on 138 2222 3333"
    )
    dora = _client(services, owner, "Dora Fox", "13911118888", notes="came with Ann Lee")
    quoted = _note(services, owner, "sent the price list to ANN@example.org.")
    namesake = services.auth.save_staff(owner, staff_id=None, name="Ann Lee", role="stylist", pin="482915")
    res = services.privacy.erase_client(owner, target, "asked")
    assert [r for r, _d in _entries(services, "client", jo)] == [None]
    assert all(r is None for r, _d in _entries(services, "staff", namesake.id))
    assert _redacted(services, quoted)
    with services.db.uow(write=False) as uow:
        s = uow.session
        carl_c, dora_c = s.get(Client, carl), s.get(Client, dora)
        assert carl_c is not None and dora_c is not None
        # the phone proved the note is about her: the phone and her name go; the rest stays
        assert carl_c.notes == "referred by …, call her on …"
        # a name alone is no proof (a namesake): documented in docs/privacy.md
        assert dora_c.notes == "came with Ann Lee"
        erase = s.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert erase.after and erase.after["others_cleaned"] == 1
    # Carl's own creation entry quoted her phone in his notes: redacted too
    assert [r for r, _d in _entries(services, "client", carl)] != [None]
    assert res.client_number
    assert check_invariants(services.db) == []


def test_an_old_copy_restored_between_unrelated_folders_is_erased_again(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path, tmp_path: Path
) -> None:
    cid = _client(services, owner, "Zelda Quux", "13812345678")
    old = Path(services.backup.backup(reason="manual").path)
    usb = tmp_path / "usb" / "deep" / "old.sqlite3"
    usb.parent.mkdir(parents=True)
    shutil.copyfile(old, usb)
    clock.advance(hours=1)
    services.privacy.erase_client(owner, cid, "asked")
    services.db.dispose()
    laptop = tmp_path / "laptop" / "shop.sqlite3"
    laptop.parent.mkdir()
    import os

    home = Path(os.environ["DESK_APP_HOME"])  # this computer's app folder holds a ledger line
    assert (home / "desk-app-erasures.jsonl").is_file()
    ran = _cli("restore", str(usb), "--db", str(laptop), "--yes", home=home)
    assert ran.returncode == 0, ran.stderr
    assert "C0" in ran.stdout and "erased" in ran.stdout.lower()
    con = sqlite3.connect(laptop)
    try:
        name, erased = con.execute("SELECT name, erased_at FROM clients WHERE id = ?", (cid,)).fetchone()
        staff = con.execute("SELECT staff_id FROM audit_log WHERE action = 'restore'").fetchone()[0]
    finally:
        con.close()
    assert erased is not None and "Zelda" not in name
    assert staff == owner.staff_id  # the owner gave their PIN: the restore is theirs
    # without this computer's ledger (another PC) the restore says it found no record
    bare = tmp_path / "bare-home"
    bare.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = _cli("restore", str(usb), "--db", str(elsewhere / "shop.sqlite3"), "--yes", home=bare)
    assert ran.returncode == 0 and "No record of erasures" in ran.stdout


def test_a_forged_ledger_line_erases_nobody_and_is_reported(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path, tmp_path: Path
) -> None:
    keep = _client(services, owner, "Victor Vance", "13955501234")
    old = Path(services.backup.backup(reason="manual").path)
    with services.db.uow(write=False) as uow:
        created = uow.session.execute(
            select(Client.created_at).where(Client.id == keep)
        ).scalar_one()
    services.db.dispose()
    con = sqlite3.connect(db_path)
    try:
        created_text = con.execute("SELECT created_at FROM clients WHERE id = ?", (keep,)).fetchone()[0]
    finally:
        con.close()
    assert created is not None
    line = {"client_id": keep, "client_number": "C000001", "client_created_at": created_text,
            "erased_at": "2020-01-01T00:00:00+00:00", "staff_id": 1, "shop": str(db_path)}
    with (db_path.parent / "desk-app-erasures.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
    import os

    ran = _cli("restore", str(old), "--db", str(db_path), "--yes", home=Path(os.environ["DESK_APP_HOME"]))
    assert ran.returncode == 0, ran.stderr
    assert "no database confirms" in ran.stdout and "C000001" in ran.stdout
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT name, erased_at FROM clients WHERE id = ?", (keep,)).fetchone() == (
            "Victor Vance",
            None,
        )
    finally:
        con.close()


def test_restore_asks_the_owners_pin_and_a_wrong_one_changes_nothing(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path
) -> None:
    _client(services, owner, "Before", "13955501234")
    old = Path(services.backup.backup(reason="manual").path)
    _client(services, owner, "After", "13955501235")
    services.db.dispose()
    before = db_path.read_bytes()
    home = tmp_path / "h"
    ran = _cli("restore", str(old), "--db", str(db_path), "--yes", pin="0000", home=home)
    assert ran.returncode == 1 and "PIN" in ran.stderr
    assert db_path.read_bytes() == before or _names(db_path) == {"Before", "After"}
    new = tmp_path / "new.sqlite3"
    ran = _cli("restore", str(old), "--db", str(new), "--yes", pin="0000", home=home)
    assert ran.returncode == 1 and "nothing was changed" in ran.stderr
    assert not new.exists() and not Path(str(new) + "-wal").exists()
    ran = _cli("restore", str(old), "--db", str(new), "--yes", pin=None, home=home)
    assert ran.returncode == 1 and "DESK_APP_PIN" in ran.stderr and not new.exists()
    ran = _cli("restore", str(old), "--db", str(new), "--yes", pin=OWNER_PIN, home=home)
    assert ran.returncode == 0 and _names(new) == {"Before"}


def _names(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM clients")}
    finally:
        con.close()


def _problems(db_path: Path) -> list[str]:
    db = open_database(str(db_path), run_migrations=False)
    try:
        return check_invariants(db)
    finally:
        db.dispose()


def test_check_finds_hand_made_erasures_forged_redactions_and_dropped_guards(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path
) -> None:
    a = _client(services, owner, "Zelda Quux", "13812345678")
    b = _client(services, owner, "Victor Vance", "13955501234")
    c = _client(services, owner, "Quiet Client", "13766602345")
    clock.advance(hours=1)
    services.privacy.erase_client(owner, a, "asked")
    services.db.dispose()
    assert _problems(db_path) == []
    con = sqlite3.connect(db_path)
    try:
        # a redaction of an unrelated entry in the real erasure's name
        con.execute(
            "UPDATE audit_log SET before=NULL, after=NULL, detail='', redacted_by=1"
            " WHERE entity='client' AND entity_id=? AND redacted_by IS NULL",
            (str(b),),
        )
        con.commit()
        found = _problems(db_path)
        assert any("redacted 2 audit entries but says 1" in p for p in found), found
        # a client marked erased by hand: name kept, an erasure record without its audit entry,
        # dated before the profile was made
        con.execute(f"UPDATE clients SET erased_at='2026-01-01 00:00:00.000000', phone='' WHERE id={c}")
        con.execute(
            "INSERT INTO erasures(client_id, client_number, at, staff_id, audit_redacted)"
            f" SELECT id, client_number, '2026-01-01 00:00:00.000000', 2, 0 FROM clients WHERE id={c}"
        )
        # a second, earlier record of the real erasure
        con.execute(
            "INSERT INTO erasures(client_id, client_number, at, staff_id, audit_redacted)"
            f" SELECT id, client_number, '2026-11-18 03:00:00.000000', 2, 0 FROM clients WHERE id={a}"
        )
        con.commit()
        found = _problems(db_path)
        text = "\n".join(found)
        assert "still carries a name" in text
        assert "has no erase entry in the audit log" in text
        assert "is dated before the profile was made" in text
        assert "has 2 erasure records" in text
        con.execute("DROP TRIGGER audit_log_refuse_update")
        con.execute("UPDATE audit_log SET detail='forged' WHERE action='erase'")
        con.execute("DROP TRIGGER erasures_refuse_delete")
        con.execute(
            "CREATE TRIGGER erasures_refuse_delete BEFORE DELETE ON erasures WHEN 0"
            " BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
        con.commit()
    finally:
        con.close()
    text = "\n".join(_problems(db_path))
    assert "guard audit_log_refuse_update is missing" in text
    assert "guard erasures_refuse_delete was changed by hand" in text
    # a restore does not take a record no real erasure writes for the first erasure
    from desk_app.clients.privacy import erasures_in_file

    marks = {m.client_id: m for m in erasures_in_file(db_path)}
    assert c not in marks and marks[a].staff_id == owner.staff_id


def test_backup_out_never_replaces_another_programs_file_and_empty_paths_are_refused(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path
) -> None:
    services.db.dispose()
    foreign = tmp_path / "accounts.sqlite3"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE ledger(x)")
    con.execute("INSERT INTO ledger VALUES ('precious')")
    con.commit()
    con.close()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("my notes\n" * 10, encoding="utf-8")
    home = tmp_path / "h"
    for target in (foreign, text_file):
        before = target.read_bytes()
        ran = _cli("backup", "--db", str(db_path), "--out", str(target), home=home)
        assert ran.returncode == 1 and "not a backup of this app" in ran.stderr, ran
        assert target.read_bytes() == before
    earlier = tmp_path / "earlier.sqlite3"
    assert _cli("backup", "--db", str(db_path), "--out", str(earlier), home=home).returncode == 0
    assert _cli("backup", "--db", str(db_path), "--out", str(earlier), home=home).returncode == 0  # an earlier backup
    for args in (
        ("backup", "--db", str(db_path), "--out", ""),
        ("restore", str(earlier), "--db", "", "--yes"),
        ("check", "--db", " "),
    ):
        ran = _cli(*args, home=home)
        assert ran.returncode == 1 and "is empty" in ran.stderr, (args, ran)
    ran = _cli("restore", str(earlier), "--db", str(text_file), "--yes", home=home)
    assert ran.returncode == 1 and "not a shop database" in ran.stderr
    assert text_file.read_text(encoding="utf-8").startswith("my notes")
    ran = _cli("demo", "--db", str(tmp_path / "no" / "such" / "demo.sqlite3"), "--clients", "5", home=home)
    assert ran.returncode == 1 and "does not exist" in ran.stderr and not (tmp_path / "no").exists()


@pytest.mark.postgres
def test_check_finds_a_disabled_or_dropped_guard_on_postgres(pg_url: str) -> None:
    db = open_database(pg_url)
    try:
        assert check_invariants(db) == []
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_refuse_change")
            conn.exec_driver_sql("ALTER TABLE appointments DROP CONSTRAINT ex_appointments_staff_overlap")
        text = "\n".join(check_invariants(db))
        assert "guard audit_log_refuse_change is disabled" in text
        assert "guard ex_appointments_staff_overlap is missing" in text
    finally:
        db.dispose()
