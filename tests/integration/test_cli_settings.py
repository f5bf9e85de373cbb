"""`desk-app settings get|set|list` (issue 19): headless settings, checked against the one
declaration in desk_app/settings.py, saved with the staff id and audited; bad input is one line,
exit 2, nothing changed; only someone with the right to change settings runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app.cli import run
from desk_app.container import Services
from desk_app.db.models import AuditEntry, Setting
from desk_app.domain.permissions import Actor
from desk_app.settings import DEFS, S
from tests.conftest import OWNER_PIN

RITA_PIN = "5678"


@pytest.fixture
def shop(services: Services, owner: Actor, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    for name in ("DESK_APP_PIN", "DESK_APP_OWNER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal: nobody to ask a PIN of
    rita = services.auth.save_staff(owner, staff_id=None, name="Rita", role="receptionist", pin=RITA_PIN)
    services.db.dispose()
    return {"owner": owner.staff_id or 0, "rita": rita.id}


def _settings_rows(services: Services) -> dict[str, object]:
    with services.db.uow(write=False) as uow:
        rows = {r.key: (r.value, r.updated_by_id) for r in uow.session.scalars(select(Setting))}
    services.db.dispose()
    return rows


def _audits(services: Services) -> list[tuple[str, str, object, object, int | None]]:
    with services.db.uow(write=False) as uow:
        out = [
            (e.action, e.entity_id, e.before, e.after, e.staff_id)
            for e in uow.session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "setting").order_by(AuditEntry.id)
            )
        ]
    services.db.dispose()
    return out


def test_set_get_and_list_as_the_owner(
    services: Services, shop: dict[str, int], db_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    db = str(db_path)
    assert run(["settings", "get", "messages.reminder_hours", "--db", db]) == 0
    assert capsys.readouterr().out == "24\n"  # the default
    assert run(["settings", "set", "messages.reminder_hours", "48", "--db", db]) == 0
    assert capsys.readouterr().out == "messages.reminder_hours = 48\n"
    assert run(["settings", "set", "messages.kinds", '["reminder","feedback"]', "--db", db]) == 0
    # money as the screen types it (stored in minor units), a percentage in percent (basis points)
    assert run(["settings", "set", "outreach.low_balance_minor", "250.50", "--db", db]) == 0
    assert run(["settings", "set", "money.tax_rate_service_bp", "6.5 %", "--db", db]) == 0
    assert run(["settings", "set", "vip.discount_percent", "8.5", "--db", db]) == 0
    assert run(["settings", "set", "money.prices_include_tax", "false", "--db", db]) == 0
    capsys.readouterr()

    rows = _settings_rows(services)
    owner = shop["owner"]
    assert rows["messages.reminder_hours"] == (48, owner)
    assert rows["messages.kinds"] == (["reminder", "feedback"], owner)
    assert rows["outreach.low_balance_minor"] == (25050, owner)
    assert rows["money.tax_rate_service_bp"] == (650, owner)
    assert rows["vip.discount_percent"] == ("8.5", owner)
    assert rows["money.prices_include_tax"] == (False, owner)
    services.settings.refresh()
    assert services.settings.get(S.MESSAGES_KINDS) == ["reminder", "feedback"]
    assert services.settings.get(S.VIP_DISCOUNT_PERCENT) == Decimal("8.5")

    # each change audited with before and after, as the owner, marked as from the command line
    audits = _audits(services)
    assert [(a[1], a[2], a[3], a[4]) for a in audits[:2]] == [
        ("messages.reminder_hours", {"messages.reminder_hours": 24}, {"messages.reminder_hours": 48, "via": "cli"}, owner),
        ("messages.kinds", {"messages.kinds": list(S.MESSAGES_KINDS.default)},
         {"messages.kinds": ["reminder", "feedback"], "via": "cli"}, owner),
    ]
    assert [a[0] for a in audits] == ["update"] * 6

    # get prints what set takes back
    for key, shown in (
        ("messages.kinds", '["reminder", "feedback"]'),
        ("outreach.low_balance_minor", "250.50"),
        ("money.tax_rate_service_bp", "6.5 %"),
        ("money.prices_include_tax", "false"),
    ):
        assert run(["settings", "get", key, "--db", db]) == 0
        assert capsys.readouterr().out == shown + "\n", key
    # list: key, value, label; --group narrows it
    assert run(["settings", "list", "--group", "messages", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    keys = [line.split("\t")[0] for line in lines]
    assert keys[:6] == [  # in the declaration's order (the channels' settings follow them)
        "messages.kinds", "messages.reminder_hours", "messages.feedback_delay_hours",
        "messages.quiet_start_hour", "messages.quiet_end_hour", "messages.max_attempts",
    ]
    assert keys == [k for k, d in DEFS.items() if d.group == "messages"]
    assert "messages.reminder_hours\t48\tSend the appointment reminder (hours before)" in lines
    assert all(line.split("\t")[0].startswith("messages.") for line in lines)
    assert run(["settings", "list", "--db", db]) == 0
    assert len(capsys.readouterr().out.splitlines()) > len(lines)


def test_the_audit_entry_says_who_and_what(
    services: Services, shop: dict[str, int], db_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["settings", "set", "messages.quiet_start_hour", "22", "--db", str(db_path)]) == 0
    capsys.readouterr()
    [(action, key, before, after, staff)] = _audits(services)
    assert (action, key, staff) == ("update", "messages.quiet_start_hour", shop["owner"])
    assert before == {"messages.quiet_start_hour": 21}
    assert isinstance(after, dict) and after["messages.quiet_start_hour"] == 22


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["set", "messages.reminder_hour", "12"], "did you mean: messages.reminder_hours"),
        (["get", "reminder"], "messages.reminder_hours"),
        (["set", "messages.reminder_hours", "500"], "must be at most 168"),
        (["set", "messages.reminder_hours", "soon"], "is not a whole number"),
        (["set", "messages.kinds", '["reminder","postcard"]'], "postcard is not one of"),
        (["set", "messages.kinds", '{"a": 1}'], "write the value as JSON"),
        (["set", "outreach.low_balance_minor", "10.505"], "at most 2 decimal places"),
        (["set", "outreach.low_balance_minor", "lots"], "is not an amount"),
        # the limit in the words the value is typed in: a percentage, not the basis points kept
        (["set", "money.tax_rate_service_bp", "120"], "must be at most 100 %"),
        (["set", "money.tax_rate_service_bp", "120 %"], "must be at most 100 %"),
        (["set", "vip.discount_percent", "150"], "must be at most 100 %"),
        (["set", "money.prices_include_tax", "maybe"], "write true or false"),
        # walk (issue 19): the provider's address carries its credentials: https only (docs/messages.md)
        (["set", "messages.sms.endpoint", "http://example.com"], "must start with https://"),
        (["set", "messages.sms.endpoint", "example.com"], "must start with https://"),
        (["list", "--group", "nonsense"], "there is no group nonsense"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    services: Services, shop: dict[str, int], db_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str,
) -> None:
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    before = _settings_rows(services)
    assert run(["settings", *argv, "--db", str(db_path)]) == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("desk-app: ") and says in lines[0], out.err
    assert "Traceback" not in out.err and out.out == ""
    assert _settings_rows(services) == before
    assert _audits(services) == []


def test_only_someone_who_may_change_settings(
    services: Services, shop: dict[str, int], db_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(db_path)
    # nobody: refused before anything is read
    assert run(["settings", "get", "messages.reminder_hours", "--db", db]) == 1
    assert "say who you are" in capsys.readouterr().err
    # the receptionist has no right to settings: not to read them either
    monkeypatch.setenv("DESK_APP_PIN", RITA_PIN)
    for argv in (["set", "messages.reminder_hours", "12"], ["get", "messages.reminder_hours"], ["list"]):
        assert run(["settings", *argv, "--db", db, "--staff", str(shop["rita"])]) == 1
        assert "Rita may not do this (Change settings)" in capsys.readouterr().err
    assert "messages.reminder_hours" not in _settings_rows(services)
    # the owner key, as a script would
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    assert run(["owner-key", "new", "--db", db]) == 0
    key = next(w for w in capsys.readouterr().out.split() if len(w) > 20)
    monkeypatch.delenv("DESK_APP_PIN")
    monkeypatch.setenv("DESK_APP_OWNER_KEY", key)
    assert run(["settings", "set", "messages.reminder_hours", "12", "--db", db]) == 0
    capsys.readouterr()
    assert _settings_rows(services)["messages.reminder_hours"] == (12, shop["owner"])


def test_the_real_entry_point(services: Services, shop: dict[str, int], db_path: Path, tmp_path: Path) -> None:
    """The installed `desk-app` command: exit codes and output as a script sees them."""
    exe = Path(sys.executable).with_name("desk-app")
    cmd = [str(exe)] if exe.exists() else [sys.executable, str(Path(__file__).resolve().parents[2] / "main.py")]
    env = {k: v for k, v in os.environ.items() if k not in ("DESK_APP_OWNER_KEY",)}
    env.update({"DESK_APP_HOME": str(tmp_path / "home"), "DESK_APP_PIN": OWNER_PIN})
    db = str(db_path)

    def desk(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cmd, "settings", *argv, "--db", db], capture_output=True, text=True, env=env,
                              timeout=120, stdin=subprocess.DEVNULL)

    done = desk("set", "messages.feedback_delay_hours", "3")
    assert (done.returncode, done.stdout) == (0, "messages.feedback_delay_hours = 3\n"), done.stderr
    assert desk("get", "messages.feedback_delay_hours").stdout == "3\n"
    bad = desk("set", "messages.feedback_delay_hours", "30")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "must be at most 23" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert desk("get", "messages.feedback_delay_hours").stdout == "3\n"
