"""Front-desk application core: domain rules, services, database, printing.

This package never imports PySide6 or ``ui`` (enforced by tests/unit/test_layering.py).
"""


def __getattr__(name: str) -> str:
    """``desk_app.__version__``: pyproject.toml's version as installed (also in the desktop
    bundle), read only when asked for (reading package metadata costs start-up time)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("desk-app")
    except PackageNotFoundError:  # a checkout never installed (scripts/bootstrap.sh installs it)
        return "0+unknown"
