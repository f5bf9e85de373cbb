"""Issue 13: what a newcomer at the counter ran into, each fixed at its cause (one test per item)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ui.shared.widgets import PinDialog


def test_the_owner_pin_dialog_says_why_and_whose_pin(qtbot: QtBot) -> None:
    """Item 11: the reason is shown in the dialog (not only as its title) and it asks for the owner."""
    dlg = PinDialog(None, "A discount above 20% needs the owner's PIN.")
    qtbot.addWidget(dlg)
    assert dlg.windowTitle() == "Owner's PIN"
    assert dlg.reason.text() == "A discount above 20% needs the owner's PIN."
    texts = [w.text() for w in dlg.findChildren(type(dlg.reason))]
    assert any("owner" in t and "PIN" in t for t in texts if t != dlg.reason.text())
