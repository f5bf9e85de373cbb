"""What a script writer found driving the headless commands from outside (issue 18 walk)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from desk_app.cli import run
from desk_app.container import Services
from desk_app.domain.permissions import Actor
from tests.conftest import OWNER_PIN


@pytest.fixture
def as_owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_APP_OWNER_KEY", raising=False)
    monkeypatch.setenv("DESK_APP_PIN", OWNER_PIN)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))


def test_export_audit_refuses_a_branch_it_would_ignore(services: Services, owner: Actor, db_path: Path,
                                                      tmp_path: Path, as_owner: None,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """``export audit --branch 2`` wrote the whole shop's audit log: the log has no branch, so the
    option is refused (a usage error, nothing written) rather than silently ignored."""
    services.db.dispose()
    out = tmp_path / "audit.csv"
    code = run(["export", "audit", "--db", str(db_path), "--staff", str(owner.staff_id), "--branch", "2",
                "--out", str(out)])
    assert code == 2
    assert not out.exists()
    assert "--branch" in capsys.readouterr().err
