"""The build step pyproject.toml cannot express: the wheel carries the repository's top-level
``resources/`` and ``migrations/`` inside the package, as ``desk_app/_bundled/``, with the
translation catalogs compiled (``desk_app/resources.py`` finds them there through
``importlib.resources``). Everything else about the package is declared in pyproject.toml.

An editable install (``pip install -e .``, what scripts/bootstrap.sh does) copies nothing: the
checkout's own folders are used, and a stale catalog is compiled in memory (desk_app/i18n.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pot", "*.po", "*.mo", "*.mo.tmp")


class BuildPyWithBundle(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib, "desk_app", "_bundled")
        if target.exists():
            shutil.rmtree(target)
        for folder in ("resources", "migrations"):
            shutil.copytree(HERE / folder, target / folder, ignore=SKIP)
        compile_catalogs(HERE / "resources" / "locale", target / "resources" / "locale")


def compile_catalogs(source: Path, target: Path) -> None:
    """Every language's .po compiled to the .mo the app loads (fuzzy entries left out, as
    ``python -m desk_app.i18n_tools compile`` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        lang = po.parent.parent.name
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as f:
            write_mo(f, catalog)


setup(cmdclass={"build_py": BuildPyWithBundle})
