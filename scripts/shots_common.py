"""What the screenshot scripts (scripts/shots_*.py) share: waiting for the Qt event loop to get
somewhere, and a file keyring standing for the operating system's password store."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication


def wait(app: QApplication, ready: Callable[[], bool], seconds: float = 30) -> None:
    """Run the event loop until ``ready()`` (a worker answered, a page was built)."""
    end = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def file_keyring(folder: Path) -> None:
    """Keep keys in ``folder/keyring.cfg`` (keyrings.alt's file backend): this machine has no OS
    password store, and the screenshots must never touch a real one."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    from desk_app.db import cipher

    path = str(folder / "keyring.cfg")

    class ShotKeyring(PlaintextKeyring):
        @property  # type: ignore[override]
        def file_path(self) -> str:
            return path

    keyring.set_keyring(ShotKeyring())
    os.environ[cipher.PLAINTEXT_KEYRING_ENV] = "1"
