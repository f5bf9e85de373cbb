"""One command builds the desktop bundle of this computer's system, then checks it:

    python scripts/build_bundle.py [--dist DIR] [--skip-smoke]

1. builds the app's wheel (``python -m build``: what ``pip install`` would install);
2. installs it, with its ``[server]`` extra and PyInstaller, into a build environment of its own
   (build/bundle/venv), so the bundle holds exactly what the wheel does;
3. runs PyInstaller on packaging/desk-app.spec: DIR/desk-app/ with ``desk-app`` (console) and
   ``DeskApp`` (windowed), and on macOS ``DIR/Desk App.app``;
4. writes DIR/desk-app/THIRD-PARTY-LICENSES.txt from the build environment's package metadata;
5. unless --skip-smoke, uses the bundle as a shop would (scripts/smoke_installed.py).

The installers are made from DIR/desk-app by packaging/windows/desk-app.iss (Inno Setup) and
packaging/macos/make_dmg.sh; .github/workflows/bundle.yml runs all of it on each system.
Runs on Linux, Windows and macOS; ./test.sh runs it on Linux. docs/packaging.md explains it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bundle"
WINDOWS = sys.platform == "win32"
PYINSTALLER = "pyinstaller>=6.10,<7"



def venv_bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if WINDOWS else "bin") / (name + (".exe" if WINDOWS else ""))


def sh(*cmd: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    print("==> " + " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=cwd, check=True, env=env)


def build_wheel() -> Path:
    wheels = BUILD / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    sh(sys.executable, "-m", "build", "--wheel", "--quiet", "--outdir", wheels, ROOT)
    (wheel,) = wheels.glob("desk_app-*.whl")
    return wheel


def build_env(wheel: Path) -> Path:
    env = BUILD / "venv"
    shutil.rmtree(env, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    py = venv_bin(env, "python")
    sh(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[server]", PYINSTALLER)
    return py


def bundle(py: Path, dist: Path) -> Path:
    work = BUILD / "work"
    sh(py, "-m", "PyInstaller", ROOT / "packaging" / "desk-app.spec", "--noconfirm", "--clean",
       "--log-level", "WARN", "--distpath", dist, "--workpath", work, cwd=ROOT / "packaging")
    folder = dist / "desk-app"
    licences = subprocess.run([str(py), str(ROOT / "packaging" / "third_party_licenses.py")], check=True,
                              capture_output=True, text=True, encoding="utf-8").stdout
    (folder / "THIRD-PARTY-LICENSES.txt").write_text(licences, encoding="utf-8")
    shutil.copy2(ROOT / "LICENSE.txt", folder / "LICENSE.txt")
    if sys.platform.startswith("linux"):  # a menu entry and icon, put in place by install.sh
        for name in ("desk-app.desktop", "desk-app.svg", "install.sh"):
            shutil.copy2(ROOT / "packaging" / "linux" / name, folder / name)
    return folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build and check the desktop bundle.")
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--skip-smoke", action="store_true")
    args = p.parse_args(argv)
    dist = args.dist.resolve()
    try:
        wheel = build_wheel()
        py = build_env(wheel)
        folder = bundle(py, dist)
    except (subprocess.CalledProcessError, ValueError) as exc:
        print(f"build_bundle: the build failed: {exc}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
    print(f"==> bundle: {folder} ({size:.0f} MB)")
    if args.skip_smoke:
        return 0
    exe = ".exe" if WINDOWS else ""
    smoke = [str(py), str(ROOT / "scripts" / "smoke_installed.py"), str(folder / f"desk-app{exe}"),
             "--gui", str(folder / f"DeskApp{exe}")]
    before = snapshot(folder)
    rc = subprocess.run(smoke, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).returncode
    changed = sorted(set(before.items()) ^ set(snapshot(folder).items()))
    if changed:  # an installed app may sit in a folder its user cannot write to
        print(f"build_bundle: running the bundle wrote into it: {changed[:5]}", file=sys.stderr)
        return 1
    return rc


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


if __name__ == "__main__":
    sys.exit(main())
