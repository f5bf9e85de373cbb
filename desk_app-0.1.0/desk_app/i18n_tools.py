"""Translation catalog chores: ``python -m desk_app.i18n_tools extract|update|compile``.

extract: scan desk_app/ and ui/ for _(), N_() and ngettext() into resources/locale/desk_app.pot
update:  merge the template into each language's .po (new strings appear untranslated)
compile: write the .mo files the app loads (a checkout whose .mo is stale compiles the .po in memory)
missing OUT.json: the untranslated msgids of zh_CN as a JSON list
fill IN.json: merge {msgid: translation} into the zh_CN catalog (untranslated entries only)
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
    """Write the .mo files. Babel's python-format check is not used: it mistakes "{pct}% off"
    for a %-placeholder; the brace placeholders are checked by tests/unit/test_i18n.py."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang in LANGS:
        po = _po_path(lang)
        if po.exists():
            with po.open("rb") as f:
                catalog = read_po(f, locale=lang)
            with po.with_suffix(".mo").open("wb") as f:
                write_mo(f, catalog)


def _po_path(lang: str) -> Path:
    return locale_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def missing(out: Path, lang: str = "zh_CN") -> int:
    """Write the untranslated msgids of a language as a JSON list (for translators)."""
    import json

    from babel.messages.pofile import read_po

    with _po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    ids = []
    for m in catalog:
        if not m.id:
            continue
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        text = m.string[0] if isinstance(m.string, tuple) else m.string
        if not text or m.fuzzy:
            ids.append(msgid)
    out.write_text(json.dumps(ids, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(ids)


def fill(src: Path, lang: str = "zh_CN") -> int:
    """Merge a JSON object {msgid: translation} into a language's .po (untranslated entries only)."""
    import json

    from babel.messages.pofile import read_po, write_po

    table: dict[str, str] = json.loads(src.read_text(encoding="utf-8"))
    po = _po_path(lang)
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    n = 0
    for m in catalog:
        if not m.id:
            continue
        msgid = str(m.id[0] if isinstance(m.id, (tuple, list)) else m.id)
        text = table.get(msgid)
        if not text:
            continue
        current = m.string[0] if isinstance(m.string, tuple) else m.string
        if current and not m.fuzzy:
            continue
        m.string = (text,) if isinstance(m.id, tuple) else text
        m.flags.discard("fuzzy")
        n += 1
    with po.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False)
    return n


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "compile"
    if cmd == "extract":
        print(extract())
    elif cmd == "update":
        update()
    elif cmd == "compile":
        compile_all()
    elif cmd == "missing":
        print(missing(Path(argv[1])))
    elif cmd == "fill":
        print(fill(Path(argv[1])))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
