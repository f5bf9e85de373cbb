"""No command line ends in a traceback or creates what it was not asked to (#14 item 9).

An outside probe found 19 of 54 bad command lines ending in a traceback (random bytes, a zero-byte
file or a folder as --db, --month 9999-12, --sale 2**70) and commands that created the folder of a
mistyped --db or left an empty database behind. Hypothesis feeds every command odd files, months,
ids and output paths; each run must answer with an exit code and a line of text, leave the folder as
it was, and never need the last-resort handler (which would write the app's log file).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.cli import HANDLERS, run
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.conftest import OWNER_PIN

REPO = Path(__file__).resolve().parents[2]

ODD_FILES = ["missing.sqlite3", "no/such/folder/shop.sqlite3", "a folder", "zero.sqlite3", "random.bin",
             "text.txt", "other.sqlite3", "名字 with space.sqlite3"]
ODD_MONTHS = ["9999-12", "0000-00", "2026-13", "2026-00", "-1", "", "２０２６-０１", "2026-1", "1999-12",
              "2026-11-01", "abcd-ef", "2101-01"]
ODD_IDS = ["0", "-1", str(2**70), str(2**63), "1e3", "", "abc", "١٢"]


def _odd_folder(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "a folder").mkdir(exist_ok=True)
    (root / "zero.sqlite3").write_bytes(b"")
    (root / "random.bin").write_bytes(bytes(range(256)) * 12)
    (root / "text.txt").write_text("name,phone\nAnna,123\n", encoding="utf-8")
    conn = sqlite3.connect(root / "other.sqlite3")
    conn.execute("CREATE TABLE x (y)")
    conn.commit()
    conn.close()


def _listing(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): (p.stat().st_size if p.is_file() else -1)
        for p in root.rglob("*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    }


Argv = Callable[[str, str, str, str], list[str]]  # (db, month, id, out) -> argv

COMMANDS: dict[str, Argv] = {
    "report monthly": lambda db, m, i, o: ["report", "monthly", "--db", db, "--month", m, "--json", o],
    "export sales": lambda db, m, i, o: ["export", "sales", "--db", db, "--month", m, "--out", o],
    "export payments": lambda db, m, i, o: ["export", "payments", "--db", db, "--month", m, "--out", o],
    "export clients": lambda db, m, i, o: ["export", "clients", "--db", db, "--out", o],
    "export visits": lambda db, m, i, o: ["export", "visits", "--db", db, "--month", m, "--out", o],
    "export vouchers": lambda db, m, i, o: ["export", "vouchers", "--db", db, "--month", m, "--out", o],
    "export points": lambda db, m, i, o: ["export", "points", "--db", db, "--month", m, "--out", o],
    "export audit": lambda db, m, i, o: ["export", "audit", "--db", db, "--out", o],
    "export payroll": lambda db, m, i, o: ["export", "payroll", "--db", db, "--period", m, "--out", o],
    "export shop": lambda db, m, i, o: ["export", "shop", "--db", db, "--out", o, "--staff", i],
    "receipt": lambda db, m, i, o: ["receipt", "--db", db, "--sale", i, "--pdf", o],
    "backup": lambda db, m, i, o: ["backup", "--db", db, "--out", o],
    "restore": lambda db, m, i, o: ["restore", db, "--db", db + ".target", "--yes"],
    "import clients": lambda db, m, i, o: ["import", "clients", db, "--db", db, "--dry-run"],
    "import balances": lambda db, m, i, o: ["import", "balances", db, "--db", db, "--dry-run"],
    "import appointments": lambda db, m, i, o: ["import", "appointments", db, "--db", db, "--dry-run"],
    "import history": lambda db, m, i, o: ["import", "history", db, "--db", db, "--dry-run"],
    "migrate": lambda db, m, i, o: ["migrate", "--db", db],
    "check": lambda db, m, i, o: ["check", "--db", db],
    "demo": lambda db, m, i, o: ["demo", "--db", db, "--clients", i, "--months", m],
    "privacy export": lambda db, m, i, o: ["privacy", "export", "--db", db, "--client", i, "--staff", m, "--out-dir", o],
    "privacy erase": lambda db, m, i, o: ["privacy", "erase", "--db", db, "--client", i, "--reason", m, "--yes"],
    "encrypt": lambda db, m, i, o: ["encrypt", "--db", db, "--staff", i],
    "key show": lambda db, m, i, o: ["key", "show", "--db", db, "--staff", i],
    "key add": lambda db, m, i, o: ["key", "add", "--db", db],
    "owner-key new": lambda db, m, i, o: ["owner-key", "new", "--db", db, "--staff", i],
    "owner-key revoke": lambda db, m, i, o: ["owner-key", "revoke", "--db", db, "--staff", i],
    "move-to-server": lambda db, m, i, o: ["move-to-server", "--db", db, "--to", m or "127.0.0.1:1/x?user=y"],
    "messages run": lambda db, m, i, o: ["messages", "run", "--db", db, "--limit", i],
    "messages list": lambda db, m, i, o: ["messages", "list", "--db", db, "--day", m, "--limit", i],
    "settings get": lambda db, m, i, o: ["settings", "get", m or "messages.kinds", "--db", db, "--staff", i],
    "settings set": lambda db, m, i, o: ["settings", "set", "messages.reminder_hours", m, "--db", db, "--staff", i],
    "settings list": lambda db, m, i, o: ["settings", "list", "--db", db, "--group", m],
    "clients find": lambda db, m, i, o: ["clients", "find", m, "--db", db, "--limit", i],
}


def test_every_command_is_fed() -> None:
    assert set(COMMANDS) == set(HANDLERS)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(sorted(COMMANDS)),
    db=st.sampled_from(ODD_FILES),
    month=st.sampled_from(ODD_MONTHS) | st.text(max_size=8),
    ident=st.sampled_from(ODD_IDS) | st.integers(-(2**80), 2**80).map(str),
    out=st.sampled_from(["out.csv", "no/such/folder/out.csv", "a folder", ""]),
)
def test_odd_command_lines_answer_in_one_line_and_change_nothing(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    db: str,
    month: str,
    ident: str,
    out: str,
) -> None:
    root = tmp_path_factory.mktemp("odd")
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("DESK_APP_HOME", str(home))
    monkeypatch.chdir(root)
    _odd_folder(root)
    before = _listing(root)
    if command == "demo":
        db = "no/such/folder/shop.sqlite3" if db != "missing.sqlite3" else "a folder"
    argv = COMMANDS[command](str(root / db), month, ident, str(root / out) if out else "")
    code = run(argv)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert isinstance(code, int) and code != 0, (argv, text)
    assert "Traceback" not in text, (argv, text)
    assert text.strip(), argv  # the person is told something
    assert _listing(root) == before, argv  # nothing created, nothing changed
    assert not (home / "logs").exists(), (argv, text)  # no unexpected error reached the last resort


def test_odd_values_on_a_real_shop(services: Services, owner: Actor, db_path: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """On a real shop: months and ids out of range, a sale that does not exist, output into a
    missing folder. Each refused with a line, the shop's file unchanged."""
    services.db.dispose()
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)  # the owner runs them (desk_app/cli/owner.py)
    shop = str(db_path)
    before = _rows(db_path)
    cases = [
        (["report", "monthly", "--db", shop, "--month", "9999-12", "--json", str(tmp_path / "r.json")], 2),
        (["export", "sales", "--db", shop, "--month", "2026-13", "--out", str(tmp_path / "s.csv")], 2),
        (["receipt", "--db", shop, "--sale", str(2**70), "--pdf", str(tmp_path / "r.pdf")], 2),
        (["receipt", "--db", shop, "--sale", "424242", "--pdf", str(tmp_path / "r.pdf")], 2),  # no such sale
        (["export", "clients", "--db", shop, "--out", str(tmp_path / "nope" / "c.csv")], 1),
        (["backup", "--db", shop, "--out", str(tmp_path)], 1),
    ]
    for argv, expected in cases:
        assert run(argv) == expected, argv
        text = "".join(capsys.readouterr())
        assert text.strip() and "Traceback" not in text, (argv, text)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(db_path.name)) == []
    assert not (tmp_path / "nope").exists() and not (tmp_path / "r.pdf").exists()
    assert not (tmp_path / "home" / "logs").exists()
    after = _rows(db_path)  # nothing written but the owner's sign-ins
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    assert _audit_actions(db_path)[len(_audit_actions(db_path)) - (after["audit_log"] - before["audit_log"]):] == [
        "sign_in"
    ] * (after["audit_log"] - before["audit_log"])


def _rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
    finally:
        conn.close()


def _audit_actions(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [str(r[0]) for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        conn.close()


def test_an_output_never_replaces_the_shop_or_another_database(
    services: Services, owner: Actor, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found from outside: ``export clients --out shop.sqlite3`` replaced the shop with a CSV."""
    services.db.dispose()
    monkeypatch.setenv("DESK_APP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    shop = str(db_path)
    other = tmp_path / "other.sqlite3"
    other.write_bytes(db_path.read_bytes())
    listing = tmp_path / "list.csv"
    listing.write_text("name,phone\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in (db_path, other, listing)}
    for argv in (
        ["export", "clients", "--db", shop, "--out", shop],
        ["export", "audit", "--db", shop, "--out", shop + "-wal"],
        ["export", "clients", "--db", shop, "--out", str(other)],
        ["report", "monthly", "--db", shop, "--month", "2026-11", "--pdf", shop],
        ["receipt", "--db", shop, "--sale", "1", "--pdf", str(other)],
        ["import", "clients", str(listing), "--db", shop, "--report", str(listing), "--dry-run"],
    ):
        assert run(argv) == 1, argv
        text = "".join(capsys.readouterr())
        assert text.startswith("desk-app: ") and "choose another file name" in text.lower(), (argv, text)
    assert {p: p.read_bytes() for p in before} == before
    assert not Path(shop + "-wal").exists() or Path(shop + "-wal").stat().st_size == 0
    # a backup may replace an older backup file, never the shop itself
    assert run(["backup", "--db", shop, "--out", str(other)]) == 0
    assert run(["backup", "--db", shop, "--out", shop]) == 1
    assert run(["check", "--db", shop]) == 0  # the shop is whole (the backup recorded itself in it)


def test_the_real_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "random.bin").write_bytes(bytes(range(256)) * 8)
    env = {**os.environ, "PYTHONPATH": str(REPO), "DESK_APP_HOME": str(tmp_path / "home")}
    for argv in (
        ["check", "--db", str(tmp_path / "random.bin")],
        ["migrate", "--db", str(tmp_path / "typo.sqlite3")],
        ["receipt", "--sale", "1", "--pdf", str(tmp_path / "r.pdf")],  # no --db and no shop yet
    ):
        res = subprocess.run([sys.executable, str(REPO / "main.py"), *argv], env=env, capture_output=True,
                             text=True, timeout=120)
        assert res.returncode == 1, (argv, res.stderr)
        assert "Traceback" not in res.stdout + res.stderr and res.stderr.strip(), (argv, res.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["random.bin"]
