"""Translation catalog chores: ``python -m desk_app.i18n_tools extract|update|compile``.

extract: scan desk_app/ and ui/ for _(), N_() and ngettext() into resources/locale/desk_app.pot
update:  merge the template into each language's .po (new strings appear untranslated)
compile: write the .mo files the app loads (the app also compiles a stale .mo on start)
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

from desk_app.i18n import DOMAIN, locale_dir

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("zh_CN",)


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract() -> Path:
    pot = locale_dir() / f"{DOMAIN}.pot"
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_", "-k", "N_", "-k", "ngettext:1,2",
             "--no-location", "--sort-output", "--project", "desk-app", "-o", str(pot), str(ROOT / "desk_app"),
             str(ROOT / "ui"))
    return pot


def update() -> None:
    pot = extract()
    for lang in LANGS:
        po = locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            _pybabel("update", "-i", str(pot), "-d", str(locale_dir()), "-D", DOMAIN, "-l", lang,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-i", str(pot), "-d", str(locale_dir()), "-D", DOMAIN, "-l", lang)


def compile_all() -> None:
    for lang in LANGS:
        po = locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            _pybabel("compile", "-d", str(locale_dir()), "-D", DOMAIN, "-l", lang)


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "compile"
    if cmd == "extract":
        print(extract())
    elif cmd == "update":
        update()
    elif cmd == "compile":
        compile_all()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
