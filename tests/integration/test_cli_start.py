"""Starting the program: its version, options it does not know, a computer with no screen, and
failures said in words (no Python error names for what the person can fix)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desk_app.cli import is_headless
from desk_app.cli import run as cli_run

ROOT = Path(__file__).resolve().parents[2]


def _main(*args: str, env_drop: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess[str]:
    import os

    e = {k: v for k, v in os.environ.items() if k not in env_drop}
    e.update(env)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=120, env=e, cwd=ROOT)


def test_version_is_printed_without_a_window(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert is_headless(["--version"])
    assert cli_run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"desk-app {version('desk-app')}"


def test_unknown_options_and_languages_are_refused_not_ignored() -> None:
    for args, said in ((["--frobnicate"], "unrecognized arguments: --frobnicate"),
                       (["--lang", "fr"], "'fr' is not a language of the app"),
                       (["--demo", "--db"], "expected one argument")):
        done = _main(*args, QT_QPA_PLATFORM="offscreen")
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert said in done.stderr and "usage: desk-app" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is how Linux names a screen")
def test_no_screen_is_said_plainly() -> None:
    done = _main("--demo", env_drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert done.returncode == 2
    assert "no screen found" in done.stderr and "desk-app --help" in done.stderr
    assert "Traceback" not in done.stderr and "Reinstalling" not in done.stderr


def test_failures_the_person_can_fix_are_said_without_python_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "shop.sqlite3"
    assert cli_run(["demo", "--db", str(db), "--quiet", "--clients", "20", "--months", "1"]) == 0
    out = capsys.readouterr().out
    assert "Sign in with (demo PINs" in out and "(owner): 1111   --staff 1" in out  # names, not "staff 1"
    from desk_app.cli import _failed

    assert _failed("report monthly", PermissionError(13, "Permission denied", "/shop/m.pdf")) == 1
    err = capsys.readouterr().err
    assert "report monthly failed: Permission denied: /shop/m.pdf" in err and "PermissionError" not in err
    assert _failed("report monthly", KeyError("month")) == 1  # a bug: its kind helps whoever reads the log
    assert "KeyError" in capsys.readouterr().err
    assert cli_run(["check", "--db", "postgresql+psycopg://nobody@127.0.0.1:9/none"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("desk-app: check failed: ") and "OperationalError" not in err and "Traceback" not in err
