"""Use an installed copy of the app as a shop would, from an unrelated folder with an empty home:
build the demo shop, print the monthly report in Chinese and a receipt (their text read back from
the PDFs), and open the app to its sign-in screen offscreen, once with no fonts on the computer.

    python scripts/smoke_installed.py PROGRAM [--gui PROGRAM] [--shot DIR]

PROGRAM is the installed console program: a venv's ``bin/desk-app`` (the wheel) or the bundle's
``dist/desk-app/desk-app``. ``--gui`` names the windowed program when it is another one (the
bundle's ``DeskApp``). Needs pypdf (an app dependency) in the Python that runs this.
Used by scripts/build_bundle.py and tests/packaging/test_install.py. Exits 1 on the first failure.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

DEMO_OWNER_PIN = "1111"  # the demo shop's owner (desk_app/demo/shop.py), printed by `desk-app demo`
NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{empty}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


class SmokeFailed(RuntimeError):
    pass


def shop_env(home: Path) -> dict[str, str]:
    """An environment with an empty home and none of the developers' settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_APP_") and k != "PYTHONPATH"}
    env.update(HOME=str(home), USERPROFILE=str(home), APPDATA=str(home / "AppData" / "Roaming"),
               LOCALAPPDATA=str(home / "AppData" / "Local"), XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               QT_QPA_PLATFORM="offscreen", PYTHONWARNINGS="default", LANG="C.UTF-8")
    env.pop("XDG_RUNTIME_DIR", None)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = done.stdout + done.stderr
    print(f"$ {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}  -> {done.returncode}")
    for line in out.strip().splitlines()[-6:]:
        print("    " + line)
    if done.returncode != 0:
        raise SmokeFailed(f"{cmd} failed ({done.returncode}):\n{out}")
    if "Traceback" in out:
        raise SmokeFailed(f"{cmd} printed a traceback:\n{out}")
    return out


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def smoke(program: Path, gui: Path | None = None, shot: Path | None = None) -> list[str]:
    gui = gui or program
    checks: list[str] = []
    with tempfile.TemporaryDirectory(prefix="desk-app-smoke-") as tmp:
        root = Path(tmp)
        home, work = root / "home", root / "shop"
        home.mkdir()
        work.mkdir()
        env = shop_env(home)
        out = run([str(program), "--help"], work, env)
        if "desk-app" not in out:
            raise SmokeFailed("--help does not name the program")
        run([str(program), "demo", "--db", "shop.sqlite3", "--quiet"], work, env)
        last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        refused = subprocess.run([str(program), "report", "monthly", "--db", "shop.sqlite3", "--month", last_month,
                                  "--pdf", "month.pdf"], cwd=work, env=env, capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, timeout=180)
        if refused.returncode != 1 or "say who you are" not in refused.stderr or (work / "month.pdf").exists():
            raise SmokeFailed(f"the report ran without saying who runs it: {refused.stdout}{refused.stderr}")
        checks.append("a report needs a PIN")
        owner = {**env, "DESK_APP_PIN": DEMO_OWNER_PIN}  # the demo's owner says who runs them
        run([str(program), "report", "monthly", "--db", "shop.sqlite3", "--month", last_month,
             "--pdf", "month.pdf", "--lang", "zh_CN"], work, owner)
        text = pdf_text(work / "month.pdf")
        for word in ("月度汇总", "营业额"):
            if word not in text:
                raise SmokeFailed(f"the Chinese monthly report lacks {word!r}: {text[:300]!r}")
        checks.append("monthly report in Chinese")
        run([str(program), "receipt", "--db", "shop.sqlite3", "--sale", "1", "--pdf", "receipt.pdf",
             "--lang", "zh_CN"], work, owner)
        text = pdf_text(work / "receipt.pdf")
        for word in ("收据", "合计"):
            if word not in text:
                raise SmokeFailed(f"the Chinese receipt lacks {word!r}: {text[:300]!r}")
        checks.append("receipt in Chinese")
        # a sale that sold a gift voucher: its code is drawn as a barcode and a QR code
        with closing(sqlite3.connect(work / "shop.sqlite3")) as db:
            found = db.execute("SELECT sale_id, code FROM gift_vouchers WHERE sale_id IS NOT NULL "
                               "ORDER BY id LIMIT 1").fetchone()
        if not found:
            raise SmokeFailed("the demo shop sold no gift voucher")
        run([str(program), "receipt", "--db", "shop.sqlite3", "--sale", str(found[0]), "--pdf", "voucher.pdf",
             "--lang", "zh_CN"], work, owner)
        text = pdf_text(work / "voucher.pdf").replace("-", "")
        if found[1] not in text:
            raise SmokeFailed(f"the voucher receipt lacks its code {found[1]}: {text[:300]!r}")
        checks.append("gift voucher receipt with its code")
        # a Western Excel's CSV (Windows-1252) comes in readable, and its client is found typed plainly
        (work / "old.csv").write_bytes("Name,Phone\nHélène Andréa,+33612345678\n".encode("cp1252"))
        out = run([str(program), "import", "clients", "old.csv", "--db", "shop.sqlite3"], work, owner)
        if "Windows-1252" not in out:
            raise SmokeFailed(f"the import did not read the file as Windows-1252: {out[-300:]!r}")
        out = run([str(program), "clients", "find", "helene", "--db", "shop.sqlite3"], work, owner)
        if "Hélène Andréa" not in out:
            raise SmokeFailed(f"the imported client is not found by her name: {out!r}")
        checks.append("a Windows-1252 file imported and its client found")
        run([str(program), "export", "shop", "--db", "shop.sqlite3", "--out", "everything.zip"], work, owner)
        with zipfile.ZipFile(work / "everything.zip") as zf:
            if "Hélène Andréa" not in zf.read("clients.csv").decode("utf-8-sig"):
                raise SmokeFailed("the shop's export lacks the imported client")
        checks.append("everything the shop owns exported")
        # the window, to the sign-in screen: with the computer's fonts, then with none at all
        no_fonts = root / "fonts.conf"
        no_fonts.write_text(NO_FONTS.format(empty=root / "no-fonts", cache=root / "font-cache"))
        for label, extra in (("system fonts", {}), ("no fonts", {"FONTCONFIG_FILE": str(no_fonts)})):
            picture = (shot / f"smoke-{label.replace(' ', '-')}.png") if shot else None
            out = run([str(gui), "--db", "shop.sqlite3", "--lang", "zh_CN"], work,
                      {**env, **extra, "DESK_APP_SMOKE_TEST": str(picture) if picture else "1"})
            line = next((x for x in out.splitlines() if x.startswith("smoke_test=")), "")
            if not line.startswith("smoke_test=ok page=SignInPage") or "staff=0" in line:
                raise SmokeFailed(f"the window did not reach the sign-in ({label}): {out}")
            if label == "no fonts" and "Desk CJK Sans" not in line:
                raise SmokeFailed(f"with no fonts the app's own CJK font was not used: {line}")
            checks.append(f"sign-in window ({label})")
        made = ("shop.sqlite3", "month.pdf", "receipt.pdf", "voucher.pdf", "old.csv", "old.csv.import-report.csv",
                "everything.zip")  # what the commands above were asked to write
        stray = [p for p in work.iterdir() if p.name not in made and not p.name.startswith("shop.sqlite3")]
        if stray:
            raise SmokeFailed(f"the app left files in the folder it was run from: {stray}")
    return checks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("program", type=Path)
    p.add_argument("--gui", type=Path)
    p.add_argument("--shot", type=Path, help="save pictures of the sign-in window in this folder")
    args = p.parse_args(argv)
    try:
        checks = smoke(args.program.resolve(), args.gui.resolve() if args.gui else None, args.shot)
    except (SmokeFailed, subprocess.TimeoutExpired, OSError) as exc:
        print(f"smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    print("smoke test passed: " + "; ".join(checks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
