"""Erasure leaves no trace of the person (issue 14 item 3): not in the rows, the free text, the
search index, the audit log (the events stay, redacted), the raw database file and its WAL, the
retained backups; a restore of an older backup erases them again; the database lets an audit
entry change only by such a redaction. Also headless: ``desk-app privacy export|erase``."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from desk_app.bootstrap import open_database
from desk_app.cli import run
from desk_app.container import Services
from desk_app.core.service import audit
from desk_app.db.engine import Database
from desk_app.db.models import (
    Appointment,
    AuditEntry,
    Client,
    Complaint,
    Erasure,
    OutboxMessage,
    Payment,
    Sale,
    SaleLine,
    Visit,
    VisitEvent,
)
from desk_app.domain.permissions import Actor
from desk_app.trust.backup import check_backup_file
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock
from tests.integration.test_privacy_requests import seed_history

NEW_PHONE = "+8613900001111"
# everything that names or describes the person, as typed and as the JSON columns store it
SECRETS = [
    "王芳",
    "wangfang",
    "13812345678",
    "13900001111",
    "wf@example.cn",
    "wang.fang@example.com",
    "wf1990",
    "对PPD染发剂过敏",
    "husband",
    "Mentioned a pregnancy",  # not "pregnancy": the consultation questions ask about one
    "itches",
    "Colour too dark",
    "她说颜色太深",  # complaint first response
    "redo on Friday",  # resolution
    "her mother is ill",  # cancel reason
    "WX4200001234",  # payment reference
    "birthday treat",  # discount reason
    "wedding next week",  # refund reason on the sale
    "running late, skip wash",  # a skipped step's reason
    "see you Friday at the Lotus",  # a message sent to her
    "your colour appointment tomorrow",  # a message's subject, still queued
]


def _escaped(s: str) -> str:
    return json.dumps(s).strip('"')


def rich_history(services: Services, owner: Actor, clock: FakeClock) -> tuple[int, int]:
    """The erased client with every kind of record and audit entries that quote them; and a second
    client, Ann Lee, whose entries must stay whole."""
    cid = seed_history(services, owner, clock)
    prof = services.clients.get(owner, cid)
    services.clients.update(owner, cid, prof.version, {"phone": NEW_PHONE, "email": "wang.fang@example.com"})
    services.clients.get(owner, cid)
    ann = services.clients.create(owner, {"name": "Ann Lee", "phone": "+8613700002222", "notes": "Annual pass"})
    now = clock()
    with services.db.uow() as uow:
        s = uow.session
        appt = s.scalars(select(Appointment).where(Appointment.client_id == cid)).one()
        appt.cancel_reason = "her mother is ill"
        cmp_ = s.scalars(select(Complaint)).one()
        cmp_.first_response = "她说颜色太深"
        cmp_.resolution = "redo on Friday"
        sale = s.scalars(select(Sale).where(Sale.client_id == cid)).one()
        sale.reason = "wedding next week"
        s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)).one().discount_reason = "birthday treat"
        s.scalars(select(Payment).where(Payment.sale_id == sale.id)).one().reference = "WX4200001234"
        v = s.scalars(select(Visit).where(Visit.client_id == cid)).one()
        v.skipped_steps = {"greeting": "running late, skip wash"}
        s.add(VisitEvent(visit_id=v.id, from_step="greeting", to_step="assessment", action="skip",
                         reason="running late, skip wash", at=now))
        # entries the way the services write them: the visit, the sale, a note that quotes her by name,
        # and Ann's
        audit(s, owner, "skip", "visit", v.id, after={"reason": "running late, skip wash"}, at=now)
        audit(s, owner, "sale", "sale", sale.id, after={"total": 380, "discount_reason": "birthday treat"}, at=now)
        audit(s, owner, "sale", "sale", sale.id + 1000, after={"total": 99}, detail="someone else", at=now)
        audit(s, owner, "export", "outreach", "", after={"note": "Called 王芳 about 138 1234 5678"}, at=now)
        audit(s, owner, "update", "client", ann.id, before={"notes": ""}, after={"notes": "Annual pass"}, at=now)
        # the messages: one sent (where it went and what it said), one still queued; and Ann's
        for key, who, state, to, subject, body in (
            ("sent-1", cid, "sent", "+8613812345678", "", "王芳, see you Friday at the Lotus"),
            ("queued-1", cid, "queued", "", "王芳: your colour appointment tomorrow", ""),
            ("ann-1", ann.id, "queued", "", "Ann: your appointment", ""),
        ):
            s.add(OutboxMessage(client_id=who, branch_id=owner.branch_id, kind="reminder", channel="sms",
                                language="zh_CN", ref_kind="appointment", ref_id=appt.id, dedupe_key=key,
                                planned_at=now, due_at=now + timedelta(days=1), state=state,
                                sent_at=now if state == "sent" else None, to_address=to, subject=subject,
                                body=body))
        uow.commit()
    clock.advance(minutes=5)
    return cid, ann.id


def _entry_text(e: AuditEntry) -> str:
    return json.dumps([e.before, e.after, e.detail], ensure_ascii=False)


def _raw(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            data += p.read_bytes()
    return data


def _leaks(blob: bytes) -> list[str]:
    found = []
    for s in SECRETS:
        for form in {s, _escaped(s)}:
            if form.encode("utf-8") in blob or form.lower().encode("utf-8") in blob.lower():
                found.append(form)
    return found


def test_erasure_leaves_nothing_in_rows_audit_index_or_file(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path
) -> None:
    cid, ann_id = rich_history(services, owner, clock)
    assert _leaks(_raw(db_path)), "the test would catch a leak: the person is in the file before"
    with services.db.uow(write=False) as uow:
        before = {e.id: e for e in uow.session.scalars(select(AuditEntry))}
        uow.session.expunge_all()
    res = services.privacy.erase_client(owner, cid, "客人王芳来电要求 asked by phone (138 1234 5678)")
    assert res.audit_redacted >= 5 and res.storage_scrubbed

    with services.db.uow(write=False) as uow:
        s = uow.session
        entries = {e.id: e for e in s.scalars(select(AuditEntry))}
        leaking = [f"{e.id} {e.action} {e.entity}: {_entry_text(e)}" for e in entries.values()
                   if any(x in _entry_text(e) for x in SECRETS)]
        assert leaking == []
        # the events are kept: who did what to which record and when; only the values went
        for i, old in before.items():
            new = entries[i]
            assert (new.at, new.staff_id, new.action, new.entity, new.entity_id, new.allowed) == (
                old.at, old.staff_id, old.action, old.entity, old.entity_id, old.allowed)
        redacted = {i for i, e in entries.items() if e.redacted_by is not None}
        erasure = s.scalars(select(Erasure)).one()
        assert erasure.client_id == cid and erasure.audit_redacted == len(redacted) == res.audit_redacted
        assert all(entries[i].before is None and entries[i].after is None and entries[i].detail == ""
                   for i in redacted)
        # Ann's entries and the other sale's are whole; the visit's, the sale's and the note's are not
        ann_rows = [e for e in entries.values() if e.entity == "client" and e.entity_id == str(ann_id)]
        assert ann_rows and all(e.redacted_by is None for e in ann_rows)
        assert any("Annual pass" in _entry_text(e) for e in ann_rows)
        other_sale = [e for e in entries.values() if e.detail == "someone else"]
        assert len(other_sale) == 1
        by_action = {(e.action, e.entity) for i, e in entries.items() if i in redacted}
        assert {("skip", "visit"), ("sale", "sale"), ("export", "outreach"), ("update", "client")} <= by_action
        erase_row = s.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert erase_row.redacted_by is None and "asked by phone" in erase_row.detail
        assert "王芳" not in erase_row.detail and "5678" not in erase_row.detail
        # free text on every record is gone; the books are whole
        assert s.scalars(select(Appointment.cancel_reason)).all() == [""]
        c = s.scalars(select(Complaint)).one()
        assert (c.description, c.first_response, c.resolution) == ("", "", "")
        assert s.scalars(select(Sale.reason).where(Sale.client_id == cid)).all() == [""]
        assert s.scalars(select(SaleLine.discount_reason)).all() == [""]
        assert s.scalars(select(Payment.reference)).all() == [""]
        assert s.scalars(select(VisitEvent.reason)).all() == [""]
        assert s.scalars(select(Visit.skipped_steps)).one() == {"greeting": ""}
        assert s.get(Client, ann_id).notes == "Annual pass"  # type: ignore[union-attr]
        # her messages: address and text gone, the queued one not sent; what was sent when stays;
        # Ann's queued message is untouched
        msgs = {m.dedupe_key: m for m in s.scalars(select(OutboxMessage))}
        assert {(k, m.state, m.to_address, m.subject, m.body, m.kind, m.channel) for k, m in msgs.items()} == {
            ("sent-1", "sent", "", "", "", "reminder", "sms"),
            ("queued-1", "cancelled", "", "", "", "reminder", "sms"),
            ("ann-1", "queued", "", "Ann: your appointment", "", "reminder", "sms"),
        }
        assert msgs["sent-1"].sent_at is not None
        assert msgs["queued-1"].last_error == "The client's data was erased."  # why it was not sent
        # the search index: neither the old name, its pinyin nor the phone finds anything
        for q in ('"wangfang"', '"13812345678"', '"13900001111"'):
            assert s.execute(text("SELECT rowid FROM client_fts WHERE client_fts MATCH :q"), {"q": q}).all() == []
    assert check_invariants(services.db) == []
    # the raw file and its write-ahead log hold none of it
    assert _leaks(_raw(db_path)) == []
    # nor does an export of what is left
    assert services.audit.count(owner) == len(entries)


def test_a_namesake_keeps_their_entries(services: Services, owner: Actor, clock: FakeClock) -> None:
    """王芳芳 is someone else: erasing 王芳 leaves her entries whole (names match as whole words)."""
    cid = seed_history(services, owner, clock)
    other = services.clients.create(owner, {"name": "王芳芳", "phone": "+8613600003333"})
    services.clients.get(owner, other.id)
    with services.db.uow() as uow:
        audit(uow.session, owner, "export", "outreach", "", after={"note": "Called 王芳芳 back"}, at=clock())
        audit(uow.session, owner, "export", "outreach", "", after={"note": "Called 王芳 back"}, at=clock())
        uow.commit()
    services.privacy.erase_client(owner, cid, "asked")
    with services.db.uow(write=False) as uow:
        entries = [(e.redacted_by, _entry_text(e)) for e in uow.session.scalars(select(AuditEntry))]
    hers = [r for r, t in entries if "王芳芳" in t]
    assert len(hers) >= 2 and all(r is None for r in hers)
    assert [t for _r, t in entries if "王芳 " in t] == []


def test_backups_are_erased_inside_and_a_restore_erases_again(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path, tmp_path: Path
) -> None:
    cid, _ann = rich_history(services, owner, clock)
    kept = [Path(services.backup.backup(reason="manual").path)]
    clock.advance(hours=1)
    kept.append(Path(services.backup.backup(reason="daily").path))
    usb = tmp_path / "usb-copy.sqlite3"  # a copy the owner took elsewhere: not the app's to change
    shutil.copyfile(kept[0], usb)
    other_shop = kept[0].parent / "othershop-daily-20261101-120000.sqlite3"
    shutil.copyfile(kept[0], other_shop)  # another shop's backup in the same folder: never touched
    other_bytes = other_shop.read_bytes()
    assert all(_leaks(_raw(p)) for p in kept)

    services.privacy.erase_client(owner, cid, "asked by email")
    done = services.privacy.erase_in_backups(owner, cid)
    assert sorted(done.cleaned) == sorted(kept) and done.failed == [] and not done.server
    for p in kept:
        assert _leaks(_raw(p)) == [], p
        assert check_backup_file(p) is None
        assert not Path(str(p) + ".part").exists() and not Path(str(p) + "-wal").exists()
    assert other_shop.read_bytes() == other_bytes
    # a second run finds nothing left to do
    again = services.privacy.erase_in_backups(owner, cid)
    assert again.cleaned == [] and sorted(again.not_in) == sorted(kept)

    # restoring the copy taken elsewhere brings the client back for a moment: erased again at once
    services.backup.restore(owner, usb)
    with services.db.uow(write=False) as uow:
        s = uow.session
        c = s.get(Client, cid)
        assert c is not None and c.erased_at is not None and c.name.startswith("Erased client")
        assert len(s.scalars(select(Erasure)).all()) == 1
        assert s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "erase")).all() == [
            "erased again after a restore"
        ]
        leaking = [e.id for e in s.scalars(select(AuditEntry))
                   if any(x in _entry_text(e) for x in SECRETS)]
        assert leaking == []
    assert _leaks(_raw(db_path)) == []


def _raw_update_refused(db: Database, sql: str) -> None:
    with pytest.raises(DBAPIError, match="append-only|permission denied"), db.engine.begin() as conn:
        conn.exec_driver_sql(sql)


def _only_redaction_passes(db: Database, services: Services, owner: Actor, clock: FakeClock) -> None:
    cid, ann = rich_history(services, owner, clock)
    with db.engine.connect() as conn:
        first = conn.execute(text("SELECT min(id) FROM audit_log")).scalar()
        conn.rollback()
    # a made-up erasure of a client who is not erased (to redact with): refused (migration 0008)
    with pytest.raises(DBAPIError, match="erased first"), db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO erasures (client_id, client_number, at, audit_redacted)"
            f" SELECT id, client_number, created_at, 0 FROM clients WHERE id = {ann}"
        )
    true = "1" if db.is_sqlite else "true"
    # a redaction with no erasure behind it, a half redaction, a change of what happened: refused
    for sql in (
        f"UPDATE audit_log SET before = NULL, after = NULL, detail = '', redacted_by = 999 WHERE id = {first}",
        f"UPDATE audit_log SET detail = '' WHERE id = {first}",
        f"UPDATE audit_log SET after = NULL, detail = '', redacted_by = 999, allowed = {true} WHERE id = {first}",
    ):
        _raw_update_refused(db, sql)
    res = services.privacy.erase_client(owner, cid, "asked")
    assert res.audit_redacted > 0
    with db.engine.connect() as conn:
        rid, eid = conn.execute(
            text("SELECT id, redacted_by FROM audit_log WHERE redacted_by IS NOT NULL ORDER BY id")
        ).first()  # type: ignore[misc]
        kept = conn.execute(text("SELECT id FROM audit_log WHERE redacted_by IS NULL ORDER BY id")).scalar()
        conn.rollback()
    # the erasure exists now, but a redacted entry is not redacted again and others keep their action
    _raw_update_refused(db, f"UPDATE audit_log SET before = NULL, after = NULL, detail = '', redacted_by = {eid} WHERE id = {rid}")
    _raw_update_refused(db, f"UPDATE audit_log SET action = 'view', before = NULL, after = NULL, detail = '', redacted_by = {eid} WHERE id = {kept}")
    _raw_update_refused(db, f"DELETE FROM audit_log WHERE id = {rid}")


def test_sqlite_lets_only_a_redaction_through(services: Services, owner: Actor, clock: FakeClock) -> None:
    _only_redaction_passes(services.db, services, owner, clock)


@pytest.mark.postgres
def test_postgres_erasure_under_the_app_login(pg_app_login: str) -> None:
    """The app's own login (tables owned, UPDATE revoked but for the value columns) redacts the
    entries of an erased client; nothing else passes; VACUUM leaves no dead row with the name."""
    db = open_database(pg_app_login)
    try:
        clock = FakeClock()
        sv = Services(db, clock=clock)
        owner = sv.shop.create_shop(
            name="Lotus Hair & Spa", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
        )
        _only_redaction_passes(db, sv, owner, clock)
        with db.uow(write=False) as uow:
            leaking = [e.id for e in uow.session.scalars(select(AuditEntry)) if "王芳" in _entry_text(e)]
        assert leaking == []
        backups = sv.privacy.erase_in_backups(owner, 1)
        assert backups.server and backups.cleaned == []
    finally:
        db.dispose()


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _cli(*args: str, pin: str | None = OWNER_PIN, home: Path) -> Ran:
    """One command line, run as ``desk-app`` runs it (stdin is not a terminal here)."""
    mp = pytest.MonkeyPatch()
    out, err = io.StringIO(), io.StringIO()
    try:
        mp.setenv("DESK_APP_HOME", str(home))
        mp.delenv("DESK_APP_PIN", raising=False)
        if pin is not None:
            mp.setenv("DESK_APP_PIN", pin)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(list(args))
    finally:
        mp.undo()
    return Ran(code, out.getvalue(), err.getvalue())


def test_privacy_commands_headless(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path, tmp_path: Path
) -> None:
    cid, _ann = rich_history(services, owner, clock)
    services.backup.backup(reason="manual")
    services.db.dispose()
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "export"
    # a wrong PIN, an unknown client, no PIN at all: refused, nothing written
    bad = _cli("privacy", "export", "--client", "C000001", "--db", str(db_path), "--out-dir", str(out), pin="0000", home=home)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and not out.exists()
    nobody = _cli("privacy", "erase", "--client", "C999999", "--db", str(db_path), "--reason", "x", "--yes", home=home)
    assert nobody.returncode == 1 and "C999999" in nobody.stderr
    no_pin = _cli("privacy", "erase", "--client", "C000001", "--db", str(db_path), "--reason", "x", "--yes", pin=None, home=home)
    assert no_pin.returncode == 1 and "DESK_APP_PIN" in no_pin.stderr
    not_sure = _cli("privacy", "erase", "--client", "C000001", "--db", str(db_path), "--reason", "x", home=home)
    assert not_sure.returncode == 1 and "--yes" in not_sure.stderr
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT name FROM clients WHERE id = ?", (cid,)).fetchone() == ("王芳",)
    con.close()

    ok = _cli("privacy", "export", "--client", "c000001", "--db", str(db_path), "--out-dir", str(out), home=home)
    assert ok.returncode == 0, ok.stderr
    assert "王芳" in (out / "C000001-data.json").read_text(encoding="utf-8")
    gone = _cli("privacy", "erase", "--client", "C000001", "--db", str(db_path), "--reason", "asked by email", "--yes", home=home)
    assert gone.returncode == 0, gone.stderr
    assert "C000001" in gone.stdout and "erased inside 1" in gone.stdout
    assert _leaks(_raw(db_path)) == []
    backups = list((db_path.parent / "backups").glob("*.sqlite3"))
    assert len(backups) == 1 and _leaks(_raw(backups[0])) == []
    db = open_database(str(db_path))
    try:
        with db.uow(write=False) as uow:
            actions: list[Any] = uow.session.execute(
                select(AuditEntry.action, AuditEntry.staff_id).where(AuditEntry.action.in_(("erase", "erase_backups")))
            ).all()
        assert sorted(a for a, _s in actions) == ["erase", "erase_backups"]
        assert {s for _a, s in actions} == {owner.staff_id}
    finally:
        db.dispose()


def test_future_bookings_and_open_calls_of_an_erased_client_are_closed(
    services: Services, owner: Actor, clock: FakeClock
) -> None:
    """No booking, waiting-list entry or call is left for a person the shop no longer knows; a
    deposit held against a cancelled booking goes back to the prepaid balance."""
    from desk_app.db.models import FollowUp, PrepaidAccount

    cid = seed_history(services, owner, clock)
    later = clock() + timedelta(days=3)
    with services.db.uow() as uow:
        s = uow.session
        s.add(Appointment(branch_id=owner.branch_id, client_id=cid, staff_id=owner.staff_id, start_at=later,
                          end_at=later + timedelta(hours=1), block_end_at=later + timedelta(hours=1),
                          status="booked", deposit_minor=5000))
        s.scalars(select(PrepaidAccount)).one().held_minor = 5000
        uow.commit()
    services.privacy.erase_client(owner, cid, "asked")
    with services.db.uow(write=False) as uow:
        s = uow.session
        future = s.scalars(select(Appointment).where(Appointment.start_at == later)).one()
        assert future.status == "cancelled" and future.cancelled_at is not None
        past = s.scalars(select(Appointment).where(Appointment.start_at < later)).one()
        assert past.status == "done"  # history is not rewritten
        acct = s.scalars(select(PrepaidAccount)).one()
        assert (acct.held_minor, acct.balance_minor) == (0, 50000)
        assert s.scalars(select(FollowUp.status)).all() == ["gave_up"]
    assert check_invariants(services.db) == []


def test_replace_cannot_rewrite_an_entry_and_erasure_records_cannot_change(
    services: Services, owner: Actor, clock: FakeClock, db_path: Path
) -> None:
    """Found from outside: SQLite's INSERT OR REPLACE deleted an audit entry without the DELETE
    trigger and wrote a forged one; the erasures table could be edited or emptied."""
    cid = seed_history(services, owner, clock)
    services.privacy.erase_client(owner, cid, "asked")
    con = sqlite3.connect(db_path)
    try:
        first = con.execute("SELECT min(id) FROM audit_log").fetchone()[0]
        for sql in (
            f"INSERT OR REPLACE INTO audit_log(id,at,action,entity,entity_id,detail,allowed) VALUES ({first},'2026-01-01','forged','x','1','r',1)",
            f"REPLACE INTO audit_log(id,at,action,entity,entity_id,detail,allowed) VALUES ({first},'2026-01-01','forged','x','1','r',1)",
            "UPDATE erasures SET client_id = client_id",
            "DELETE FROM erasures",
            f"INSERT OR REPLACE INTO erasures(id,client_id,client_number,at,audit_redacted) VALUES (1,{cid},'C000001','2026-01-01',0)",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)
            con.rollback()
        assert con.execute("SELECT action FROM audit_log WHERE id = ?", (first,)).fetchone()[0] != "forged"
        assert con.execute("SELECT count(*) FROM erasures").fetchone()[0] == 1
    finally:
        con.close()
