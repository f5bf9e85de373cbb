"""Settings › Safety shows whether an owner key is in use and lets the owner revoke it (issue 18)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desk_app.domain.permissions import Actor
from desk_app.trust.owner_key import OwnerKeyRefused
from ui.context import UiContext
from ui.settings import owner_key as owner_key_ui
from ui.settings.screen import SettingsScreen


def test_the_safety_tab_shows_the_owner_key_and_revokes_it(
    qtbot: QtBot, ctx: UiContext, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = SettingsScreen(ctx)
    qtbot.addWidget(screen)
    panel = screen.tab("safety")
    card = panel.owner_key  # type: ignore[attr-defined]
    assert "No owner key" in card.status.text() and card.revoke_button.isHidden()
    key = ctx.services.owner_key.create(owner)  # as `desk-app owner-key new` does
    card.refresh()
    assert "Owner key in use" in card.status.text() and not card.revoke_button.isHidden()
    assert "Mia Chen" in card.label.text() and key[:8] in card.label.text() and key not in card.label.text()
    asked: list[str] = []
    monkeypatch.setattr(owner_key_ui, "confirm", lambda _p, title, _t: asked.append(title) or False)
    card.revoke_button.click()
    assert asked and ctx.services.owner_key.actor_for_key(key).staff_id == owner.staff_id  # said no
    monkeypatch.setattr(owner_key_ui, "confirm", lambda *_a: True)
    monkeypatch.setattr(owner_key_ui, "show_info", lambda *_a: None)
    card.revoke_button.click()
    assert "No owner key" in card.status.text() and card.revoke_button.isHidden()
    with pytest.raises(OwnerKeyRefused):
        ctx.services.owner_key.actor_for_key(key)
