"""Entry point: `python main.py` (or `desk-app`) opens the app; `desk-app COMMAND` runs a headless command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from desk_app.cli import is_headless, run

    if is_headless(args):
        return run(args)
    from ui.app import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
