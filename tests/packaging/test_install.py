"""The app as a shop installs it: the wheel (and the sdist it is built from) carry everything the
app needs, and an installed copy works from an unrelated folder with an empty home without ever
writing into its own install folder. (The desktop bundle is built and checked the same way by
scripts/build_bundle.py, which ./test.sh runs after the suite.)"""

from __future__ import annotations

import email
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """sdist, then the wheel built from that sdist (what `python -m build` does), and its log."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (sdist,) = out.glob("desk_app-*.tar.gz")
    (wheel,) = out.glob("desk_app-*.whl")
    return sdist, wheel, done.stdout + done.stderr


def test_the_build_prints_no_deprecation_warnings(built: tuple[Path, Path, str]) -> None:
    log = built[2]
    assert "Deprecat" not in log and "project.license" not in log
    assert "SetuptoolsWarning" not in log


def test_the_wheel_carries_resources_migrations_and_compiled_catalogs(built: tuple[Path, Path, str]) -> None:
    names = set(zipfile.ZipFile(built[1]).namelist())
    bundled = "desk_app/_bundled/"
    icons = {p.name for p in (ROOT / "resources" / "icons").glob("*.svg")}
    assert len(icons) > 40 and {n.rsplit("/", 1)[1] for n in names if n.startswith(bundled + "resources/icons/")} == icons
    for po in (ROOT / "resources" / "locale").glob("*/LC_MESSAGES/*.po"):
        rel = po.relative_to(ROOT).with_suffix(".mo").as_posix()
        assert bundled + rel in names  # compiled when the wheel was built ...
        assert bundled + rel[:-3] + ".po" not in names  # ... and only that
    versions = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith(bundled + "migrations/versions/")} == versions
    for f in ("resources/style.qss", "resources/fonts/cjk.ttf", "resources/fonts/LICENSE.txt",
              "migrations/env.py", "migrations/script.py.mako"):
        assert bundled + f in names
    assert "main.py" in names and "ui/app.py" in names and "desk_app/cli/__init__.py" in names
    assert not any(n.startswith(("tests/", "resources/", "migrations/")) for n in names)
    assert not any(n.endswith((".pyc", ".sqlite3")) or "__pycache__" in n for n in names)


def test_the_wheel_declares_what_a_shop_installs(built: tuple[Path, Path, str]) -> None:
    with zipfile.ZipFile(built[1]) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(z.read(meta_name))
        licences = [n for n in z.namelist() if ".dist-info/licenses/" in n]
    assert meta["License-Expression"] == "LicenseRef-Proprietary"
    assert any(n.endswith("resources/fonts/LICENSE.txt") for n in licences)
    requires = meta.get_all("Requires-Dist")
    psycopg = [r for r in requires if r.startswith("psycopg")]
    assert psycopg and all('extra == "server"' in r for r in psycopg)  # server mode is an extra
    names = {re.split(r"[\s\[<>=;!~]", r, maxsplit=1)[0].lower() for r in requires}
    assert "phonenumberslite" in names and "phonenumbers" not in names  # no 40 MB of unused geodata
    assert any(r.startswith("tzdata") and 'sys_platform == "win32"' in r for r in requires)
    assert not any(r.startswith(("pytest", "ruff", "mypy", "hypothesis")) and "extra" not in r for r in requires)
    assert set(meta.get_all("Provides-Extra")) >= {"server", "dev"}


def test_the_sdist_carries_the_top_level_folders(built: tuple[Path, Path, str]) -> None:
    names = {n.split("/", 1)[1] for n in tarfile.open(built[0]).getnames() if "/" in n}
    for f in ("setup.py", "pyproject.toml", "MANIFEST.in", "resources/style.qss", "resources/fonts/cjk.ttf",
              "resources/locale/zh_CN/LC_MESSAGES/desk_app.po", "migrations/env.py", "ui/app.py", "main.py"):
        assert f in names
    assert not any(n.startswith("tests/") or n.endswith(".mo") for n in names)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_the_installed_wheel_works_as_a_shop_uses_it(
    built: tuple[Path, Path, str], tmp_path: Path
) -> None:
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    done = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           str(built[1])], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    site = next((env / "lib").glob("python3*/site-packages"))
    assert not (site / "psycopg").exists()  # the server driver is the [server] extra
    installed = [site / "desk_app", site / "ui"]
    before = {str(f): _snapshot(f) for f in installed}
    smoke = subprocess.run([str(py), str(ROOT / "scripts" / "smoke_installed.py"), str(env / "bin" / "desk-app")],
                           capture_output=True, text=True, timeout=600)
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    assert "sign-in window (no fonts)" in smoke.stdout and "monthly report in Chinese" in smoke.stdout
    # nothing was written into the install folder (no catalog compiled there, no cache, no log)
    assert {str(f): _snapshot(f) for f in installed} == before
    # server mode without its driver: a message to act on, not a traceback
    done = subprocess.run([str(env / "bin" / "desk-app"), "check", "--db", "postgresql+psycopg://u@127.0.0.1:9/x"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "desk-app[server]" in done.stdout + done.stderr
