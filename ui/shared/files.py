"""Where save dialogs open: the person's Documents folder, not the folder the app runs from."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def documents_dir() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    # a Documents folder that does not exist (a fresh account, a kiosk) made the save dialog open in
    # the folder the app runs from: the home folder then
    return Path(found) if found and Path(found).is_dir() else Path.home()


def in_documents(name: str) -> str:
    """A suggested file name placed in Documents (a name with a folder is kept as it is)."""
    p = Path(name)
    return str(p if p.is_absolute() or p.parent != Path(".") else documents_dir() / p)
