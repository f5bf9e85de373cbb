"""One guard for unsaved input: a screen that holds typed but unsaved changes says what they are,
and leaving it (another side-bar item, another client, closing the window) asks first.

A screen takes part by having ``unsaved_changes() -> str | None``: None when nothing would be
lost, else the words for what would be (e.g. "the client's details"). ``MainArea.navigate`` and
the window's close ask through :func:`may_leave`. A screen that stays alive after it is left (a
Settings tab) also has ``discard_changes()``: called when the person chose to leave, it shows the
saved values again so the edits are not found there (and asked about) later.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6.QtWidgets import QMessageBox, QWidget

from desk_app.i18n import _


@runtime_checkable
class HoldsUnsaved(Protocol):
    def unsaved_changes(self) -> str | None: ...


def may_leave(screen: QWidget | None, parent: QWidget | None = None) -> bool:
    """True when ``screen`` has nothing unsaved, or the person chose to discard it."""
    if not isinstance(screen, HoldsUnsaved):
        return True
    what = screen.unsaved_changes()
    if not what:
        return True
    box = QMessageBox(parent or screen)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Unsaved changes"))
    box.setText(_("Your changes to {what} are not saved.").format(what=what))
    box.setInformativeText(_("Go back and save them, or leave and lose them."))
    stay = box.addButton(_("Keep editing"), QMessageBox.ButtonRole.RejectRole)
    leave = box.addButton(_("Leave without saving"), QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.exec()
    if box.clickedButton() is not leave:
        return False
    discard = getattr(screen, "discard_changes", None)
    if callable(discard):
        discard()
    return True
