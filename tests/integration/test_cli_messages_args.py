"""`desk-app messages list --day`: a malformed day is argparse's usage line and exit 2, like
every other malformed argument (README, "A command never prints a traceback"), before any
identity is asked or the database opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk_app.cli import run


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "18.11.2026", "20261118", "1999-12-31", "２０２６-11-18"])
def test_a_malformed_day_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    assert run(["messages", "list", "--db", str(missing), "--day", day]) == 2
    err = capsys.readouterr().err
    assert "usage: desk-app messages list" in err and "is not a day: write YYYY-MM-DD" in err
    assert "Traceback" not in err and not missing.exists()
