"""Data at rest (issue 14 item 5): an encrypted shop file, its WAL and its backups hold no readable
client data and no PIN hash to guess against; the app, its backups, restores and erasures work on
it; another computer needs the recovery key; the demo and the tests stay on plain SQLite.

The key is kept by the real ``keyring`` library, here with keyrings.alt's file backend in the
test's folder (a desktop uses the OS password store)."""

from __future__ import annotations

import contextlib
import io
import shutil
import sqlite3
from pathlib import Path

import keyring
import pytest

from desk_app.bootstrap import DatabaseCheckFailed, open_database
from desk_app.cli import run
from desk_app.container import Services
from desk_app.db import cipher
from desk_app.domain.permissions import Actor
from desk_app.trust.backup import check_backup_file
from desk_app.trust.integrity import check_invariants
from tests.conftest import OWNER_PIN, FakeClock, FileKeyring

SECRETS = ["王芳", "13812345678", "wf@example.cn", "对PPD过敏", "Lotus Hair", "$argon2"]


def _cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    mp = pytest.MonkeyPatch()
    out, err = io.StringIO(), io.StringIO()
    try:
        for k, v in (env or {}).items():
            mp.setenv(k, v)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(list(args))
    finally:
        mp.undo()
    return code, out.getvalue(), err.getvalue()


def _raw(path: Path) -> bytes:
    return b"".join(
        Path(str(path) + s).read_bytes() for s in ("", "-wal", "-journal") if Path(str(path) + s).exists()
    )


def _leaks(blob: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode("utf-8") in blob or s.encode("utf-8") in blob.lower()]


def _shop(path: Path) -> tuple[Services, Actor, int]:
    sv = Services(open_database(str(path)), clock=FakeClock())
    owner = sv.shop.create_shop(
        name="Lotus Hair & Spa", currency="CNY", language="en", owner_name="Mia Chen", owner_pin=OWNER_PIN
    )
    c = sv.clients.create(
        owner, {"name": "王芳", "phone": "13812345678", "email": "wf@example.cn", "allergies": "对PPD过敏"}
    )
    return sv, owner, c.id


def _encrypt(db: Path) -> tuple[int, str, str]:
    return _cli("encrypt", "--db", str(db), "--yes", env={"DESK_APP_PIN": OWNER_PIN})


def test_an_encrypted_shop_file_and_its_backups_give_nothing_away(keystore: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "shop.sqlite3"
    sv, owner, cid = _shop(db_path)
    backup = Path(sv.backup.backup(reason="daily").path)
    sv.db.dispose()
    assert _leaks(_raw(db_path)) and _leaks(_raw(backup)), "the test would see a leak"

    code, out, err = _encrypt(db_path)
    assert code == 0, err
    recovery = next(line.strip() for line in out.splitlines() if len(line.strip().split()) == 16)
    assert cipher.parse_recovery(recovery) in cipher.known_keys()
    for f in (db_path, backup):
        assert cipher.is_encrypted(f) and _leaks(_raw(f)) == [], f
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):  # no PIN hash to guess at
            sqlite3.connect(f).execute("SELECT pin_hash FROM staff").fetchall()
    assert check_backup_file(backup) is None

    # the app works on it as before; what it writes (WAL included) is encrypted too
    db = open_database(str(db_path))
    try:
        assert db.key is not None
        sv = Services(db, clock=FakeClock())
        owner = sv.auth.sign_in(owner.staff_id, OWNER_PIN)
        assert sv.clients.get(owner, cid).name == "王芳"
        sv.clients.create(owner, {"name": "李娜 Lotus Hair", "phone": "13912345678"})
        assert Path(str(db_path) + "-wal").exists()
        assert _leaks(_raw(db_path)) == []
        new_backup = Path(sv.backup.backup(reason="manual").path)
        assert cipher.is_encrypted(new_backup) and check_backup_file(new_backup) is None
        assert _leaks(_raw(new_backup)) == []
        # restore an encrypted backup, and an old plain one: the shop file stays encrypted
        assert sv.backup.restore(owner, new_backup).kept is not None
        assert check_invariants(db) == []
        # erasure inside encrypted backups
        sv.privacy.erase_client(owner, cid, "asked")
        done = sv.privacy.erase_in_backups(owner, cid)
        assert backup in done.cleaned and new_backup in done.cleaned and done.failed == []
        assert all(cipher.is_encrypted(p) for p in done.cleaned)
    finally:
        db.dispose()
    code, out, _err = _cli("check", "--db", str(db_path))
    assert (code, out.strip().splitlines()[-1]) == (0, "ok")


def test_restoring_a_plain_backup_into_an_encrypted_shop_keeps_it_encrypted(
    keystore: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "shop.sqlite3"
    sv, owner, cid = _shop(db_path)
    made = tmp_path / "elsewhere" / "shop-made.sqlite3"
    sv.backup.backup(out=made)  # a backup the app made elsewhere: recorded, so encrypted with the shop
    plain = tmp_path / "elsewhere" / "shop-old.sqlite3"
    shutil.copyfile(made, plain)  # a copy someone took by hand: not the app's to change
    sv.db.dispose()
    assert _encrypt(db_path)[0] == 0
    assert cipher.is_encrypted(made) and _leaks(_raw(made)) == []
    assert not cipher.is_encrypted(plain)
    db = open_database(str(db_path))
    try:
        sv = Services(db, clock=FakeClock())
        kept = sv.backup.restore(owner, plain).kept
        assert kept is not None and cipher.is_encrypted(kept) and _leaks(_raw(kept)) == []
        assert cipher.is_encrypted(db_path) and _leaks(_raw(db_path)) == []
        assert sv.clients.get(owner, cid).name == "王芳"
    finally:
        db.dispose()


def test_another_computer_opens_the_shop_only_with_its_recovery_key(keystore: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "shop.sqlite3"
    sv, owner, cid = _shop(db_path)
    sv.db.dispose()
    code, out, _err = _encrypt(db_path)
    recovery = next(line.strip() for line in out.splitlines() if len(line.strip().split()) == 16)
    code, shown, _err = _cli("key", "show", "--db", str(db_path), env={"DESK_APP_PIN": OWNER_PIN})
    assert code == 0 and recovery in shown
    # "another computer": an empty password store
    keyring.set_keyring(FileKeyring(tmp_path / "other-keyring.cfg"))
    with pytest.raises(DatabaseCheckFailed, match="recovery key"):
        open_database(str(db_path))
    code, _out, err = _cli("check", "--db", str(db_path))
    assert code == 1 and "recovery key" in err and "Traceback" not in err
    wrong = cipher.recovery_text(bytes(32))
    code, _out, err = _cli("key", "add", "--db", str(db_path), env={cipher.KEY_ENV: wrong})
    assert code == 1 and "does not open" in err
    code, _out, err = _cli("key", "add", "--db", str(db_path), env={cipher.KEY_ENV: "not a key"})
    assert code == 1 and "64" in err
    code, out, err = _cli("key", "add", "--db", str(db_path), env={cipher.KEY_ENV: recovery.lower()})
    assert code == 0, err
    db = open_database(str(db_path))
    try:
        assert Services(db, clock=FakeClock()).clients.get(owner, cid).name == "王芳"
    finally:
        db.dispose()


def test_encrypting_waits_for_every_desk_to_close(keystore: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "shop.sqlite3"
    sv, _owner, _cid = _shop(db_path)
    other_desk = sqlite3.connect(db_path)  # another desk with the shop open
    other_desk.execute("SELECT count(*) FROM clients").fetchone()
    sv.db.dispose()
    before = db_path.read_bytes()
    code, _out, err = _encrypt(db_path)
    assert code == 1 and "Close the app on every desk" in err
    assert not cipher.is_encrypted(db_path) and db_path.read_bytes() == before
    assert cipher.known_keys() == []  # no key was made for nothing
    other_desk.close()
    assert _encrypt(db_path)[0] == 0


def test_without_a_password_store_the_shop_stays_plain_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from keyring.backends import fail

    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.delenv(cipher.KEY_ENV, raising=False)
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "home"))
    try:
        db_path = tmp_path / "shop.sqlite3"
        sv, _owner, _cid = _shop(db_path)
        sv.db.dispose()
        code, _out, err = _encrypt(db_path)
        assert code == 1 and "password store" in err
        assert not cipher.is_encrypted(db_path)
    finally:
        keyring.set_keyring(before)


def test_a_backup_is_one_file_and_reading_it_leaves_nothing_beside_it(tmp_path: Path) -> None:
    db_path = tmp_path / "shop.sqlite3"
    sv, _owner, _cid = _shop(db_path)
    try:
        backup = Path(sv.backup.backup(reason="manual").path)
    finally:
        sv.db.dispose()
    assert check_backup_file(backup) is None
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]
