"""The one helper that finds the app's own files: ``resources/`` (icons, the stylesheet, fonts,
translation catalogs) and ``migrations/`` (Alembic).

In the repository they are the top-level folders ``resources/`` and ``migrations/``. A wheel, and
the desktop bundle made from it, carries them inside the package as ``desk_app/_bundled/``
(``setup.py`` copies them there and compiles the catalogs when the wheel is built). Both are found
through ``importlib.resources`` from the ``desk_app`` package. Nothing is ever written here at run
time: an installed app may sit in a folder its user cannot write to.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

BUNDLED = "_bundled"


class ResourcesMissing(RuntimeError):
    pass


@cache
def app_root() -> Path:
    """The folder that holds ``resources/`` and ``migrations/``."""
    package = Path(str(files("desk_app")))
    for root in (package / BUNDLED, package.parent):  # installed; a source checkout
        if (root / "resources").is_dir() and (root / "migrations").is_dir():
            return root
    raise ResourcesMissing(
        f"The app's own files (resources/, migrations/) are missing next to {package}. "
        "Install the app again from its wheel or installer."
    )


def is_installed() -> bool:
    """True when running from a wheel or bundle, False from a source checkout."""
    return app_root().name == BUNDLED


def resource_path(*parts: str) -> Path:
    return app_root().joinpath("resources", *parts)


def migrations_dir() -> Path:
    return app_root() / "migrations"


def read_text(*parts: str) -> str:
    return resource_path(*parts).read_text(encoding="utf-8")


def icon_path(name: str) -> Path:
    return resource_path("icons", f"{name}.svg")
